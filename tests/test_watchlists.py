"""Watchlists and lexicons: rules matched at ingest and in retro-hunts, raised as alerts.

Real data flows: the search fixtures (a Mastodon timeline in French, Russian, Japanese and Arabic,
a Telegram channel export with an email and a phone number, an X API v2 page) and an X API v2
page written here (slang, boundaries, a zero-width evasion, hostile text, a post deleted later),
imported through `ingest.import_paths` and matched by `scan_run` with the import's run id, as the
ingest hook will (calling it again must raise nothing, so the tests hold once the hook is wired).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from socmint import alerts, audit, store
from socmint import case as cases
from socmint import watchlists as wl
from socmint.errors import SocmintError
from socmint.ingest import import_paths

FIX = Path(__file__).resolve().parent / "fixtures" / "search"
SEEN = 1_773_100_000  # when the files were "retrieved" (their mtime)

M = {  # Mastodon statuses of the search fixture
    "cafe_fr": "mastodon:https://social.example/users/amelie/statuses/1001",
    "ru": "mastodon:https://ru.example/users/ivan/statuses/555",
    "ja": "mastodon:https://jp.example/users/yuki/statuses/777",
    "ar": "mastodon:https://ar.example/users/omar/statuses/888",
    "cafe_en": "mastodon:https://social.example/users/amelie/statuses/1006",
    "reblog": "mastodon:https://social.example/users/amelie/statuses/1005/activity",
    "ru2": "mastodon:https://ru.example/users/ivan/statuses/556",
}
G1 = "telegram:1500000009/1"  # the press office's email and phone
T = {n: f"twitter:30000000000000000{n}" for n in range(1, 8)}


def _user(uid: str, name: str) -> dict:
    return {"id": uid, "username": name, "name": name.title()}


def _tweet(n: int, author: str, text: str) -> dict:
    return {"id": f"30000000000000000{n}", "author_id": author, "text": text, "lang": "en",
            "created_at": f"2026-03-0{n}T10:00:00.000Z", "conversation_id": f"3{n}",
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": n,
                               "quote_count": 0}}


TWEETS = [
    _tweet(1, "501", "Selling XANAX bars & m30s, DM 💊💊 or mail Dealer@Example.org"),
    _tweet(2, "502", "The police say the ice,\n  cream van is back, prices up 88%"),
    _tweet(3, "502", "Born in 1988, live on 88th street, ICE hockey tonight!"),
    _tweet(4, "501", "fresh xa\u200bnax, ask me"),
    _tweet(5, "503", "line1\nline2 \u202eevil\u202c <script>ice</script> \x07bell"),
    _tweet(6, "502", "last call: ice for sale"),
    _tweet(7, "503", "just weather: black ice on the roads, no police"),
]
USERS = [_user("501", "Plug_Lyon"), _user("502", "bystander"), _user("503", "<b>h4x</b>")]


def _write(path: Path, data: bytes, mtime: float = SEEN) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def _page(tweets=TWEETS, likes: int = 0) -> bytes:
    tweets = [{**t, "public_metrics": {**t["public_metrics"],
                                       "like_count": t["public_metrics"]["like_count"] + likes}}
              for t in tweets]
    return orjson.dumps({"data": tweets, "includes": {"users": USERS},
                         "meta": {"result_count": len(tweets)}}) + b"\n"


def _files(tmp: Path) -> list[Path]:
    out = []
    for name in ("mastodon_timeline.json", "telegram_channel_result.json"):
        dest = tmp / "in" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIX / name, dest)
        os.utime(dest, (SEEN, SEEN))
        out.append(dest)
    return out + [_write(tmp / "in" / "x_page.jsonl", _page())]


def _scan(case, run: str) -> int:
    with case.writing():
        con = store.connect(case)
        try:
            return wl.scan_run(con, run)
        finally:
            con.close()


def _import(case, paths) -> str:
    """Import, then the ingest hook by hand: a second call must raise nothing (so the test
    passes whether or not import_paths already called it)."""
    report = import_paths(case, paths)
    assert report.items["rejected"] == 0
    _scan(case, report.run)
    assert _scan(case, report.run) == 0
    return report.run


def _hits(case, watchlist=None) -> dict[tuple[str, str], dict]:
    found = alerts.alerts(case, unacknowledged_only=False, kind="watchlist", watchlist=watchlist)
    out = {}
    for a in found:
        key = (a["uid"], a["rule"])
        assert key not in out, f"duplicate alert {key}"
        out[key] = a
    return out


@pytest.fixture
def fr_case(case):
    cases.set_option(case, "region", "FR")  # phone numbers written without +33
    return case


# ------------------------------------------------------------------------------ every rule kind

def test_every_rule_kind_matched_at_ingest(fr_case, tmp_path):
    c = fr_case
    wl.add(c, "port", [
        {"term": "cafe"}, {"phrase": "vieux port", "category": "places"},
        {"term": "ПОЖАР"}, {"term": "حريق", "note": "fire, without harakat"},
        {"term": "火事"}, {"term": "🔥"},
        {"regex": r"\bpress@\w+"},
        {"selector": "email:PRESS@city.example.com"},
        {"selector": "phone:04 72 10 30 30"},  # national form, region FR: +33 4 72 10 30 30
        {"account": "@ivan@ru.example"},
    ], description="the port fire")
    wl.add(c, "drugs", [{"term": "xanax"}, {"term": "ice"}, {"phrase": "ice cream"},
                        {"term": "💊"}, {"term": "88", "category": "numbers"},
                        {"account": "plug_lyon"}, {"selector": "email:dealer@example.org"},
                        {"regex": r"\bm ?30s?\b"}])
    run = _import(c, _files(tmp_path))

    got = {(uid, a["watchlist"], a["rule"]) for (uid, _), a in _hits(c).items()}
    port = {(uid, "port", rule) for uid, rule in [
        (M["cafe_fr"], 'term "cafe"'), (M["cafe_en"], 'term "cafe"'),
        (M["cafe_fr"], 'phrase "vieux port" (category places)'),
        (M["ru"], 'term "ПОЖАР"'), (M["ar"], 'term "حريق"'), (M["ja"], 'term "火事"'),
        (M["ja"], 'term "🔥"'),
        (G1, r"regex /\bpress@\w+/"), (G1, "selector email:PRESS@city.example.com"),
        (G1, "selector phone:04 72 10 30 30"),
        (M["ru"], "account @ivan@ru.example"), (M["ru2"], "account @ivan@ru.example")]}
    drugs = {(uid, "drugs", rule) for uid, rule in [
        (T[1], 'term "xanax"'), (T[1], 'term "💊"'), (T[1], "account plug_lyon"),
        (T[1], "selector email:dealer@example.org"), (T[1], r"regex /\bm ?30s?\b/"),
        (T[2], 'phrase "ice cream"'), (T[2], 'term "88" (category numbers)'),
        (T[3], 'term "ice"'), (T[4], 'term "xanax"'), (T[4], "account plug_lyon"),
        (T[5], 'term "ice"'), (T[6], 'term "ice"'), (T[7], 'term "ice"')]}
    assert got == port | drugs
    # not hit: "police" (a word containing ice), "1988" and "88th", "ice" inside "ice cream"

    hits = _hits(c)
    a = hits[(M["ar"], 'term "حريق"')]
    assert a["excerpt"] == "حَرِيقٌ كبير في الميناء القديم"  # as written, harakat and all
    assert a["summary"] == (f"post {M['ar']} by @omar@ar.example matched watchlist port, "
                            "term 'حريق': 'حَرِيقٌ كبير في الميناء القديم'")
    assert a["run"] == run and a["kind"] == "watchlist" and not a["acknowledged"]
    assert str(a["at"]).startswith("2026-03-0")  # the post's time, not the import's
    assert hits[(T[4], 'term "xanax"')]["excerpt"] == "fresh xanax, ask me"  # zero width gone
    assert hits[(T[2], 'phrase "ice cream"')]["excerpt"] == (
        "The police say the ice, cream van is back, prices up 88%")
    phone = hits[(G1, "selector phone:04 72 10 30 30")]
    assert "+33 4 72 10 30 30" in phone["excerpt"]
    assert hits[(T[1], "account plug_lyon")]["summary"].startswith(
        f"post {T[1]} by @Plug_Lyon matched watchlist drugs, account plug_lyon: 'Selling XANAX")
    hostile = hits[(T[5], 'term "ice"')]
    for text in (hostile["excerpt"], hostile["summary"]):
        assert text.isprintable() and "\u202e" not in text and "\n" not in text
    assert hostile["excerpt"] == "line1 line2 evil <script>ice</script> bell"

    # the watchlist filter of the listing
    assert {a["watchlist"] for a in alerts.alerts(c, watchlist="port")} == {"port"}
    shown = wl.show(c, "drugs")
    assert {r["label"]: r["hits"] for r in shown["rules"]}['term "ice"'] == 4
    listed = {w["name"]: w for w in wl.watchlists(c)}
    assert listed["port"]["posts_hit"] == 7 and listed["port"]["description"] == "the port fire"


# ------------------------------------------------------------------------------ the matcher

def _matcher(*specs, watchlist="w"):
    rules = []
    for spec in specs:
        kind, _, pattern = spec.partition(" ")
        rules.append(replace(wl.make_rule(kind, pattern), watchlist=watchlist))
    return wl.Matcher(rules)


def _found(m: wl.Matcher, text: str) -> list[tuple[str, str]]:
    return [(h.rule.pattern, text[h.start:h.end]) for h in m.match(text)]


@pytest.mark.parametrize("pattern, text, surface", [
    ("term ice", "ICE on the road", "ICE"),
    ("term ice", "(ice)", "ice"),
    ("term ice", "police price iceberg", None),
    ("term café", "CAFE crème", "CAFE"),
    ("term cafe", "un cafe\u0301 noir", "cafe\u0301"),
    ("term straße", "STRASSE", "STRASSE"),
    ("term strasse", "Große Straße", "Straße"),
    ("term ёлка", "Новая ЕЛКА", "ЕЛКА"),
    ("term закладки", "ЗАКЛАДКИ тут", "ЗАКЛАДКИ"),
    ("term كبتاجون", "بيع كَبْتَاجُون", "كَبْتَاجُون"),
    ("term 冰毒", "我们有冰毒出售", "冰毒"),
    ("term k粉", "买K粉吗", "K粉"),
    ("term ยาบ้า", "ขายยาบ้าราคาถูก", "ยาบ้า"),
    ("term 💊", "xanax💊💊", "💊"),
    ("term ❄️", "snow ❄ today", "❄"),
    ("term xanax", "xa\u200bnax", "xa\u200bnax"),
    ("term 88", "88!", "88"),
    ("term 88", "#88", "88"),
    ("term 88", "1988 and 88th and 8800", None),
    ("term 1488", "a1488 1488b", None),
    ("phrase 14/88", "14 88", "14 88"),
    ("phrase ice cream", "ICE\n\t,  CREAM", "ICE\n\t,  CREAM"),
    ("phrase old port", "old, port", "old, port"),
    ("phrase old port", "old portland", None),
    ("term e-mail", "send an e mail", "e mail"),
])
def test_folding_and_boundaries(pattern, text, surface):
    m = _matcher(pattern)
    assert _found(m, text) == ([(pattern.split(" ", 1)[1], surface)] if surface else [])


def test_longest_match_wins_within_a_watchlist():
    m = _matcher("term ice", "phrase ice cream", "phrase ice cream van")
    assert _found(m, "ice cream van") == [("ice cream van", "ice cream van")]
    assert _found(m, "ice and ice cream") == [("ice", "ice"), ("ice cream", "ice cream")]
    # another watchlist's rules do not hide this one's
    both = wl.Matcher([replace(wl.make_rule("term", "ice"), watchlist="a"),
                       replace(wl.make_rule("phrase", "ice cream"), watchlist="b")])
    assert sorted(h.rule.watchlist for h in both.match("ice cream")) == ["a", "b"]
    # one hit per rule, the first
    hits = _matcher("term ice").match("ice, ice, baby")
    assert [(h.start, h.end) for h in hits] == [(0, 3)]


def test_rules_are_checked_with_clear_errors():
    for pattern, says in [("(", "invalid regex"), ("a*", "empty text"), ("(?=x)", "empty text"),
                          ("(a+)+$", "repeats a part that itself repeats"),
                          (r"(\w+\s?)*x", "repeats"), ("x" * 301, "longer than 300")]:
        with pytest.raises(SocmintError, match=says.replace("(", r"\(")):
            wl.make_rule("regex", pattern)
    for ok in (r"(\d{1,3}\.){3}\d{1,3}", r"(?>a+)+b", r"\b(?:foo|bar)+\b", "a++b"):
        wl.make_rule("regex", ok)
    with pytest.raises(SocmintError, match="no letter, digit or symbol"):
        wl.make_rule("term", "(((")
    with pytest.raises(SocmintError, match="not a valid phone number.*region"):
        wl.make_rule("selector", "phone:030 1234567")
    assert wl.make_rule("selector", "phone:030 1234567", region="DE").value == \
        wl.make_rule("selector", "phone:+49 30 1234567").value == "phone:+49301234567"
    with pytest.raises(SocmintError, match="not a valid btc"):
        wl.make_rule("selector", "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyX")
    with pytest.raises(SocmintError, match="KIND:VALUE"):
        wl.make_rule("selector", "someone@example.org")
    assert wl.make_rule("account", "@Alice").value == "local:alice"
    assert wl.make_rule("account", "@Alice@Social.example").value == "handle:alice@social.example"
    assert wl.make_rule("account", "twitter:12").value == "uid:twitter:12"


def test_a_catastrophic_regex_is_stopped_and_suspended():
    # passes the static checks (no nested repetition) but backtracks exponentially
    m = _matcher(r"regex (a|aa)+b")
    t0 = time.monotonic()
    for _ in range(wl.REGEX_STRIKES + 3):
        with m.clock:
            assert m.match("a" * 60) == []
    assert time.monotonic() - t0 < wl.REGEX_STRIKES * wl.REGEX_TIMEOUT + 2
    assert len(m.problems) == wl.REGEX_STRIKES and "suspended" in m.problems[-1]
    with m.clock:
        assert m.match("aab") == []  # suspended for the rest of the scan


# ------------------------------------------------------------------------------ files and lexicons

def test_every_shipped_lexicon_loads_and_hits():
    names = wl.shipped_lexicons()
    assert set(names) >= {"drug-slang", "trafficking-indicators", "extremist-symbols"}
    for n in names:
        lx = wl.load_lexicon(n)
        assert lx.name == n and lx.description and lx.source and len(lx.rules) >= 30
        assert all(r.lexicon == n and r.category for r in lx.rules)
    rules = [replace(r, watchlist=n) for n in names for r in wl.load_lexicon(n).rules]
    m = wl.Matcher(rules)
    for text, expected in [
        ("got xans and 🍫 today", {'term "xans"', 'term "🍫"'}),
        ("закладка в парке", {'term "закладка"'}),
        ("14/88 brother", {'phrase "14/88"'}),  # not "88" as well: the longer phrase wins
        ("in 1988, the 88th time", set()),
        ("he said (((Cohen))) again", {r"regex /\(\(\(\s*[^()\s][^()]{0,40}\)\)\)/"}),
        ("WE KEEP YOUR PASSPORT, no experience needed",
         {'phrase "we keep your passport"', 'phrase "no experience needed"'}),
    ]:
        assert {h.rule.short() for h in m.match(text)} == expected, text
    label = next(h.rule.label() for h in m.match("xanax"))
    assert label == 'term "xanax" (lexicon drug-slang, category benzodiazepines)'


def test_file_errors_name_the_entry_and_line(tmp_path):
    def problem(body: str) -> str:
        p = _write(tmp_path / "l.toml", body.encode())
        with pytest.raises(SocmintError) as e:
            wl.read_file(p)
        return str(e.value)

    head = 'name = "x"\n\n[[entry]]\nterm = "a"\n\n[[entry]]\nphrase = "b c"\n\n'
    msg = problem(head + '[[entry]]\nterm = "d"\nphrase = "e"\n')
    assert "entry 3 (line 9)" in msg and "exactly one of" in msg
    assert "entry 3 (line 9)" in problem(head + '[[entry]]\nregex = "(a+)+"\n')
    assert "entry 3 (line 9): unknown key terms" in problem(head + '[[entry]]\nterms = "d"\n')
    assert "entry 3 (line 9): term is text" in problem(head + "[[entry]]\nterm = 3\n")
    assert "entry 1" in problem('[[entry]]\nterm = "((("\n')
    assert "line 2" in problem('name = "x"\nterm = = "a"\n') and "not valid TOML" in problem(
        'name = "x"\nterm = = "a"\n')
    assert "unknown key entries" in problem('[[entries]]\nterm = "a"\n')
    p = _write(tmp_path / "nested.toml", b'name = "n"\n[[entry]]\nlexicon = "drug-slang"\n')
    with pytest.raises(SocmintError, match="cannot include another lexicon"):
        wl.load_lexicon(p)
    assert len(wl.read_file(p).rules) == len(wl.load_lexicon("drug-slang").rules)  # a watchlist
    with pytest.raises(SocmintError, match="no lexicon 'nope'"):
        wl.load_lexicon("nope")


def test_import_file_creates_then_updates(case, tmp_path):
    v1 = _write(tmp_path / "w.toml", '''name = "hunt"
description = "first"
[[entry]]
term = "xanax"
category = "benzos"
[[entry]]
selector = "email:dealer@example.org"
[[entry]]
account = "@plug_lyon"
'''.encode())
    r = wl.import_file(case, v1)
    assert (r["created"], r["added"]) == (True, 3)
    ids = {x["pattern"]: x["id"] for x in wl.show(case, "hunt")["rules"]}
    v2 = _write(tmp_path / "w.toml", '''name = "hunt"
description = "second"
[[entry]]
term = "XANAX"
category = "benzodiazepines"
[[entry]]
selector = "email:dealer@example.org"
[[entry]]
lexicon = "extremist-symbols"
category = "hate"
'''.encode())
    r = wl.import_file(case, v2)
    n = len(wl.load_lexicon("extremist-symbols").rules)
    assert (r["created"], r["added"], r["updated"], r["removed"], r["unchanged"]) == (
        False, n, 1, 1, 1)
    shown = wl.show(case, "hunt")
    assert shown["description"] == "second"
    rules = {x["pattern"]: x for x in shown["rules"]}
    assert rules["XANAX"]["id"] == ids["xanax"] and rules["XANAX"]["category"] == "benzodiazepines"
    assert "@plug_lyon" not in rules
    assert rules["1488"]["lexicon"] == "extremist-symbols" and rules["1488"]["category"] == "hate"


# ------------------------------------------------------------------------------ hunts and dedupe

def test_retro_hunt_dedupe_and_deleted_posts(case, tmp_path):
    files = _files(tmp_path)
    first = import_paths(case, files).run
    # a later page: the same tweets with more likes (new evidence, the same texts) and a
    # tombstone for T6
    more = _write(tmp_path / "later" / "x_page.jsonl", _page(likes=5), SEEN + 3600)
    gone = _write(tmp_path / "later" / "x_deleted.jsonl", orjson.dumps({"errors": [{
        "value": T[6][8:], "detail": "Could not find tweet", "title": "Not Found Error",
        "resource_type": "tweet", "parameter": "ids", "resource_id": T[6][8:],
        "type": "https://api.twitter.com/2/problems/resource-not-found"}]}) + b"\n",
        SEEN + 3600)
    import_paths(case, [more, gone])
    assert _scan(case, first) == 0  # no watchlist yet: nothing to do

    wl.add(case, "drugs", [{"lexicon": "drug-slang"}, {"account": "@ivan@ru.example"}])
    r = wl.hunt(case)
    assert r.alerts == r.hits and r.alerts >= 6 and r.watchlists == ["drugs"]
    hits = _hits(case)
    deleted = hits[(T[6], 'term "ice" (lexicon drug-slang, category stimulants)')]
    assert deleted["summary"].endswith("(a deleted post, kept as evidence)")
    assert (M["ru"], "account @ivan@ru.example") in hits
    assert deleted["run"] == r.run
    assert _current(case, "SELECT action, status FROM runs WHERE run = ?", [r.run]) == [
        ("watchlist.run", "done")]

    # nothing twice: the same hunt, a re-import of the same bytes, the same texts in new bytes
    assert wl.hunt(case).alerts == 0
    again = import_paths(case, files).run
    assert _scan(case, again) == 0
    newer = _write(tmp_path / "newest" / "x_page.jsonl", _page(likes=9), SEEN + 7200)
    assert _scan(case, import_paths(case, [newer]).run) == 0
    assert len(_hits(case)) == r.alerts

    # a new rule finds only its own hits; a hunt limited to one watchlist, and to some posts
    wl.add(case, "other", [{"term": "hockey"}])
    con = store.connect(case)
    try:
        assert wl.scan(con, [T[1]], ["other"], "manual").alerts == 0
        rep = wl.scan(con, [T[3]], ["other"], "manual")
        assert (rep.alerts, rep.texts) == (1, 1)
        with pytest.raises(SocmintError, match="no watchlist 'nope'"):
            wl.scan(con, None, ["nope"], "manual")
    finally:
        con.close()
    # removing a rule keeps its alerts, and re-adding it alerts nothing twice
    rid = wl.show(case, "other")["rules"][0]["id"]
    wl.remove(case, "other", [rid])
    wl.add(case, "other", [{"term": "hockey"}])
    assert wl.hunt(case, ["other"]).alerts == 0
    assert len(alerts.alerts(case, watchlist="other")) == 1


def _current(case, sql, params=None):
    con = store.connect(case, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_audit_entries_for_changes(case, tmp_path):
    wl.add(case, "w", [{"term": "xanax"}, {"regex": r"\bm30\b"}], description="d")
    rid = wl.show(case, "w")["rules"][0]["id"]
    wl.remove(case, "w", [rid])
    wl.import_file(case, _write(tmp_path / "f.toml", b'name = "f"\n[[entry]]\nterm = "x"\n'))
    wl.hunt(case, ["w"])
    wl.remove(case, "w")
    with pytest.raises(SocmintError, match="no watchlist 'w'"):
        wl.remove(case, "w")
    with pytest.raises(SocmintError, match="has no rule 999"):
        wl.remove(case, "f", [999])
    entries = [e for e in audit.entries(case) if e["action"].startswith("watchlist.")]
    assert [e["action"] for e in entries] == ["watchlist.add", "watchlist.remove",
                                              "watchlist.import", "watchlist.run",
                                              "watchlist.remove"]
    assert entries[0]["params"]["rules"] == ['term "xanax"', r"regex /\bm30\b/"]
    assert entries[0]["counts"]["added"] == 2
    assert entries[1]["params"] == {"watchlist": "w", "rules": [rid]}
    assert len(entries[2]["params"]["sha256"]) == 64
    assert audit.verify(case)[1] == []


# ------------------------------------------------------------------------------ the command line

def test_cli(fr_case, tmp_path):
    from socmint.cli import app

    run = CliRunner()

    def ok(*args):
        r = run.invoke(app, list(args))
        assert r.exit_code == 0, (r.output, r.exception)
        return r.output

    import_paths(fr_case, _files(tmp_path))
    out = ok("watchlist", "add", "drugs", "--term", "xanax", "--phrase", "ice cream",
             "--regex", r"\bm ?30s?\b", "--selector", "email:dealer@example.org",
             "--account", "@plug_lyon", "--category", "test", "--description", "pills")
    assert "watchlist drugs created: 5 rules added" in out
    assert "added 59" not in ok("watchlist", "add", "drugs", "--lexicon", "drug-slang")
    assert {r["name"] for r in orjson.loads(ok("watchlist", "lexicons", "--json"))} >= {
        "drug-slang", "extremist-symbols", "trafficking-indicators"}
    listed = orjson.loads(ok("watchlist", "list", "--json"))
    assert listed[0]["name"] == "drugs" and listed[0]["lexicons"] == ["drug-slang"]
    assert "xanax" in ok("watchlist", "show", "drugs")
    report = orjson.loads(ok("watchlist", "run", "--json"))
    assert report["alerts"] > 5 and report["watchlists"] == ["drugs"]
    assert "0 new alerts" in ok("watchlist", "run", "drugs")
    shown = orjson.loads(ok("alerts", "--watchlist", "drugs", "--json"))
    assert shown and {a["watchlist"] for a in shown} == {"drugs"}
    table = ok("alerts", "--watchlist", "drugs")
    assert "excerpt" in table and "rule" in table
    assert orjson.loads(ok("alerts", "--watchlist", "nope", "--json")) == []
    rule = orjson.loads(ok("watchlist", "show", "drugs", "--json"))["rules"][0]
    assert "removed from drugs" in ok("watchlist", "remove", "drugs", "--rule", str(rule["id"]))
    f = _write(tmp_path / "w.toml", b'name = "file-list"\n[[entry]]\nterm = "hockey"\n')
    assert "watchlist file-list created" in ok("watchlist", "import", str(f))
    assert "watchlist drugs removed" in ok("watchlist", "remove", "drugs")
    bad = run.invoke(app, ["watchlist", "add", "x", "--regex", "(a+)+"])
    assert isinstance(bad.exception, SocmintError) and "exponential" in str(bad.exception)


# ------------------------------------------------------------------------------ fuzz

# characters whose folding changes lengths or drops them, mixed with any Unicode
_TRICKY = st.sampled_from(list("aAß ,.\n\t\u00a0\u0301\u200b\u202eﬁﷺİı冰毒💊❄\ufe0fёЁك\u064e"
                               "88x-#@"))
_chars = st.one_of(_TRICKY, st.characters(blacklist_categories=("Cs",)))
_words = st.text(_chars, min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(_chars, max_size=300), min_size=1, max_size=4),
       terms=st.lists(_words, min_size=1, max_size=8),
       picks=st.lists(st.tuples(st.integers(0, 300), st.integers(1, 12)), max_size=3))
def test_fuzz_matcher_never_crashes_and_spans_hold(texts, terms, picks):
    rules = []
    for t in terms:
        try:
            rules.append(replace(wl.make_rule("term", t), watchlist="fuzz"))
        except SocmintError:
            pass
    # plant slices of the texts as terms too, so matches happen
    for i, (at, n) in enumerate(picks):
        piece = texts[i % len(texts)][at:at + n]
        try:
            rules.append(replace(wl.make_rule("phrase", piece), watchlist="fuzz"))
        except SocmintError:
            pass
    m = wl.Matcher(rules)
    for text in texts:
        for h in m.match(text):
            assert 0 <= h.start < h.end <= len(text)
            surface = text[h.start:h.end]
            assert h.rule.value in wl.fold(surface), (h.rule.value, surface)
            ex = wl.excerpt(text, h.start, h.end)
            assert wl.one_line(surface).strip()[:wl.MAX_SURFACE] in ex
            assert "\n" not in ex and "\u202e" not in ex
        folded, origin = wl.fold_mapped(text)
        assert folded == wl.fold(text) and len(origin) == len(folded)
        assert all(0 <= i < len(text) for i in origin) and origin == sorted(origin)
        fast = wl.Folded(text)
        assert fast.folded == folded and [fast.origin(i) for i in range(len(folded))] == origin
