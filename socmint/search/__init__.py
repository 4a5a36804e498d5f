"""Full-text search of a case's posts: a tantivy index beside the tables, and a query language.

    from socmint import search
    search.build(case)                       # index every post (also: refresh builds if needed)
    search.refresh(case)                     # after an import or collect: index what changed
    search.update(case, uids)                # re-index these posts (edited, deleted, enriched)
    r = search.search(case, 'fire "old port" -hoax lang:en since:2026-03-02', sort="time")
    r.total, r.hits[0].uid, r.hits[0].snippet, r.facets["platform"]

The query language is described in socmint.search.query; a malformed query raises
search.QueryError (a SocmintError) whose message points at the column of the problem.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import orjson
import tantivy

from socmint.case import Case
from socmint.errors import SocmintError
from socmint.search import index as _ix
from socmint.search.index import SearchIndexError, build, refresh, status, update
from socmint.search.query import QueryError, compile_query, parse

__all__ = ["Bucket", "Hit", "QueryError", "Result", "SearchIndexError", "build", "parse",
           "refresh", "search", "status", "update"]

SORTS = ("relevance", "time")
FACETS = {  # facet name -> index field
    "platform": "platform", "language": "lang", "author": "account", "hashtag": "hashtag",
    "domain": "domain",
}
FACET_SIZE = 20
MAX_LIMIT = 10_000
SNIPPET_CHARS = 200
DAY_US = 86_400 * 1_000_000
_EPOCH = date(1970, 1, 1)
# the days a date can name (a hostile created_at in year 40000 counts in no day)
_FIRST_DAY = (date(1, 1, 1) - _EPOCH).days * DAY_US
_LAST_DAY = (date(9999, 12, 31) - _EPOCH).days * DAY_US


@dataclass
class Hit:
    uid: str
    score: float | None  # BM25 relevance; None when sorted by time
    created_at: datetime | None
    platform: str | None
    author: str | None  # handle (else display name, else account uid)
    snippet: str  # the text around the first match (or its beginning), one line
    highlights: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in snippet
    deleted: bool = False


@dataclass
class Bucket:
    value: str  # the indexed value (for author: the account uid)
    count: int
    label: str | None = None  # for author: the handle


@dataclass
class Result:
    query: str
    sort: str  # what the hits are ordered by: "relevance" or "time" (newest first)
    total: int
    hits: list[Hit]
    facets: dict[str, list[Bucket]]  # platform, language, author, day, hashtag, domain
    took_ms: float


def search(case: Case, query: str, sort: str = "relevance", limit: int = 50,
           facets: bool = True, *, offset: int = 0) -> Result:
    """Posts matching `query`, best first (or newest first with sort="time"), with counts.

    Relevance needs words to rank by: a query of fields only (author:, since:, ...) is sorted
    newest first. Facets count over every match, not only the hits returned. Everything comes
    from the index: a search reads no table.
    """
    started = time.perf_counter()
    if sort not in SORTS:
        raise SocmintError(f"sort by one of {', '.join(SORTS)}, not {sort!r}")
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise SocmintError(f"limit: 0 to {MAX_LIMIT}; offset: 0 or more")
    idx, _ = _ix.opened(case)
    searcher = idx.searcher()
    compiled = compile_query(query, searcher)
    by_time = sort == "time" or not compiled.scored
    top = max(1, limit)  # tantivy wants at least one
    if by_time:
        res = searcher.search(compiled.query, top, count=True, order_by_field="time",
                              offset=offset)
    else:
        res = searcher.search(compiled.query, top, count=True, offset=offset)
    counts = _facets(searcher, compiled.query) if facets and res.count else {}
    for b in counts.get("author", []):
        b.label = _author_label(searcher, b.value)
    hits = []
    for score, addr in res.hits[:limit]:
        doc = searcher.doc(addr)
        row = orjson.loads(doc.get_first("row"))
        snippet, marks = make_snippet(row["text"] or "", compiled.highlight)
        hits.append(Hit(doc.get_first("uid"), None if by_time else float(score),
                        _time(row["t"]), row["platform"], row["author"] or row["account"],
                        snippet, marks, row["deleted"]))
    return Result(query, "time" if by_time else "relevance", res.count, hits, counts,
                  (time.perf_counter() - started) * 1000)


def _time(us: int | None) -> datetime | None:
    if us is None:
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)
    except OverflowError:
        return None


def _author_label(searcher, account: str) -> str | None:
    """The handle of an author bucket, read from one of its posts."""
    q = tantivy.Query.term_query(_ix.SCHEMA, "account", account)
    res = searcher.search(q, 1)
    if not res.hits:
        return None
    return orjson.loads(searcher.doc(res.hits[0][1]).get_first("row"))["author"]


def _facets(searcher, query) -> dict[str, list[Bucket]]:
    """Counts per facet over every match. The author facet (as many values as accounts) costs
    as much as all the others together, so it runs on a second thread, beside them: tantivy
    releases the GIL (measured at 10M posts, 965k matches: 88 ms in one call, 46 ms so)."""
    aggs = {name: {"terms": {"field": f, "size": FACET_SIZE}} for name, f in FACETS.items()}
    aggs["day"] = {"histogram": {"field": "time", "interval": DAY_US, "min_doc_count": 1,
                                 "hard_bounds": {"min": _FIRST_DAY, "max": _LAST_DAY}}}
    author = _pool().submit(searcher.aggregate, query, {"author": aggs.pop("author")})
    out = searcher.aggregate(query, aggs)
    out.update(author.result())
    facets = {}
    for name in FACETS:
        facets[name] = [Bucket(str(b["key"]), int(b["doc_count"]))
                        for b in out.get(name, {}).get("buckets", [])]
    facets["day"] = [Bucket((_EPOCH + timedelta(days=round(b["key"] / DAY_US))).isoformat(),
                            int(b["doc_count"]))
                     for b in out.get("day", {}).get("buckets", []) if b["doc_count"]]
    return facets


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="socmint-facets")


def make_snippet(text: str, highlight: list[tuple[str, bool]],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """The text around its first match, on one line, and where the matched words are in it."""
    flat = "".join(" " if c in "\r\n\t\v\f" else c for c in text)
    marks: list[tuple[int, int]] = []
    if highlight and flat:
        exact = {t for t, prefix in highlight if not prefix}
        prefixes = tuple(t for t, prefix in highlight if prefix)
        for tok in _ix.analyzer().pre_tokenize(flat).tokens:
            t = tok.text
            if not t.isascii():
                t = "".join(_ix.terms(t))
            if t in exact or (prefixes and t.startswith(prefixes)):
                marks.append((tok.char_offset_from, tok.char_offset_to))
    if len(flat) <= width:
        return flat, marks
    start = 0
    if marks:
        start = max(0, marks[0][0] - width // 3)
        if start:
            space = flat.rfind(" ", max(0, start - 20), marks[0][0])
            start = space + 1 if space >= 0 else start
    end = min(len(flat), start + width)
    lead = "…" if start else ""
    shown = lead + flat[start:end] + ("…" if end < len(flat) else "")
    shift = len(lead) - start
    kept = [(a + shift, b + shift) for a, b in marks if a >= start and b <= end]
    return shown, kept
