"""Saved searches: a query an analyst names once and runs again, by hand or on every new item.

A saved search is kept in the case (so it travels with it, and its history is in the audit
log). `matches(case, name_or_query, uids)` answers "which of these posts does it match": that is
how a watchlist raises an alert when an import or collection brings a post the search finds.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import tantivy

from socmint import audit, store
from socmint.case import Case, operator
from socmint.errors import SocmintError
from socmint.search import SORTS
from socmint.search import index as ix
from socmint.search.query import compile_query, parse

DDL = """
CREATE TABLE IF NOT EXISTS saved_searches (
  name VARCHAR PRIMARY KEY, query VARCHAR NOT NULL, sort VARCHAR, note VARCHAR,
  created_at TIMESTAMPTZ, created_by VARCHAR)"""
NAME = re.compile(r"[\w][\w.-]{0,63}")
MATCH_CHUNK = 10_000  # uids per term-set query: bounds the size of one query


def _valid_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise SocmintError(f"a saved search name is letters, digits, '.', '-' and '_' (up to "
                           f"64), not {name!r}")
    return name


def save(case: Case, name: str, query: str, sort: str = "relevance", note: str | None = None
         ) -> dict:
    """Save (or replace) a named query; a malformed query is refused with its error. Audited."""
    _valid_name(name)
    parse(query)  # raises QueryError pointing at the problem
    if sort not in SORTS:
        raise SocmintError(f"sort by one of {', '.join(SORTS)}, not {sort!r}")
    row = {"name": name, "query": query, "sort": sort, "note": note,
           "created_at": datetime.now(timezone.utc), "created_by": operator()}
    with case.writing():
        con = store.connect(case)
        try:
            con.execute(DDL)
            before = con.execute("SELECT query FROM saved_searches WHERE name = ?",
                                 [name]).fetchone()
            con.execute("INSERT OR REPLACE INTO saved_searches VALUES (?, ?, ?, ?, ?, ?)",
                        list(row.values()))
        finally:
            con.close()
        audit.record(case, "search.save", {"name": name, "query": query, "sort": sort,
                                           "replaced": before[0] if before else None})
    return row


def saved(case: Case) -> list[dict]:
    """Every saved search, by name."""
    con = store.connect(case, read_only=True)
    try:
        if not store.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                                 "'saved_searches' AND schema_name = 'main'"):
            return []
        cur = con.execute("SELECT * FROM saved_searches ORDER BY name")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def get(case: Case, name: str) -> dict:
    for s in saved(case):
        if s["name"] == name:
            return s
    raise SocmintError(f"no saved search {name!r} (see `socmint search --list`)")


def remove(case: Case, name: str) -> None:
    found = get(case, name)
    with case.writing():
        con = store.connect(case)
        try:
            con.execute("DELETE FROM saved_searches WHERE name = ?", [name])
        finally:
            con.close()
        audit.record(case, "search.remove", {"name": name, "query": found["query"]})


def matches(case: Case, query: str, uids: list[str]) -> set[str]:
    """The posts among `uids` that `query` matches, read from the search index (which must be
    up to date with them: call after search.refresh)."""
    if not uids:
        return set()
    idx, _ = ix.opened(case)
    searcher = idx.searcher()
    compiled = compile_query(query, searcher)
    schema = idx.schema
    found: set[str] = set()
    for i in range(0, len(uids), MATCH_CHUNK):
        part = uids[i:i + MATCH_CHUNK]
        q = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, compiled.query),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "uid", part))])
        res = searcher.search(q, len(part))
        found.update(searcher.doc(addr).get_first("uid") for _, addr in res.hits)
    return found
