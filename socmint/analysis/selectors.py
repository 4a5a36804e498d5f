"""The selector pivot: every selector in the case with who carries it, and from one selector its
posts and accounts. Ibis expressions: the same on DuckDB and Spark."""

from __future__ import annotations

import ibis

from socmint.enrich.selectors import KINDS

# links are pivoted through their domains; every URL of a case would drown the list
PIVOT_KINDS = tuple(k for k in KINDS if k != "url")


def _carried(backend):
    entities = backend.table("entities")
    posts = backend.table("posts")
    sel = entities.filter(entities.kind.isin(PIVOT_KINDS))
    return sel.join(posts, sel.post == posts.uid).select(
        kind=sel.kind, normalized=sel.normalized, value=sel.value, post=sel.post,
        account=posts.account_uid, platform=posts.platform, at=posts.created_at)


def selectors(backend, kind: str | None = None, top: int | None = None,
              skip: tuple[str, ...] = ()) -> list[dict]:
    """Each selector with how many posts and accounts carry it, first and last seen; of one
    kind, or of every kind but those skipped."""
    c = _carried(backend)
    if kind:
        c = c.filter(c.kind == kind)
    if skip:
        c = c.filter(~c.kind.isin(skip))
    agg = c.group_by(["kind", "normalized"]).aggregate(
        posts=c.post.nunique(), accounts=c.account.nunique(), platforms=c.platform.nunique(),
        first_seen=c.at.min(), last_seen=c.at.max(), example=c.value.min())
    agg = agg.order_by([ibis.desc("posts"), ibis.desc("accounts"), "kind", "normalized"])
    if top:
        agg = agg.limit(top)
    return backend.to_pyarrow(agg).to_pylist()


def pivot(backend, value: str, kind: str | None = None) -> dict:
    """Every post and account carrying a selector, named by its normalised or written form."""
    c = _carried(backend)
    value = value.strip()
    c = c.filter((c.normalized == value) | (c.value == value))
    if kind:
        c = c.filter(c.kind == kind)
    posts = backend.table("posts")
    hits = c.join(posts, c.post == posts.uid).select(
        kind=c.kind, normalized=c.normalized, post=c.post, account=c.account,
        platform=c.platform, at=c.at, text=posts.text).order_by(["at", "post"])
    rows = backend.to_pyarrow(hits).to_pylist()
    return {"posts": rows, "accounts": sorted({r["account"] for r in rows if r["account"]})}
