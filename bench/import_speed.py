"""Import speed and memory: socmint on scenario data (100k, 1M posts), and side by side with
twarc-csv on the same Twitter v2 pages.

    .venv/bin/python bench/import_speed.py [--sizes 100000,1000000] [--skip-peer]

The peer tool (twarc-csv, with pandas<3) is installed into bench/out/peer-venv, never into the
project's environment. Each measured command runs in its own process; its peak memory is the
largest sum of resident sets over it and its worker processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
from measure import measure  # bench/measure.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BREXIT = ROOT.parent / "shared" / "fixtures" / "twitter" / "v2_twarc_brexit.jsonl"
PY = sys.executable
SOCMINT = [PY, "-m", "socmint.cli"]


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one command, run in bench/out (where twarc leaves
    its log). Memory is the largest sum of resident sets over the command and its worker
    processes, sampled every 20 ms."""
    log = OUT / "last-command.log"
    with open(log, "wb") as errors:
        m = measure(cmd, env=env, cwd=OUT, stdout=subprocess.DEVNULL, stderr=errors)
    if m["returncode"] != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{log.read_text()[-2000:]}")
    return m["wall"], m["peak_mib"]


def fresh_case(home: Path, name: str) -> dict:
    if home.exists():
        shutil.rmtree(home)
    env = dict(os.environ, SOCMINT_HOME=str(home))
    subprocess.run(SOCMINT + ["case", "new", name, "--purpose", "benchmark", "--legal-basis",
                              "synthetic and published test data", "--retention", "1"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def replicate_brexit(copies: int, dest: Path) -> int:
    """The brexit page `copies` times, every tweet id shifted per copy so all ids are unique."""
    page = BREXIT.read_bytes().strip()
    doc = orjson.loads(page)
    ids = {t["id"] for t in doc["data"]} | {t["id"] for t in doc["includes"].get("tweets", [])}
    tweets = len(doc["data"])
    with open(dest, "wb") as fh:
        for k in range(copies):
            text = page.decode()
            if k:
                for i in sorted(ids, key=len, reverse=True):
                    text = text.replace(f'"{i}"', f'"{int(i) + k * 10**15}"')
            fh.write(text.encode() + b"\n")
    return tweets * copies


def peer_python() -> Path:
    venv = OUT / "peer-venv"
    py = venv / "bin" / "python"
    if not (venv / ".ok").exists():
        subprocess.run([PY, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "twarc-csv==0.7.2", "pandas<3"],
                       check=True)
        (venv / ".ok").touch()
    return py


def bench_scenario(sizes: list[int]) -> list[dict]:
    from socmint import scenario

    rows = []
    for n in sizes:
        data = OUT / f"scenario-{n}"
        if not (data / "manifest.json").exists():
            t0 = time.perf_counter()
            scenario.generate(data, accounts=max(5000, n // 20), posts=n, seed=7, media=False)
            print(f"  generated {n:,}-post scenario in {time.perf_counter() - t0:.1f} s")
        size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
        env = fresh_case(OUT / f"home-{n}", "bench")
        # every platform's raw files; not the truth, not the media
        platforms = [str(p) for p in sorted(data.iterdir()) if p.is_dir() and p.name != "media"]
        seconds, peak = run(SOCMINT + ["import", *platforms], env=env)
        rows.append({"what": f"socmint import, scenario {n:,} posts", "posts": n,
                     "seconds": seconds, "per_s": n / seconds, "peak_mib": peak,
                     "input_mib": size / 2**20})
    return rows


def bench_peer(copies: int) -> list[dict]:
    data = OUT / f"brexit-x{copies}.jsonl"
    tweets = replicate_brexit(copies, data)
    env = fresh_case(OUT / "home-brexit", "bench")
    s_sec, s_peak = run(SOCMINT + ["import", str(data)], env=env)
    rows = [{"what": f"socmint import, brexit pages x{copies}", "posts": tweets,
             "seconds": s_sec, "per_s": tweets / s_sec, "peak_mib": s_peak}]
    try:
        py = peer_python()
    except subprocess.CalledProcessError as exc:
        print(f"  twarc-csv could not be installed ({exc}); peer column skipped")
        return rows
    twarc2 = str(py.parent / "twarc2")
    penv = dict(os.environ, BEARER_TOKEN="offline-benchmark")
    csv = OUT / f"brexit-x{copies}.csv"
    t_sec, t_peak = run([twarc2, "csv", str(data), str(csv)], env=penv)
    rows.append({"what": f"twarc-csv flatten, brexit pages x{copies}", "posts": tweets,
                 "seconds": t_sec, "per_s": tweets / t_sec, "peak_mib": t_peak})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--copies", type=int, default=1000, help="brexit pages (100 tweets each)")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--skip-scenario", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    if not args.skip_peer:
        if BREXIT.exists():
            rows += bench_peer(args.copies)
        else:
            print("../shared is absent: the side-by-side with twarc-csv is skipped")
    if not args.skip_scenario:
        rows += bench_scenario([int(s) for s in args.sizes.split(",") if s])
    print(f"\n{'what':48} {'posts':>10} {'seconds':>9} {'posts/s':>10} {'peak MiB':>9}")
    for r in rows:
        print(f"{r['what']:48} {r['posts']:>10,} {r['seconds']:>9.1f} {r['per_s']:>10,.0f} "
              f"{r['peak_mib']:>9.0f}")
    peer = [r for r in rows if r["what"].startswith("twarc-csv")]
    mine = [r for r in rows if r["what"].startswith("socmint import, brexit")]
    if peer and mine:
        ratio = mine[0]["per_s"] / peer[0]["per_s"]
        print(f"\nsocmint / twarc-csv speed: {ratio:.1f}x (goal >= 5x)")
    scen = [r for r in rows if "scenario" in r["what"]]
    if len(scen) >= 2:
        print(f"peak memory {scen[0]['posts']:,} -> {scen[-1]['posts']:,} posts: "
              f"{scen[0]['peak_mib']:.0f} -> {scen[-1]['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
