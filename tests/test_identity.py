"""Identity: normal forms, impersonators of a protected account and one person's accounts on two
platforms in a hand-built case imported through the real pipeline, the planted persons and decoy
of a scenario, analyst decisions with their audit trail, and hypothesis on hostile text.

The hand-built case is a Twitter API v2 page (a fire department, its imitators, bystanders, and
Ana Horvat) and a Mastodon statuses list (Ana again, on another server, plus one bystander).
Twitter handles are ASCII on the real platform, so the homoglyphs are in display names.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import audit, store
from socmint.analysis import identity as idn
from socmint.analysis.identity import (
    AccountView,
    combine,
    compare,
    core,
    decide,
    decisions,
    fold,
    impersonators,
    proposals,
    skeleton,
)
from socmint.errors import SocmintError

from .conftest import import_files, module_case

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)

PROTECTED = ("200", "CityFireDept", "City Fire Department")
IMITATORS = {  # id: (handle, display name, what it imitates)
    "201": ("CityFireDept1", "City Fire Department", "digit suffix"),
    "202": ("City_Fire_Dept", "City Fire Dept", "underscores"),
    "203": ("CityFireDeptOfficial", "City Fire Department (official)", "affix"),
    "204": ("cityfire_alerts", "Сіty Fіre Dеpartment", "Cyrillic homoglyphs in the name"),
    "205": ("firedept_city", "Cιty Fιre Deρartment", "Greek homoglyphs in the name"),
    "206": ("CityFlreDept", "Fire news", "one letter changed (i -> l)"),
    "207": ("C1tyF1reDept", "Town Fire", "leetspeak"),
}
BYSTANDERS = {"210": ("weather_bot", "Weather Bot"), "211": ("bakery_anna", "Anna's Bakery"),
              "212": ("cityparks", "City Parks"), "213": ("jan_novak", "Jan Novak")}
ANA = ("220", "ana_horvat", "Ana Horvat",
       "Harbour ecologist in Split. Fediverse: @anahorvat@coast.example")
ANA_TOOTS = ("Seagrass meadows in the bay are recovering after the anchoring ban",
             "Counted 212 pen shells on today's survey transect near Brač",
             "Plastic pellets washed up again on the north beach this morning")


def tweet(tid: str, author: str, minutes: float, body: str) -> dict:
    at = T0 + timedelta(minutes=minutes)
    return {"id": tid, "author_id": author, "conversation_id": tid, "lang": "en", "text": body,
            "created_at": f"{at:%Y-%m-%dT%H:%M:%S}.000Z", "edit_history_tweet_ids": [tid],
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0,
                               "quote_count": 0}}


def twitter_page() -> dict:
    users = [{"id": PROTECTED[0], "username": PROTECTED[1], "name": PROTECTED[2],
              "description": "Official account of the City Fire Department. Emergencies: 112"}]
    users += [{"id": i, "username": h, "name": n, "description": "Fire safety tips"}
              for i, (h, n, _) in IMITATORS.items()]
    users += [{"id": i, "username": h, "name": n, "description": ""}
              for i, (h, n) in BYSTANDERS.items()]
    users.append({"id": ANA[0], "username": ANA[1], "name": ANA[2], "description": ANA[3]})
    n = iter(range(10**17, 10**18))
    tweets = [tweet(str(next(n)), u["id"], k * 61, f"Post number {k} by {u['username']}")
              for u in users for k in range(2)]
    tweets += [tweet(str(next(n)), ANA[0], 600 + 1440 * k + 3, text)
               for k, text in enumerate(ANA_TOOTS)]
    return {"data": tweets, "includes": {"users": users}, "meta": {"result_count": len(tweets)}}


def toot(sid: int, minutes: float, text: str, acct: dict) -> dict:
    at = T0 + timedelta(minutes=minutes)
    return {"id": str(sid), "created_at": f"{at:%Y-%m-%dT%H:%M:%S}.000Z", "visibility": "public",
            "uri": f"https://coast.example/users/{acct['username']}/statuses/{sid}",
            "url": f"https://coast.example/@{acct['username']}/{sid}", "language": "en",
            "content": f"<p>{text}</p>", "account": acct, "reblog": None, "mentions": [],
            "tags": [], "media_attachments": [], "replies_count": 0, "reblogs_count": 0,
            "favourites_count": 0}


def mastodon_statuses() -> list:
    ana = {"id": "1", "username": "anahorvat", "acct": "anahorvat", "display_name": "Ana Horvat",
           "note": "<p>Ecologist, Split. Also on X: @ana_horvat</p>",
           "url": "https://coast.example/@anahorvat", "uri": "https://coast.example/users/anahorvat",
           "created_at": "2023-01-01T00:00:00.000Z", "followers_count": 40,
           "following_count": 30, "statuses_count": 300, "fields": [], "emojis": []}
    other = dict(ana, id="2", username="sailor", acct="sailor", display_name="Sailor Tom",
                 note="<p>Boats</p>", url="https://coast.example/@sailor",
                 uri="https://coast.example/users/sailor")
    out = [toot(110000000000000100 + k, 600 + 1440 * k, text, ana)
           for k, text in enumerate(ANA_TOOTS)]
    out.append(toot(110000000000000200, 30, "Wind picking up, reefing early today", other))
    return out


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    with module_case(tmp_path_factory, "identity", "hand",
                     "testing identity") as (c, root):
        import_files(c, root / "in", {
            "page.jsonl": orjson.dumps(twitter_page()) + b"\n",
            "statuses.json": orjson.dumps(mastodon_statuses())})
        yield c


# ------------------------------------------------------------------------------ normal forms


def test_skeleton_sees_homoglyphs_and_hidden_characters():
    assert skeleton("Сіty Fіre Dеpartment") == skeleton("City Fire Department")
    assert skeleton("Cιty Fιre Deρartment") == "city fire department"
    assert skeleton("ΒΕΤΑ") == "beta"  # Greek capitals look Latin before they are lower-cased
    assert skeleton("рaypal") == "paypal"  # Cyrillic er looks like p
    assert fold("рaypal") == "raypal"  # ... but means r
    assert skeleton("pay\u200bpal\u202e") == "paypal"
    assert skeleton("ＰＡＹＰＡＬ") == "paypal"  # fullwidth, by NFKC
    assert skeleton("") == "" and skeleton(None) == ""


def test_fold_transliterates_and_undoes_leetspeak_inside_words():
    assert fold("Marta Kovač 🚲") == "martakovac"
    assert fold("m4rt4_k0vac") == "martakovac"
    assert fold("$teve.j0bs") == "stevejobs"
    assert fold("C1tyF1reDept") == "cityfiredept"
    assert fold("C1tyF1reDept", one="l") == "cltyflredept"
    assert fold("marta1987") == "marta1987"  # trailing digits are digits
    assert fold("Жуков") == "zhukov"
    assert idn.name_tokens("M4rta Kovač-Horvat 🚲") == ["marta", "kovac", "horvat"]


def test_core_strips_hosting_affixes_and_digits():
    assert core("marta_kovac") == core("martakovac.bsky.social") == "martakovac"
    assert core("@jonasbrandt@social.example") == "jonasbrandt"
    assert core("TheRealMarta_1987") == "marta"
    assert core("CityFireDeptOfficial") == core("CityFireDept1") == "cityfiredept"
    assert core("_news_") == "news"  # an affix alone is kept, not emptied
    assert "official" in idn.AFFIXES


# ------------------------------------------------------------------------------ pairwise


def view(uid, handle=None, name=None, bio=None, **kw) -> AccountView:
    return AccountView(uid, handle, name, bio, **kw)


def test_bio_references_and_selectors_are_strong_alone_weak_signals_are_not():
    a = view("twitter:1", "marta_kovac", "marta kovač 🚲", "also here: @martakovac.bsky.social")
    b = view("bluesky:did:plc:x", "martakovac.bsky.social", "Marta K.",
             "formerly twitter @marta_kovac")
    ev = compare(a, b)
    kinds = [e.kind for e in ev]
    assert kinds.count("reference") == 2 and "handle" in kinds
    assert any("fold to the same core 'martakovac'" in e.says for e in ev)
    assert combine(ev) > 0.9
    # the same style and rhythm, and nothing else: never a high score
    grams = {"abc": 5, "bcd": 3}
    hours = tuple([3] * 24)
    x = view("twitter:2", "someone", posts=50, style=grams, rhythm=hours)
    y = view("mastodon:other@s.example", "nobody", posts=50, style=grams, rhythm=hours)
    weak = compare(x, y)
    assert {e.kind for e in weak} == {"style", "rhythm"}
    assert combine(weak) < 0.55
    # a shared e-mail held by two accounts is strong; held by ten it says little
    sel = frozenset({("email", "m@example.org")})
    p, q = view("twitter:3", selectors=sel), view("reddit:u/q", selectors=sel)
    assert combine(compare(p, q)) == pytest.approx(0.8)
    assert combine(compare(p, q, holders={("email", "m@example.org"): 10})) < 0.1


# ------------------------------------------------------------------------------ hand case


def test_impersonators_of_the_protected_account(hand):
    with store.tables(hand, "duckdb") as b:
        found = impersonators(b, "@cityfiredept")
        same = impersonators(b, f"twitter:{PROTECTED[0]}")
    assert [f.uid for f in found] == [f.uid for f in same]
    listed = {f.uid for f in found}
    assert listed == {f"twitter:{i}" for i in IMITATORS}, found
    assert f"twitter:{PROTECTED[0]}" not in listed
    assert all(0 < f.score <= 1 and f.evidence for f in found)
    assert found == sorted(found, key=lambda f: (-f.score, f.uid))
    by = {f.uid: f for f in found}
    assert any("homoglyph" in e.says for e in by["twitter:204"].evidence)
    assert any("homoglyph" in e.says for e in by["twitter:205"].evidence)
    assert any("affixes or digits" in e.says for e in by["twitter:203"].evidence)
    # copying handle and name beats copying either alone
    assert by["twitter:201"].score > by["twitter:206"].score
    assert by["twitter:201"].score > by["twitter:202"].score
    assert {e.kind for e in by["twitter:201"].evidence} == {"handle", "name"}


def test_protected_account_must_be_known_and_unambiguous(hand):
    with store.tables(hand, "duckdb") as b:
        with pytest.raises(SocmintError, match="no account"):
            impersonators(b, "@nosuchaccount")
        with pytest.raises(SocmintError, match="name an account"):
            impersonators(b, " @ ")
        views = idn._accounts(b)
    views["mastodon:cityfiredept@x.example"] = view("mastodon:cityfiredept@x.example",
                                                    "@CityFireDept@x.example")
    with pytest.raises(SocmintError, match="ambiguous: mastodon:cityfiredept@x.example, "
                                           "twitter:200"):
        idn._resolve(views, "CityFireDept")


def test_one_person_on_two_platforms_ranks_first(hand):
    with store.tables(hand, "duckdb") as b:
        found = proposals(b, min_score=0.0)
    assert found, "no proposals"
    top = found[0]
    assert (top.a, top.b) == ("mastodon:anahorvat@coast.example", "twitter:220")
    kinds = {e.kind for e in top.evidence}
    assert {"reference", "name", "text"} <= kinds, top.summary()
    assert top.score > 0.95 and top.decision is None
    assert all(p.a < p.b for p in found)
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    # the bystander on Mastodon is no one's other account
    assert not [p for p in found if "mastodon:sailor@coast.example" in (p.a, p.b)
                and p.score >= 0.5]


def test_decisions_are_stored_superseded_and_audited(hand):
    a, b = "twitter:220", "mastodon:anahorvat@coast.example"
    decide(hand, a, b, "confirmed", "same bio link, checked by hand")
    decide(hand, b, a, "rejected", "second look: the Mastodon one is a fan")
    latest = decisions(hand)
    assert [(d["a"], d["b"], d["verdict"], d["operator"]) for d in latest] == [
        (b, a, "rejected", "tester")]
    assert latest[0]["note"] == "second look: the Mastodon one is a fan"
    logged = [e for e in audit.entries(hand) if e["action"] == "identity.decide"]
    assert [(e["params"]["a"], e["params"]["b"], e["params"]["verdict"]) for e in logged] == [
        (b, a, "confirmed"), (b, a, "rejected")]
    assert audit.verify(hand)[1] == []
    with store.tables(hand, "duckdb") as bk:
        top = proposals(bk, min_score=0.0)[0]
        con_rows = bk.to_pyarrow(bk.table("identity_decisions")).num_rows
    assert (top.a, top.b, top.decision) == (b, a, "rejected")
    assert con_rows == 2  # history kept
    for bad in ("maybe", "", "Confirmed"):
        with pytest.raises(SocmintError, match="verdict"):
            decide(hand, a, b, bad)
    with pytest.raises(SocmintError, match="two different"):
        decide(hand, a, a, "confirmed")
    assert len(decisions(hand)) == 1


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_proposals(hand):
    def run(engine):
        with store.tables(hand, engine) as b:
            return [(p.a, p.b, p.score, [e.says for e in p.evidence])
                    for p in proposals(b, min_score=0.0, decided={})]

    on_duck, on_spark = run("duckdb"), run("spark")
    assert on_duck and on_duck == on_spark


# ------------------------------------------------------------------------------ scenario


def test_scenario_persons_are_linked_and_decoys_are_not(scenario_600):
    c, everything = scenario_600
    truth = everything["identity"]
    with store.tables(c, "duckdb") as b:
        found = proposals(b, min_score=0.0, limit=None)
    score = {(p.a, p.b): p.score for p in found}
    person_scores = []
    for person in truth["persons"]:
        pair = tuple(sorted(person["accounts"]))
        assert pair in score, person["person"]
        person_scores.append(score[pair])
        for uid in pair:
            best = next(p for p in found if uid in (p.a, p.b))
            assert (best.a, best.b) == pair, (person["person"], best.summary())
    for decoy in truth["decoys"]:
        for d in decoy["accounts"]:
            for r in decoy["resembles"]:
                assert score.get(tuple(sorted((d, r))), 0.0) < min(person_scores), decoy
    assert min(person_scores) >= 0.7


# ------------------------------------------------------------------------------ hypothesis

HOSTILE = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60) | \
    st.text(alphabet=string.ascii_letters + string.digits + "_.-@$ ", max_size=30) | \
    st.sampled_from(["Сіty", "\u200b", "\ud800", "İ", "ß", "ﬁ", "𝐚", "\u202e", "0", "1"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_normal_forms_never_fail_and_are_stable(s):
    for fn in (skeleton, fold, core):
        out = fn(s)
        assert isinstance(out, str) and out == fn(s)
    assert fold(s).isascii() and fold(s).isalnum() or fold(s) == ""
    assert core(s).isascii() and len(core(s)) <= len(fold(s))
    assert not any(unicodedata.category(c) == "Cf" for c in skeleton(s))
    assert all(t and t.isascii() for t in idn.name_tokens(s))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)
def test_comparison_never_fails_and_stays_in_range(h1, n1, b1, h2, n2, b2):
    a = view("twitter:1", h1, n1, b1, posts=6, style={h1[:3]: 1, "abc": 2},
             rhythm=tuple(range(24)))
    b = view("mastodon:x@y.example", h2, n2, b2, posts=6, style={h2[:3]: 1},
             rhythm=tuple([1] * 24))
    ev = compare(a, b)
    s = combine(ev)
    assert 0.0 <= s <= 1.0 and all(0.0 <= e.strength <= 1.0 and e.says for e in ev)
    assert s == combine(compare(a, b))
    assert sorted(e.kind for e in ev) == sorted(e.kind for e in compare(b, a))
