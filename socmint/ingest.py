"""The one import pipeline: frame -> hash -> evidence -> map -> observation tables -> audit.

Files are read as a stream of raw items (one JSON document, or one line of a JSON-lines file),
detected by content. Items are processed in batches; each batch is one DuckDB transaction
(evidence index + observations), written after its pack bytes are on disk, so a killed import
resumes by skipping what is already stored and ends with the tables of one clean run.

Item counts reconcile: read = new + updated + duplicate + rejected, where `duplicate` means the
exact bytes are already in the evidence store, `rejected` means stored but unreadable (with the
reason), `updated` means every record it holds was already known (a new observation), and `new`
means it holds at least one record not seen before (or, being an empty item, nothing to map).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pyarrow as pa

from socmint import __version__, audit, evidence, sources, store
from socmint.case import Case, operator
from socmint.errors import RejectedItem, SocmintError
from socmint.model import TABLES, arrow_table

BATCH_ITEMS = int(os.environ.get("SOCMINT_BATCH_ITEMS", "2000"))  # items per transaction
BATCH_BYTES = 16 << 20
MAX_DOCUMENT = 1 << 30  # a whole-file JSON document larger than this is rejected, not loaded


@dataclass
class RawItem:
    data: bytes
    origin: str
    offset: int
    line: int
    retrieved_at: datetime  # fallback when the payload does not say
    retrieved_at_source: str


@dataclass
class FileReport:
    path: str
    framing: str
    counts: Counter = field(default_factory=Counter)  # read/new/updated/duplicate/rejected
    formats: Counter = field(default_factory=Counter)


@dataclass
class ImportReport:
    run: str
    files: list[FileReport] = field(default_factory=list)
    items: Counter = field(default_factory=Counter)
    rows_new: Counter = field(default_factory=Counter)  # per table: records never seen before
    rows_seen_again: Counter = field(default_factory=Counter)  # per table: new observations
    rejected: list[dict] = field(default_factory=list)  # first few reasons, for the user

    def as_dict(self) -> dict:
        return {
            "run": self.run,
            "items": {k: self.items.get(k, 0) for k in
                      ("read", "new", "updated", "duplicate", "rejected")},
            "rows_new": dict(self.rows_new),
            "rows_seen_again": dict(self.rows_seen_again),
            "files": [{"path": f.path, "framing": f.framing, "formats": dict(f.formats),
                       **{k: f.counts.get(k, 0) for k in
                          ("read", "new", "updated", "duplicate", "rejected")}}
                      for f in self.files],
            "rejected_examples": self.rejected[:20],
        }


def walk(paths: Iterable[Path]) -> list[Path]:
    """Files named, and files inside folders named, in a stable order."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")))
        elif p.is_file():
            out.append(p)
        else:
            raise SocmintError(f"no such file or folder: {p}")
    return out


def framing(path: Path) -> str:
    """'lines' for JSON lines, 'document' for one JSON document, decided by content."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
        stripped = head.lstrip()
        if not stripped:
            return "empty"
        if stripped[:1] == b"[":
            return "document"
        fh.seek(len(head) - len(stripped))
        first = fh.readline()
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "document"
        return "lines"


def read_items(path: Path, kind: str) -> Iterator[RawItem]:
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    origin = f"file:{path.resolve()}"
    if kind == "empty":
        return
    if kind == "document":
        size = path.stat().st_size
        if size > MAX_DOCUMENT:
            data = b'{"socmint_rejected": "document larger than 1 GiB"}'
        else:
            data = path.read_bytes()
        yield RawItem(data.strip(), origin, 0, 1, mtime, "file_mtime")
        return
    offset = 0
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, start=1):
            raw = line.rstrip(b"\r\n")
            if raw.strip():
                yield RawItem(raw, origin, offset, n, mtime, "file_mtime")
            offset += len(line)


class Importer:
    """One run of the pipeline into one case; used by import and remap."""

    def __init__(self, case: Case, con, run: str, method: str = "import"):
        self.case = case
        self.con = con
        self.run = run
        self.method = method
        self.packs = evidence.PackWriter(case.evidence_dir / "packs", run)
        self.report = ImportReport(run=run)
        self.who = operator()

    # -- batching -------------------------------------------------------------------------
    def import_file(self, path: Path, progress: Callable[[int], None] | None = None) -> FileReport:
        kind = framing(path)
        fr = FileReport(str(path), kind)
        self.report.files.append(fr)
        batch: list[RawItem] = []
        size = 0
        for item in read_items(path, kind):
            batch.append(item)
            size += len(item.data)
            if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
                self._batch(batch, fr)
                if progress:
                    progress(size)
                batch, size = [], 0
        if batch:
            self._batch(batch, fr)
            if progress:
                progress(size)
        return fr

    def _batch(self, items: list[RawItem], fr: FileReport) -> None:
        now = datetime.now(timezone.utc)
        digests = [hashlib.sha256(it.data).hexdigest() for it in items]
        known = self._known("evidence", "sha256", set(digests))
        ev_rows, sightings = [], []
        obs: dict[str, list[dict]] = {t: [] for t in TABLES}
        per_item: list[tuple[str, dict[str, set]]] = []  # (outcome, uids per table)
        seen_here: set[str] = set()
        for it, digest in zip(items, digests):
            fr.counts["read"] += 1
            sightings.append({"sha256": digest, "run": self.run, "origin": it.origin,
                              "source_offset": it.offset, "source_line": it.line, "seen_at": now})
            if digest in known or digest in seen_here:
                fr.counts["duplicate"] += 1
                continue
            seen_here.add(digest)
            env, records = self._map(it, digest)
            fr.formats[env["format"]] += 1
            name, at, stored = self.packs.put(it.data)
            env.update(sha256=digest, size=len(it.data), pack=name, pack_offset=at,
                       stored_size=stored, stored_at=now)
            ev_rows.append(env)
            if records is None:
                fr.counts["rejected"] += 1
                if len(self.report.rejected) < 100:
                    self.report.rejected.append({"origin": it.origin, "line": it.line,
                                                 "sha256": digest, "reason": env["reason"]})
                continue
            uids = self._stamp(records, digest, env["retrieved_at"], it.offset, obs)
            per_item.append(("mapped", uids))
        self._classify(per_item, fr)
        self.packs.sync()
        self._commit(ev_rows, sightings, obs)

    def _map(self, it: RawItem, digest: str):
        env = {"platform": None, "format": "unknown", "method": self.method,
               "tool_version": __version__, "mapper_version": None,
               "retrieved_at": it.retrieved_at, "retrieved_at_source": it.retrieved_at_source,
               "origin": it.origin, "source_offset": it.offset, "source_line": it.line,
               "operator": self.who, "run": self.run, "status": "mapped", "reason": None}
        try:
            doc = orjson.loads(it.data)
        except orjson.JSONDecodeError as exc:
            env.update(status="rejected", reason=f"not valid JSON: {exc}"[:300])
            return env, None
        found = sources.detect(doc)
        if found is not None:
            module, fmt = found
            env.update(platform=module.PLATFORM, format=fmt, mapper_version=module.MAPPER_VERSION)
        try:
            _, _, records = sources.map_item(doc)
        except RejectedItem as exc:
            env.update(status="rejected", reason=str(exc)[:500])
            return env, None
        if records.retrieved_at is not None:
            env.update(retrieved_at=records.retrieved_at, retrieved_at_source="payload")
        return env, records

    @staticmethod
    def _stamp(records, digest, observed_at, offset, obs) -> dict[str, set]:
        uids = {}
        for t in TABLES:
            rows = records.tables[t]
            uids[t] = set(rows)
            for row in rows.values():
                row["evidence"] = digest
                row["observed_at"] = observed_at
                row["source_offset"] = offset
                obs[t].append(row)
        return uids

    def _classify(self, per_item, fr: FileReport) -> None:
        """new vs updated per item, and new vs seen-again per table, against what is stored."""
        known = {t: self._known(f"{t}_obs", "uid", set().union(*(u[t] for _, u in per_item)))
                 for t in TABLES} if per_item else {}
        counted: dict[str, set] = {t: set() for t in TABLES}
        for _, uids in per_item:
            fresh = False
            for t in TABLES:
                for uid in uids[t]:
                    if uid in known[t]:
                        self.report.rows_seen_again[t] += 1
                    elif uid in counted[t]:
                        self.report.rows_seen_again[t] += 1
                    else:
                        counted[t].add(uid)
                        self.report.rows_new[t] += 1
                        fresh = True
            empty = not any(uids[t] for t in TABLES)
            fr.counts["new" if fresh or empty else "updated"] += 1

    def _known(self, table: str, column: str, values: set[str]) -> set[str]:
        if not values:
            return set()
        probe = pa.table({"v": list(values)})  # noqa: F841 (read by DuckDB by name)
        rows = self.con.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN (SELECT v FROM probe)"
        ).fetchall()
        return {r[0] for r in rows}

    def _commit(self, ev_rows, sightings, obs) -> None:
        con = self.con
        con.execute("BEGIN")
        try:
            if ev_rows:
                ev = pa.Table.from_pylist(ev_rows, schema=evidence.INDEX_SCHEMA)  # noqa: F841
                con.execute("INSERT INTO evidence SELECT * FROM ev")
            if sightings:
                si = pa.Table.from_pylist(sightings, schema=evidence.SIGHTINGS_SCHEMA)  # noqa: F841
                con.execute("INSERT INTO evidence_sightings SELECT * FROM si")
            for t in TABLES:
                if obs[t]:
                    rows = arrow_table(t, obs[t])  # noqa: F841
                    con.execute(f"INSERT INTO {t}_obs SELECT * FROM rows")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def finish(self) -> None:
        self.packs.close()
        for fr in self.report.files:
            self.report.items.update(fr.counts)


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def import_paths(case: Case, paths: Iterable[Path], *,
                 on_file: Callable[[Path, int], Callable[[int], None] | None] | None = None,
                 on_file_done: Callable[[FileReport], None] | None = None) -> ImportReport:
    """Import files and folders into the case; returns reconciled counts.

    `on_file(path, size)` may return a progress callback fed with bytes processed.
    """
    files = walk(paths)
    run = new_run_id()
    started = datetime.now(timezone.utc)
    with case.writing():
        con = store.connect(case)
        try:
            imp = Importer(case, con, run)
            try:
                for path in files:
                    progress = on_file(path, path.stat().st_size) if on_file else None
                    fr = imp.import_file(path, progress)
                    if on_file_done:
                        on_file_done(fr)
            finally:
                imp.finish()
            store.rebuild_current(con)
            store.export_lake(case, con)
            report = imp.report
            _record_run(con, run, "import", started, {"paths": [str(p) for p in files]},
                        report.as_dict())
        finally:
            con.close()
        audit.record(case, "import", {"paths": [str(Path(p).resolve()) for p in paths],
                                      "run": run},
                     {"files": len(files), **report.as_dict()["items"],
                      **{f"new_{t}": n for t, n in report.rows_new.items()}})
    return report


def _record_run(con, run, action, started, params, counts) -> None:
    con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [run, action, started, datetime.now(timezone.utc), operator(),
                 orjson.dumps(params).decode(), orjson.dumps(counts, default=str).decode(), "done"])


def remap(case: Case, progress: Callable[[int], None] | None = None) -> dict:
    """Re-run today's mappers over every stored raw item, without reading any source again."""
    run = new_run_id()
    started = datetime.now(timezone.utc)
    counts: Counter = Counter()
    with case.writing():
        con = store.connect(case)
        try:
            imp = Importer(case, con, run, method="remap")
            reader = evidence.PackReader(case.evidence_dir / "packs")
            total = con.execute("SELECT count(*) FROM evidence").fetchone()[0]
            con.execute("BEGIN")
            for t in TABLES:
                con.execute(f"DELETE FROM {t}_obs")
            cur = con.cursor()
            cur.execute("SELECT sha256, pack, pack_offset, stored_size, retrieved_at, "
                        "retrieved_at_source, origin, source_offset, source_line, method "
                        "FROM evidence ORDER BY run, pack, pack_offset")
            obs: dict[str, list[dict]] = {t: [] for t in TABLES}
            updates = []
            while batch := cur.fetchmany(BATCH_ITEMS):
                for digest, pack, off, size, ret, ret_src, origin, soff, line, method in batch:
                    counts["read"] += 1
                    data = reader.read(pack, off, size)
                    if evidence.sha256(data) != digest:
                        raise SocmintError(f"evidence item {digest} is altered; run "
                                           "`socmint evidence verify` before remapping")
                    it = RawItem(data, origin, soff, line, ret, ret_src)
                    env, records = imp._map(it, digest)
                    updates.append((env["platform"], env["format"], env["mapper_version"],
                                    env["status"], env["reason"], env["retrieved_at"],
                                    env["retrieved_at_source"], digest))
                    if records is None:
                        counts["rejected"] += 1
                        continue
                    counts["mapped"] += 1
                    imp._stamp(records, digest, env["retrieved_at"], soff, obs)
                for t in TABLES:
                    if obs[t]:
                        rows = arrow_table(t, obs[t])  # noqa: F841
                        con.execute(f"INSERT INTO {t}_obs SELECT * FROM rows")
                        obs[t] = []
                if progress:
                    progress(len(batch))
            upd = pa.table(list(zip(*updates)) if updates else [[]] * 8,  # noqa: F841
                           schema=pa.schema([(n, evidence.INDEX_SCHEMA.field(n).type) for n in (
                               "platform", "format", "mapper_version", "status", "reason",
                               "retrieved_at", "retrieved_at_source", "sha256")]))
            con.execute("UPDATE evidence SET platform = u.platform, format = u.format, "
                        "mapper_version = u.mapper_version, status = u.status, reason = u.reason, "
                        "retrieved_at = u.retrieved_at, retrieved_at_source = u.retrieved_at_source "
                        "FROM upd AS u WHERE evidence.sha256 = u.sha256")
            con.execute("COMMIT")
            reader.close()
            imp.finish()
            store.rebuild_current(con)
            store.export_lake(case, con)
            counts["total"] = total
            _record_run(con, run, "remap", started, {}, dict(counts))
        finally:
            con.close()
        audit.record(case, "remap", {"run": run}, dict(counts))
    return dict(counts)


def mapper_versions() -> dict[str, str]:
    return {m.PLATFORM: m.MAPPER_VERSION for m in sources.MODULES}


def stale_items(con) -> int:
    """Items last mapped by an older mapper than today's."""
    n = 0
    for platform, version in mapper_versions().items():
        n += con.execute("SELECT count(*) FROM evidence WHERE platform = ? AND mapper_version <> ?",
                         [platform, version]).fetchone()[0]
    return n
