"""Tables through Ibis: one DuckDB file per case by default, the same tables as Parquet on Spark.

Writes (ingest) go to DuckDB's `<table>_obs` observation tables; the current tables are derived
from them by one Ibis expression, so the rule "latest non-null value wins, history kept" lives in
one place and runs on either engine.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone

import duckdb
import ibis

from socmint import evidence
from socmint.case import Case
from socmint.errors import SocmintError
from socmint.model import OBS_SCHEMAS, PROVENANCE, TABLES

ENGINES = ("duckdb", "spark")
REFERENCES = {"reply_to", "quote_of", "repost_of", "target_post", "target"}
LAKE_TABLES = TABLES + tuple(f"{t}_obs" for t in TABLES) + ("evidence",)
# tables an enricher writes once it has run: in the lake when the case has them
OPTIONAL_LAKE_TABLES = ("near_duplicates",)

_DUCK_TYPES = {
    "string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN",
    "timestamp[us, tz=UTC]": "TIMESTAMPTZ",
}

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
  run VARCHAR PRIMARY KEY, action VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
  operator VARCHAR, params VARCHAR, counts VARCHAR, status VARCHAR);
CREATE TABLE IF NOT EXISTS jobs (
  id VARCHAR PRIMARY KEY, platform VARCHAR, kind VARCHAR, params VARCHAR, since TIMESTAMPTZ,
  "until" TIMESTAMPTZ, "limit" BIGINT, created_at TIMESTAMPTZ, created_by VARCHAR);
CREATE TABLE IF NOT EXISTS job_state (
  job VARCHAR PRIMARY KEY, checkpoint VARCHAR, updated_at TIMESTAMPTZ, run VARCHAR);
"""


def scalar(con, sql: str, params: list | None = None):
    """One value; the result is read to the end, so the connection is free for the next query."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def _obs_ddl(table: str) -> str:
    cols = ", ".join(f'"{f.name}" {_DUCK_TYPES[str(f.type)]}' for f in OBS_SCHEMAS[table])
    return f"CREATE TABLE IF NOT EXISTS {table}_obs ({cols});"


def has_table(backend, name: str) -> bool:
    """Whether an Ibis backend holds a table, asked by name: list_tables() of ibis 12 fails on
    DuckDB 2 (and leaves its connection with an unfinished result)."""
    try:
        backend.table(name)
    except Exception:  # TableNotFound, or the engine's own error for a missing table
        return False
    return True


def utc(value):
    """A timestamp as UTC-aware: Spark hands them back without their zone (they are UTC)."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=timezone.utc) if value.tzinfo is None
                else value.astimezone(timezone.utc))
    return value


def rows(backend, expr) -> list[dict]:
    """An expression's rows as dicts, timestamps UTC-aware on every engine."""
    return [{k: utc(v) for k, v in r.items()} for r in backend.to_pyarrow(expr).to_pylist()]


MIN_MEMORY = 256 << 20
MEMORY_SHARE = 0.1


def memory_limit() -> str:
    """DuckDB's memory cap: a tenth of the machine's memory (or of its cgroup's limit), at
    least 256 MB. A fixed 256 MB ran the co-link pairs of ten million posts out of memory (the
    join and its two aggregates need about 1 GB); DuckDB's own default, 80%, leaves nothing
    for anyone else."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            total = min(total, int(fh.read().strip()))
    except (OSError, ValueError):  # no cgroup v2 limit ("max", or no such file)
        pass
    return f"{max(MIN_MEMORY, int(total * MEMORY_SHARE)) >> 20}MiB"


def connect(case: Case, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The case's DuckDB file, with every table created on first use."""
    if read_only and not case.db_path.exists():
        read_only = False
    try:
        con = duckdb.connect(str(case.db_path), read_only=read_only)
    except duckdb.IOException as exc:
        raise SocmintError(f"case {case.name}: database busy or unreadable ({exc})") from exc
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")  # every query that needs order says it
    con.execute("SET checkpoint_threshold = '256MB'")  # fewer, larger checkpoints on import
    # bounded memory whatever the case size: DuckDB spills to disk beyond this
    con.execute(f"SET memory_limit = '{os.environ.get('SOCMINT_DUCKDB_MEMORY', memory_limit())}'")
    if not read_only:
        con.execute(evidence.DDL + RUNS_DDL + "".join(_obs_ddl(t) for t in TABLES))
        for t in TABLES:
            con.execute(current_ddl_if_missing(t))
        _add_new_columns(con)
    return con


def _add_new_columns(con) -> None:
    """A case made by an earlier version gains the columns added since (all nullable)."""
    have = {(t, c) for t, c in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'"
    ).fetchall()}
    wanted = [("evidence", f) for f in evidence.INDEX_SCHEMA]
    wanted += [(f"{t}_obs", f) for t in TABLES for f in OBS_SCHEMAS[t]]
    wanted += [(t, f) for t in TABLES for f in _current_fields(t)]
    for table, f in wanted:
        if (table, f.name) not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{f.name}" {_DUCK_TYPES[str(f.type)]}')


def _current_fields(table: str) -> list:
    return [f for f in OBS_SCHEMAS[table] if f.name not in ("observed_at", "source_offset",
                                                           "deleted")]


def current_ddl_if_missing(table: str) -> str:
    """An empty current table until the first rebuild, so queries on a new case work."""
    cols = [f'"{f.name}" {_DUCK_TYPES[str(f.type)]}' for f in _current_fields(table)]
    cols += ["first_seen TIMESTAMPTZ", "last_seen TIMESTAMPTZ", "observations BIGINT",
             "deleted_at TIMESTAMPTZ"]
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)});"


def current(obs: ibis.Table) -> ibis.Table:
    """Current state per uid: each field's latest non-null observation, plus when it was seen.

    Most records are seen once: those rows are the current state as they stand, and only the
    rest are aggregated (two to three times faster on real mixes).
    """
    counts = obs.group_by("uid").aggregate(_n=obs.count())
    joined = obs.join(counts, "uid")
    once = joined.filter(joined._n == 1)
    stamp = once.observed_at
    seen_once = once.select(
        "uid", *_fields(obs), evidence=once.evidence, first_seen=stamp, last_seen=stamp,
        observations=once._n,
        deleted_at=ibis.ifelse(once.deleted.fill_null(False), stamp, ibis.null(stamp.type())))
    return seen_once.union(_merged(joined.filter(joined._n > 1).drop("_n")))


def _fields(obs: ibis.Table) -> list[str]:
    provenance = {p for p, _ in PROVENANCE}
    return [c for c in obs.columns if c not in provenance and c not in ("uid", "deleted")]


def _merged(obs: ibis.Table) -> ibis.Table:
    """Several observations of one uid: each field's latest non-null value.

    Observations are ranked by (observed_at, source_offset, evidence), so ties never depend on
    the order items were imported in, and the result is the same on every engine.
    """
    ranked = obs.mutate(_rank=ibis.row_number().over(
        group_by=obs.uid, order_by=[obs.observed_at, obs.source_offset, obs.evidence]))
    fields = _fields(obs)
    aggs = {f: ranked[f].argmax(ranked._rank, where=ranked[f].notnull()) for f in fields}
    for f in REFERENCES.intersection(fields):
        # a placeholder ("mastodon:local:<server>/<id>", parent not in the payload) never
        # overrides a reference some observation resolved
        resolved = ranked[f].notnull() & ~ranked[f].contains(":local:")
        aggs[f] = ranked[f].argmax(ranked._rank, where=resolved).coalesce(aggs[f])
    aggs["evidence"] = ranked.evidence.argmax(ranked._rank)
    aggs["first_seen"] = ranked.observed_at.min()
    aggs["last_seen"] = ranked.observed_at.max()
    aggs["observations"] = ranked.count()
    aggs["deleted_at"] = ranked.observed_at.min(where=ranked.deleted.fill_null(False))
    return ranked.group_by("uid").aggregate(**aggs)


CHUNK_ROWS = 200_000  # observations aggregated at once: bounds memory whatever the case size


def rebuild_current(con: duckdb.DuckDBPyConnection, incremental: bool = False,
                    tables: tuple[str, ...] = TABLES) -> None:
    """Re-derive the current tables from their observations, in uid-hash chunks.

    Incrementally, only records observed by runs not yet folded in (this one, and any run killed
    before it finished) are re-derived, so a small import into a large case costs what it
    touched, not the whole case. Each chunk commits on its own, so memory stays bounded; a crash
    midway is repaired by the next import, because the interrupted run is still unfolded.
    A full rebuild fills a new table and swaps it in, so readers never see half of one.
    """
    con.execute("CHECKPOINT")  # imported blocks to disk first, so the buffer is free to work
    ib = ibis.duckdb.from_connection(con)
    for t in tables:
        obs = ib.table(f"{t}_obs")
        if incremental and scalar(con, f"SELECT count(*) FROM {t}"):
            ev = ib.table("evidence")
            done = ib.table("runs").filter(ibis._.status == "done").run
            unfolded = ev.filter(~ev.run.isin(done)).sha256
            touched = obs.filter(obs.evidence.isin(unfolded)).select("uid").distinct()
            con.execute("CREATE OR REPLACE TEMP TABLE _touched AS "
                        + ibis.to_sql(touched, dialect="duckdb"))
            con.execute(f"DELETE FROM {t} WHERE uid IN (SELECT uid FROM _touched)")
            _fill(con, t, obs.filter(obs.uid.isin(ib.table("_touched").uid)))
            continue
        con.execute(f"CREATE OR REPLACE TABLE {t}_next AS SELECT * FROM {t} LIMIT 0")
        _fill(con, f"{t}_next", obs)
        con.execute("BEGIN")
        con.execute(f"DROP TABLE {t}")
        con.execute(f"ALTER TABLE {t}_next RENAME TO {t}")
        con.execute("COMMIT")


def _fill(con, table: str, source: ibis.Table) -> None:
    chunks = max(1, -(-int(source.count().execute()) // CHUNK_ROWS))
    for i in range(chunks):
        bucket = (source.uid.hash() % chunks + chunks) % chunks  # the hash is signed
        part = source if chunks == 1 else source.filter(bucket == i)
        con.execute(f"INSERT INTO {table} BY NAME " + ibis.to_sql(current(part), dialect="duckdb"))


def export_lake(case: Case) -> None:
    """The same tables as Parquet, for Spark (or any Parquet reader), refreshed when stale.

    Written on demand rather than on every import: the lake is a copy, and most cases never
    leave DuckDB. A marker names the last run the copy includes.
    """
    con = connect(case)
    try:
        have = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        optional = [t for t in OPTIONAL_LAKE_TABLES if t in have]
        last = scalar(con, "SELECT max(finished_at)::VARCHAR FROM runs") or "none"
        # an enricher's table changes without a run: its state is part of the marker
        last += "".join(f"|{t}:" + str(scalar(
            con, f"SELECT count(*) || ':' || coalesce(bit_xor(hash({t})), 0) FROM {t}"))
            for t in optional)
        marker = case.lake_dir / "exported"
        if marker.exists() and marker.read_text() == last and all(
                (case.lake_dir / f"{t}.parquet").exists() for t in (*LAKE_TABLES, *optional)):
            return
        case.lake_dir.mkdir(exist_ok=True)
        for t in (*LAKE_TABLES, *optional):
            path = case.lake_dir / f"{t}.parquet"
            tmp = path.with_suffix(".parquet.tmp")
            con.execute(f"COPY {t} TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
            os.replace(tmp, path)
        for t in set(OPTIONAL_LAKE_TABLES) - set(optional):
            (case.lake_dir / f"{t}.parquet").unlink(missing_ok=True)
        marker.write_text(last)
    finally:
        con.close()


@contextmanager
def tables(case: Case, engine: str | None = None):
    """An Ibis backend holding the case's tables, on the engine asked for (or the case's)."""
    engine = engine or case.settings.engine
    if engine not in ENGINES:
        raise SocmintError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "duckdb":
        con = connect(case, read_only=True)
        try:
            yield ibis.duckdb.from_connection(con)
        finally:
            con.close()
        return
    with case.writing():
        export_lake(case)
    yield _spark_backend(case)


_SPARK = None


def _spark_backend(case: Case):
    global _SPARK
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SocmintError("the Spark engine needs the 'spark' extra: "
                           "pip install socmint[spark]") from exc
    if _SPARK is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        _SPARK = (SparkSession.builder.master("local[2]").appName("socmint")
                  .config("spark.sql.session.timeZone", "UTC")
                  .config("spark.ui.enabled", "false")
                  .config("spark.sql.shuffle.partitions", "4")
                  .config("spark.driver.memory", "2g")
                  .getOrCreate())
        _SPARK.sparkContext.setLogLevel("ERROR")
    backend = ibis.pyspark.connect(_SPARK)
    for t in LAKE_TABLES:
        backend.read_parquet(str(case.lake_dir / f"{t}.parquet"), table_name=t)
    for t in OPTIONAL_LAKE_TABLES:
        path = case.lake_dir / f"{t}.parquet"
        if path.exists():
            backend.read_parquet(str(path), table_name=t)
        else:  # a session that read another case's copy must not see it here
            _SPARK.catalog.dropTempView(t)
    return backend
