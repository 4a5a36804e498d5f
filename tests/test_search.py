"""Full-text search on a hand-built case whose right answers are known.

The case: tests/fixtures/search holds a Mastodon timeline (French, Russian, Japanese, Arabic,
a reblog, a quote, a reply, a combining accent), a Twitter API v2 search page (geotagged
tweets, a retweet, a reply, links, media) and a Telegram channel export (an email and phone
selector, a located message), imported through the real pipeline. Later files edit a status and
tombstone a tweet.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import ingest, search, store
from socmint.errors import SocmintError
from socmint.search import index as ix
from socmint.search.query import QueryError, compile_query, distance_m

from .conftest import module_case

FIX = Path(__file__).resolve().parent / "fixtures" / "search"
ORIGINALS = ("mastodon_timeline.json", "twitter_search_page.jsonl",
             "telegram_channel_result.json")
SEEN = datetime(2026, 3, 10, tzinfo=timezone.utc).timestamp()  # when the files were "retrieved"

UID = {
    "M1": "mastodon:https://social.example/users/amelie/statuses/1001",
    "M2": "mastodon:https://ru.example/users/ivan/statuses/555",
    "M3": "mastodon:https://jp.example/users/yuki/statuses/777",
    "M4": "mastodon:https://ar.example/users/omar/statuses/888",
    "M5": "mastodon:https://social.example/users/amelie/statuses/1005/activity",
    "M6": "mastodon:https://social.example/users/amelie/statuses/1006",
    "M7": "mastodon:https://ru.example/users/ivan/statuses/556",
    **{f"T{i}": f"twitter:200000000000000000{i}" for i in range(1, 7)},
    "G1": "telegram:1500000009/1",
    "G2": "telegram:1500000009/2",
}
NAME = {v: k for k, v in UID.items()}
ALL = set(UID)
# the posts with the word "fire" (M1 in its link: news.example.com/2026/03/port-fire)
FIRE = {"M1", "M6", "M7", "T1", "T3", "T4", "T5", "T6", "G1"}
OLD_PORT = {"M7", "T1", "T3", "T5", "G2"}  # the phrase "old port"


def _copy(name: str, dest: Path, mtime: float) -> Path:
    """A fixture copied with a chosen file time: a file's time is when its items were seen."""
    dest.mkdir(parents=True, exist_ok=True)
    p = dest / name
    shutil.copy(FIX / name, p)
    os.utime(p, (mtime, mtime))
    return p


def _fill(case, tmp: Path) -> None:
    report = ingest.import_paths(case, [_copy(n, tmp / "in", SEEN) for n in ORIGINALS])
    assert report.items["rejected"] == 0


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    """One case for the read-only tests, imported and indexed once."""
    with module_case(tmp_path_factory, "search", "s",
                     "testing search") as (c, root):
        _fill(c, root)
        built = search.build(c)
        assert built["posts"] == len(UID)
        yield c


def found(case, q: str, **kw) -> set[str]:
    r = search.search(case, q, limit=100, facets=False, **kw)
    assert r.total == len(r.hits)
    return {NAME[h.uid] for h in r.hits}


# ---------------------------------------------------------------- operators and fields

@pytest.mark.parametrize("q, expected", [
    ("fire", FIRE),
    ("FIRE", FIRE),
    ("firef*", {"T5"}),
    ("incend*", {"M1", "T2"}),  # "incendie", and "Incêndio" folded
    ('"old port"', OLD_PORT),
    ('"port old"', set()),
    ('"old po*"', OLD_PORT),
    ("fire AND port", {"M1", "M7", "T1", "T3", "T5", "T6", "G1"}),
    ("fire port", {"M1", "M7", "T1", "T3", "T5", "T6", "G1"}),
    ("hoax OR accident", {"T6", "M7"}),
    ("fire -hoax", FIRE - {"T6"}),
    ("fire NOT hoax", FIRE - {"T6"}),
    ("fire -(hoax OR accident)", FIRE - {"T6", "M7"}),
    ("NOT fire", ALL - FIRE),
    ("-fire", ALL - FIRE),
    ("(hoax OR accident) AND old", {"M7"}),
    ("hoax OR accident old", {"T6", "M7"}),  # AND binds tighter than OR
    ("hoax OR (accident fumaca)", {"T6"}),
    ("author:harbour_watch", {"T1", "T5"}),
    ("from:Harbour_Watch", {"T1", "T5"}),
    ("author:harb*", {"T1", "T5"}),
    ("author:ivan", {"M2", "M7"}),
    ("author:@ivan@ru.example", {"M2", "M7"}),
    ('author:"Lyon Alerts"', {"G1", "G2"}),
    ("author:twitter:103", {"T3", "T6"}),
    ("platform:telegram", {"G1", "G2"}),
    ("platform:x", {f"T{i}" for i in range(1, 7)}),
    ("lang:fr", {"M1"}),
    ("lang:PT", {"T2"}),
    ("hashtag:portfire", {"T1", "T2", "T3"}),
    ("#PortFire", {"T1", "T2", "T3"}),
    ("hashtag:port*", {"T1", "T2", "T3"}),
    ("hashtag:ПОЖАР", {"M2"}),
    ("mention:harbour_watch", {"T3", "T4"}),
    ("@amelie", {"M3"}),
    ("domain:example.com", {"M1"}),
    ("domain:news.example.com", {"M1"}),
    ("domain:www.example.org", {"T1"}),
    ("domain:example.net", {"T6"}),
    ("kind:email", {"G1"}),
    ("kind:phone", {"G1"}),
    ("kind:url", {"M1", "T1", "T6"}),
    ("has:media", {"M1", "T1"}),
    ("has:geo", {"T1", "T2", "T5", "G2"}),
    ("has:link", {"M1", "T1", "T6"}),
    ("has:mention", {"M3", "T3", "T4"}),
    ("is:reply", {"M2", "T4"}),
    ("is:repost", {"M5", "T3"}),
    ("is:quote", {"M7"}),
    ("since:2026-03-05 until:2026-03-06", {"M4", "T4", "G2"}),
    ("until:2026-03-03", {"M1", "T1"}),
    ("since:2026-03-09", {"T6"}),
    ("since:2026-03-03 since:2026-03-08", {"T5", "T6"}),  # the later one holds
    ("since:2026-03-05 until:2026-03-05", set()),
    ("until:2026-03-03 OR since:2026-03-09", {"M1", "T1", "T6"}),
    ("fire -since:2026-03-05", {"M1", "T1", "T3", "G1"}),
    ("geo:45.7,4.8,45.8,4.9", {"T1", "T5", "G2"}),
    ("geo:45.8,4.9,45.7,4.8", {"T1", "T5", "G2"}),  # any two opposite corners
    ("near:45.764,4.8357,1km", {"T1", "T5"}),  # G2 is in the box, 1.19 km away
    ("near:45.764,4.8357,1500m", {"T1", "T5", "G2"}),
    ("geocode:38.72,-9.14,5mi", {"T2"}),
    ("fire has:geo -is:repost since:2026-03-03", {"T5"}),
    ("(author:harbour_watch OR platform:telegram) port", {"T1", "T5", "G1", "G2"}),
    ("lang:en fire -is:repost near:45.764,4.8357,1km", {"T1", "T5"}),
    ("is:repost OR is:quote OR is:reply", {"M5", "T3", "M7", "M2", "T4"}),
    ("", ALL),
])
def test_query_finds_exactly_the_posts_it_describes(fixed, q, expected):
    assert found(fixed, q) == expected


@pytest.mark.parametrize("q, expected", [
    ("пожар", {"M2"}),  # Cyrillic, case-folded
    ("МОСКВА", {"M2"}),
    ("حريق", {"M4"}),  # Arabic without the harakat the post has
    ("حَرِيقٌ", {"M4"}),
    ("東京", {"M3"}),  # CJK: a word is the phrase of its characters
    ("火事", {"M3"}),
    ("タワー", {"M3"}),
    ("京東", set()),
    ("🔥", {"M3"}),
    ("👍", {"M6"}),
    ("cafe", {"M1", "M6"}),  # M6 writes it with a combining accent
    ("CAFÉ", {"M1", "M6"}),
    ("cafe\u0301", {"M1", "M6"}),
    ("incendio", {"T2"}),
    ("fumaça", {"T2"}),
    ("FUMACA", {"T2"}),
    ("près", {"M1"}),
])
def test_unicode_matching_is_case_and_accent_insensitive_in_any_script(fixed, q, expected):
    assert found(fixed, q) == expected


def test_analysis_tokens():
    assert ix.terms("Café CAFE\u0301 Straße") == ["cafe", "cafe", "strasse"]
    assert ix.terms("東京タワー") == ["東", "京", "タ", "ワ", "ー"]
    assert ix.terms("fire🔥🇺🇦 e-mail") == ["fire", "🔥", "🇺🇦", "e", "mail"]
    assert ix.terms("حَرِيقٌ") == ix.terms("حريق")


def test_near_is_exact_where_the_box_is_not(fixed):
    # G2 (45.77, 4.823) lies inside the 1 km circle's bounding box but outside the circle
    assert 1000 < distance_m(45.764, 4.8357, 45.77, 4.823) < 1300
    assert 700 < distance_m(45.764, 4.8357, 45.77, 4.84) < 800
    assert 340_000 < distance_m(48.8566, 2.3522, 51.5072, -0.1276) < 347_000  # Paris-London
    assert "G2" in found(fixed, "geo:45.755,4.8228,45.773,4.8486")
    assert "G2" not in found(fixed, "near:45.764,4.8357,1km")


# ---------------------------------------------------------------- results

def test_hits_carry_the_post_from_the_tables(fixed):
    r = search.search(fixed, "accident")
    assert r.total == 1 and r.sort == "relevance"
    h = r.hits[0]
    assert NAME[h.uid] == "M7"
    assert h.platform == "mastodon" and h.author == "@ivan@ru.example"
    assert h.created_at == datetime(2026, 3, 7, 8, 0, tzinfo=timezone.utc)
    assert h.score and h.score > 0 and not h.deleted
    assert [h.snippet[a:b] for a, b in h.highlights] == ["accident"]


def test_snippet_marks_folded_matches_in_the_original_text(fixed):
    h = search.search(fixed, "cafe platform:mastodon author:amelie").hits
    by = {NAME[x.uid]: x for x in h}
    m6 = by["M6"]
    (a, b), = m6.highlights
    assert unicodedata.normalize("NFC", m6.snippet[a:b]).lower() == "café"
    long = "word " * 200 + "the harbour FIRE spread\nfast " + "more " * 200
    snip, marks = search.make_snippet(long, [("fire", False), ("harb", True)])
    assert len(snip) <= search.SNIPPET_CHARS + 2 and "\n" not in snip
    assert [snip[a:b] for a, b in marks] == ["harbour", "FIRE"]


def test_sort_by_time_and_by_relevance(fixed):
    by_time = search.search(fixed, "fire", sort="time")
    times = [h.created_at for h in by_time.hits]
    assert by_time.sort == "time" and times == sorted(times, reverse=True)
    assert {NAME[h.uid] for h in by_time.hits} == FIRE
    assert all(h.score is None for h in by_time.hits)

    ranked = search.search(fixed, "port OR warehouse OR fire")
    scores = [h.score for h in ranked.hits]
    assert scores == sorted(scores, reverse=True)
    order = [NAME[h.uid] for h in ranked.hits]
    # three of the words beat one of them
    assert order.index("T5") < order.index("G2") and order.index("T1") < order.index("G2")

    fields_only = search.search(fixed, "platform:twitter")  # nothing to rank by: newest first
    assert fields_only.sort == "time"
    assert [NAME[h.uid] for h in fields_only.hits] == ["T6", "T5", "T4", "T3", "T2", "T1"]


def test_limit_and_offset_page_through_the_same_order(fixed):
    everything = [h.uid for h in search.search(fixed, "fire", sort="time", limit=50).hits]
    first = search.search(fixed, "fire", sort="time", limit=3)
    second = search.search(fixed, "fire", sort="time", limit=3, offset=3)
    assert first.total == second.total == len(FIRE)
    assert [h.uid for h in first.hits + second.hits] == everything[:6]
    assert search.search(fixed, "fire", limit=0).hits == []


def _facets_from_tables(case, names: set[str]) -> dict[str, dict[str, int]]:
    """The expected facet counts, computed from the tables with SQL, not from the index."""
    uids = [UID[n] for n in names]
    con = store.connect(case, read_only=True)
    try:
        def q(sql):
            return {k: v for k, v in con.execute(sql, [uids]).fetchall() if k is not None}
        where = "WHERE uid IN (SELECT unnest($1::VARCHAR[]))"
        ents = ("SELECT normalized, count(DISTINCT post) FROM entities WHERE kind = '{}' "
                "AND post IN (SELECT unnest($1::VARCHAR[])) GROUP BY 1")
        return {
            "platform": q(f"SELECT platform, count(*) FROM posts {where} GROUP BY 1"),
            # the language detected in the text where it said enough, else the declared one
            "language": q(f"""
                SELECT lower(coalesce(d.normalized, p.language)), count(*) FROM posts p
                LEFT JOIN (SELECT post, normalized FROM entities WHERE kind = 'language'
                           AND normalized <> 'unknown') d ON d.post = p.uid
                {where.replace('uid', 'p.uid')} GROUP BY 1"""),
            "author": q(f"SELECT account_uid, count(*) FROM posts {where} GROUP BY 1"),
            "day": q(f"SELECT strftime(created_at, '%Y-%m-%d'), count(*) FROM posts {where} "
                     "GROUP BY 1"),
            "hashtag": q(ents.format("hashtag")),
            "domain": q(ents.format("domain")),
        }
    finally:
        con.close()


@pytest.mark.parametrize("q, names", [
    ("fire", FIRE),
    ("has:geo OR is:reply", {"T1", "T2", "T5", "G2", "M2", "T4"}),
    ("", ALL),
])
def test_facets_count_every_match(fixed, q, names):
    r = search.search(fixed, q, limit=1)
    assert r.total == len(names) and len(r.hits) == 1
    got = {k: {b.value: b.count for b in v} for k, v in r.facets.items()}
    assert got == _facets_from_tables(fixed, names)
    days = [b.value for b in r.facets["day"]]
    assert days == sorted(days)
    labels = {b.value: b.label for b in r.facets["author"]}
    if "twitter:101" in labels:
        assert labels["twitter:101"] == "harbour_watch"


def test_no_facets_when_not_asked(fixed):
    r = search.search(fixed, "fire", facets=False)
    assert r.facets == {} and r.total == len(FIRE)


# ---------------------------------------------------------------- malformed queries

@pytest.mark.parametrize("q, column, says", [
    ("fire (port", 6, "never closed"),
    ("fire port)", 10, "closes no"),
    ('fire "old port', 6, "quote is never closed"),
    ("foo:bar fire", 1, "unknown field 'foo:'"),
    ("fire since:2026-13-01", 12, "not a date"),
    ("since:yesterday", 7, "YYYY-MM-DD"),
    ("until:", 7, "needs a value"),
    ("geo:1,2,3", 5, "LAT1,LON1,LAT2,LON2"),
    ("geo:91,0,0,0", 5, "latitude"),
    ("near:45,4", 6, "RADIUS"),
    ("near:45,4,10", 11, "unit"),
    ("near:45,x,10km", 9, "not a number"),
    ("fire OR", 8, "OR needs a term after it"),
    ("AND fire", 1, "AND needs a term before it"),
    ("fire AND AND port", 10, "AND needs a term after it"),
    ("fire ()", 6, "empty parentheses"),
    ("has:pictures", 5, "has: takes one of"),
    ("is:bot", 4, "is: takes one of"),
    ("fire -", 6, "'-' must be followed"),
    ("NOT", 4, "NOT needs a term after it"),
    ("*", 1, "needs the beginning of a word"),
    ("hashtag:*", 9, "needs the beginning of a value"),
    ("f*", 1, "at least 2 characters"),
    ("!!! ???", 1, "nothing to search for"),
    ("(" * 70 + "fire" + ")" * 70, 65, "nested too deep"),
])
def test_malformed_query_points_at_the_problem(fixed, q, column, says):
    with pytest.raises(QueryError) as err:
        search.search(fixed, q)
    e = err.value
    assert isinstance(e, SocmintError)
    assert says in str(e) and f"(column {column})" in str(e)
    assert e.column == column
    query_line, caret_line = str(e).split("\n")[1:]
    assert caret_line.strip() == "^"
    at = caret_line.index("^")  # the caret stands under that column of the query shown
    if column <= len(q):
        assert query_line[at] == q[column - 1]
    else:
        assert at == len(query_line)


PIECES = ["fire", "port", "Café", "東京", "🔥", "(", ")", '"', "-", "*", "AND", "OR", "NOT",
          "author:", "hashtag:", "near:", "geo:", "since:", "until:", "has:", "is:", "kind:",
          "lang:", "domain:", "#", "@", ":", ",", "45.7", "4.8", "10km", "2026-03-05", "geo",
          "media", "\\", "[", "^", "$", ".", " ", "\u0301", "\u200d", "foo:"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=st.one_of(st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
                   st.lists(st.sampled_from(PIECES), max_size=12).map(" ".join),
                   st.text(max_size=40)))
def test_any_text_is_a_query_or_a_query_error(fixed, q):
    """Whatever is typed: hits, or a QueryError pointing into the query; never anything else."""
    idx, _ = ix.opened(fixed)
    s = idx.searcher()
    try:
        compiled = compile_query(q, s)
    except QueryError as e:
        assert 1 <= e.column <= len(q) + 1
        return
    s.search(compiled.query, 5, count=True)


def test_bad_sort_and_missing_index(case):
    with pytest.raises(SocmintError, match="no search index"):
        search.search(case, "fire")
    search.build(case)  # an empty case has an empty index
    assert search.search(case, "fire").total == 0
    with pytest.raises(SocmintError, match="sort by"):
        search.search(case, "fire", sort="popularity")


# ---------------------------------------------------------------- keeping in step

def test_update_after_an_edit_a_deletion_and_a_purge(case, tmp_path):
    report = ingest.import_paths(case, [_copy(n, tmp_path / "in", SEEN) for n in ORIGINALS])
    assert report.after["search"]["action"] == "build"  # the import built the index
    assert search.refresh(case)["action"] == "none"  # nothing new since
    assert "M6" in found(case, "tomorrow") and "M6" in found(case, "fire")

    # the status edited, seen a day later: the import updates the index in step
    report = ingest.import_paths(case, [_copy("mastodon_status_edited.json", tmp_path / "edit",
                                              SEEN + 86400)])
    done = report.after["search"]
    assert done["action"] == "update" and done["posts"] == 1
    assert search.refresh(case)["action"] == "none"
    assert found(case, "tomorrow") == set()
    assert found(case, "smoke damage") == {"M6"}
    assert found(case, "fire") == FIRE - {"M6"}
    assert search.status(case)["posts"] == len(UID)

    # the tweet gone: still found (it is evidence), flagged
    report = ingest.import_paths(case, [_copy("twitter_deleted_page.jsonl", tmp_path / "gone",
                                              SEEN + 2 * 86400)])
    assert report.after["search"]["posts"] == 1
    assert found(case, "is:deleted") == {"T6"}
    (hit,) = search.search(case, "hoax").hits
    assert hit.deleted and NAME[hit.uid] == "T6"
    assert found(case, "hoax -is:deleted") == set()
    assert found(case, "fire -is:deleted") == FIRE - {"M6", "T6"}

    # a post taken out of the tables altogether (a purge) leaves the index on update
    con = store.connect(case)
    con.execute("DELETE FROM posts WHERE uid = ?", [UID["T6"]])
    con.close()
    assert search.update(case, [UID["T6"]])["removed"] == 1
    assert found(case, "hoax") == set()
    assert found(case, "") == ALL - {"T6"}

    # a full rebuild gives the same answers as the updates did
    search.build(case)
    assert found(case, "smoke damage") == {"M6"} and found(case, "hoax") == set()
    assert search.status(case)["posts"] == len(UID) - 1

    # a remap re-derives every table from the evidence (the purged row comes back): rebuilt
    ingest.remap(case)
    assert search.refresh(case)["action"] == "build"
    assert search.refresh(case)["action"] == "none"
    assert found(case, "is:deleted") == {"T6"} and found(case, "smoke damage") == {"M6"}


# ---------------------------------------------------------------- saved searches

def test_saved_searches_are_kept_audited_and_match_new_posts(case, tmp_path):
    from socmint.search import saved

    _fill(case, tmp_path)
    saved.save(case, "port-fires", '"old port" fire', sort="time", note="the harbour story")
    assert [s["name"] for s in saved.saved(case)] == ["port-fires"]
    assert saved.get(case, "port-fires")["query"] == '"old port" fire'
    with pytest.raises(QueryError):
        saved.save(case, "broken", '"old port')
    with pytest.raises(SocmintError, match="name"):
        saved.save(case, "no spaces please", "fire")
    with pytest.raises(SocmintError, match="sort"):
        saved.save(case, "x", "fire", sort="likes")
    # which of some posts a saved query finds, as a watchlist asks on each import
    some = [UID[n] for n in ("M7", "T1", "T2", "G2", "M4")]
    assert {NAME[u] for u in saved.matches(case, '"old port" fire', some)} == (
        OLD_PORT & FIRE & {"M7", "T1", "T2", "G2", "M4"})
    assert saved.matches(case, "fire", []) == set()
    saved.save(case, "port-fires", "fire", sort="relevance")  # replaced, with the old query kept
    saved.remove(case, "port-fires")
    assert saved.saved(case) == []
    with pytest.raises(SocmintError, match="no saved search"):
        saved.remove(case, "port-fires")
    log = [json.loads(line) for line in case.audit_path.read_text().splitlines()]
    acts = [(e["action"], e["params"].get("name")) for e in log
            if e["action"].startswith("search.")]
    assert acts == [("search.save", "port-fires"), ("search.save", "port-fires"),
                    ("search.remove", "port-fires")]
    assert [e["params"]["replaced"] for e in log if e["action"] == "search.save"] == [
        None, '"old port" fire']


def test_cli_saves_and_reruns_a_search(home, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {"SOCMINT_HOME": str(home), "PATH": "/usr/bin:/bin", "SOCMINT_OPERATOR": "tester"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "socmint.cli", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT)

    cli("case", "new", "c", "--purpose", "p", "--legal-basis", "b", "--retention", "1")
    assert cli("import", *[str(_copy(n, tmp_path / "in", SEEN)) for n in ORIGINALS]
               ).returncode == 0
    first = json.loads(cli("search", '"old port"', "--save", "harbour", "--sort", "time",
                           "--json").stdout)
    again = json.loads(cli("search", "@harbour", "--json").stdout)
    assert again["sort"] == "time" and again["query"] == '"old port"'
    assert [h["uid"] for h in again["hits"]] == [h["uid"] for h in first["hits"]]
    assert {NAME[h["uid"]] for h in again["hits"]} == OLD_PORT
    listed = json.loads(cli("searches", "--json").stdout)
    assert [(s["name"], s["query"], s["created_by"]) for s in listed] == [
        ("harbour", '"old port"', "tester")]
    missing = cli("search", "@nothing")
    assert missing.returncode != 0 and "no saved search" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert cli("searches", "--remove", "harbour").returncode == 0
    assert json.loads(cli("searches", "--json").stdout) == []
