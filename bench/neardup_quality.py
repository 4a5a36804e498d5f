"""Near-duplicate grouping scored against the copy-paste campaign that socmint.scenario plants.

    .venv/bin/python bench/neardup_quality.py [--posts 20000] [--accounts N] [--threshold 0.8]

Generates the scenario once into bench/out/neardup/scenario-<posts> (reused while its manifest
shows the same arguments: seed 7, no media), imports it into a fresh case under
bench/out/neardup/home-<posts> (SOCMINT_HOME points there), runs socmint.enrich.neardup.group
on the case and prints pair precision and recall, the number of groups, and the time taken.

How ground_truth.json is read (`copied_texts`, `score`):

- campaign.waves[*].posts lists every campaign post of a wave with its kind. Kinds seed, copy,
  near_copy and forward carry the wave's text: the original, a paste, a trivially changed
  paste, a Telegram forward (which copies the message text). Kind repost carries no text of its
  own (Bluesky and Mastodon) or "RT @handle: " and a truncated text (Twitter); the platform
  already links it to its original, the grouping leaves reposts out, and they are not scored.
- True pairs: every pair of text-carrying campaign posts whose waves share the same text. Past
  8 waves the campaign reuses its texts with new links, and those posts are near-duplicates of
  each other too, so pairs are formed per text, not per wave.
- Predicted pairs: every pair of posts in one group of the table near_duplicates. Precision is
  taken over the predicted pairs that involve at least one campaign post (of any kind): a pair
  of a campaign post with a non-campaign post, or of two campaign posts of different texts, is
  a false positive. One exception is printed beside it: the relay channel (a campaign
  account) forwards the source channel's messages all through the period, wave messages among
  them, but the truth lists only its forwards during a wave; pairs with its unlisted posts are
  counted as false in `precision` and left unscored in `precision_relay_unscored`. Groups
  without campaign posts (people independently writing "Couldn't
  have said it better.", the generator's sentence templates, bot and cross-posted texts) are
  near-duplicates as well, just not planted ones: counted, not scored.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from math import comb
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "neardup"
TEXT_KINDS = ("seed", "copy", "near_copy", "forward")
SEED = 7


def copied_texts(truth: dict) -> dict[str, str]:
    """Post uid -> the campaign text it carries, for the text-carrying campaign posts."""
    return {p["post"]: w["text"] for w in truth["campaign"]["waves"] for p in w["posts"]
            if p["kind"] in TEXT_KINDS}


def score(con, truth: dict) -> dict:
    """Pair precision and recall of the table near_duplicates against the planted campaign.

    `precision` counts every pair of a campaign post with an unlisted post as false. The relay
    channel, though, forwards the source channel's messages all along, wave messages among them,
    and the truth lists only its forwards during a wave: `precision_relay_unscored` leaves the
    pairs with the relay's unlisted posts unscored (neither right nor wrong)."""
    copied = copied_texts(truth)
    campaign = set(truth["campaign"]["posts"])
    relay = truth["campaign"]["parameters"]["telegram_relay_channel"]
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gid, uid, account in con.execute(
            "SELECT d.group_id, d.uid, p.account_uid FROM near_duplicates d "
            "JOIN posts p USING (uid)").fetchall():
        groups[gid].append((uid, account))
    predicted = unscored = found = campaign_groups = 0
    for members in groups.values():
        mine = [u for u, _ in members if u in campaign]
        if not mine:
            continue
        campaign_groups += 1
        others = len(members) - len(mine)
        predicted += comb(len(mine), 2) + len(mine) * others
        unscored += len(mine) * sum(1 for u, a in members if a == relay and u not in campaign)
        found += sum(comb(n, 2) for n in Counter(copied[u] for u in mine if u in copied).values())
    true = sum(comb(n, 2) for n in Counter(copied.values()).values())
    return {"groups": len(groups), "campaign_groups": campaign_groups, "true_pairs": true,
            "predicted_pairs": predicted, "relay_pairs": unscored, "true_positives": found,
            "precision": found / predicted if predicted else 0.0,
            "precision_relay_unscored": (found / (predicted - unscored)
                                         if predicted > unscored else 0.0),
            "recall": found / true if true else 0.0}


def scenario(posts: int, accounts: int) -> Path:
    from socmint import scenario as gen

    folder = OUT / f"scenario-{posts}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        args = orjson.loads(manifest.read_bytes())["arguments"]
        if (args["posts"], args["accounts"], args["seed"], args["media"]) == (
                posts, accounts, SEED, False):
            return folder
    if folder.exists():
        shutil.rmtree(folder)
    gen.generate(folder, accounts=accounts, posts=posts, seed=SEED, media=False)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--accounts", type=int, help="default: posts / 10, at least 200")
    ap.add_argument("--threshold", type=float, default=0.8)
    args = ap.parse_args()
    accounts = args.accounts or max(200, args.posts // 10)

    home = OUT / f"home-{args.posts}"
    if home.exists():
        shutil.rmtree(home)
    os.environ["SOCMINT_HOME"] = str(home)
    os.environ.setdefault("SOCMINT_OPERATOR", "bench")
    from socmint import case as cases
    from socmint import ingest, store
    from socmint.enrich import neardup

    t0 = time.perf_counter()
    folder = scenario(args.posts, accounts)
    t1 = time.perf_counter()
    case = cases.create("neardup", purpose="benchmark near-duplicate grouping",
                        legal_basis="synthetic test data", retention_days=1)
    ingest.import_paths(case, [folder])
    t2 = time.perf_counter()
    truth = orjson.loads((folder / "ground_truth.json").read_bytes())
    with case.writing():
        con = store.connect(case)
        try:
            n_posts = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
            t3 = time.perf_counter()
            groups = neardup.group(con, threshold=args.threshold)
            seconds = time.perf_counter() - t3
            s = score(con, truth)
            grouped = con.execute("SELECT count(*) FROM near_duplicates").fetchall()[0][0]
            near = con.execute("SELECT count(DISTINCT group_id) FROM near_duplicates "
                               "WHERE similarity < 1").fetchall()[0][0]
            largest = [(g.size, g.accounts, con.execute(
                "SELECT text FROM posts WHERE uid = ?", [g.first_post]).fetchall()[0][0])
                for g in groups[:5]]
        finally:
            con.close()

    print(f"scenario: {args.posts} posts, {accounts} accounts, seed {SEED} ({folder})")
    print(f"generate {t1 - t0:.1f} s, import {t2 - t1:.1f} s")
    print(f"threshold {args.threshold}: {n_posts} posts in the case, {grouped} of them in "
          f"{s['groups']} groups ({near} joining different normalized texts), "
          f"{s['campaign_groups']} groups with campaign posts")
    print(f"campaign pairs: {s['true_pairs']} true, {s['predicted_pairs']} predicted "
          f"({s['relay_pairs']} with relay forwards the truth does not list), "
          f"{s['true_positives']} found")
    print(f"precision {s['precision']:.4f} (relay forwards unscored: "
          f"{s['precision_relay_unscored']:.4f})  recall {s['recall']:.4f}")
    print(f"grouping: {seconds:.2f} s, {n_posts / seconds:,.0f} posts/s")
    print("largest groups (posts, accounts, first text):")
    for size, accs, text in largest:
        print(f"  {size:5d} {accs:5d}  {(text or '')[:70]!r}")


if __name__ == "__main__":  # the importer starts worker processes, which import this file
    sys.exit(main())
