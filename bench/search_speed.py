"""Search speed: socmint's tantivy index beside SQLite FTS5, on the same scenario posts.

    .venv/bin/python bench/search_speed.py [--sizes 100000,1000000,10000000] [--repeat 20]
                                           [--skip-fts] [--import-max 1000000] [--fresh]
                                           [--reuse]

For each size: the scenario is generated (bench/out/search/scenario-N, kept for later runs) and
imported into a case (bench/out/search/home-N, kept too; --fresh imports again). A size above
--import-max is made instead by copying the --import-max case inside DuckDB (every uid
suffixed per copy): the same texts and fields, ten times over for 10M. Then

  - socmint's index is built (seconds, posts/s, size on disk);
  - the same posts go into SQLite FTS5 (Python's sqlite3): a contentless FTS5 table for the
    text (unicode61, diacritics removed) and a plain table with indexed columns for the fields,
    hashtags and domains, read from the same DuckDB tables (seconds, posts/s, size);
  - a fixed mix of queries (words, phrases, boolean, fields, date ranges, facet counts) runs
    `--repeat` times on each, after one warm-up; median and p95 latency per kind.

What a query returns is the same on both sides: the top 50 (by relevance where there are words,
else newest first) and the total count; a facet query adds counts per platform, language,
author (top 20), day, hashtag (top 20) and domain (top 20). socmint is timed two ways: the
engine alone (parse, compile, tantivy); and search() whole, which also reads each hit's stored
row (time, platform, author, text) and cuts its snippet.
The goal the issue sets: p95 < 100 ms at 10M posts, build >= 20,000 posts/s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "search"
sys.path.insert(0, str(ROOT))

# kind, socmint query, the FTS5 equivalent: (MATCH expression or None, SQL condition on
# posts `p` or None, its parameters)
D = 86_400_000_000  # a day in microseconds
T0 = 1772409600000000  # 2026-03-02, the scenario's first day
QUERIES = [
    ("word", "climate", ("climate", None, [])),
    ("word", "transport", ("transport", None, [])),
    ("word", "recipe", ("recipe", None, [])),
    ("word", "uberbewertet", ("uberbewertet", None, [])),
    ("phrase", '"climate policy"', ('"climate policy"', None, [])),
    ("phrase", '"public transport"', ('"public transport"', None, [])),
    ("phrase", '"not sure about that"', ('"not sure about that"', None, [])),
    ("boolean", "climate AND (policy OR action) -football",
     ("climate AND (policy OR action) NOT football", None, [])),
    ("boolean", "(housing OR rent) NOT london", ("(housing OR rent) NOT london", None, [])),
    ("boolean", "election OR wahl OR election2026", ("election OR wahl OR election2026", None,
                                                       [])),
    ("field", "platform:mastodon lang:en", (None, "p.platform = ? AND p.lang = ?",
                                            ["mastodon", "en"])),
    ("field", "hashtag:climateaction",
     (None, "p.id IN (SELECT id FROM tags WHERE tag = ?)", ["climateaction"])),
    ("field", "lang:de hashtag:football",
     (None, "p.lang = ? AND p.id IN (SELECT id FROM tags WHERE tag = ?)", ["de", "football"])),
    ("field", "transport is:reply", ("transport", "p.reply = 1", [])),
    ("date", "since:2026-03-05 until:2026-03-08",
     (None, "p.time >= ? AND p.time < ?", [T0 + 3 * D, T0 + 6 * D])),
    ("date", "climate since:2026-03-10", ("climate", "p.time >= ?", [T0 + 8 * D])),
    ("date", "platform:twitter until:2026-03-04",
     (None, "p.platform = ? AND p.time < ?", ["twitter", T0 + 2 * D])),
    ("facets", "climate", ("climate", None, [])),
    ("facets", "hashtag:climateaction",
     (None, "p.id IN (SELECT id FROM tags WHERE tag = ?)", ["climateaction"])),
    ("facets", "lang:de", (None, "p.lang = ?", ["de"])),
]
KINDS = ("word", "phrase", "boolean", "field", "date", "facets")


def log(*a) -> None:
    print(*a, flush=True)


def ensure_case(n: int, fresh: bool):
    from socmint import case as cases
    from socmint import ingest, scenario

    data = OUT / f"scenario-{n}"
    if not (data / "manifest.json").exists():
        t0 = time.perf_counter()
        # one account per 20 posts, at most 200,000: the generator slows down steeply beyond
        scenario.generate(data, accounts=min(max(5000, n // 20), 200_000), posts=n, seed=7,
                          media=False)
        log(f"  generated the {n:,}-post scenario in {time.perf_counter() - t0:.0f} s")
    home = OUT / f"home-{n}"
    os.environ["SOCMINT_HOME"] = str(home)
    marker = home / "imported"
    if fresh or not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
        c = cases.create("bench", purpose="benchmark", legal_basis="synthetic test data",
                         retention_days=1)
        t0 = time.perf_counter()
        ingest.import_paths(c, [p for p in sorted(data.iterdir())
                                if p.is_dir() and p.name != "media"])
        log(f"  imported in {time.perf_counter() - t0:.0f} s")
        marker.touch()
    return cases.open_case("bench")


# the columns naming a record of each table, suffixed in each copy so every copy is new
_RENAMED = {"posts": ("uid", "account_uid", "reply_to", "repost_of", "quote_of", "conversation"),
            "accounts": ("uid",), "entities": ("uid", "post"), "media": ("uid", "post")}


def replicated_case(n: int, base_n: int, fresh: bool):
    """A case of n posts made inside DuckDB from the imported base_n case: its posts, accounts,
    entities and media copied n // base_n times, every uid suffixed per copy (the first copy
    keeps them). Importing 10M scenario posts takes most of an hour; this takes minutes, and
    gives the index the same texts and fields at n posts."""
    from socmint import case as cases
    from socmint import store

    base = ensure_case(base_n, False)
    src = base.db_path
    factor = n // base_n
    home = OUT / f"home-{base_n}x{factor}"
    os.environ["SOCMINT_HOME"] = str(home)
    marker = home / "replicated"
    if fresh or not marker.exists():
        shutil.rmtree(home, ignore_errors=True)
        c = cases.create("bench", purpose="benchmark", legal_basis="synthetic test data",
                         retention_days=1)
        t0 = time.perf_counter()
        con = store.connect(c)
        con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        for table, renamed in _RENAMED.items():
            for k in range(factor):
                suffix = f"~{k}" if k else ""
                repl = ", ".join(f"{col} || '{suffix}' AS {col}" for col in renamed)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * REPLACE ({repl}) "
                            f"FROM src.{table}")
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
        con.close()
        log(f"  copied the {base_n:,}-post case {factor} times in "
            f"{time.perf_counter() - t0:.0f} s")
        marker.touch()
    return cases.open_case("bench")


def build_fts(case, path: Path) -> dict:
    """The same posts into SQLite FTS5, read from the same DuckDB tables as socmint's index."""
    from socmint import store

    if path.exists():
        path.unlink()
    t0 = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;
        CREATE TABLE posts (id INTEGER PRIMARY KEY, uid TEXT, platform TEXT, lang TEXT,
                            author TEXT, time INTEGER, geo INTEGER, reply INTEGER);
        CREATE TABLE tags (id INTEGER, tag TEXT);
        CREATE TABLE domains (id INTEGER, domain TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(text, content='',
                                            tokenize='unicode61 remove_diacritics 2');
    """)
    con = store.connect(case, read_only=True)
    reader = con.sql("""
        WITH e AS (SELECT post,
                     list(DISTINCT normalized) FILTER (WHERE kind = 'hashtag') AS tags,
                     list(DISTINCT normalized) FILTER (WHERE kind = 'domain') AS domains
                   FROM entities GROUP BY post)
        SELECT p.uid, p.text, p.platform, lower(p.language), p.account_uid,
               epoch_us(p.created_at), p.lat IS NOT NULL, p.reply_to IS NOT NULL,
               e.tags, e.domains
        FROM posts p LEFT JOIN e ON e.post = p.uid""").to_arrow_reader(50_000)
    n = 0
    db.execute("BEGIN")
    for batch in reader:
        cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        rows, texts, tags, doms = [], [], [], []
        for uid, text, platform, lang, author, t, geo, reply, tg, dm in zip(*cols, strict=True):
            n += 1
            rows.append((n, uid, platform, lang, author, t, geo, reply))
            texts.append((n, text or ""))
            tags += [(n, x) for x in tg or ()]
            doms += [(n, x) for x in dm or ()]
        db.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO fts(rowid, text) VALUES (?,?)", texts)
        db.executemany("INSERT INTO tags VALUES (?,?)", tags)
        db.executemany("INSERT INTO domains VALUES (?,?)", doms)
    db.execute("COMMIT")
    con.close()
    db.executescript("""
        CREATE INDEX posts_platform ON posts (platform, lang);
        CREATE INDEX posts_lang ON posts (lang);
        CREATE INDEX posts_time ON posts (time);
        CREATE INDEX posts_author ON posts (author);
        CREATE INDEX tags_tag ON tags (tag, id);
        CREATE INDEX tags_id ON tags (id);
        CREATE INDEX domains_id ON domains (id);
        INSERT INTO fts(fts) VALUES ('optimize');
    """)
    db.close()
    seconds = time.perf_counter() - t0
    return {"posts": n, "seconds": seconds, "bytes": path.stat().st_size}


def fts_query(db: sqlite3.Connection, spec, facets: bool) -> int:
    """Top 50 and the total on SQLite, as socmint's search returns them; facets if asked."""
    match, cond, params = spec
    if match:
        where = "p.id IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
        args = [match, *params]
        if cond:
            where += f" AND {cond}"
        if cond:  # words and a filter: rank inside the filtered set
            top = (f"SELECT p.uid FROM fts JOIN posts p ON p.id = fts.rowid "
                   f"WHERE fts MATCH ? AND {cond} ORDER BY fts.rank LIMIT 50")
        else:
            top = ("SELECT p.uid FROM fts JOIN posts p ON p.id = fts.rowid "
                   "WHERE fts MATCH ? ORDER BY fts.rank LIMIT 50")
    else:
        where, args = cond, list(params)
        top = f"SELECT p.uid FROM posts p WHERE {where} ORDER BY p.time DESC LIMIT 50"
    db.execute(top, args).fetchall()
    total = db.execute(f"SELECT count(*) FROM posts p WHERE {where}", args).fetchone()[0]
    if facets:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM m")
        db.execute(f"INSERT INTO m SELECT p.id FROM posts p WHERE {where}", args)
        for col in ("platform", "lang", "author", f"time / {D}"):
            db.execute(f"SELECT {col}, count(*) AS n FROM posts JOIN m USING (id) GROUP BY 1 "
                       "ORDER BY n DESC LIMIT 20").fetchall()
        for table, col in (("tags", "tag"), ("domains", "domain")):
            db.execute(f"SELECT {col}, count(*) AS n FROM {table} JOIN m USING (id) "
                       "GROUP BY 1 ORDER BY n DESC LIMIT 20").fetchall()
    return total


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def bench_size(n: int, repeat: int, skip_fts: bool, fresh: bool, import_max: int,
               reuse: bool = False) -> dict:
    from socmint import search
    from socmint.search import index as ix
    from socmint.search import query as qm

    if n > import_max:
        log(f"{n:,} posts (the imported {import_max:,}-post case copied {n // import_max} times)")
        case = replicated_case(n, import_max, fresh)
    else:
        log(f"{n:,} posts")
        case = ensure_case(n, fresh)
    if reuse and search.status(case)["exists"]:
        st = search.status(case)
        built = {"posts": st["posts"], "seconds": float("nan"), "bytes": st["bytes"]}
        log(f"  socmint index: reused ({st['posts']:,} posts), not timed")
    else:
        built = search.build(case)
        log(f"  socmint index: {built['posts']:,} posts in {built['seconds']:.1f} s "
            f"({built['posts'] / built['seconds']:,.0f} posts/s), "
            f"{built['bytes'] / 2**20:,.0f} MiB")
    fts = None
    if not skip_fts:
        fts_path = OUT / f"fts-{n}.sqlite"
        fts = build_fts(case, fts_path)
        log(f"  SQLite FTS5:   {fts['posts']:,} posts in {fts['seconds']:.1f} s "
            f"({fts['posts'] / fts['seconds']:,.0f} posts/s), {fts['bytes'] / 2**20:,.0f} MiB")
    idx, _ = ix.opened(case)
    db = sqlite3.connect(OUT / f"fts-{n}.sqlite") if fts else None
    lat = {k: {"engine": [], "search": [], "fts": []} for k in KINDS}
    totals = []
    for kind, q, spec in QUERIES:
        facets = kind == "facets"

        def engine(q=q, facets=facets):
            s = idx.searcher()
            c = qm.compile_query(q, s)
            order = None if c.scored else "time"
            r = s.search(c.query, 50, count=True, order_by_field=order)
            [s.doc(a).get_first("uid") for _, a in r.hits]
            if facets:
                search._facets(s, c.query)
            return r.count

        got = search.search(case, q, limit=50, facets=facets).total
        lat[kind]["engine"] += timed(engine, repeat)
        lat[kind]["search"] += timed(lambda q=q, facets=facets: search.search(
            case, q, limit=50, facets=facets), repeat)
        row = {"kind": kind, "query": q, "socmint": got}
        if db is not None:
            row["fts5"] = fts_query(db, spec, False)
            lat[kind]["fts"] += timed(lambda spec=spec, facets=facets: fts_query(db, spec, facets),
                                      repeat)
        totals.append(row)
    return {"posts": n, "built": built, "fts": fts, "latency": lat, "totals": totals}


def report(results: list[dict]) -> None:
    log("\n| posts | engine | build s | posts/s | size MiB |")
    log("|---|---|---|---|---|")
    for r in results:
        b = r["built"]
        timing = ("reused | -" if b["seconds"] != b["seconds"]  # not timed: NaN
                  else f"{b['seconds']:.1f} | {b['posts'] / b['seconds']:,.0f}")
        log(f"| {r['posts']:,} | socmint (tantivy) | {timing} | {b['bytes'] / 2**20:,.0f} |")
        if r["fts"]:
            f = r["fts"]
            log(f"| {r['posts']:,} | SQLite FTS5 | {f['seconds']:.1f} | "
                f"{f['posts'] / f['seconds']:,.0f} | {f['bytes'] / 2**20:,.0f} |")
    log("\nlatency, ms: median / p95 (each query of the kind run --repeat times)")
    log("| posts | kind | socmint engine | socmint search() | SQLite FTS5 |")
    log("|---|---|---|---|---|")
    for r in results:
        for k in KINDS:
            cells = []
            for side in ("engine", "search", "fts"):
                xs = r["latency"][k][side]
                cells.append(f"{statistics.median(xs):.1f} / {p95(xs):.1f}" if xs else "-")
            log(f"| {r['posts']:,} | {k} | " + " | ".join(cells) + " |")
        cells = []  # the whole mix: every run of every query
        for side in ("engine", "search", "fts"):
            xs = [x for k in KINDS for x in r["latency"][k][side]]
            cells.append(f"{statistics.median(xs):.1f} / {p95(xs):.1f}" if xs else "-")
        log(f"| {r['posts']:,} | **all** | " + " | ".join(cells) + " |")
    log("\nmatches per query (socmint / FTS5; they differ where the engines read text "
        "differently, e.g. CJK, or where FTS5 has no field for it)")
    for r in results:
        log(f"  {r['posts']:,}: " + "; ".join(
            f"{t['query']} {t['socmint']:,}" + (f"/{t['fts5']:,}" if "fts5" in t else "")
            for t in r["totals"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--skip-fts", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="query the index an earlier run built (its build is not timed again)")
    ap.add_argument("--fresh", action="store_true", help="import the scenario again")
    ap.add_argument("--import-max", type=int, default=1_000_000,
                    help="larger sizes copy the case of this size inside DuckDB (a multiple "
                         "of it) instead of importing a scenario that large")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    results = [bench_size(n, args.repeat, args.skip_fts, args.fresh, args.import_max, args.reuse)
               for n in sizes]
    report(results)


if __name__ == "__main__":
    main()
