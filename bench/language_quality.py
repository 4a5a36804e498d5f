"""Language detection on real posts: socmint.enrich.language against the language the platforms
declared, and its speed.

    .venv/bin/python bench/language_quality.py [--errors]

The posts are the real payloads in ../shared/fixtures, read through socmint's own framing and
mappers (as an import would read them). Many carry the platform's language: Twitter's `lang`
(Twitter's own detector), Bluesky's `langs` (chosen by the poster's app, often its UI language)
and Mastodon's `language` (the poster's default setting, whatever the post's language). So the
platform's language is a second opinion, not ground truth: a disagreement is as often the
platform's error as ours (English posts labelled "tr" or "ja" are common in these fixtures).

Printed: posts read; the share for which we say "unknown"; agreement with the declared
language among posts where both are known, overall, per platform and per declared language (top
10); and microseconds per post for detect_many, with and without the cache of repeated texts.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
sys.path.insert(0, str(ROOT))

from socmint.enrich import language  # noqa: E402
from socmint.enrich.language import UNKNOWN, detect_many  # noqa: E402

NOT_LANGUAGES = {"und", "qme", "qht", "qst", "qam", "qct", "zxx", "art", "mul", "zz", ""}
OLD_CODES = {"in": "id", "iw": "he", "ji": "yi", "no": "nb", "jw": "jv"}


def declared_code(value) -> str | None:
    """A platform's language label as an ISO 639-1 code, or None ("und", "zxx", none)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    code = OLD_CODES.get(code, code)
    return None if code in NOT_LANGUAGES or len(code) != 2 else code


def read_posts() -> list[tuple[str, str, str | None]]:
    """(platform, text, declared code) of every distinct post in ../shared/fixtures."""
    from socmint.framing import framing, walk
    from socmint.ingest import read_items
    from socmint.mapping import map_one

    posts: dict[str, tuple[str, str, str | None]] = {}
    for src in walk([SHARED_FIXTURES]):
        for item in read_items(src, framing(src)):
            _env, records = map_one(item, "import", "bench", "bench")
            if records is None:
                continue
            for uid, post in records.tables["posts"].items():
                if post.get("text") and uid not in posts:
                    posts[uid] = (post.get("platform") or "?", post["text"],
                                  declared_code(post.get("language")))
    return list(posts.values())


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "    -"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--errors", action="store_true", help="list every disagreement")
    args = ap.parse_args()
    if not SHARED_FIXTURES.exists():
        print("../shared/fixtures is absent: nothing to measure")
        return 1
    posts = read_posts()
    texts = [t for _, t, _ in posts]

    language._detect_clean.cache_clear()
    t0 = time.perf_counter()
    got = detect_many(texts)
    first = time.perf_counter() - t0  # builds the detector, loads lingua's models
    uncached = []
    for _ in range(3):
        language._detect_clean.cache_clear()
        t0 = time.perf_counter()
        detect_many(texts)
        uncached.append(time.perf_counter() - t0)
    language._detect_clean.cache_clear()
    unique = list(dict.fromkeys(texts))
    t0 = time.perf_counter()
    detect_many(unique)
    unique_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    detect_many(texts)
    cached = time.perf_counter() - t0

    print(f"posts: {len(posts)} ({len(unique)} distinct texts) from {SHARED_FIXTURES}")
    print("platforms: " + ", ".join(f"{p} {n}" for p, n in
                                    Counter(p for p, _, _ in posts).most_common()))
    unknown = sum(g == UNKNOWN for g in got)
    print(f"unknown: {unknown} of {len(posts)} ({pct(unknown, len(posts)).strip()})")
    print("\nAgreement with the language the platform declared. The platform's label is not")
    print("ground truth: Twitter's comes from its own detector, Bluesky's from the poster's app,")
    print("Mastodon's is the poster's default setting whatever the post's language.")
    both = [(p, d, g, t) for (p, t, d), g in zip(posts, got, strict=True) if d and g != UNKNOWN]
    declared = sum(1 for _, _, d in posts if d)
    agree = sum(d == g for _, d, g, _ in both)
    print(f"  posts with a declared language: {declared}; we say unknown for "
          f"{declared - len(both)} ({pct(declared - len(both), declared).strip()})")
    print(f"  both known: {len(both)}; agree {agree} ({pct(agree, len(both)).strip()})")
    print(f"\n  {'platform':10} {'both':>5} {'agree':>7}")
    for platform, n in Counter(p for p, _, _, _ in both).most_common():
        a = sum(d == g for p, d, g, _ in both if p == platform)
        print(f"  {platform:10} {n:5} {pct(a, n):>7}")
    print(f"\n  {'declared':10} {'both':>5} {'agree':>7}  we said instead")
    for code, n in Counter(d for _, d, _, _ in both).most_common(10):
        a = sum(g == code for _, d, g, _ in both if d == code)
        other = Counter(g for _, d, g, _ in both if d == code and g != code)
        print(f"  {code:10} {n:5} {pct(a, n):>7}  "
              + ", ".join(f"{c} {k}" for c, k in other.most_common(4)))
    if args.errors:
        print("\ndisagreements (platform, declared, ours, text):")
        for p, d, g, t in both:
            if d != g:
                print(f"  {p:9} {d} {g}  {' '.join(t.split())[:100]!r}")

    n = len(texts)
    print("\nSpeed of detect_many (one process, one thread; lingua "
          f"{'low' if language.LOW_ACCURACY else 'high'} accuracy, {len(language.LANGUAGES)} "
          f"languages, first {language.MAX_CHARS} characters):")
    print(f"  first call, building the detector and loading models: {first:.2f} s")
    print(f"  per post, every text new (cache cleared): {1e6 * min(uncached) / n:.0f} us")
    print(f"  per distinct text: {1e6 * unique_time / len(unique):.0f} us")
    print(f"  per post, texts seen before (cache): {1e6 * cached / n:.1f} us")
    groups: dict[str, list[str]] = {}
    for text in unique:
        words = language.clean(text)
        units = len(words) - words.count(" ")
        kind = ("too short" if units < language.MIN_UNITS else
                language._script(words, units) if language._BEYOND_LATIN.search(words)
                or units else "latin")
        groups.setdefault(kind, []).append(text)
    print("  per distinct text, by script of its letters (as lingua is asked; unique scripts "
          "such as Hangul or Thai are decided before lingua and counted in 'all'):")
    for kind, group in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        language._detect_clean.cache_clear()
        t0 = time.perf_counter()
        detect_many(group)
        took = time.perf_counter() - t0
        print(f"    {kind:10} {len(group):5} texts {1e6 * took / len(group):6.0f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
