"""The one import pipeline: frame -> hash -> evidence -> map -> observation tables -> audit.

Files are read as a stream of raw items (one JSON document, or one line of a JSON-lines file),
detected by content. Items go in batches; each batch is one DuckDB transaction (evidence index
and observations), committed after its pack bytes are on disk and in input order, so a killed
import resumes by skipping what is stored and ends with the tables of one clean run. Mapping, the
CPU-bound part, runs in worker processes when the input is large enough to pay for them.

Item counts reconcile: read = new + updated + duplicate + rejected, where `duplicate` means the
exact bytes are already in the evidence store, `rejected` means stored but unreadable (with the
reason), `updated` means every record it holds was already known (a new observation), and `new`
means it holds at least one record not seen before (or, holding no record, is new evidence).
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pyarrow as pa

from socmint import audit, evidence, search, store, watchlists
from socmint.case import Case, operator
from socmint.errors import SocmintError
from socmint.framing import Source, archive_owner, cuts, digest, framing, walk
from socmint.mapping import Mapped, RawItem, map_chunk, paused_gc
from socmint.model import TABLES
from socmint.sources import generic

BATCH_ITEMS = int(os.environ.get("SOCMINT_BATCH_ITEMS", "10000"))  # items per transaction
BATCH_BYTES = 8 << 20
PARALLEL_FROM = 8 << 20  # inputs smaller than this are mapped in-process
COUNT_KEYS = ("read", "new", "updated", "duplicate", "rejected")


@dataclass
class FileReport:
    path: str
    origin: str
    framing: str
    counts: Counter = field(default_factory=Counter)  # read/new/updated/duplicate/rejected
    formats: Counter = field(default_factory=Counter)
    mapped: int = 0  # stored and mapped; split into new and updated once the run is classified
    empty: int = 0  # mapped to no record at all: new evidence, by definition


@dataclass
class ImportReport:
    run: str
    files: list[FileReport] = field(default_factory=list)
    items: Counter = field(default_factory=Counter)
    rows_new: Counter = field(default_factory=Counter)  # per table: records never seen before
    rows_seen_again: Counter = field(default_factory=Counter)  # per table: new observations
    rejected: list[dict] = field(default_factory=list)  # the first reasons, for the user
    after: dict = field(default_factory=dict)  # what after_run did (search index, alerts)

    def as_dict(self) -> dict:
        return {
            "run": self.run,
            "items": {k: self.items.get(k, 0) for k in COUNT_KEYS},
            "rows_new": dict(self.rows_new),
            "rows_seen_again": dict(self.rows_seen_again),
            "files": [{"path": f.path, "framing": f.framing, "formats": dict(f.formats),
                       **{k: f.counts.get(k, 0) for k in COUNT_KEYS}} for f in self.files],
            "rejected_examples": self.rejected[:20],
            "after": self.after,
        }


def read_items(src: Source, kind: str, context: dict | None = None) -> Iterator[RawItem]:
    mtime = src.mtime()
    origin = src.origin
    if kind == "ytd" and not context:
        owner = archive_owner(src)
        context = {"owner": owner} if owner else None
    for cut in cuts(src, kind):
        yield RawItem(cut.data, digest(cut.data), origin, cut.offset, cut.line, mtime,
                      "file_mtime", kind, context)


def batches(items: Iterator[RawItem]) -> Iterator[list[RawItem]]:
    batch, size = [], 0
    for it in items:
        batch.append(it)
        size += len(it.data)
        if len(batch) >= BATCH_ITEMS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def workers() -> int:
    return int(os.environ.get("SOCMINT_WORKERS", str(os.cpu_count() or 1)))


class Importer:
    """One run of the pipeline into one case."""

    def __init__(self, case: Case, con, run: str, method: str = "import"):
        self.case = case
        self.con = con
        self.run = run
        self.method = method
        self.who = operator()
        self.packs = evidence.PackWriter(case.evidence_dir / "packs", run)
        self.report = ImportReport(run=run)
        self.region = case.settings.region  # default country for phone numbers written locally
        self.pool: ProcessPoolExecutor | None = None

    def import_files(self, files: list[Source],
                     on_file: Callable[[Source, int], Callable[[int], None] | None] | None = None,
                     context: dict | None = None) -> None:
        """All files as one stream of batches, mapped in parallel when the input is large, and
        committed strictly in input order. `context` goes with every item (a declared mapping).
        """
        n_workers = workers()
        sizes = [f.size() for f in files]
        parallel = n_workers > 1 and sum(sizes) >= PARALLEL_FROM
        if parallel and self.pool is None:
            self.pool = ProcessPoolExecutor(n_workers,
                                            mp_context=multiprocessing.get_context("spawn"))
        in_flight: deque = deque()
        pending: set[str] = set()  # digests sent to a worker but not yet committed
        for src, size in zip(files, sizes, strict=True):
            kind = framing(src)
            fr = FileReport(src.name, src.origin, kind)
            self.report.files.append(fr)
            progress = on_file(src, size) if on_file else None
            if context and kind not in ("csv", "lines", "document"):
                raise SocmintError(f"{src.name}: a declared mapping reads CSV or JSON, "
                                   f"not this file ({kind})")
            for batch in batches(read_items(src, kind, context)):
                fresh, sightings = self._triage(batch, fr, pending)
                args = (fresh, self.method, self.who, self.run, True, self.region)
                job = self.pool.submit(map_chunk, *args) if parallel else map_chunk(*args)
                in_flight.append((batch, fresh, sightings, job, fr, progress))
                while in_flight and (len(in_flight) > n_workers or not parallel):
                    self._finish_batch(*in_flight.popleft(), pending)
        while in_flight:
            self._finish_batch(*in_flight.popleft(), pending)

    def _triage(self, batch: list[RawItem], fr: FileReport, pending: set[str]
                ) -> tuple[list[RawItem], pa.Table]:
        """Count what was read, note where each item was seen, keep only unseen bytes."""
        now = datetime.now(timezone.utc)
        known = self._stored({it.digest for it in batch})
        fresh = []
        for it in batch:
            fr.counts["read"] += 1
            if it.digest in known or it.digest in pending:
                fr.counts["duplicate"] += 1
            else:
                pending.add(it.digest)
                fresh.append(it)
        sightings = pa.table({
            "sha256": [it.digest for it in batch], "run": [self.run] * len(batch),
            "origin": [it.origin for it in batch], "source_offset": [it.offset for it in batch],
            "source_line": [it.line for it in batch], "seen_at": [now] * len(batch)},
            schema=evidence.SIGHTINGS_SCHEMA)
        return fresh, sightings

    def _stored(self, digests: set[str]) -> set[str]:
        if not digests:
            return set()
        self.con.register("_probe", pa.table({"d": list(digests)}))
        try:
            return {r[0] for r in self.con.execute(
                "SELECT sha256 FROM evidence WHERE sha256 IN (SELECT d FROM _probe)").fetchall()}
        finally:
            self.con.unregister("_probe")

    def add_batch(self, batch: list[RawItem], fr: FileReport,
                  on_commit: Callable[[object], None] | None = None) -> None:
        """One batch, mapped here and committed at once; `on_commit(con)` runs inside the same
        transaction (a collector's checkpoint is saved with the pages it covers, or not at all).
        """
        pending: set[str] = set()
        fresh, sightings = self._triage(batch, fr, pending)
        mapped = map_chunk(fresh, self.method, self.who, self.run, True, self.region)
        self._finish_batch(batch, fresh, sightings, mapped, fr, None, pending, on_commit)

    def _finish_batch(self, batch, fresh, sightings, job, fr: FileReport, progress,
                      pending: set[str], on_commit=None) -> None:
        mapped: Mapped = job.result() if hasattr(job, "result") else job
        now = datetime.now(timezone.utc)
        for it, env, frame, n in zip(fresh, mapped.envelopes, mapped.frames,
                                     mapped.record_counts, strict=True):
            name, at, stored = self.packs.put_frame(frame)
            env.update(pack=name, pack_offset=at, stored_size=stored, stored_at=now)
            fr.formats[env["format"]] += 1
            if n is None:
                fr.counts["rejected"] += 1
                if len(self.report.rejected) < 100:
                    self.report.rejected.append({"origin": it.origin, "line": it.line,
                                                 "sha256": it.digest, "reason": env["reason"]})
            else:
                fr.mapped += 1
                fr.empty += n == 0
        self.packs.sync()
        self._commit(mapped, sightings, on_commit)
        pending.difference_update(it.digest for it in fresh)
        if progress:
            progress(sum(len(it.data) for it in batch))

    def _commit(self, mapped: Mapped, sightings: pa.Table, on_commit=None) -> None:
        """One transaction: the batch's envelopes, sightings and observations, or none of them."""
        staged = [("evidence", pa.Table.from_pylist(mapped.envelopes,
                                                    schema=evidence.INDEX_SCHEMA)),
                  ("evidence_sightings", sightings)]
        staged += [(f"{t}_obs", mapped.tables[t]) for t in TABLES if len(mapped.tables[t])]
        con = self.con
        con.execute("BEGIN")
        try:
            for table, rows in staged:
                con.register("_rows", rows)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
                con.unregister("_rows")
            if on_commit is not None:
                on_commit(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def classify(self) -> None:
        """Split each file's mapped items into new and updated, once, for the whole run.

        An item is new when it holds a record no other run stored and no earlier item of this
        run held (input order: pack, offset). One pass per table, so the cost does not grow
        with the number of batches.
        """
        con = self.con
        # each item's place in this run's input: pack number, then offset in the pack
        pos = ("regexp_extract(pack, '-(\\d+)\\.pack$', 1)::BIGINT * (1::BIGINT << 40) "
               "+ pack_offset")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _run_ev AS SELECT sha256, {pos} AS pos "
                    "FROM evidence WHERE run = ?", [self.run])
        con.execute("CREATE OR REPLACE TEMP TABLE _fresh (pos BIGINT)")
        for t in TABLES:
            ours = store.scalar(con, f"SELECT count(*) FROM {t}_obs WHERE evidence IN "
                                     "(SELECT sha256 FROM _run_ev)")
            if not ours:
                continue
            chunks = max(1, -(-ours // store.CHUNK_ROWS))  # uid-hash chunks bound the memory
            new = 0
            for i in range(chunks):
                con.execute(f"""
                    CREATE OR REPLACE TEMP TABLE _firsts AS
                    SELECT min(r.pos) AS pos
                    FROM {t}_obs o JOIN _run_ev r ON o.evidence = r.sha256
                    WHERE hash(o.uid) % {chunks} = {i}
                      AND o.uid NOT IN (SELECT uid FROM {t}_obs
                                        WHERE hash(uid) % {chunks} = {i}
                                          AND evidence NOT IN (SELECT sha256 FROM _run_ev))
                    GROUP BY o.uid""")
                new += store.scalar(con, "SELECT count(*) FROM _firsts")
                con.execute("INSERT INTO _fresh SELECT DISTINCT pos FROM _firsts")
            self.report.rows_new[t] += new
            self.report.rows_seen_again[t] += ours - new
        fresh_per_file = dict(con.execute(
            f"SELECT origin, count(*) FROM evidence WHERE run = ? AND {pos} IN "
            "(SELECT pos FROM _fresh) GROUP BY origin", [self.run]).fetchall())
        seen: set[str] = set()
        # a collect job's items have their request URLs as origins, not the job's: they get
        # what no file claims
        unclaimed = sum(n for o, n in fresh_per_file.items()
                        if o not in {f.origin for f in self.report.files})
        for fr in self.report.files:
            if fr.origin in fresh_per_file:
                fresh = fresh_per_file[fr.origin] if fr.origin not in seen else 0
            else:
                fresh, unclaimed = unclaimed, 0
            seen.add(fr.origin)
            new = min(fr.mapped, fresh + fr.empty)
            fr.counts["new"] += new
            fr.counts["updated"] += fr.mapped - new
        for name in ("_run_ev", "_fresh", "_firsts"):
            con.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
        self.packs.close()


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


def import_paths(case: Case, paths: Iterable[Path], *,
                 on_file: Callable[[Source, int], Callable[[int], None] | None] | None = None,
                 on_file_done: Callable[[FileReport], None] | None = None,
                 mapping: dict | None = None) -> ImportReport:
    """Import files, folders and zip archives into the case; returns reconciled counts.

    `on_file(source, size)` may return a progress callback fed with bytes processed. With a
    declared `mapping` (see sources.generic) every item is read by it instead of detected.
    """
    context = {"mapping": generic.check_mapping(mapping)} if mapping else None
    paths = list(paths)
    files = walk(paths)
    run = new_run_id()
    started = datetime.now(timezone.utc)
    with case.writing():
        con = store.connect(case)
        try:
            imp = Importer(case, con, run)
            try:
                with paused_gc():
                    imp.import_files(files, on_file, context)
            finally:
                imp.close()
            imp.classify()
            imp.report.items = sum((fr.counts for fr in imp.report.files), Counter())
            if on_file_done:
                for fr in imp.report.files:
                    on_file_done(fr)
            store.rebuild_current(con, incremental=True)
            report = imp.report
            record_run(con, run, "import", started, {"paths": [f.name for f in files]},
                        report.as_dict())
            report.after = after_run(case, con, run)
        finally:
            con.close()
        audit.record(case, "import", {"paths": [str(Path(p).resolve()) for p in paths],
                                      "run": run, "mapping": mapping},
                     {"files": len(files), **report.as_dict()["items"],
                      **{f"new_{t}": n for t, n in report.rows_new.items()}})
    return report


def after_run(case: Case, con, run: str) -> dict:
    """What follows every import or collection, under the same lock: the search index takes in
    what the run changed, and the case's watchlists are matched against it."""
    return {"search": search.refresh(case, con=con), "alerts": watchlists.scan_run(con, run)}


def record_run(con, run, action, started, params, counts) -> None:
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
        reader = evidence.PackReader(case.evidence_dir / "packs")
        try:
            cur = con.cursor()
            cur.execute("SELECT sha256, pack, pack_offset, stored_size, retrieved_at, "
                        "retrieved_at_source, origin, source_offset, source_line, framing, "
                        "context FROM evidence ORDER BY run, pack, pack_offset")
            con.execute("BEGIN")
            for t in TABLES:
                con.execute(f"DELETE FROM {t}_obs")
            while batch := cur.fetchmany(BATCH_ITEMS):
                items = []
                for sha, pack, off, size, ret, ret_src, origin, soff, line, kind, ctx in batch:
                    data = reader.read(pack, off, size)
                    if evidence.sha256(data) != sha:
                        raise SocmintError(f"evidence item {sha} is altered; see "
                                           "`socmint evidence verify` before remapping")
                    items.append(RawItem(data, sha, origin, soff, line, ret, ret_src,
                                         kind or "lines", orjson.loads(ctx) if ctx else None))
                mapped = map_chunk(items, "remap", operator(), run, compress=False,
                                   region=case.settings.region)
                _apply_remap(con, mapped)
                for n in mapped.record_counts:
                    counts["read"] += 1
                    counts["rejected" if n is None else "mapped"] += 1
                if progress:
                    progress(len(batch))
            con.execute("COMMIT")
            store.rebuild_current(con)
            record_run(con, run, "remap", started, {}, dict(counts))
        finally:  # an uncommitted remap is rolled back when the connection closes
            reader.close()
            con.close()
        audit.record(case, "remap", {"run": run}, dict(counts))
    return dict(counts)


def _apply_remap(con, mapped: Mapped) -> None:
    """New observations, and each envelope's mapping outcome; where the bytes came from stays."""
    names = ("sha256", "platform", "format", "mapper_version", "status", "reason", "retrieved_at",
             "retrieved_at_source", "source_url")
    con.register("_upd", pa.Table.from_pylist(
        [{k: e[k] for k in names} for e in mapped.envelopes],
        schema=pa.schema([evidence.INDEX_SCHEMA.field(n) for n in names])))
    con.execute("UPDATE evidence SET platform = u.platform, format = u.format, "
                "mapper_version = u.mapper_version, status = u.status, reason = u.reason, "
                "retrieved_at = u.retrieved_at, retrieved_at_source = u.retrieved_at_source, "
                "source_url = u.source_url "
                "FROM _upd AS u WHERE evidence.sha256 = u.sha256")
    con.unregister("_upd")
    for t in TABLES:
        if len(mapped.tables[t]):
            con.register("_rows", mapped.tables[t])
            con.execute(f"INSERT INTO {t}_obs BY NAME SELECT * FROM _rows")
            con.unregister("_rows")
