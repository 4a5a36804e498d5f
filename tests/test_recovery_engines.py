"""A SIGKILLed import resumes to the tables of one clean run; DuckDB and Spark agree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from socmint import case as cases
from socmint import ingest, scenario, store
from socmint.model import TABLES


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("scenario")
    scenario.generate(out, accounts=400, posts=12_000, seed=11, media=False)
    return out


def dump(case) -> dict:
    con = store.connect(case, read_only=True)
    try:
        out = {}
        for t in TABLES:
            out[t] = con.execute(f"SELECT * FROM {t} ORDER BY uid").fetchall()
            out[t + "_obs"] = con.execute(
                f"SELECT * FROM {t}_obs ORDER BY uid, observed_at, source_offset, evidence"
            ).fetchall()
        out["evidence"] = con.execute(
            "SELECT sha256, size, status, format, retrieved_at FROM evidence ORDER BY sha256"
        ).fetchall()
        return out
    finally:
        con.close()


def test_killed_import_resumes_to_one_clean_run(scenario_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SOCMINT_HOME", str(tmp_path / "home"))
    clean = cases.create("clean", purpose="p", legal_basis="lb", retention_days=1)
    ingest.import_paths(clean, [scenario_dir])

    killed = cases.create("killed", purpose="p", legal_basis="lb", retention_days=1)
    env = dict(os.environ, SOCMINT_BATCH_ITEMS="50")
    proc = subprocess.Popen([sys.executable, "-m", "socmint.cli", "import", str(scenario_dir),
                             "--case", str(killed.root)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    packs = killed.evidence_dir / "packs"
    deadline = time.time() + 120
    while time.time() < deadline and sum(p.stat().st_size for p in packs.glob("*.pack")) < 400_000:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"

    report = ingest.import_paths(killed, [scenario_dir])
    assert report.items["duplicate"] > 0, "nothing was committed before the kill"
    assert report.items["duplicate"] < report.items["read"], "the first run was not cut short"
    assert dump(killed) == dump(clean)


def utc_rows(table) -> list[dict]:
    """Spark hands back aggregated timestamps without their zone (they are UTC): say so."""
    def norm(v):
        if isinstance(v, datetime):
            aware = v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v
            return aware.astimezone(timezone.utc)
        return v
    return [{k: norm(v) for k, v in row.items()} for row in table.to_pylist()]


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_results(scenario_dir, case):
    from socmint.analysis.summary import summary

    ingest.import_paths(case, [scenario_dir])
    with store.tables(case, "duckdb") as duck:
        on_duck = summary(duck)
        duck_current = {t: utc_rows(duck.to_pyarrow(store.current(duck.table(f"{t}_obs"))
                                                     .order_by("uid"))) for t in TABLES}
    with store.tables(case, "spark") as spark:
        on_spark = summary(spark)
        spark_current = {t: utc_rows(spark.to_pyarrow(store.current(spark.table(f"{t}_obs"))
                                                       .order_by("uid"))) for t in TABLES}
    assert on_duck["totals"]["posts"] > 10_000
    assert on_duck == on_spark
    assert duck_current == spark_current


def test_parallel_mapping_and_chunked_rebuild_match_a_serial_run(scenario_dir, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("SOCMINT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(ingest, "PARALLEL_FROM", 0)
    monkeypatch.setattr(ingest, "BATCH_ITEMS", 300)
    monkeypatch.setenv("SOCMINT_WORKERS", "1")
    serial = cases.create("serial", purpose="p", legal_basis="lb", retention_days=1)
    r1 = ingest.import_paths(serial, [scenario_dir])
    monkeypatch.setenv("SOCMINT_WORKERS", "2")
    monkeypatch.setattr(store, "CHUNK_ROWS", 2000)  # and current tables built in many chunks
    parallel = cases.create("parallel", purpose="p", legal_basis="lb", retention_days=1)
    r2 = ingest.import_paths(parallel, [scenario_dir])
    assert r1.as_dict()["items"] == r2.as_dict()["items"]
    assert r1.rows_new == r2.rows_new
    assert dump(serial) == dump(parallel)
