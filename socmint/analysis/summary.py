"""The case summary: what is in it, who is busiest, what is talked about, what was rejected.

Written once as Ibis expressions; runs unchanged on DuckDB and on Spark. Every ranking breaks
ties on its key so both engines give the same list.
"""

from __future__ import annotations

from datetime import datetime, timezone

import ibis

from socmint.analysis.selectors import selectors

TOP = 10


def _rows(backend, expr) -> list[dict]:
    return backend.to_pyarrow(expr).to_pylist()


def summary(backend, top: int = TOP) -> dict:
    """A dict of plain values (no engine types), the same on every engine."""
    posts = backend.table("posts")
    accounts = backend.table("accounts")
    interactions = backend.table("interactions")
    entities = backend.table("entities")
    media = backend.table("media")
    ev = backend.table("evidence")

    live_posts = posts.filter(posts.deleted_at.isnull())
    per_platform = {}
    for name, t in (("accounts", accounts), ("posts", live_posts), ("media", media),
                    ("entities", entities), ("interactions", interactions)):
        for r in _rows(backend, t.group_by("platform").aggregate(n=t.count()).order_by("platform")):
            per_platform.setdefault(r["platform"] or "unknown", {})[name] = r["n"]

    post_kind = ibis.cases(
        (live_posts.repost_of.notnull(), "repost"),
        (live_posts.quote_of.notnull(), "quote"),
        (live_posts.reply_to.notnull(), "reply"),
        else_="original",
    )
    kinds = _rows(backend, live_posts.mutate(kind=post_kind)
                  .group_by(["platform", "kind"]).aggregate(n=ibis._.count())
                  .order_by(["platform", "kind"]))
    interaction_kinds = _rows(backend, interactions.filter(interactions.deleted_at.isnull())
                              .group_by(["platform", "kind"]).aggregate(n=ibis._.count())
                              .order_by(["platform", "kind"]))

    authored = live_posts.filter(live_posts.account_uid.notnull())  # not deleted or anonymous
    per_account = authored.group_by("account_uid").aggregate(posts=authored.count())
    busiest = per_account.join(accounts, per_account.account_uid == accounts.uid, how="left")
    busiest = _rows(backend, busiest.select(
        uid=per_account.account_uid, handle=accounts.handle, platform=accounts.platform,
        posts=per_account.posts).order_by([ibis.desc("posts"), "uid"]).limit(top))

    def top_entities(kind: str) -> list[dict]:
        e = entities.filter((entities.kind == kind) & entities.deleted_at.isnull())
        e = e.group_by("normalized").aggregate(posts=e.post.nunique())
        return _rows(backend, e.order_by([ibis.desc("posts"), "normalized"]).limit(top)
                     .rename(value="normalized"))

    formats = _rows(backend, ev.group_by(["platform", "format", "status"])
                    .aggregate(items=ev.count()).order_by(["platform", "format", "status"]))
    rejected = ev.filter(ev.status == "rejected")
    rejected_reasons = _rows(backend, rejected.group_by("reason").aggregate(items=rejected.count())
                             .order_by([ibis.desc("items"), "reason"]).limit(top))

    hour = live_posts.created_at.truncate("h")
    hourly = _rows(backend, live_posts.filter(live_posts.created_at.notnull())
                   .group_by(hour=hour).aggregate(posts=ibis._.count()).order_by("hour"))

    totals = {
        "evidence_items": _scalar(backend, ev.count()),
        "rejected_items": _scalar(backend, rejected.count()),
        "accounts": _scalar(backend, accounts.count()),
        "posts": _scalar(backend, live_posts.count()),
        "deleted_posts": _scalar(backend, posts.filter(posts.deleted_at.notnull()).count()),
        "edited_posts": _scalar(backend, _edited(backend)),
        "interactions": _scalar(backend, interactions.count()),
        "media": _scalar(backend, media.count()),
        "entities": _scalar(backend, entities.count()),
    }
    return {
        "totals": totals,
        "per_platform": per_platform,
        "post_kinds": kinds,
        "interaction_kinds": interaction_kinds,
        "busiest_accounts": busiest,
        "top_hashtags": top_entities("hashtag"),
        "top_domains": top_entities("domain"),
        "top_mentions": top_entities("mention"),
        # domains have a list of their own above
        "top_selectors": [{**r, "first_seen": _iso(r["first_seen"]),
                           "last_seen": _iso(r["last_seen"])}
                          for r in selectors(backend, top=top, skip=("domain",))],
        "languages": top_entities("language"),
        "top_places": top_entities("place"),
        "formats": formats,
        "rejected_reasons": rejected_reasons,
        "posts_per_hour": [{"hour": _iso(r["hour"]), "posts": r["posts"]} for r in hourly],
    }


def _edited(backend):
    """Posts whose text was seen in more than one version."""
    obs = backend.table("posts_obs")
    versions = obs.filter(obs.text.notnull()).group_by("uid").aggregate(v=obs.text.nunique())
    return versions.filter(versions.v > 1).count()


def _scalar(backend, expr) -> int:
    return int(backend.execute(expr))


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    return str(value)
