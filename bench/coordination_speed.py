"""Co-action networks: socmint's coaction_edges beside coordination-network-toolkit 1.5.2, on the
same messages: are the edges the same, and how much faster is socmint?

    .venv/bin/python bench/coordination_speed.py [--quick] [--sizes 100000,1000000,10000000]
                     [--kinds repost,text,link] [--window 60] [--min-weight 2]
                     [--peer-timeout 3600] [--e2e-sizes 100000,1000000] [--threads 2]
                     [--duckdb-memory 2GB] [--skip-ira]

The peer (coordination-network-toolkit==1.5.2, QUT Digital Observatory) is installed into
bench/out/peer-venv, never into the project's environment; everything else it needs is kept
under bench/out/coordination/. --quick is --sizes 100000 (a few minutes).

Cases, per size:
  - sizes up to --e2e-sizes: the scenario's raw files (generated under bench/out/coordination/
    unless bench/out/search/ holds the same generator version) are imported by `socmint import`
    into a fresh case, bench/out/coordination/home-N: that is socmint's end-to-end time;
  - 1,000,000 without end-to-end: the imported case of bench/search_speed.py, read-only;
  - 10,000,000: the 1M case copied ten times with suffixed uids (bench/search_speed.py
    `replicated_case`), read-only; it has no raw files, so no end-to-end figure;
  - the IRA 2016 data set (../shared/datasets/ira_2016/, Twitter's election-integrity CSVs):
    imported through a declared mapping when present (untested: it is not on this machine),
    otherwise reported as skipped.

The same messages on both sides: the toolkit's CSV (message_id, user_id, username, repost_id,
reply_id, message, timestamp, urls) is written from the case's own tables: one row per post
socmint places (an account and a time; Telegram service messages left out), plus any "repost"
interaction whose carrying post is not a repost row (none in the scenario); urls are the post's
url entities (normalized, space separated). Writing it is timed for neither side. Timestamps
are written as epoch microseconds and the toolkit's window as --window x 1,000,000: the toolkit
only needs consistent units, and whole numbers keep it free of float rounding at the window's
edge.

For each kind (socmint kind -> toolkit network): repost -> co_retweet; text -> co_tweet (exact
text after the toolkit's normalisation: lower case, @mentions removed, whitespace collapsed;
the toolkit's co_post is "posted in the same window, whatever the content", a null model, not a
content match, and socmint has no counterpart of it); post -> co_tweet too (socmint's `post` is
its near-duplicate groups when the case has the table near_duplicates, which `socmint import`
does not write, else the same as `text`); link -> co_link. Messages whose normalised text is
empty are left out of the toolkit's co_tweet input first (socmint leaves them out; the toolkit
would pair every two of them). Both sides run in their own process:
  - socmint: coaction_edges(backend, kind, window, min_weight) materialised with to_pyarrow on
    the case's DuckDB tables (store.tables, read-only);
  - toolkit: its compute function on a fresh copy of its preprocessed SQLite database (so its
    index build is timed), with --threads worker processes; killed after --peer-timeout.
The toolkit's CSV loader gives every URL-less message the URL "" (its open issue #46), which
links every pair of accounts that posted anything within the window: those rows are deleted
right after its preprocess (timed as part of it). Self-loops (the toolkit keeps them; its own
export drops them) are left out of the comparison.

socmint's DuckDB keeps its own memory limit (SOCMINT_DUCKDB_MEMORY, default a tenth of the
machine's memory: socmint.store.memory_limit), as a user gets it. Peak memory is the largest sum
of resident sets over a process and its children, sampled every 20 ms (the toolkit's forked
workers share pages with their parent, so its sum can overstate a little).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_OUT = ROOT / "bench" / "out"
OUT = BENCH_OUT / "coordination"
SEARCH = BENCH_OUT / "search"
PEER_VENV = BENCH_OUT / "peer-venv"
PEER_PKG = "coordination-network-toolkit==1.5.2"
IRA = ROOT.parent / "shared" / "datasets" / "ira_2016"
PY = sys.executable
SOCMINT = [PY, "-m", "socmint.cli"]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measure import measure  # noqa: E402  (bench/measure.py)

# socmint kind -> the toolkit's network. socmint's `post` is its near-duplicate groups when the
# case has the table near_duplicates, else the same as `text`.
NETWORK = {"repost": "co_retweet", "text": "co_tweet", "post": "co_tweet", "link": "co_link"}
US = 1_000_000  # timestamps are written in microseconds

# Run inside the peer's venv: `preprocess CSV DB` or `compute DB NETWORK WINDOW MIN THREADS OUT`.
# Its own progress messages go to stderr; the last line of stdout is a JSON result.
PEER_CODE = r"""
import contextlib, csv, json, sqlite3, sys, time
from coordination_network_toolkit import compute_networks as cn
from coordination_network_toolkit.preprocess import preprocess_csv_files

cmd = sys.argv[1]
with contextlib.redirect_stdout(sys.stderr):
    if cmd == "preprocess":
        src, db = sys.argv[2], sys.argv[3]
        t0 = time.perf_counter()
        preprocess_csv_files(db, [src])
        con = sqlite3.connect(db, isolation_level=None)
        # issue #46: a URL-less message gets the URL "" from the CSV loader
        empty = con.execute("delete from message_url where url = ''").rowcount
        con.execute("delete from resolved_url where url = ''")
        con.execute("pragma wal_checkpoint(truncate)")  # one file to copy; it stays in WAL mode
        messages = con.execute("select count(*) from edge").fetchone()[0]
        url_rows = con.execute("select count(*) from message_url").fetchone()[0]
        con.close()
        result = {"seconds": time.perf_counter() - t0, "messages": messages,
                  "url_rows": url_rows, "empty_url_rows_deleted": empty}
    else:
        db, network, window, min_weight, threads, out = sys.argv[2:8]
        fn = {"co_retweet": cn.compute_co_retweet_parallel, "co_tweet": cn.compute_co_tweet_network,
              "co_link": cn.compute_co_link_network, "co_post": cn.compute_co_post_network}[network]
        emptied = 0
        if network == "co_tweet":
            # a message whose normalised text is empty matches every other such message:
            # left out (not timed), as socmint leaves it out
            from coordination_network_toolkit.similarity import message_preprocessor
            con = sqlite3.connect(db, isolation_level=None)
            con.create_function("norm", 1, lambda m: message_preprocessor(m or ""))
            emptied = con.execute("delete from edge where repost_id is null "
                                  "and norm(message) = ''").rowcount
            con.close()
        t0 = time.perf_counter()
        fn(db, int(window), n_threads=int(threads), min_edge_weight=int(min_weight))
        seconds = time.perf_counter() - t0
        con = sqlite3.connect(db)
        n = 0
        with open(out, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["source", "target", "weight"])
            for row in con.execute(f"select user_1, user_2, weight from {network}_network "
                                   "where user_1 != user_2"):
                w.writerow(row)
                n += 1
        con.close()
        result = {"seconds": seconds, "edges": n, "empty_text_deleted": emptied}
print(json.dumps(result))
"""


def log(*a) -> None:
    print(*a, flush=True)


# --- processes ---------------------------------------------------------------------------

def run(cmd: list[str], env: dict | None = None, timeout: float | None = None,
        may_fail: bool = False) -> dict:
    """Run one command in its own process group: wall seconds, peak MiB (sum of resident sets
    over it and its children, sampled every 20 ms), the JSON of its last stdout line if any.
    Past `timeout` seconds the group is killed and {"timeout": True} returned; a failure stops
    the benchmark, or with `may_fail` returns {"failed": its last error line}."""
    OUT.mkdir(parents=True, exist_ok=True)
    errlog = OUT / "last-command.log"
    with open(errlog, "wb") as err, open(OUT / "last-command.out", "wb") as so:
        m = measure(cmd, env=env, cwd=OUT, stdout=so, stderr=err, timeout=timeout)
    wall, peak, returncode = m["wall"], m["peak_mib"], m["returncode"]
    if m["timed_out"]:
        return {"timeout": True, "wall": wall, "peak_mib": peak}
    if returncode != 0 and may_fail:
        tail = [x for x in errlog.read_text(errors="replace").splitlines() if x.strip()]
        why = next((x for x in reversed(tail) if "Error" in x or "Exception" in x),
                   tail[-1] if tail else f"exit code {returncode}")
        return {"failed": why.strip()[:160], "wall": wall, "peak_mib": peak}
    if returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:6])} ...\n{errlog.read_text()[-3000:]}")
    lines = (OUT / "last-command.out").read_text().strip().splitlines()
    result = {}
    if lines:
        try:
            result = json.loads(lines[-1])
        except ValueError:
            pass
    return {**result, "wall": wall, "peak_mib": peak}


def peer_python() -> Path:
    py = PEER_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    ok = subprocess.run([str(py), "-c", "import coordination_network_toolkit"],
                        capture_output=True).returncode == 0
    if not ok:
        subprocess.run([str(py), "-m", "pip", "install", "-q", PEER_PKG], check=True)
    return py


def coaction_available() -> bool:
    try:
        from socmint.analysis.coordination import coaction_edges  # noqa: F401
    except ImportError:
        return False
    return True


# --- cases -------------------------------------------------------------------------------

class Data:
    """One input: a socmint case (home dir, read-only or ours), what made it, its label."""

    def __init__(self, label: str, home: Path, posts: int, raw: list[Path] | None = None,
                 truth: Path | None = None, mapping: Path | None = None):
        self.label, self.home, self.posts, self.raw = label, home, posts, raw
        self.truth, self.mapping = truth, mapping
        self.import_run: dict | None = None  # socmint import, when timed here

    def env(self) -> dict:
        return dict(os.environ, SOCMINT_HOME=str(self.home))

    def case(self):
        os.environ["SOCMINT_HOME"] = str(self.home)
        from socmint import case as cases
        return cases.open_case("bench")


def scenario_dir(n: int) -> Path:
    """The scenario's raw files for n posts: ours, else bench/search's of the same generator
    version and arguments, else generated here."""
    from socmint import scenario

    accounts = min(max(5000, n // 20), 200_000)
    for d in (OUT / f"scenario-{n}", SEARCH / f"scenario-{n}", BENCH_OUT / f"scenario-{n}"):
        try:
            m = json.loads((d / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        a = m.get("arguments", {})
        if (m.get("version") == scenario.GENERATOR_VERSION and a.get("posts") == n
                and a.get("seed") == 7 and a.get("accounts") == accounts):
            return d
    d = OUT / f"scenario-{n}"
    shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    scenario.generate(d, accounts=accounts, posts=n, seed=7, media=False)
    log(f"  generated the {n:,}-post scenario in {time.perf_counter() - t0:.0f} s")
    return d


def fresh_case(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run(SOCMINT + ["case", "new", "bench", "--purpose", "benchmark",
                              "--legal-basis", "synthetic and published test data",
                              "--retention", "1"],
                   env=dict(os.environ, SOCMINT_HOME=str(home)), check=True,
                   stdout=subprocess.DEVNULL)


def import_into(data: Data, timed: bool) -> None:
    fresh_case(data.home)
    cmd = SOCMINT + ["import"]
    if data.mapping:
        cmd += ["--mapping", str(data.mapping)]
    r = run(cmd + [str(p) for p in data.raw], env=data.env())
    (data.home / "imported").touch()
    if timed:
        data.import_run = r
    log(f"  socmint import: {r['wall']:.1f} s, peak {r['peak_mib']:.0f} MiB")


def scenario_data(n: int, e2e: bool) -> Data | None:
    if n > 1_000_000:
        base = 1_000_000
        home = SEARCH / f"home-{base}x{n // base}"
        if n % base or not (home / "replicated").exists():
            log(f"{n:,} posts: no case at {home} (make it with bench/search_speed.py "
                f"--sizes {n}); skipped")
            return None
        log(f"{n:,} posts: the 1M case copied {n // base} times ({home}, read-only); "
            "no raw files, so no end-to-end figure")
        return Data(f"{n}", home, n, truth=scenario_dir(base) / "ground_truth.json")
    raw_dir = scenario_dir(n)
    raw = [p for p in sorted(raw_dir.iterdir()) if p.is_dir() and p.name != "media"]
    data = Data(f"{n}", OUT / f"home-{n}", n, raw=raw, truth=raw_dir / "ground_truth.json")
    if e2e:
        log(f"{n:,} posts: importing {raw_dir} into a fresh case ({data.home})")
        import_into(data, timed=True)
    elif (data.home / "imported").exists():
        log(f"{n:,} posts: the case imported earlier ({data.home})")
    elif (SEARCH / f"home-{n}" / "imported").exists():
        data.home = SEARCH / f"home-{n}"
        log(f"{n:,} posts: bench/search_speed.py's case ({data.home}, read-only)")
    else:
        log(f"{n:,} posts: importing {raw_dir} (not timed: --e2e-sizes leaves {n} out)")
        import_into(data, timed=False)
    return data


IRA_MAPPING = """\
# Twitter's election-integrity release (ira_tweets_csv_hashed.csv and its parts)
platform = "ira"
time_format = "%Y-%m-%d %H:%M"
timezone = "UTC"

[post]
id = "tweetid"
text = "tweet_text"
created_at = "tweet_time"
author = "userid"
reply_to = "in_reply_to_tweetid"
repost_of = "retweet_tweetid"
quote_of = "quoted_tweet_tweetid"
language = "tweet_language"

[account]
id = "userid"
handle = "user_screen_name"
display_name = "user_display_name"
"""


def ira_data(e2e: bool) -> Data | None:
    files = sorted(IRA.rglob("*.csv")) if IRA.is_dir() else []
    if not files:
        log(f"IRA 2016 data set: {IRA} is not on this machine; skipped")
        return None
    mapping = OUT / "ira-mapping.toml"
    OUT.mkdir(parents=True, exist_ok=True)
    mapping.write_text(IRA_MAPPING)
    data = Data("ira_2016", OUT / "home-ira_2016", 0, raw=files, mapping=mapping)
    log(f"IRA 2016: importing {len(files)} CSV files from {IRA} (declared mapping {mapping})")
    import_into(data, timed=e2e)
    return data


# --- the toolkit's input -----------------------------------------------------------------

def write_csv(data: Data) -> tuple[Path, dict]:
    """The case's posts as the toolkit's CSV, rewritten when the case changed."""
    from socmint import store

    case = data.case()
    path = OUT / f"toolkit-{data.label}.csv"
    stamp = OUT / f"toolkit-{data.label}.json"
    db_mtime = case.db_path.stat().st_mtime
    if path.exists() and stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("db_mtime") == db_mtime and info.get("db") == str(case.db_path):
            return path, info
    t0 = time.perf_counter()
    con = store.connect(case, read_only=True)
    # the export is timed for neither side: give it room, and spill here, not beside the case
    con.execute("SET memory_limit = '3GB'")
    con.execute(f"SET temp_directory = '{OUT / 'duckdb-tmp'}'")
    tmp = path.with_suffix(".csv.tmp")
    # The messages socmint's coaction_edges reads: posts with an account and a time, Telegram
    # service messages left out; plus "repost" interactions whose carrying post is not a repost
    # row (their own message, id suffixed "#repost" so it never collides with the post's row).
    # Spaces inside a URL would split it in the toolkit's reader (it splits on " "): %20.
    con.execute(f"""
        COPY (
          WITH u AS (
            SELECT post, string_agg(DISTINCT replace(normalized, ' ', '%20'), ' ') AS urls
            FROM entities WHERE kind = 'url' AND normalized IS NOT NULL AND normalized <> ''
            GROUP BY post),
          a AS (SELECT uid, any_value(handle) AS handle FROM accounts GROUP BY uid),
          p AS (SELECT * FROM posts WHERE account_uid IS NOT NULL AND created_at IS NOT NULL
                  AND (kind IS NULL OR kind <> 'service')),
          i AS (SELECT coalesce(post, uid) || '#repost' AS message_id, source AS user_id,
                       target_post AS repost_id, "at"
                FROM interactions
                WHERE kind = 'repost' AND target_post IS NOT NULL AND source IS NOT NULL
                  AND "at" IS NOT NULL
                  AND coalesce(post, uid) NOT IN (SELECT uid FROM p WHERE repost_of IS NOT NULL)),
          m AS (
            SELECT p.uid AS message_id, p.account_uid AS user_id,
                   coalesce(p.repost_of, '') AS repost_id, coalesce(p.reply_to, '') AS reply_id,
                   replace(coalesce(p.text, ''), chr(0), '') AS message,
                   epoch_us(p.created_at) AS timestamp, coalesce(u.urls, '') AS urls
            FROM p LEFT JOIN u ON u.post = p.uid
            UNION ALL
            SELECT message_id, user_id, repost_id, '', '', epoch_us("at"), '' FROM i)
          SELECT m.message_id, m.user_id, coalesce(a.handle, '') AS username, m.repost_id,
                 m.reply_id, m.message, m.timestamp, m.urls
          FROM m LEFT JOIN a ON a.uid = m.user_id
          ORDER BY m.timestamp, m.message_id
        ) TO '{tmp}' (FORMAT csv, HEADER, DELIMITER ',', QUOTE '"', ESCAPE '"')""")
    counts = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE created_at IS NULL OR account_uid IS NULL
                                            OR kind = 'service')
        FROM posts""").fetchone()
    extra = con.execute("""
        SELECT count(*), count(DISTINCT coalesce(post, uid)) FROM interactions
        WHERE kind = 'repost' AND target_post IS NOT NULL AND source IS NOT NULL
          AND "at" IS NOT NULL AND coalesce(post, uid) NOT IN (
            SELECT uid FROM posts WHERE repost_of IS NOT NULL AND account_uid IS NOT NULL
              AND created_at IS NOT NULL AND (kind IS NULL OR kind <> 'service'))""").fetchone()
    spaced = con.execute("SELECT count(*) FROM entities WHERE kind = 'url' "
                         "AND normalized LIKE '% %'").fetchone()[0]
    con.close()
    os.replace(tmp, path)
    info = {"db": str(case.db_path), "db_mtime": db_mtime, "posts": counts[0],
            "left_out": counts[1], "urls_with_spaces": spaced, "repost_interactions": extra[0],
            "repost_interaction_msgs": extra[1],
            "seconds": time.perf_counter() - t0, "mib": path.stat().st_size / 2**20}
    stamp.write_text(json.dumps(info))
    log(f"  toolkit CSV: {info['posts'] - info['left_out'] + extra[0]:,} messages, "
        f"{info['mib']:,.0f} MiB, written in {info['seconds']:.1f} s (timed for neither side)"
        + (f"; {info['left_out']:,} posts without time or author, or service messages, "
           "left out" if info["left_out"] else "")
        + (f"; {extra[0]:,} repost interactions without a repost row added as messages"
           + (" (some posts carry several: the toolkit keeps the first of each id)"
              if extra[0] != extra[1] else "") if extra[0] else "")
        + (f"; {spaced:,} URLs with spaces written with %20" if spaced else ""))
    return path, info


def preprocess(data: Data, csv_path: Path, py: Path, timeout: float) -> tuple[Path, dict]:
    """The toolkit's preprocess of the CSV into its SQLite database (kept pristine)."""
    db = OUT / f"toolkit-{data.label}.sqlite"
    stamp = OUT / f"toolkit-{data.label}.sqlite.json"
    key = csv_path.stat().st_mtime
    if db.exists() and stamp.exists() and data.import_run is None:
        info = json.loads(stamp.read_text())
        if info.get("csv_mtime") == key:
            log(f"  toolkit preprocess: cached ({info['seconds']:.1f} s when it ran)")
            return db, info
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    r = run([str(py), "-c", PEER_CODE, "preprocess", str(csv_path), str(db)], timeout=timeout)
    if r.get("timeout"):
        log(f"  toolkit preprocess did not finish in {timeout:.0f} s")
        return db, r
    r["csv_mtime"] = key
    stamp.write_text(json.dumps(r))
    log(f"  toolkit preprocess: {r['messages']:,} messages, {r['url_rows']:,} URL rows in "
        f"{r['seconds']:.2f} s, peak {r['peak_mib']:.0f} MiB; {r['empty_url_rows_deleted']:,} "
        "empty-URL rows deleted (issue #46)")
    return db, r


# --- one kind, both sides ----------------------------------------------------------------

def socmint_side(data: Data, kind: str, args) -> dict:
    out = OUT / f"edges-{data.label}-{kind}-socmint.parquet"
    out.unlink(missing_ok=True)
    env = data.env()
    if args.duckdb_memory:
        env["SOCMINT_DUCKDB_MEMORY"] = args.duckdb_memory
    warm(data.case().db_path)
    r = run([PY, __file__, "--worker", "--home", str(data.home), "--kind", kind,
             "--window", str(args.window), "--min-weight", str(args.min_weight),
             "--edges-out", str(out)], env=env, timeout=args.peer_timeout, may_fail=True)
    r["edges_file"] = out
    return r


def warm(path: Path) -> None:
    """Read a database file once, untimed, so that each side starts from the page cache: the
    toolkit's database is a copy made just before its run, socmint's case was written long
    before ("data already loaded" for both)."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def toolkit_side(db: Path, data: Data, kind: str, py: Path, args) -> dict:
    work = OUT / f"work-{data.label}.sqlite"
    for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(db, work)
    # the toolkit's own journal mode: its workers read while one writes back (a database
    # preprocessed by an earlier version of this script was left in rollback mode)
    con = sqlite3.connect(work)
    con.execute("pragma journal_mode = wal")
    con.close()
    out = OUT / f"edges-{data.label}-{kind}-toolkit.csv"
    out.unlink(missing_ok=True)
    r = run([str(py), "-c", PEER_CODE, "compute", str(work), NETWORK[kind],
             str(args.window * US), str(args.min_weight), str(args.threads), str(out)],
            timeout=args.peer_timeout, may_fail=True)
    r["edges_file"] = out
    for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        p.unlink(missing_ok=True)
    return r


def compare(s: dict, t: dict, truth: Path | None, db_path: Path) -> dict:
    """Edge sets (source, target, weight) of both sides, how many of the differences are
    pairs of a forward and its origin account, and how many planted campaign pairs each
    side found."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE s AS SELECT source, target, weight::BIGINT AS weight "
                f"FROM read_parquet('{s['edges_file']}')")
    con.execute(f"CREATE TABLE t AS SELECT source, target, weight::BIGINT AS weight FROM "
                f"read_csv('{t['edges_file']}', header = true, all_varchar = true)")
    q = con.execute
    res = {
        "socmint": q("SELECT count(*) FROM s").fetchone()[0],
        "toolkit": q("SELECT count(*) FROM t").fetchone()[0],
        "weight_differs": q("SELECT count(*) FROM s JOIN t USING (source, target) "
                            "WHERE s.weight <> t.weight").fetchone()[0],
        "only_socmint": q("SELECT count(*) FROM s ANTI JOIN t USING (source, target)"
                          ).fetchone()[0],
        "only_toolkit": q("SELECT count(*) FROM t ANTI JOIN s USING (source, target)"
                          ).fetchone()[0],
        "self_loops_socmint": q("SELECT count(*) FROM s WHERE source = target").fetchone()[0],
    }
    # socmint never pairs a forward (a "repost" interaction naming the origin account, not the
    # message: Telegram) with a post of its origin account; the toolkit has no such notion
    con.execute(f"ATTACH '{db_path}' AS c (READ_ONLY)")
    con.execute("""
        CREATE TABLE fw AS SELECT DISTINCT p.account_uid AS a, i.target AS b
        FROM c.interactions i JOIN c.posts p ON p.uid = i.post
        WHERE i.kind = 'repost' AND i.target_post IS NULL AND i.target IS NOT NULL""")
    con.execute("DETACH c")
    res["forward_origin_pairs"] = q("""
        WITH d AS (
          SELECT source, target FROM s JOIN t USING (source, target) WHERE s.weight <> t.weight
          UNION ALL SELECT source, target FROM s ANTI JOIN t USING (source, target)
          UNION ALL SELECT source, target FROM t ANTI JOIN s USING (source, target))
        SELECT count(*) FROM d WHERE EXISTS (
          SELECT 1 FROM fw WHERE (fw.a = d.source AND fw.b = d.target)
                              OR (fw.a = d.target AND fw.b = d.source))""").fetchone()[0]
    res["examples"] = [
        *[("weight", *r) for r in q(
            "SELECT source, target, s.weight, t.weight FROM s JOIN t USING (source, target) "
            "WHERE s.weight <> t.weight ORDER BY 1, 2 LIMIT 5").fetchall()],
        *[("only socmint", *r, None) for r in q(
            "SELECT * FROM s ANTI JOIN t USING (source, target) ORDER BY 1, 2 LIMIT 5"
        ).fetchall()],
        *[("only toolkit", r[0], r[1], None, r[2]) for r in q(
            "SELECT * FROM t ANTI JOIN s USING (source, target) ORDER BY 1, 2 LIMIT 5"
        ).fetchall()]]
    if truth and truth.exists():
        members = json.loads(truth.read_text())["campaign"]["accounts"]
        con.execute("CREATE TABLE m AS SELECT unnest(?::VARCHAR[]) AS uid", [members])
        for side in ("s", "t"):
            # a copy of the case suffixes every uid with ~k (bench/search_speed.py)
            res[f"campaign_{side}"] = q(f"""
                SELECT count(*) FILTER (
                  WHERE regexp_replace(source, '~[0-9]+$', '') IN (SELECT uid FROM m)
                    AND regexp_replace(target, '~[0-9]+$', '') IN (SELECT uid FROM m)), count(*)
                FROM {side}""").fetchone()
    con.close()
    return res


# --- the socmint worker (runs in its own process) ----------------------------------------

def worker(args) -> None:
    os.environ["SOCMINT_HOME"] = args.home
    import pyarrow.parquet as pq

    from socmint import case as cases
    from socmint import store
    from socmint.analysis.coordination import coaction_edges, notes

    case = cases.open_case("bench")
    with store.tables(case, "duckdb") as backend:
        t0 = time.perf_counter()
        expr = coaction_edges(backend, args.kind, window=args.window,
                              min_weight=args.min_weight)
        table = backend.to_pyarrow(expr)
        seconds = time.perf_counter() - t0
        note = notes(backend, [args.kind])[args.kind]
    pq.write_table(table.select(["source", "target", "weight"]), args.edges_out)
    print(json.dumps({"seconds": seconds, "edges": table.num_rows, "note": note}))


# --- the report --------------------------------------------------------------------------

def fmt_s(r: dict | None, timeout: float) -> str:
    if r is None:
        return "-"
    if r.get("failed"):
        return f"failed after {r['wall']:.0f} s: {r['failed']}"
    if r.get("timeout"):
        return f"did not finish in {timeout:.0f} s"
    return f"{r['seconds']:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    """How many times faster socmint (a seconds) is than the toolkit (b seconds)."""
    if not (a and b):
        return "-"
    x = b / a
    return f"{x:.1f}x" if x >= 1 else f"{x:.2f}x"


def secs(r: dict | None) -> float | None:
    return r.get("seconds") if r else None


def report(results: list[dict], args) -> None:
    to = args.peer_timeout
    log(f"\n## Co-action edges on loaded data (window {args.window} s, weight >= "
        f"{args.min_weight}; socmint: coaction_edges materialised; toolkit: its compute, "
        "index build included)\n")
    log("| size | kind (toolkit network) | socmint s | toolkit s | toolkit s / socmint s | "
        "socmint peak MiB | "
        "toolkit peak MiB | edges socmint / toolkit |")
    log("|---|---|---|---|---|---|---|---|")
    for r in results:
        s, t = r.get("socmint"), r.get("toolkit")
        edges = " / ".join(f"{x['edges']:,}" if secs(x) is not None else "-" for x in (s, t))
        peaks = [f"{x['peak_mib']:.0f}" if x else "-" for x in (s, t)]
        log(f"| {r['label']} | {r['kind']} ({NETWORK[r['kind']]}) | {fmt_s(s, to)} | "
            f"{fmt_s(t, to)} | {ratio(secs(s), secs(t))} | {peaks[0]} | {peaks[1]} | "
            f"{edges} |")

    e2e = [r for r in results if r.get("e2e")]
    if e2e:
        log("\n## End to end, raw files to edge list\n")
        log("socmint: `socmint import` of the scenario's raw platform files into a new case "
            "(parsing five formats, evidence store, tables, enrichment, search index) + "
            "coaction_edges. toolkit: its `preprocess` of the CSV (already flattened from "
            "socmint's tables; writing that CSV is not counted) + the empty-URL fix + its "
            "compute. Peak: the larger of the two steps.\n")
        log("| size | kind | socmint import + edges = s | toolkit preprocess + compute = s | "
            "toolkit / socmint | socmint peak MiB | toolkit peak MiB |")
        log("|---|---|---|---|---|---|---|")
        for r in e2e:
            e = r["e2e"]
            si, sc, tp, tc = e["import"], r["socmint"], e["preprocess"], r["toolkit"]
            s_total = si["wall"] + sc["seconds"] if secs(sc) is not None else None
            t_total = (tp["seconds"] + tc["seconds"]
                       if secs(tc) is not None and secs(tp) is not None else None)
            s_cell = (f"{si['wall']:.1f} + {sc['seconds']:.2f} = {s_total:.1f}"
                      if s_total else "-")
            t_cell = (f"{tp['seconds']:.2f} + {tc['seconds']:.2f} = {t_total:.1f}"
                      if t_total else f"did not finish in {to:.0f} s")
            log(f"| {r['label']} | {r['kind']} | {s_cell} | {t_cell} | "
                f"{ratio(s_total, t_total)} | {max(si['peak_mib'], sc['peak_mib']):.0f} | "
                f"{max(tp['peak_mib'], tc['peak_mib']):.0f} |")

    cmp_rows = [r for r in results if r.get("compare")]
    if cmp_rows:
        log(f"\n## Exactness: edge sets (source, target, weight), weight >= {args.min_weight}, "
            "self-loops left out, empty-URL rows deleted from the toolkit's input (issue #46)\n")
        log("| size | kind | edges socmint | edges toolkit | only socmint | only toolkit | "
            "weight differs | edges between two planted campaign accounts, socmint / toolkit |")
        log("|---|---|---|---|---|---|---|---|")
        for r in cmp_rows:
            c = r["compare"]
            camp = "-"
            if "campaign_s" in c:
                camp = f"{c['campaign_s'][0]:,} / {c['campaign_t'][0]:,}"
            log(f"| {r['label']} | {r['kind']} ({NETWORK[r['kind']]}) | {c['socmint']:,} | "
                f"{c['toolkit']:,} | {c['only_socmint']:,} | {c['only_toolkit']:,} | "
                f"{c['weight_differs']:,} | {camp} |")
        for r in cmp_rows:
            c = r["compare"]
            if c["examples"]:
                log(f"\n  differences, {r['label']} {r['kind']} (what, source, target, "
                    "socmint weight, toolkit weight):")
                for ex in c["examples"]:
                    log(f"    {ex}")
            diff = c["only_socmint"] + c["only_toolkit"] + c["weight_differs"]
            if diff:
                log(f"  {r['label']} {r['kind']}: {c['forward_origin_pairs']:,} of the {diff:,} "
                    "differing edges join an account and an account it forwarded from (socmint "
                    "never pairs a forward with a post of its origin; the toolkit has no notion "
                    "of it)")
            if c["self_loops_socmint"]:
                log(f"  {r['label']} {r['kind']}: socmint returned {c['self_loops_socmint']:,} "
                    "self-loops")
        diff = sum(r["compare"]["only_socmint"] + r["compare"]["only_toolkit"]
                   + r["compare"]["weight_differs"] for r in cmp_rows)
        fwd = sum(r["compare"]["forward_origin_pairs"] for r in cmp_rows)
        log("\nexactness: " + (
            "the same edges and weights everywhere" if not diff else
            f"the same edges and weights except {diff:,} edges, every one between a forward "
            "and its origin account (by design)" if diff == fwd else
            f"DIFFERENCES: {diff - fwd:,} not explained, see above"))
    done = [(secs(r.get("socmint")), secs(r.get("toolkit"))) for r in results]
    ratios = [t / s for s, t in done if s and t]
    if ratios:
        log(f"speed ratio toolkit / socmint on loaded data: {min(ratios):.1f}x to "
            f"{max(ratios):.1f}x (goal >= 10x)")


def bench_data(data: Data, kinds: list[str], py: Path, args, have_socmint: bool) -> list[dict]:
    csv_path, _ = write_csv(data)
    db, prep = preprocess(data, csv_path, py, args.peer_timeout)
    rows = []
    for kind in kinds:
        row = {"label": f"{data.posts:,}" if data.posts else data.label, "kind": kind}
        if have_socmint:
            s = row["socmint"] = socmint_side(data, kind, args)
            log(f"  {kind}: socmint {fmt_s(s, args.peer_timeout)}"
                + (f" s, {s['edges']:,} edges ({s['note']})" if secs(s) is not None else "")
                + f", peak {s['peak_mib']:.0f} MiB")
        if prep.get("timeout"):
            row["toolkit"] = {"timeout": True, "peak_mib": prep["peak_mib"]}
        else:
            row["toolkit"] = toolkit_side(db, data, kind, py, args)
        t = row["toolkit"]
        log(f"  {kind}: toolkit {NETWORK[kind]} {fmt_s(t, args.peer_timeout)}"
            + (f" s, {t['edges']:,} edges" if secs(t) is not None else "")
            + (f", {t['empty_text_deleted']:,} messages of empty normalised text left out "
               "first (not timed)" if t.get("empty_text_deleted") else "")
            + f", peak {t['peak_mib']:.0f} MiB")
        if have_socmint and secs(row["socmint"]) is not None and secs(t) is not None:
            row["compare"] = compare(row["socmint"], t, data.truth, data.case().db_path)
        if data.import_run and have_socmint:
            row["e2e"] = {"import": data.import_run, "preprocess": prep}
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="socmint's coaction_edges beside "
                                 "coordination-network-toolkit 1.5.2: exactness and speed")
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--quick", action="store_true", help="100,000 posts only")
    ap.add_argument("--kinds", default="repost,text,link",
                    help="socmint kinds: repost, text, post, link")
    ap.add_argument("--window", type=int, default=60, help="seconds")
    ap.add_argument("--min-weight", type=int, default=2)
    ap.add_argument("--peer-timeout", type=float, default=3600,
                    help="seconds before a toolkit (or socmint) step is killed")
    ap.add_argument("--e2e-sizes", default="100000,1000000",
                    help="sizes imported afresh so the end-to-end time is measured")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                    help="the toolkit's worker processes (DuckDB uses every core)")
    ap.add_argument("--duckdb-memory", default=None,
                    help="SOCMINT_DUCKDB_MEMORY for socmint's side (default: socmint's own, "
                         "a tenth of the machine's memory)")
    ap.add_argument("--skip-ira", action="store_true")
    # the socmint side's own process
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--home", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--edges-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    sizes = [100_000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",")
                                          if s.strip()]
    e2e_sizes = {int(s.replace("_", "")) for s in args.e2e_sizes.split(",") if s.strip()}
    kinds = [k for k in args.kinds.split(",") if k]
    for k in kinds:
        if k not in NETWORK:
            raise SystemExit(f"unknown kind {k!r}: choose from {', '.join(NETWORK)}")
    OUT.mkdir(parents=True, exist_ok=True)
    have_socmint = coaction_available()
    if not have_socmint:
        log("socmint.analysis.coordination.coaction_edges is not there yet: the socmint side "
            "is skipped, the toolkit runs alone")
    py = peer_python()
    from socmint.store import memory_limit

    log(f"peer: {PEER_PKG} in {PEER_VENV}; {args.threads} worker processes; "
        f"window {args.window} s, weight >= {args.min_weight}; socmint's DuckDB memory limit "
        f"{args.duckdb_memory or os.environ.get('SOCMINT_DUCKDB_MEMORY') or memory_limit()}")
    results = []
    for n in sizes:
        data = scenario_data(n, n in e2e_sizes)
        if data:
            results += bench_data(data, kinds, py, args, have_socmint)
    if not args.skip_ira:
        data = ira_data(e2e=True)
        if data:
            results += bench_data(data, kinds, py, args, have_socmint)
    (OUT / "results.json").write_text(json.dumps(results, default=str, indent=1))
    report(results, args)


if __name__ == "__main__":
    main()
