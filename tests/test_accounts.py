"""Account behaviour and profiles: a hand-built case whose every figure is computed by hand,
imported through the real pipeline (Twitter API v2 pages, a Mastodon status), DuckDB against
Spark, the planted bots of a scenario against its ordinary accounts, and look-ups by any name.

The hand case, 2026-03-02 (a Monday, D0) onwards, UTC:
  tick4242 (twitter:201)  24 posts, one an hour at hh:30 on D0: 18 retweets of origin's post,
                          4 originals, a quote of noon's N1 and a reply to noon's N2
  noon     (twitter:202)  5 posts at hour 12: N1 D0 12:00, N2 D0 12:10, N3 D0 12:40,
                          N4 D1 12:00, N5 D2 12:20 (gaps 600, 1800, 84000, 87600 s); renamed
                          noon -> noon2 -> Noon3 and its bio changed, over pages 2 and 3
  origin   (twitter:203)  the retweeted post, and later posts mentioning noon; no profile
                          fields beyond its name (so its profile features are unknown)
  noon3@social.example    a Mastodon account whose own part of the handle is "noon3"
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta, timezone

import ibis
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import ingest, store
from socmint.analysis import accounts as ac
from socmint.analysis.accounts import behaviour, describe, profile, profile_features, resolve
from socmint.errors import SocmintError

from .conftest import module_case

D0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
TICK, NOON, ORIGIN = "twitter:201", "twitter:202", "twitter:203"
MASTO = "mastodon:noon3@social.example"
ORIGINAL = "500000000000000001"
N = {k: f"50000000000000010{k}" for k in range(1, 6)}  # noon's posts N1..N5
RETRIEVED = ["2026-03-05T00:00:00+00:00", "2026-03-06T00:00:00+00:00",
             "2026-03-07T00:00:00+00:00"]
NOON_GAPS = [600, 1800, 84000, 87600]


def stamp(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M:%S}.000Z"


def tweet(tid, author, at, body, *, lang="en", rt=None, reply=None, reply_user=None,
          quote=None, tags=(), urls=(), mentions=()) -> dict:
    t = {"id": tid, "author_id": author, "conversation_id": tid, "lang": lang, "text": body,
         "created_at": stamp(at), "edit_history_tweet_ids": [tid],
         "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0,
                            "quote_count": 0}}
    refs = [{"type": kind, "id": ref} for kind, ref in
            (("retweeted", rt), ("replied_to", reply), ("quoted", quote)) if ref]
    if refs:
        t["referenced_tweets"] = refs
    if reply_user:
        t["in_reply_to_user_id"] = reply_user
    ents = {}
    if tags:
        ents["hashtags"] = [{"start": 0, "end": 1 + len(g), "tag": g} for g in tags]
    if urls:
        ents["urls"] = [{"start": 0, "end": 23, "url": f"https://t.co/{tid[-4:]}{i}",
                         "expanded_url": u, "display_url": u[8:]} for i, u in enumerate(urls)]
    if mentions:
        ents["mentions"] = [{"start": 0, "end": 1 + len(name), "username": name, "id": uid}
                            for uid, name in mentions]
    if ents:
        t["entities"] = ents
    return t


def user(uid, username, name, **extra) -> dict:
    return {"id": uid, "username": username, "name": name, **extra}


def tick_user() -> dict:
    return user("201", "tick4242", "Tick Tock", created_at="2026-02-20T00:00:00.000Z",
                description="", url="", verified=False,
                profile_image_url="https://abs.twimg.com/sticky/default_profile_images/"
                                  "default_profile_normal.png",
                public_metrics={"followers_count": 10, "following_count": 0,
                                "tweet_count": 26, "listed_count": 0})


def noon_user(username: str, bio: str) -> dict:
    return user("202", username, "Midday Poster", created_at="2025-03-05T00:00:00.000Z",
                description=bio, url="https://t.co/abc", verified=True,
                entities={"url": {"urls": [{"start": 0, "end": 16, "url": "https://t.co/abc",
                                            "expanded_url": "https://noon.example.org/",
                                            "display_url": "noon.example.org"}]}},
                profile_image_url="https://pbs.twimg.com/profile_images/1/me_normal.jpg",
                public_metrics={"followers_count": 300, "following_count": 150,
                                "tweet_count": 73, "listed_count": 1})


def page1() -> list[dict]:
    noon_at = [D0 + timedelta(hours=12), D0 + timedelta(hours=12, minutes=10),
               D0 + timedelta(hours=12, minutes=40), D0 + timedelta(days=1, hours=12),
               D0 + timedelta(days=2, hours=12, minutes=20)]
    gaps = zip(noon_at, noon_at[1:], strict=False)
    assert [(b - a).total_seconds() for a, b in gaps] == NOON_GAPS
    tick_at = [D0 + timedelta(hours=k, minutes=30) for k in range(24)]
    out = [tweet(ORIGINAL, "203", D0, "The original post everybody retweets")]
    for k in range(18):
        out.append(tweet(f"5000000000000002{k:02d}", "201", tick_at[k],
                         "RT @origin: The original post everybody retweets", rt=ORIGINAL))
    for k in range(18, 22):
        out.append(tweet(f"5000000000000002{k:02d}", "201", tick_at[k], f"tick tock number {k}"))
    out.append(tweet("500000000000000222", "201", tick_at[22], "look at this", quote=N[1]))
    out.append(tweet("500000000000000223", "201", tick_at[23], "fully agree", reply=N[2],
                     reply_user="202"))
    out += [
        tweet(N[1], "202", noon_at[0], "Morning #Alpha #beta read https://t.co/x",
              tags=["Alpha", "beta"], urls=["https://news.example.org/a"]),
        tweet(N[2], "202", noon_at[1], "More #alpha https://t.co/y", tags=["alpha"],
              urls=["https://news.example.org/b"]),
        tweet(N[3], "202", noon_at[2],
              "#Gamma tips to tips@example.org or call +44 20 7946 0958", tags=["Gamma"]),
        tweet(N[4], "202", noon_at[3], "@tick4242 hallo zusammen", lang="de",
              mentions=[("201", "tick4242")]),
        tweet(N[5], "202", noon_at[4], "agreed", reply="500000000000000205",
              reply_user="201"),
    ]
    return out


def write_page(path, tweets, users, retrieved) -> None:
    page = {"data": tweets, "includes": {"users": users},
            "meta": {"result_count": len(tweets)}, "__twarc": {"retrieved_at": retrieved}}
    path.write_bytes(orjson.dumps(page) + b"\n")


def mastodon_status() -> dict:
    acct = {"id": "109000000000000001", "username": "noon3", "acct": "noon3@social.example",
            "display_name": "Noon on Mastodon", "locked": False, "bot": False,
            "created_at": "2025-01-01T00:00:00.000Z", "note": "",
            "url": "https://social.example/@noon3",
            "uri": "https://social.example/users/noon3",
            "avatar": "https://social.example/avatars/original/missing.png",
            "avatar_static": "https://social.example/avatars/original/missing.png",
            "header": "https://social.example/headers/original/missing.png",
            "header_static": "https://social.example/headers/original/missing.png",
            "followers_count": 1, "following_count": 2, "statuses_count": 3,
            "emojis": [], "fields": []}
    return {"id": "110000000000000001", "created_at": stamp(D0 + timedelta(hours=8)),
            "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False,
            "spoiler_text": "", "visibility": "public", "language": "en",
            "uri": "https://social.example/users/noon3/statuses/1",
            "url": "https://social.example/@noon3/1", "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
            "content": "<p>Hello from the fediverse</p>", "reblog": None, "account": acct,
            "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None,
            "poll": None}


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    with module_case(tmp_path_factory, "accounts", "hand",
                     "testing account profiles") as (c, root):
        first = root / "first"
        first.mkdir()
        write_page(first / "page1.jsonl", page1(),
                   [tick_user(), noon_user("noon", "Posting at noon."),
                    user("203", "origin", "Origin")], RETRIEVED[0])
        (first / "statuses.jsonl").write_bytes(orjson.dumps(mastodon_status()) + b"\n")
        report = ingest.import_paths(c, [first])
        assert report.items["rejected"] == 0
        for i, (handle, body) in enumerate((("noon2", "@noon2 welcome back"),
                                            ("Noon3", "Hello again")), start=1):
            later = root / f"later{i}"
            later.mkdir()
            mention = [("202", handle)] if body.startswith("@") else ()
            post = tweet(f"50000000000000030{i}", "203", D0 + timedelta(days=2 + i, hours=9), body,
                         mentions=mention)
            write_page(later / "page.jsonl", [post],
                       [user("203", "origin", "Origin"),
                        noon_user(handle, "Posting at noon, daily.")], RETRIEVED[i])
            assert ingest.import_paths(c, [later]).items["rejected"] == 0
        yield c


def rows_by_account(backend, table) -> dict[str, dict]:
    return {r["account"]: r for r in backend.to_pyarrow(table).to_pylist()}


# ---------------------------------------------------------------- behaviour


def test_behaviour_of_a_clockwork_account_and_a_noon_poster(hand):
    with store.tables(hand, "duckdb") as b:
        rows = rows_by_account(b, behaviour(b))
    assert set(rows) == {TICK, NOON, ORIGIN, MASTO}
    tick, noon, origin = rows[TICK], rows[NOON], rows[ORIGIN]

    assert tick["posts"] == 24 and tick["days_active"] == 1 and tick["intervals"] == 23
    assert tick["first_at"] == D0 + timedelta(minutes=30)
    assert tick["last_at"] == D0 + timedelta(hours=23, minutes=30)
    assert tick["interval_median"] == 3600.0
    assert tick["interval_cv"] == 0.0 and tick["burstiness"] == -1.0
    assert tick["interval_entropy"] == 0.0  # every gap in one bin, [2048, 4096)
    assert tick["hour_entropy"] == round(math.log2(24), 6) == 4.584963  # one post each hour
    assert tick["busiest_hour_share"] == round(1 / 24, 6)
    assert tick["sleep_gap"] == 0
    assert tick["repost_share"] == 0.75  # 18 of 24
    assert tick["quote_share"] == tick["reply_share"] == round(1 / 24, 6)
    assert tick["original_share"] == round(4 / 24, 6)
    assert tick["link_share"] == 0.0 and tick["hashtags_per_post"] == 0.0
    assert tick["languages"] == 1

    assert noon["posts"] == 5 and noon["days_active"] == 3 and noon["intervals"] == 4
    assert noon["interval_median"] == 42900.0  # (1800 + 84000) / 2: the even-count median
    mu, sigma = statistics.fmean(NOON_GAPS), statistics.pstdev(NOON_GAPS)
    assert mu == 43500.0
    assert noon["interval_cv"] == round(sigma / mu, 6) == 0.972903
    assert noon["burstiness"] == round((sigma - mu) / (sigma + mu), 6)
    # bins: 600 -> 9 ([512, 1024)), 1800 -> 10, 84000 and 87600 -> 16: p = 1/4, 1/4, 1/2
    assert noon["interval_entropy"] == 1.5
    assert noon["hour_entropy"] == 0.0 and noon["busiest_hour_share"] == 1.0
    assert noon["sleep_gap"] == 23  # every post at 12:xx: 13:00 round to 11:00 silent
    assert noon["reply_share"] == 0.2 and noon["original_share"] == 0.8
    assert noon["repost_share"] == noon["quote_share"] == 0.0
    assert noon["link_share"] == 0.4  # N1, N2
    assert noon["hashtags_per_post"] == 0.8  # alpha, beta, alpha, gamma over 5 posts
    assert noon["mentions_per_post"] == 0.2  # N4
    assert noon["languages"] == 2  # en, de

    # origin: the original at D0 00:00, then posts on D3 and D4 at 09:00 (pages 2 and 3)
    assert origin["posts"] == 3 and origin["intervals"] == 2
    assert origin["interval_median"] == (291600 + 86400) / 2  # gaps 3 d 9 h and 1 d
    assert origin["sleep_gap"] == 14  # hours 0 and 9 posted: 10:00 to 23:59 silent
    single = rows[MASTO]
    assert single["posts"] == 1 and single["intervals"] == 0
    assert single["interval_median"] is None and single["interval_cv"] is None
    assert single["burstiness"] is None and single["interval_entropy"] is None
    assert single["sleep_gap"] == 23 and single["hour_entropy"] == 0.0
    # near_duplicates was never computed here: unknown, not 0
    assert all(r["near_duplicate_share"] is None for r in rows.values())


def test_median_by_row_numbers_odd_even_ties_single():
    groups = {"odd": [5.0, 1.0, 3.0], "even": [4.0, 1.0, 3.0, 10.0],
              "ties": [2.0, 2.0, 2.0, 9.0], "one": [7.0]}
    t = ibis.memtable({"a": [k for k, vs in groups.items() for _ in vs],
                       "v": [v for vs in groups.values() for v in vs]})
    con = ibis.duckdb.connect()
    got = {r["a"]: r["median"] for r in con.to_pyarrow(ac._median(t, "a", "v")).to_pylist()}
    assert got == {"odd": 3.0, "even": 3.5, "ties": 2.0, "one": 7.0}
    assert got == {k: statistics.median(vs) for k, vs in groups.items()}


def test_near_duplicates_service_messages_and_unplaceable_posts():
    """A near-duplicate group of one account's posts alone does not count, one shared with
    another account does; a service message, a post without time or account is no post."""
    con = ibis.duckdb.connect()
    at = [D0 + timedelta(minutes=m) for m in range(6)] + [None, D0]
    posts = ibis.memtable({
        "uid": ["p1", "p2", "p3", "p4", "p5", "s1", "t1", "n1"],
        "account_uid": ["a", "a", "a", "b", "b", "a", "b", None], "created_at": at,
        "kind": [None] * 5 + ["service", None, None], "language": ["en"] * 8,
        "repost_of": [None] * 8, "reply_to": [None] * 8, "quote_of": [None] * 8}).cast(
        {"kind": "string", "repost_of": "string", "reply_to": "string", "quote_of": "string",
         "created_at": "timestamp('UTC')"})
    con.create_table("posts", posts)
    con.create_table("entities", ibis.memtable(
        {"uid": ["e"], "post": ["p1"], "kind": ["hashtag"], "value": ["x"], "normalized": ["x"],
         "deleted_at": [None]}).cast({"deleted_at": "timestamp('UTC')"}))
    rows = rows_by_account(con, behaviour(con))
    assert set(rows) == {"a", "b"}
    assert (rows["a"]["posts"], rows["b"]["posts"]) == (3, 2)
    assert rows["a"]["near_duplicate_share"] is None
    con.create_table("near_duplicates", ibis.memtable(
        {"group_id": ["g1", "g1", "g2", "g2"], "uid": ["p1", "p2", "p3", "p4"]}))
    rows = rows_by_account(con, behaviour(con))
    assert rows["a"]["near_duplicate_share"] == round(1 / 3, 6)  # p3, grouped with b's p4
    assert rows["b"]["near_duplicate_share"] == 0.5  # p4 of p4, p5
    assert rows["a"]["hashtags_per_post"] == round(1 / 3, 6)


# ---------------------------------------------------------------- profile features


def test_profile_features_by_hand_and_null_where_unknown(hand):
    with store.tables(hand, "duckdb") as b:
        rows = rows_by_account(b, profile_features(b))
    tick, noon, origin, masto = rows[TICK], rows[NOON], rows[ORIGIN], rows[MASTO]
    assert (tick["handle_length"], tick["handle_digits"], tick["handle_trailing_digits"]) == (
        8, 4, 4)
    assert tick["handle_entropy"] == 2.5  # t i c k once, 4 and 2 twice: 4*3/8 + 2*2/4
    assert tick["name_matches_handle"] is True  # "tick" in tick4242
    assert tick["has_bio"] is False and tick["bio_length"] == 0  # description ""
    assert tick["has_url"] is False and tick["default_avatar"] is True
    assert tick["age_days"] == 13.0  # 2026-02-20 to its last observation, 2026-03-05
    assert tick["follower_ratio"] is None  # following 0
    assert tick["posts_per_day"] == 2.0  # 26 / 13
    assert tick["verified"] is False

    # renamed twice: the current handle Noon3
    assert (noon["handle_length"], noon["handle_digits"], noon["handle_trailing_digits"]) == (
        5, 1, 1)
    # N, o, o, n, 3 (case kept): 3 x 0.2 log2 5 + 0.4 log2 2.5
    assert noon["handle_entropy"] == round(0.6 * math.log2(5) + 0.4 * math.log2(2.5), 6)
    assert noon["name_matches_handle"] is False  # "Midday Poster"
    assert noon["has_bio"] is True and noon["bio_length"] == len("Posting at noon, daily.")
    assert noon["has_url"] is True and noon["default_avatar"] is False
    assert noon["age_days"] == 367.0  # 2025-03-05 to 2026-03-07
    assert noon["follower_ratio"] == 2.0 and noon["posts_per_day"] == round(73 / 367, 6)
    assert noon["verified"] is True and noon["name_length"] == len("Midday Poster")

    # origin: only a name; everything its data lacks is null, never 0 or false
    assert origin["name_matches_handle"] is True and origin["handle_entropy"] is not None
    for k in ("has_bio", "bio_length", "has_url", "default_avatar", "age_days", "followers",
              "following", "posts_count", "follower_ratio", "posts_per_day", "verified"):
        assert origin[k] is None, k

    # Mastodon: the handle's own part, Mastodon's stock avatar
    assert masto["handle_length"] == 5 and masto["default_avatar"] is True
    assert masto["has_bio"] is False and masto["follower_ratio"] == 0.5


# ---------------------------------------------------------------- one account


def test_profile_of_the_renamed_noon_poster(hand):
    with store.tables(hand, "duckdb") as b:
        p = profile(b, "@NOON")  # its first handle, in another case
    assert p.uid == NOON and p.platform == "twitter"
    handles = [(h["value"], h["first_observed"].isoformat()) for h in p.history["handle"]]
    assert handles == [("noon", RETRIEVED[0]), ("noon2", RETRIEVED[1]), ("Noon3", RETRIEVED[2])]
    bios = [(x["value"], x["first_observed"].isoformat(), x["last_observed"].isoformat())
            for x in p.history["bio"]]
    assert bios == [("Posting at noon.", RETRIEVED[0], RETRIEVED[0]),
                    ("Posting at noon, daily.", RETRIEVED[1], RETRIEVED[2])]
    assert [x["value"] for x in p.history["display_name"]] == ["Midday Poster"]

    assert [(d["date"].isoformat(), d["posts"]) for d in p.activity] == [
        ("2026-03-02", 3), ("2026-03-03", 1), ("2026-03-04", 1)]
    assert p.hours == [0] * 12 + [5] + [0] * 11
    assert p.weekdays == [3, 1, 1, 0, 0, 0, 0]  # Monday, Tuesday, Wednesday
    assert p.intervals["intervals"] == 4 and p.intervals["interval_median"] == 42900.0
    assert (p.intervals["shortest"], p.intervals["longest"]) == (600.0, 87600.0)
    assert [(h["from_seconds"], h["n"]) for h in p.intervals["log2_histogram"]] == [
        (512, 1), (1024, 1), (65536, 2)]
    assert p.behaviour["posts"] == 5 and p.features["handle_length"] == 5

    assert [(x["language"], x["posts"]) for x in p.languages] == [("en", 4), ("de", 1)]
    assert [(x["value"], x["posts"]) for x in p.hashtags] == [("alpha", 2), ("beta", 1),
                                                             ("gamma", 1)]
    assert [(x["value"], x["posts"]) for x in p.domains] == [("example.org", 2)]  # registrable
    assert [(x["value"], x["posts"]) for x in p.mentions] == [("tick4242", 1)]
    assert p.partners["out"] == [{"account": TICK, "handle": "tick4242", "total": 2,
                                  "kinds": {"reply": 1, "mention": 1}}]
    assert p.partners["in"] == [
        {"account": TICK, "handle": "tick4242", "total": 2, "kinds": {"reply": 1, "quote": 1}},
        {"account": ORIGIN, "handle": "origin", "total": 1, "kinds": {"mention": 1}}]
    assert [(s["kind"], s["normalized"], s["posts"]) for s in p.selectors] == [
        ("email", "tips@example.org", 1), ("phone", "+442079460958", 1)]

    plain = p.as_dict()
    assert orjson.loads(orjson.dumps(plain)) == plain  # plain JSON values only
    assert plain["history"]["handle"][0]["first_observed"] == RETRIEVED[0]


def test_describe_says_what_was_computed(hand):
    with store.tables(hand, "duckdb") as b:
        noon, tick = profile(b, NOON), profile(b, "tick4242")
    said = describe(noon)
    assert said[0] == ("@Noon3 (Midday Poster) on twitter, uid twitter:202; created "
                       "2025-03-05, 367 days before it was last observed")
    assert "renamed twice: @noon -> @noon2 -> @Noon3" in said
    assert ("bio changed once (2 versions seen, the latest from 2026-03-06)") in said
    assert "5 posts between 2026-03-02 and 2026-03-04, on 3 days" in said
    assert ("posts in 1 of the 24 hours of the day (UTC); never between 13:00 and 12:00 UTC "
            "(23 hours); busiest hour 12:00 with 100% of its posts (hour-of-day entropy "
            "0.00 of 4.58 bits)") in said
    assert "top hashtags: #alpha (2 posts), #beta (1 post), #gamma (1 post)" in said
    assert ("selectors in its posts: email tips@example.org (1 post), phone +442079460958 "
            "(1 post)") in said
    assert "acted on most by: @tick4242 (1 reply, 1 quote); @origin (1 mention)" in said
    assert not [x for x in said if "bot" in x.lower()]

    said = describe(tick)
    assert ("posts every 1 hour on median (coefficient of variation of the gaps 0.00, "
            "burstiness -1.00)") in said
    assert ("posts around the clock: in all 24 hours of the day, UTC (hour-of-day entropy "
            "4.58 of 4.58 bits)") in said
    assert "75% of its posts are reposts" in said
    assert "default or empty avatar" in said and "no bio" in said
    assert "handle ends in 4 digits" in said
    assert not [x for x in said if "renamed" in x]


def test_who_by_uid_handle_case_and_at(hand):
    with store.tables(hand, "duckdb") as b:
        assert resolve(b, TICK) == TICK
        assert resolve(b, " @TICK4242 ") == TICK
        assert resolve(b, "noon2") == NOON  # a past handle
        assert resolve(b, "@noon3@SOCIAL.example") == MASTO
        assert resolve(b, MASTO) == MASTO


def test_unknown_or_ambiguous_who_is_a_user_error(hand):
    with store.tables(hand, "duckdb") as b:
        with pytest.raises(SocmintError, match=r"no account '@nobody' in this case"):
            profile(b, "@nobody")
        with pytest.raises(SocmintError, match=r"name an account"):
            resolve(b, "  ")
        # Noon3 on Twitter now, noon3 the own part of a Mastodon handle
        with pytest.raises(SocmintError) as err:
            resolve(b, "@noon3")
    msg = str(err.value)
    assert "ambiguous" in msg and "2 accounts" in msg
    assert f"({MASTO}, {NOON})" in msg


def test_who_fuzz_raises_nothing_but_user_errors(hand):
    with store.tables(hand, "duckdb") as b:
        @settings(max_examples=150, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.one_of(st.text(), st.text(alphabet="@'\"\\%_*.:;-\x00 \n").map(str),
                         st.sampled_from(["'; DROP TABLE accounts; --", "@", "@@", "%", "_"])))
        def check(who):
            try:
                uid = resolve(b, who)
            except SocmintError as exc:
                assert str(exc)
                return
            assert uid in (TICK, NOON, ORIGIN, MASTO)

        check()


# ---------------------------------------------------------------- scenario


def test_planted_bots_keep_time_unlike_ordinary_accounts(scenario_600):
    c, truth = scenario_600
    bots = set(truth["bots"]["accounts"])
    ordinary = {u for u, a in truth["accounts"].items() if a["role"] == "ordinary"}
    with store.tables(c, "duckdb") as b:
        rows = rows_by_account(b, behaviour(b))
        bot_profile = profile(b, sorted(bots)[0])
    found = [rows[u] for u in bots if u in rows]
    # an account needs some posts before its rhythm means anything
    people = [r for u, r in rows.items() if u in ordinary and r["intervals"] >= 10]
    assert len(found) == len(bots) and len(people) >= 50

    def med(rs, key):
        return statistics.median(r[key] for r in rs if r[key] is not None)

    figures = {k: (med(found, k), med(people, k)) for k in (
        "posts", "interval_median", "interval_cv", "burstiness", "interval_entropy",
        "hour_entropy", "sleep_gap", "repost_share")}
    print(f"\n{len(found)} bots vs {len(people)} ordinary accounts with >= 10 gaps "
          f"(medians): " + "; ".join(f"{k} {a} vs {o}" for k, (a, o) in figures.items()))
    interval = truth["bots"]["parameters"]["interval_seconds"]
    jitter = truth["bots"]["parameters"]["jitter_seconds"]
    for r in found:  # the schedule: every interval +- 2 x jitter (two draws of the jitter)
        assert abs(r["interval_median"] - interval) <= 2 * jitter, r
        assert r["interval_cv"] < 0.1, r
        assert r["sleep_gap"] <= 1, r  # around the clock while active
    assert figures["interval_cv"][0] * 10 < figures["interval_cv"][1]
    assert figures["hour_entropy"][0] > figures["hour_entropy"][1]
    assert figures["sleep_gap"][0] < figures["sleep_gap"][1]
    assert figures["burstiness"][0] < -0.8 < figures["burstiness"][1]
    said = describe(bot_profile)
    assert any(x.startswith("posts around the clock") for x in said), said


# ---------------------------------------------------------------- engines


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_rows(hand):
    from tests.test_recovery_engines import utc_rows

    def run(engine):
        with store.tables(hand, engine) as b:
            return (utc_rows(b.to_pyarrow(behaviour(b).order_by("account"))),
                    utc_rows(b.to_pyarrow(profile_features(b).order_by("account"))),
                    profile(b, "@noon").as_dict())

    on_duck, on_spark = run("duckdb"), run("spark")
    assert len(on_duck[0]) == 4 and len(on_duck[1]) >= 4
    assert on_duck[0] == on_spark[0]
    assert on_duck[1] == on_spark[1]
    assert on_duck[2] == on_spark[2]
