"""Does socmint's coordination detection, as shipped, find the groups planted in data whose
truth is known, and leave ordinary users alone?

    .venv/bin/python bench/coordination_recovery.py [--sizes 20000,100000,1000000] [--skip-ira]

Scenario data (socmint.scenario, seed 7): the case of each size is bench/coordination_speed.py's
or bench/search_speed.py's when it is there, else the scenario is generated and imported here
(bench/out/coordination/). clusters() runs with its defaults: the shipped kinds, windows and
thresholds, nothing tuned to the data. Printed for each planted group (the campaign, the bot
network): the clusters that are the group's (most of their members are in it), precision and
recall of their member accounts (goal: both >= 0.9); how many ordinary accounts are in any
cluster and how many clusters hold ordinary accounts only (chance co-actions: goal none); NMI
and ARI between the clusters and the accounts' planted roles over the clustered accounts.

The IRA 2016 data set (../shared/datasets/ira_2016/): imported as bench/coordination_speed.py
imports it, then NMI and ARI of the clusters against the Linvill-Warren account categories of
its authors.csv, and how many of its accounts are covered. Not on this machine so far: the code
path is written, never run; it says so and skips.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import coordination_speed as speed  # noqa: E402  (the same cases, generator and importer)

GROUPS = {"campaign": "campaign", "bots": "bot"}  # ground_truth.json key -> account role


def log(*a) -> None:
    print(*a, flush=True)


def score_groups(found: list[list[str]], truth: dict) -> dict:
    """Per planted group: the clusters most of whose members are in it, and precision and
    recall of their members; the ordinary accounts clustered."""
    role = {uid: a["role"] for uid, a in truth["accounts"].items()}
    out = {}
    for key in GROUPS:
        members = set(truth[key]["accounts"])
        mine = [c for c in found if sum(a in members for a in c) * 2 > len(c)]
        got = {a for c in mine for a in c}
        hit = len(got & members)
        out[key] = {"size": len(members), "clusters": len(mine), "accounts": len(got),
                    "precision": hit / len(got) if got else 0.0,
                    "recall": hit / len(members) if members else 0.0}
    clustered = [a for c in found for a in c]
    out["ordinary_clustered"] = sum(role.get(a) == "ordinary" for a in clustered)
    out["ordinary_only_clusters"] = sum(all(role.get(a) == "ordinary" for a in c) for c in found)
    out["roles_clustered"] = dict(Counter(role.get(a, "?") for a in clustered))
    out.update(agreement(found, role))
    return out


def agreement(found: list[list[str]], label: dict[str, str]) -> dict:
    """NMI and ARI between clusters and labels over the accounts that are both clustered and
    labelled; accounts covered."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    pairs = [(label[a], i) for i, c in enumerate(found) for a in c if a in label]
    if len(pairs) < 2:
        return {"nmi": None, "ari": None, "covered": len(pairs), "labelled": len(label)}
    truth, pred = zip(*pairs, strict=True)
    return {"nmi": normalized_mutual_info_score(truth, pred),
            "ari": adjusted_rand_score(truth, pred), "covered": len(pairs),
            "labelled": len(label)}


def run_clusters(data) -> tuple[list, float]:
    from socmint import store
    from socmint.analysis import coordination

    case = data.case()
    with store.tables(case, "duckdb") as backend:
        t0 = time.perf_counter()
        found = coordination.clusters(backend, evidence=0)
        return found, time.perf_counter() - t0


def scenario(n: int) -> dict | None:
    data = speed.scenario_data(n, e2e=False)
    if data is None:
        return None
    truth = json.loads(Path(data.truth).read_text())
    found, seconds = run_clusters(data)
    res = score_groups([list(c.accounts) for c in found], truth)
    res.update(label=f"{n:,}", seconds=seconds, clusters=len(found),
               thresholds=found[0].thresholds if found else None)
    return res


def ira() -> dict | None:
    authors = next(iter(sorted(speed.IRA.rglob("authors.csv"))), None) \
        if speed.IRA.is_dir() else None
    if authors is None:
        log(f"IRA 2016: {speed.IRA} (with authors.csv) is not on this machine; skipped")
        return None
    data = speed.ira_data(e2e=False)
    if data is None:
        return None
    label = ira_categories(authors)
    found, seconds = run_clusters(data)
    res = agreement([list(c.accounts) for c in found], label)
    res.update(label="ira_2016", seconds=seconds, clusters=len(found))
    return res


def ira_categories(path: Path) -> dict[str, str]:
    """account uid (as the declared mapping names it: ira:<userid>) -> category. The columns
    are looked up by the names the Linvill-Warren files use."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return {}
    cols = rows[0].keys()
    cat = next(c for c in ("account_category", "category") if c in cols)
    key = next(c for c in ("userid", "external_author_id", "author") if c in cols)
    return {f"ira:{r[key]}": r[cat] for r in rows if r.get(key) and r.get(cat)}


def fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--skip-ira", action="store_true")
    args = ap.parse_args()
    results = []
    for n in [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]:
        r = scenario(n)
        if r:
            results.append(r)
    if not args.skip_ira:
        r = ira()
        if r:
            results.append(r)
    log("\n| data | group | planted | clusters | accounts | precision | recall |")
    log("|---|---|---|---|---|---|---|")
    for r in results:
        for g in GROUPS:
            if g in r:
                x = r[g]
                log(f"| {r['label']} | {g} | {x['size']} | {x['clusters']} | {x['accounts']} | "
                    f"{fmt(x['precision'])} | {fmt(x['recall'])} |")
    log("\n| data | clusters | seconds | ordinary accounts clustered | clusters of ordinary "
        "accounts only | NMI | ARI | covered / labelled | thresholds |")
    log("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        log(f"| {r['label']} | {r['clusters']} | {r['seconds']:.1f} | "
            f"{r.get('ordinary_clustered', '-')} | {r.get('ordinary_only_clusters', '-')} | "
            f"{fmt(r['nmi'])} | {fmt(r['ari'])} | {r['covered']} / {r['labelled']} | "
            f"{r.get('thresholds')} |")
    for r in results:
        if "roles_clustered" in r:
            log(f"{r['label']}: roles of the clustered accounts {r['roles_clustered']}")
    (speed.OUT / "recovery.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
