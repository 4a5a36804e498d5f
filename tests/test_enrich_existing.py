"""Enrichment at import, and `socmint enrich` over a case's existing posts.

The case is the search test case (tests/fixtures/search: Mastodon in four scripts, geotagged
tweets, a Telegram channel with an email and a phone), plus a status written here whose phone
number is in German national form, so the case's region decides whether it is one.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from socmint import case as cases
from socmint import ingest, search, store
from socmint.enrich.existing import OWN_KINDS, enrich_case

FIX = Path(__file__).resolve().parent / "fixtures" / "search"
ORIGINALS = ("mastodon_timeline.json", "twitter_search_page.jsonl",
             "telegram_channel_result.json")
SEEN = datetime(2026, 3, 10, tzinfo=timezone.utc).timestamp()
BERLIN_URI = "https://social.example/users/amelie/statuses/2001"
BERLIN = "mastodon:" + BERLIN_URI


def _files(tmp: Path) -> list[Path]:
    dest = tmp / "in"
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in ORIGINALS:
        shutil.copy(FIX / name, dest / name)
        out.append(dest / name)
    status = json.loads((FIX / "mastodon_timeline.json").read_text())[0]
    status.update(id="2001", uri=BERLIN_URI, url="https://social.example/@amelie/2001", quote=None,
                  language="de", content="<p>Hinweise zum Brand in Berlin bitte an das "
                                         "Lagezentrum unter 030 12345678, rund um die Uhr</p>")
    (dest / "berlin.json").write_text(json.dumps([status]))
    out.append(dest / "berlin.json")
    for p in out:
        os.utime(p, (SEEN, SEEN))
    return out


def _own(case) -> set[tuple[str, str, str]]:
    con = store.connect(case, read_only=True)
    try:
        return set(con.execute("SELECT post, kind, normalized FROM entities "
                               "WHERE list_contains(?, kind)", [list(OWN_KINDS)]).fetchall())
    finally:
        con.close()


def _count(case, sql: str) -> int:
    con = store.connect(case, read_only=True)
    try:
        return store.scalar(con, sql)
    finally:
        con.close()


def test_import_enriches_posts_with_language_places_and_selectors(case, tmp_path):
    ingest.import_paths(case, _files(tmp_path))
    got = _own(case)
    lang = {p: n for p, k, n in got if k == "language"}
    assert lang["mastodon:https://ru.example/users/ivan/statuses/556"] == "en"
    assert lang[BERLIN] == "de"
    assert lang["mastodon:https://social.example/users/amelie/statuses/1001"] == "fr"
    # every post with text that is not a repost has exactly one language
    con = store.connect(case, read_only=True)
    texts = {u for (u,) in con.execute(
        "SELECT uid FROM posts WHERE text IS NOT NULL AND repost_of IS NULL").fetchall()}
    reposts = {u for (u,) in con.execute(
        "SELECT uid FROM posts WHERE repost_of IS NOT NULL").fetchall()}
    con.close()
    assert set(lang) == texts and not reposts & {p for p, _, _ in got}
    # Berlin is named in the German status; the phone needs a region to be one
    assert any(k == "place" and p == BERLIN for p, k, _ in got)
    assert not any(k == "phone" and p == BERLIN for p, k, _ in got)
    assert ("telegram:1500000009/1", "email", "press@city.example.com") in got
    # geotagged tweets gain the place nearest their coordinates
    assert any(k == "place" and p.startswith("twitter:") for p, k, _ in got)
    # the search index reads the detected language
    assert BERLIN in {h.uid for h in search.search(case, "lang:de").hits}


def test_enrich_reproduces_the_import_and_follows_the_region(case, tmp_path):
    ingest.import_paths(case, _files(tmp_path))
    at_import = _own(case)
    obs_before = _count(case, "SELECT count(*) FROM entities_obs")
    # a case imported before the enrichers: their rows gone
    con = store.connect(case)
    con.execute("DELETE FROM entities_obs WHERE list_contains(?, kind)", [list(OWN_KINDS)])
    store.rebuild_current(con)
    con.close()
    assert _own(case) == set()

    counts = enrich_case(case)
    assert _own(case) == at_import
    assert _count(case, "SELECT count(*) FROM entities_obs") == obs_before
    assert counts["search"] == "build"  # every post's entities may have changed
    again = enrich_case(case)
    assert again["entities"] == counts["entities"] and _own(case) == at_import
    assert _count(case, "SELECT count(*) FROM entities_obs") == obs_before  # nothing doubled

    cases.set_option(case, "region", "DE")
    enrich_case(cases.open_case(case.name))
    phones = {(p, n) for p, k, n in _own(case) if k == "phone"}
    assert (BERLIN, "+493012345678") in phones
    assert search.search(case, "kind:phone").total == len({p for p, _ in phones})
    log = [json.loads(line) for line in case.audit_path.read_text().splitlines()]
    assert [e["params"]["region"] for e in log if e["action"] == "enrich"] == [None, None, "DE"]
    con = store.connect(case, read_only=True)
    assert store.scalar(con, "SELECT count(*) FROM runs WHERE action = 'enrich'") == 3
    con.close()
