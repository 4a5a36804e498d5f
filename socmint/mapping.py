"""Raw items -> envelopes, compressed frames and observation rows: the CPU-bound half of import.

Kept apart from the pipeline (no database, no Ibis) so worker processes can run it in parallel
and send back Arrow tables, which cross process boundaries cheaply.
"""

from __future__ import annotations

import csv
import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import orjson
import pyarrow as pa

from socmint import __version__, enrich, evidence, sources
from socmint.errors import RejectedItem
from socmint.framing import file_kind, read_csv_record, split_ytd
from socmint.model import TABLES, Records, arrow_table
from socmint.sources import generic, rss
from socmint.sources.common import ArchivePart


@dataclass
class RawItem:
    data: bytes
    digest: str
    origin: str
    offset: int  # byte offset in the source file
    line: int
    retrieved_at: datetime  # used when the payload does not say
    retrieved_at_source: str
    framing: str = "lines"  # how the item was cut from its file (ingest.FRAMINGS)
    context: dict | None = None  # what mapping needs from outside the bytes (archive owner, ...)


@dataclass
class Mapped:
    """What a chunk of items became; lists run parallel to the chunk's items."""

    envelopes: list[dict]
    frames: list[bytes]  # zstd-compressed raw bytes
    record_counts: list[int | None]  # None for a rejected item
    tables: dict[str, pa.Table]


def decode(data: bytes, framing: str, context: dict | None):
    """The value a mapper reads, from an item's bytes and how they were cut from their file."""
    if framing == "csv":
        return read_csv_record(data)
    if framing == "feed":
        return rss.parse(data, (context or {}).get("url"))
    if framing == "ytd":
        name, part, body = split_ytd(data)
        return ArchivePart(name=name, part=part, items=orjson.loads(body),
                           owner=(context or {}).get("owner"))
    doc = orjson.loads(data)
    defaults = (context or {}).get("payload_defaults")
    if defaults:  # what the request knew and the answer leaves out (a 4chan board)
        if type(doc) is dict:
            doc = {**defaults, **doc}
        elif type(doc) is list:
            doc = [{**defaults, **d} if type(d) is dict else d for d in doc]
    return doc


def map_one(it: RawItem, method: str, operator: str, run: str, region: str | None = None):
    """Envelope and records of one item; a failure is a rejection with its reason, never a loss."""
    env = {"sha256": it.digest, "size": len(it.data), "platform": None, "format": "unknown",
           "method": method, "tool_version": __version__, "mapper_version": None,
           "retrieved_at": it.retrieved_at, "retrieved_at_source": it.retrieved_at_source,
           "origin": it.origin, "source_offset": it.offset, "source_line": it.line,
           "operator": operator, "run": run, "status": "mapped", "reason": None,
           "framing": it.framing, "source_url": None,
           "context": orjson.dumps(it.context).decode() if it.context else None}
    if it.framing == "file":  # kept whole as evidence; no mapper reads it
        env.update(status="stored", format=f"file:{file_kind(it.data)}")
        return env, Records()
    try:
        doc = decode(it.data, it.framing, it.context)
    except (orjson.JSONDecodeError, ValueError, UnicodeDecodeError, csv.Error) as exc:
        what = {"csv": "CSV", "feed": "feed"}.get(it.framing, "JSON")
        env.update(status="rejected", reason=f"not valid {what}: {exc}"[:300])
        return env, None
    mapping = (it.context or {}).get("mapping")
    found = (generic, generic.format_for(it.framing)) if mapping else sources.detect(doc)
    if found is not None:
        module, fmt = found
        env.update(platform=module.PLATFORM, format=fmt, mapper_version=module.MAPPER_VERSION)
    try:
        records = (generic.map_declared(doc, mapping, found[1]) if mapping
                   else sources.map_detected(found, doc))
        try:
            enrich.add_to(records, region)
        except Exception as exc:  # an enricher bug must not lose the item: keep it, say why
            raise RejectedItem(f"enrichers: {type(exc).__name__}: {exc}"[:500]) from exc
    except RejectedItem as exc:
        env.update(status="rejected", reason=str(exc)[:500])
        return env, None
    env.update(records.envelope)
    if records.retrieved_at is not None and it.retrieved_at_source == "file_mtime":
        env.update(retrieved_at=records.retrieved_at, retrieved_at_source="payload")
    return env, records


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector for bulk work.

    Parsed payloads are millions of small, acyclic dicts; the collector would otherwise rescan
    them over and over (measured: JSON parsing three times slower with it running).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def map_chunk(items: list[RawItem], method: str, operator: str, run: str,
              compress: bool = True, region: str | None = None) -> Mapped:
    with paused_gc():
        return _map_chunk(items, method, operator, run, compress, region)


def _map_chunk(items, method, operator, run, compress, region) -> Mapped:
    zc = evidence.compressor()
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    envelopes, frames, counts = [], [], []
    for it in items:
        env, records = map_one(it, method, operator, run, region)
        envelopes.append(env)
        frames.append(zc.compress(it.data) if compress else b"")
        if records is None:
            counts.append(None)
            continue
        n = 0
        observed = env["retrieved_at"]
        for t in TABLES:
            out = rows[t]
            for row in records.tables[t].values():
                row["evidence"] = it.digest
                row["observed_at"] = observed
                row["source_offset"] = it.offset
                out.append(row)
                n += 1
        counts.append(n)
    return Mapped(envelopes, frames, counts, {t: arrow_table(t, rows[t]) for t in TABLES})
