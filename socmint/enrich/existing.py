"""`socmint enrich`: the per-post enrichers run again over the posts already in a case.

For a case imported before an enricher existed, or whose region (for phone numbers) changed. It
gives what a remap would give for the enrichers, without decoding the raw items again: every
observation of a post that carried text or coordinates is enriched, and what it finds is stamped
with that observation's evidence and time, as at import. What enrichers alone write (selectors
but links, language, places) is first forgotten, so an enricher that has become stricter leaves
no stale rows; links and domains are shared with the mappers, so those are only ever added.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pyarrow as pa

from socmint import audit, search, store
from socmint.case import Case
from socmint.enrich import KINDS, entities
from socmint.enrich.selectors import KINDS as SELECTOR_KINDS
from socmint.ingest import new_run_id, record_run
from socmint.model import arrow_table, entity_uid

SHARED_KINDS = ("url", "domain")  # mappers write these too
OWN_KINDS = tuple(k for k in SELECTOR_KINDS if k not in SHARED_KINDS) + KINDS
BATCH = 20_000


def enrich_case(case: Case, progress: Callable[[int, int], None] | None = None) -> dict:
    """Re-derive the enrichers' entities of every post; returns counts. Audited."""
    run = new_run_id()
    started = datetime.now(timezone.utc)
    region = case.settings.region
    counts = {"observations": 0, "entities": 0}
    with case.writing():
        con = store.connect(case)
        try:
            total = store.scalar(con, "SELECT count(*) FROM posts_obs WHERE repost_of IS NULL "
                                      "AND (text IS NOT NULL OR lat IS NOT NULL)")
            con.execute("BEGIN")
            con.execute("DELETE FROM entities_obs WHERE list_contains(?, kind)", [list(OWN_KINDS)])
            cur = con.cursor()
            reader = cur.sql(
                "SELECT uid, platform, text, lat, lon, evidence, observed_at, source_offset "
                "FROM posts_obs WHERE repost_of IS NULL AND (text IS NOT NULL OR lat IS NOT NULL)"
            ).to_arrow_reader(BATCH)
            for batch in reader:
                rows = []
                for uid, platform, text, lat, lon, ev, at, off in zip(
                        *(batch.column(i).to_pylist() for i in range(batch.num_columns)),
                        strict=True):
                    for kind, value, normalized in entities(text, lat, lon, region):
                        rows.append({"uid": entity_uid(uid, kind, normalized),
                                     "platform": platform, "post": uid, "kind": kind,
                                     "value": value, "normalized": normalized, "deleted": None,
                                     "evidence": ev, "observed_at": at, "source_offset": off})
                counts["observations"] += batch.num_rows
                counts["entities"] += _insert_new(con, arrow_table("entities", rows))
                if progress:
                    progress(counts["observations"], total)
            cur.close()
            con.execute("COMMIT")
            store.rebuild_current(con, tables=("entities",))
            record_run(con, run, "enrich", started, {"region": region}, counts)
            counts["search"] = search.refresh(case, con=con)["action"]
        finally:  # an unfinished enrich is rolled back when the connection closes
            con.close()
        audit.record(case, "enrich", {"run": run, "region": region},
                     {k: v for k, v in counts.items() if k != "search"})
    return counts


def _insert_new(con, rows: pa.Table) -> int:
    """Insert the observations not already held (the same entity from the same evidence: only
    links and domains can be, the rest were just forgotten)."""
    if not rows.num_rows:
        return 0
    con.register("_enriched", rows)
    try:
        return con.execute("""
            INSERT INTO entities_obs BY NAME
            SELECT DISTINCT ON (n.uid, n.evidence) n.* FROM _enriched n
            WHERE NOT list_contains($1, n.kind) OR NOT EXISTS (
              SELECT 1 FROM entities_obs o
              WHERE list_contains($1, o.kind) AND o.uid = n.uid AND o.evidence = n.evidence)
        """, [list(SHARED_KINDS)]).fetchone()[0]
    finally:
        con.unregister("_enriched")
