"""Selector extraction quality: precision and recall of socmint.enrich.selectors.extract over the
labelled set, overall and per kind.

    .venv/bin/python bench/selectors_quality.py [--errors] [--own-only]

The labelled set is tests/fixtures/selectors/:
- own_posts.jsonl: the project's own hand-written posts (text, region, expected selectors), made
  so that every kind has positives and near-misses (dates, prices, versions, bad checksums);
- shared_labels.jsonl: hand-marked selectors of real posts from ../shared/fixtures. Only labels
  are stored, and no personal data: fixture file, post uid, the SHA-256 of the post text, region,
  and per selector its kind, its span in the text and the SHA-256 of its normalized form. The
  texts are read at run time through socmint's own mappers, so a label whose text changed is
  reported as stale instead of scored wrongly. Without ../shared only the own posts are scored.

A selector counts as found when kind, value (as written; for shared posts: the span) and
normalized form all match; each post's expected and extracted selectors are compared as multisets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "selectors"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
sys.path.insert(0, str(ROOT))

from socmint.enrich.selectors import KINDS, extract  # noqa: E402

Key = tuple  # own: (kind, value, normalized); shared: (kind, start, end, sha256(normalized))


@dataclass
class Case:
    id: str
    source: str  # "own" or "shared"
    region: str | None
    text: str
    expected: list[Key]

    def key(self, sel) -> Key:
        if self.source == "own":
            return sel.kind, sel.value, sel.normalized
        return sel.kind, sel.start, sel.end, digest(sel.normalized)

    def show(self, key: Key) -> str:
        if self.source == "own":
            return repr(key)
        return f"({key[0]!r}, {self.text[key[1]:key[2]]!r})"


@dataclass
class Tally:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # case, "fp"/"fn", what

    def precision(self, kind: str | None = None) -> float | None:
        tp, fp = self._sum(self.tp, kind), self._sum(self.fp, kind)
        return tp / (tp + fp) if tp + fp else None

    def recall(self, kind: str | None = None) -> float | None:
        tp, fn = self._sum(self.tp, kind), self._sum(self.fn, kind)
        return tp / (tp + fn) if tp + fn else None

    @staticmethod
    def _sum(c: Counter, kind: str | None) -> int:
        return sum(c.values()) if kind is None else c[kind]


class StaleLabel(Exception):
    """A shared post's text is not the one that was labelled."""


def own_cases() -> list[Case]:
    out = []
    with open(LABELS / "own_posts.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append(Case(rec["id"], "own", rec.get("region"), rec["text"],
                            [(e["kind"], e["value"], e["normalized"]) for e in rec["expected"]]))
    return out


@lru_cache(maxsize=None)
def shared_texts(relpath: str) -> dict[str, str]:
    """Post uid -> text of one shared fixture file, read by socmint's own framing and mappers."""
    from socmint.framing import framing, walk
    from socmint.ingest import read_items
    from socmint.mapping import map_one

    texts: dict[str, str] = {}
    for src in walk([SHARED_FIXTURES / relpath]):
        for item in read_items(src, framing(src)):
            _env, records = map_one(item, "import", "bench", "bench")
            if records is None:
                continue
            for uid, post in records.tables["posts"].items():
                if post.get("text"):
                    texts[uid] = post["text"]
    return texts


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shared_cases() -> list[Case]:
    """The labelled real posts; [] when ../shared is absent; StaleLabel when a text changed."""
    if not SHARED_FIXTURES.exists():
        return []
    out = []
    with open(LABELS / "shared_labels.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            text = shared_texts(rec["file"]).get(rec["uid"])
            if text is None or digest(text) != rec["sha256"]:
                raise StaleLabel(f"{rec['file']} {rec['uid']}: the post text is not the one "
                                 f"labelled (missing or changed); relabel it")
            expected = [(e["kind"], e["start"], e["end"], e["normalized_sha256"])
                        for e in rec["expected"]]
            out.append(Case(f"{rec['file']}#{rec['uid']}", "shared", rec.get("region"), text,
                            expected))
    return out


def score(cases: list[Case]) -> Tally:
    tally = Tally()
    for case in cases:
        got = Counter(case.key(s) for s in extract(case.text, case.region))
        want = Counter(case.expected)
        for key, n in (got & want).items():
            tally.tp[key[0]] += n
        for key, n in (got - want).items():
            tally.fp[key[0]] += n
            tally.errors.extend([(case.id, "fp", case.show(key))] * n)
        for key, n in (want - got).items():
            tally.fn[key[0]] += n
            tally.errors.extend([(case.id, "fn", case.show(key))] * n)
    return tally


def _pct(x: float | None) -> str:
    return "    -" if x is None else f"{100 * x:5.1f}"


def table(tally: Tally) -> str:
    rows = [f"{'kind':8} {'tp':>5} {'fp':>5} {'fn':>5} {'prec%':>6} {'recall%':>8}"]
    for kind in KINDS:
        if tally.tp[kind] + tally.fp[kind] + tally.fn[kind] == 0:
            continue
        rows.append(f"{kind:8} {tally.tp[kind]:5} {tally.fp[kind]:5} {tally.fn[kind]:5} "
                    f"{_pct(tally.precision(kind)):>6} {_pct(tally.recall(kind)):>8}")
    tp, fp, fn = (sum(c.values()) for c in (tally.tp, tally.fp, tally.fn))
    rows.append(f"{'all':8} {tp:5} {fp:5} {fn:5} {_pct(tally.precision()):>6} "
                f"{_pct(tally.recall()):>8}")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="list every false positive and miss")
    ap.add_argument("--own-only", action="store_true", help="leave out the shared posts")
    args = ap.parse_args()
    t0 = time.perf_counter()
    own = own_cases()
    try:
        shared = [] if args.own_only else shared_cases()
    except StaleLabel as exc:
        print(f"stale label: {exc}", file=sys.stderr)
        return 1
    loaded = time.perf_counter()
    parts = [("own posts", own), ("shared posts", shared), ("all", own + shared)]
    if not shared:
        parts = parts[:1]
        if not args.own_only:
            print("../shared is absent: own posts only")
    for name, cases in parts:
        tally = score(cases)
        with_selectors = sum(1 for c in cases if c.expected)
        print(f"\n{name}: {len(cases)} posts ({with_selectors} with selectors, "
              f"{sum(len(c.expected) for c in cases)} selectors expected)")
        print(table(tally))
        if args.errors and name == "all" or args.errors and len(parts) == 1:
            for cid, what, shown in tally.errors:
                print(f"  {what} {cid}: {shown}")
    took = time.perf_counter() - loaded
    print(f"\nextracted in {took:.2f} s (texts loaded in {loaded - t0:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
