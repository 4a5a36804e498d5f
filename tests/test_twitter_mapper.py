"""Twitter/X API v2 mapper: facts found by hand in real twarc payloads and in our own fixtures,
counts from a plain walk of the JSON compared with the mapper's output, and fuzzing."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint.errors import RejectedItem
from socmint.sources import twitter
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, json_with_keys, mutated, survives

P = "twitter:"
PAGE, FLAT = "twitter.v2_page", "twitter.v2_flat"
GONE = {"Not Found Error", "Authorization Error", "Forbidden"}
SHARED_PAGES = ["v2_twarc_brexit.jsonl", "v2_twarc_geo_tweets.jsonl", "v2_twarc_quoted_edit.jsonl",
                "v2_twarc_media_tweet.jsonl", "v2_twitwi_payload_geo.json"]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def load(path) -> list:
    """A .json file is one document; a .jsonl file is one document per line."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(raw)]
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def shared(name: str) -> list:
    return load(shared_fixture("twitter/" + name))


def own(name: str) -> list:
    return load(OWN_FIXTURES / "twitter" / name)


def mapped(item, fmt: str | None = None):
    """Map one item and check every table converts to Arrow with the model's types."""
    fmt = fmt or twitter.detect(item)
    assert fmt in (PAGE, FLAT)
    records = twitter.map_item(item, fmt)
    arrow_ok(records)
    return records


def of_kind(records, kind: str) -> list[dict]:
    return [i for i in records.tables["interactions"].values() if i["kind"] == kind]


# ---------------------------------------------------------------- plain JSON walks

def walk_page(page: dict) -> tuple[dict, dict]:
    """Tweets (data + includes.tweets) and users (includes.users + user data) by id."""
    data = page.get("data") or []
    data = [data] if isinstance(data, dict) else data
    inc = page.get("includes", {})
    tweets = {t["id"]: t for t in data + inc.get("tweets", []) if "text" in t}
    users = {u["id"]: u for u in inc.get("users", []) + [d for d in data if "username" in d]}
    return tweets, users


def walk_flat(line: dict) -> tuple[dict, dict]:
    """Tweets and users twarc's flatten inlined: author, reply user, mentions, referenced tweets."""
    tweets, users, todo = {}, {}, [line]
    while todo:
        t = todo.pop()
        tweets[t["id"]] = t
        for key in ("author", "in_reply_to_user"):
            if t.get(key):
                users[t[key]["id"]] = t[key]
        for m in t.get("entities", {}).get("mentions", []):
            if "name" in m:
                users[m["id"]] = m
        for ref in t.get("referenced_tweets", []):
            inner = ref.get("tweet") or (ref if "text" in ref else None)
            if inner:
                todo.append(inner)
    return tweets, users


def entity_lists(t: dict, kind: str) -> list:
    return t.get("entities", {}).get(kind, []) + t.get("note_tweet", {}).get("entities", {}).get(
        kind, [])


def refs_of(t: dict) -> dict:
    return {r["type"]: P + r["id"] for r in t.get("referenced_tweets", [])}


def media_link(u: dict) -> bool:
    return "media_key" in u or u.get("display_url", "").startswith("pic.twitter.com/")


def check_against_walk(records, tweets: dict, users: dict) -> None:
    """Everything a plain walk of the JSON finds, the mapper must have, and nothing else."""
    posts, accounts = records.tables["posts"], records.tables["accounts"]
    by_name = {u["username"].lower(): i for i, u in users.items()}

    for tid, t in tweets.items():
        p = posts[P + tid]
        refs = refs_of(t)
        assert p["account_uid"] == P + t["author_id"]
        assert p["created_at"] == datetime.fromisoformat(t["created_at"])
        assert p["text"] == html.unescape(t.get("note_tweet", {}).get("text") or t["text"])
        assert p["language"] == t.get("lang")
        assert p["reply_to"] == refs.get("replied_to")
        assert p["repost_of"] == refs.get("retweeted")
        assert p["quote_of"] == refs.get("quoted")
        assert p["conversation"] == P + t["conversation_id"]
        pm = t.get("public_metrics", {})
        assert (p["likes"], p["replies"], p["quotes"], p["views"]) == (
            pm.get("like_count"), pm.get("reply_count"), pm.get("quote_count"),
            pm.get("impression_count"))
        assert p["reposts"] == (None if "retweeted" in refs else pm.get("retweet_count"))
        name = users.get(t["author_id"], {}).get("username")
        assert p["url"] == (f"https://x.com/{name}/status/{tid}" if name
                            else f"https://x.com/i/status/{tid}")
    assert {u for u, p in posts.items() if not p.get("deleted")} == {P + i for i in tweets}

    full = {uid for uid, a in accounts.items() if a.get("display_name") is not None}
    assert full == {P + i for i in users}
    for i, u in users.items():
        a = accounts[P + i]
        pm = u.get("public_metrics", {})
        assert (a["handle"], a["display_name"], a["bio"]) == (
            u["username"], u["name"], u.get("description"))
        assert (a["followers"], a["following"], a["posts_count"]) == (
            pm.get("followers_count"), pm.get("following_count"), pm.get("tweet_count"))
        assert a["verified"] == u.get("verified")
        links = u.get("entities", {}).get("url", {}).get("urls", [])
        assert a["url"] == (links[0]["expanded_url"] if links else u.get("url"))

    ents = list(records.tables["entities"].values())
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "hashtag"} == {
        (P + tid, h["tag"].lower()) for tid, t in tweets.items()
        for h in entity_lists(t, "hashtags")}
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "mention"} == {
        (P + tid, m["username"].lower()) for tid, t in tweets.items()
        for m in entity_lists(t, "mentions")}
    assert {(e["post"], e["value"]) for e in ents if e["kind"] == "url"} == {
        (P + tid, u.get("expanded_url") or u["url"]) for tid, t in tweets.items()
        for u in entity_lists(t, "urls") if not media_link(u)}

    expected_media = {}
    for tid, t in tweets.items():
        owner = refs_of(t).get("retweeted") or P + tid  # a retweet shows the original's media
        for key in t.get("attachments", {}).get("media_keys", []):
            expected_media[P + key] = owner
    assert {uid: m["post"] for uid, m in records.tables["media"].items()} == expected_media

    for kind, ref in (("repost", "retweeted"), ("quote", "quoted")):
        assert {(i["post"], i["target_post"]) for i in of_kind(records, kind)} == {
            (P + tid, refs_of(t)[ref]) for tid, t in tweets.items() if ref in refs_of(t)}
    assert {(i["post"], i["target_post"]) for i in of_kind(records, "reply")} == {
        (P + tid, refs_of(t).get("replied_to")) for tid, t in tweets.items()
        if "replied_to" in refs_of(t) or "in_reply_to_user_id" in t}
    expected_mentions = set()
    for tid, t in tweets.items():
        if "retweeted" in refs_of(t):
            continue  # a retweet repeats the original's mentions; the retweeter wrote none
        for m in entity_lists(t, "mentions"):
            target = m.get("id") or by_name.get(m["username"].lower())
            expected_mentions.add((P + tid, P + target if target else None))
    assert {(i["post"], i["target"]) for i in of_kind(records, "mention")} == expected_mentions
    for i in records.tables["interactions"].values():
        if i["post"]:
            assert i["source"] == posts[i["post"]]["account_uid"]
            assert i["at"] == posts[i["post"]]["created_at"]


def check_tombstones(records, page: dict) -> None:
    gone = {(e["resource_type"], e.get("resource_id") or e["value"]) for e in page.get("errors", [])
            if e.get("title") in GONE}
    assert {uid for uid, p in records.tables["posts"].items() if p.get("deleted")} == {
        P + i for kind, i in gone if kind == "tweet"}
    assert {uid for uid, a in records.tables["accounts"].items() if a.get("deleted")} == {
        P + i for kind, i in gone if kind == "user" and i.isdigit()}


# ---------------------------------------------------------------- shared real payloads

@pytest.mark.parametrize("name", SHARED_PAGES)
def test_shared_pages_match_json_walk(name):
    for page in shared(name):
        assert twitter.detect(page) == PAGE
        records = mapped(page)
        tweets, users = walk_page(page)
        check_against_walk(records, tweets, users)
        check_tombstones(records, page)
        twarc = page.get("__twarc")
        assert records.retrieved_at == (
            datetime.fromisoformat(twarc["retrieved_at"]) if twarc else None)


def test_brexit_hand_facts():
    (page,) = shared("v2_twarc_brexit.jsonl")
    r = mapped(page)
    posts, accounts, media = r.tables["posts"], r.tables["accounts"], r.tables["media"]
    assert r.retrieved_at == utc(2021, 9, 22, 16, 38, 9)

    rt = posts[P + "1440716856763977732"]
    assert rt["account_uid"] == P + "4100727022"
    assert rt["repost_of"] == P + "1440713161355583489"
    assert rt["text"].startswith("RT @carolJhedges: . #BorisJohnson has revealed his favourite")
    assert rt["reposts"] is None and rt["likes"] == 0  # 22 is the original's retweet count
    assert rt["url"] == "https://x.com/jacquip537/status/1440716856763977732"
    original = posts[P + "1440713161355583489"]
    assert original["account_uid"] == P + "711945679" and original["reposts"] == 22
    carol = accounts[P + "711945679"]
    assert carol["handle"] == "carolJhedges" and carol["followers"] == 24922
    assert carol["url"] == "http://amazon.co.uk/Carol-Hedges/e/B0034PUES6"
    assert carol["created_at"] == utc(2012, 7, 23, 6, 48, 28)
    (repost,) = [i for i in of_kind(r, "repost") if i["post"] == rt["uid"]]
    assert repost["source"] == P + "4100727022" and repost["target"] == P + "711945679"
    assert not [i for i in of_kind(r, "mention") if i["post"] == rt["uid"]]
    assert P + "1440716856763977732|hashtag|borisjohnson" in r.tables["entities"]

    reply = posts[P + "1440716745577140229"]
    assert reply["reply_to"] == P + "1440621713281093641"
    assert reply["account_uid"] == P + "870028999"
    (ri,) = [i for i in of_kind(r, "reply") if i["post"] == reply["uid"]]
    assert ri["target"] == P + "1717521084"  # in_reply_to_user_id as the API states it
    gif = media[P + "16_1440716736051830786"]
    assert (gif["kind"], gif["post"]) == ("gif", reply["uid"])
    assert gif["preview_url"] == "https://pbs.twimg.com/tweet_video_thumb/E_50PPpUYAIE3uX.jpg"

    assert posts[P + "1440713966649417731"]["quote_of"] == P + "1440670794103754762"
    photo = media[P + "3_1440713949926727682"]
    assert photo["post"] == P + "1440713966649417731" and photo["kind"] == "photo"
    assert photo["alt_text"] == (
        "A long email from Green Energy - please request full text if required.")
    assert photo["url"] == "https://pbs.twimg.com/media/E_5xtEhVIAInx_o.jpg"
    assert (photo["width"], photo["height"]) == (854, 1757)
    # the retweet 1440715801820950541 carries this key; the photo belongs to the original
    assert media[P + "3_1440653504532549633"]["post"] == P + "1440653508089237514"
    # a place_id the page did not expand gives no place and no coordinates
    assert posts[P + "1440681702162984966"]["place"] is None
    assert posts[P + "1440681702162984966"]["lat"] is None

    data = page["data"]
    retweets = [t for t in data
                if any(x["type"] == "retweeted" for x in t.get("referenced_tweets", []))]
    assert len(retweets) == 67
    assert sum(1 for t in data if posts[P + t["id"]]["repost_of"]) == 67
    assert sum(1 for t in data if posts[P + t["id"]]["reply_to"]) == 10
    assert sum(1 for t in data if posts[P + t["id"]]["quote_of"]) == 11
    assert len({u["id"] for u in page["includes"]["users"]}) == 177
    hashtags = sum(len(t.get("entities", {}).get("hashtags", [])) for t in data)
    distinct = len({(t["id"], h["tag"].lower()) for t in data
                    for h in t.get("entities", {}).get("hashtags", [])})
    assert hashtags >= distinct == sum(1 for e in r.tables["entities"].values()
                                       if e["kind"] == "hashtag" and e["post"][len(P):] in
                                       {t["id"] for t in data})


def test_geo_tweets_point_and_place():
    first, second = shared("v2_twarc_geo_tweets.jsonl")
    p = mapped(first).tables["posts"][P + "1249702384659554308"]
    assert (p["lon"], p["lat"]) == (42.77810097, 88.01785747)  # GeoJSON [lon, lat]
    assert p["place"] is None and p["language"] == "pl"
    r1 = mapped(first)
    tags = [e for e in r1.tables["entities"].values() if e["kind"] == "hashtag"]
    assert len(tags) == 12  # 13 written, #harrypotter twice
    assert any(e["value"] == "zostańwdomu" for e in tags)

    r = mapped(second)
    p = r.tables["posts"][P + "1501963039859363843"]
    assert p["place"] == "Berlin, Germany"
    assert p["lat"] == pytest.approx((52.338079 + 52.675323) / 2)
    assert p["lon"] == pytest.approx((13.088304 + 13.760909) / 2)
    assert p["reply_to"] == P + "1501958949863661574"
    assert p["text"].endswith("Fields & Expansions, twarc does it for you: https://t.co/D8LLYXkHSm")
    (reply,) = of_kind(r, "reply")
    assert reply["target"] == P + "2919151"
    assert r.tables["accounts"][P + "2919151"]["handle"] == "j2bryson"
    assert r.tables["posts"][P + "1501958949863661574"]["account_uid"] == P + "2919151"
    assert {i["target"] for i in of_kind(r, "mention") if i["post"] == p["uid"]} == {
        P + "2919151", P + "783214"}
    assert r.tables["accounts"][P + "783214"]["verified"] is True


def test_quoted_edit_reply_and_quote():
    (page,) = shared("v2_twarc_quoted_edit.jsonl")
    r = mapped(page)
    p = r.tables["posts"][P + "1576995594388000768"]
    assert p["reply_to"] == P + "1576994789110992896"
    assert p["quote_of"] == P + "1576994746135764992"
    assert p["account_uid"] == P + "1494167419413094401"
    assert p["url"] == "https://x.com/dappdavid99/status/1576995594388000768"
    assert r.tables["accounts"][P + "337119125"]["url"] == "https://instagram.com/wongmjane"
    (quote,) = of_kind(r, "quote")
    assert quote["target"] == P + "337119125"
    # the quoted tweet's photo is not in includes.media: kind from the media_key prefix
    photo = r.tables["media"][P + "3_1576994475507077121"]
    assert photo["kind"] == "photo" and photo["url"] is None
    assert photo["post"] == P + "1576994746135764992"
    assert r.tables["posts"][P + "1576994789110992896"]["language"] == "qst"
    urls = [e["value"] for e in r.tables["entities"].values()
            if e["kind"] == "url" and e["post"] == P + "1576994746135764992"]
    assert urls == ["https://twitter.com/i/web/status/1576994746135764992"]  # photo link is media


def test_media_tweet_video_variant():
    (page,) = shared("v2_twarc_media_tweet.jsonl")
    r = mapped(page)
    v = r.tables["media"][P + "7_1558552952549277696"]
    assert v["kind"] == "video" and v["post"] == P + "1558553189766631429"
    assert v["url"].endswith("/vid/1280x720/WiZrNZKT2lMzK5zA.mp4?tag=12")  # highest bit rate
    assert v["preview_url"].endswith("/img/7VaQu-AvReI8RHkv.jpg")
    assert (v["width"], v["height"]) == (1280, 720)
    assert not [e for e in r.tables["entities"].values() if e["kind"] == "url"]
    igor = r.tables["accounts"][P + "495430242"]
    assert igor["url"] == "https://ukrainewar.carrd.co/" and igor["location"] == "Ireland"


def test_twitwi_retweet_mentions_resolved_by_username():
    (page,) = shared("v2_twitwi_payload_geo.json")
    r = mapped(page)
    assert r.retrieved_at is None
    rt = r.tables["posts"][P + "1382860305341030411"]
    assert rt["repost_of"] == P + "1382840699322732544"
    original = r.tables["posts"][P + "1382840699322732544"]
    assert (original["lat"], original["lon"]) == (25.7751, -80.1936)
    assert original["place"] == "Miami, FL"
    (repost,) = of_kind(r, "repost")
    assert repost["target"] == P + "1094092760"
    (mention,) = of_kind(r, "mention")  # mentions carry no id here: resolved via includes.users
    assert (mention["post"], mention["target"]) == (original["uid"], P + "1094092760")


def test_flat_lines_match_json_walk():
    lines = shared("v2_twarc_flat_first25.jsonl")
    assert len(lines) == 25
    counts = {"retweeted": 0, "replied_to": 0, "quoted": 0}
    for line in lines:
        assert twitter.detect(line) == FLAT
        r = mapped(line)
        check_against_walk(r, *walk_flat(line))
        assert r.retrieved_at == utc(2021, 4, 8, 19, 34, 32)
        top = r.tables["posts"][P + line["id"]]
        for kind, field in (("retweeted", "repost_of"), ("replied_to", "reply_to"),
                            ("quoted", "quote_of")):
            counts[kind] += top[field] is not None
    assert counts == {"retweeted": 11, "replied_to": 6, "quoted": 1}


def test_flat_hand_facts():
    lines = {line["id"]: line for line in shared("v2_twarc_flat_first25.jsonl")}
    r = mapped(lines["1380242611781386245"])
    p = r.tables["posts"][P + "1380242611781386245"]
    assert p["repost_of"] == P + "1380175475545362437"
    assert p["url"] == "https://x.com/Alexandravm12/status/1380242611781386245"
    assert r.tables["posts"][P + "1380175475545362437"]["account_uid"] == P + "2718660392"
    assert r.tables["accounts"][P + "2718660392"]["handle"] == "williamserafino"

    r = mapped(lines["1380242586288328707"])
    p = r.tables["posts"][P + "1380242586288328707"]
    assert p["reply_to"] == P + "1380229267770933248"
    assert p["account_uid"] == P + "1910479285"
    (reply,) = [i for i in of_kind(r, "reply") if i["post"] == p["uid"]]
    assert reply["target"] == P + "1142605723601264640"
    jack = r.tables["accounts"][P + "592730371"]  # a mention with the user merged in
    assert (jack["handle"], jack["followers"], jack["verified"]) == ("JackPosobiec", 1251434, True)
    assert jack["url"] == "http://AntifaMovie.com"
    # the parent's photo: twarc found no media object ({}), kind from the key prefix
    photo = r.tables["media"][P + "3_1380229264755154945"]
    assert (photo["kind"], photo["post"]) == ("photo", P + "1380229267770933248")


# ---------------------------------------------------------------- our own fixtures

def test_own_pages_match_json_walk():
    for page in own("v2_pages.jsonl") + own("v2_users_pages.jsonl"):
        assert twitter.detect(page) == PAGE
        r = mapped(page)
        check_against_walk(r, *walk_page(page))
        check_tombstones(r, page)


def test_own_flat_match_json_walk():
    for line in own("v2_flat.jsonl"):
        assert twitter.detect(line) == FLAT
        check_against_walk(mapped(line), *walk_flat(line))


def test_own_search_page_facts():
    page = own("v2_pages.jsonl")[0]
    r = mapped(page)
    posts, accounts, media = r.tables["posts"], r.tables["accounts"], r.tables["media"]
    assert r.retrieved_at == utc(2024, 5, 6, 7, 8, 9)

    t1 = posts[P + "2000000000000000001"]
    assert t1["text"].startswith("Cargo ship MV Example docked at pier 4 & unloading.")
    assert (t1["lat"], t1["lon"], t1["place"]) == (51.9244, 4.4783, "Rotterdam, The Netherlands")
    assert (t1["likes"], t1["reposts"], t1["replies"], t1["quotes"], t1["views"]) == (
        17, 5, 2, 1, 2345)
    assert t1["url"] == "https://x.com/harbour_watch/status/2000000000000000001"
    hw = accounts[P + "1000000000000000001"]
    assert hw["url"] == "https://harbour-watch.example.org/" and hw["verified"] is True
    assert hw["bio"] == "Ships & ports of the estuary. Tips by DM."
    t1_urls = {e["value"] for e in r.tables["entities"].values()
               if e["post"] == t1["uid"] and e["kind"] in ("url", "domain")}
    assert t1_urls == {"https://news.example.com/ships/42", "example.com"}

    photo, video = media[P + "3_3000000000000000001"], media[P + "7_3000000000000000002"]
    assert (photo["post"], photo["alt_text"]) == (t1["uid"], "Container ship alongside pier 4")
    assert video["url"].endswith("/1280x720/High.mp4")  # the highest mp4 bit rate
    assert video["preview_url"].endswith("Thumb.jpg")
    gif = media[P + "16_3000000000000000003"]
    assert (gif["kind"], gif["post"]) == ("gif", P + "2000000000000000004")
    assert gif["url"] == "https://video.twimg.com/tweet_video/GifLoop.mp4"

    t2 = posts[P + "2000000000000000002"]
    assert t2["reply_to"] == t1["uid"] and t2["place"] == "Rotterdam, The Netherlands"
    assert (t2["lat"], t2["lon"]) == pytest.approx((51.9, 4.4))  # centre of the place's box
    targets = {i["target"] for i in of_kind(r, "mention") if i["post"] == t2["uid"]}
    assert targets == {P + "1000000000000000001", P + "1000000000000000005", None}

    t3 = posts[P + "2000000000000000003"]
    assert t3["repost_of"] == t1["uid"] and t3["reposts"] is None
    assert t3["text"].endswith("https://t.co/Aaaa111101 h\u2026")
    (repost,) = of_kind(r, "repost")
    assert (repost["source"], repost["target"]) == (P + "1000000000000000003", hw["uid"])

    t4 = posts[P + "2000000000000000004"]
    assert t4["quote_of"] == t1["uid"]
    t4_urls = {e["value"] for e in r.tables["entities"].values()
               if e["post"] == t4["uid"] and e["kind"] == "url"}
    assert t4_urls == {"https://twitter.com/harbour_watch/status/2000000000000000001"}

    t5 = posts[P + "2000000000000000005"]
    assert t5["reply_to"] == P + "2000000000000000099" and t5["language"] == "und"
    assert posts[P + "2000000000000000099"]["deleted"] is True  # parent deleted
    suspended = accounts[P + "1000000000000000004"]
    assert suspended["deleted"] is True and suspended["handle"] == "seawall_fan"
    (reply5,) = [i for i in of_kind(r, "reply") if i["post"] == t5["uid"]]
    assert reply5["target"] == suspended["uid"]
    assert not [a for a in accounts.values() if a.get("handle") == "ghost_account"]

    t6 = posts[P + "2000000000000000006"]
    assert t6["text"].endswith("Tide data from @tide_tables. #Logistics")  # note_tweet text
    assert P + "2000000000000000006|hashtag|logistics" in r.tables["entities"]
    assert P + "2000000000000000000" not in posts  # an earlier edit version: not recorded


def test_own_error_and_empty_pages():
    errors_only, empty, single = own("v2_pages.jsonl")[1:]
    r = mapped(errors_only)
    assert {u: p["deleted"] for u, p in r.tables["posts"].items()} == {
        P + "2000000000000000077": True, P + "2000000000000000088": True}
    assert r.retrieved_at == utc(2024, 5, 7, 10, 0)
    r = mapped(empty)
    assert r.count() == 0 and r.retrieved_at == utc(2024, 5, 7, 10, 5)
    r = mapped(single)
    p = r.tables["posts"][P + "2000000000000000007"]
    assert p["text"] == "Port closed for storm tomorrow, stay safe <3 @harbour_watch"
    assert p["url"] == "https://x.com/MarinaMod/status/2000000000000000007"
    assert r.retrieved_at is None


def test_own_users_pages_follow_and_like():
    followers, following, liking, liked = own("v2_users_pages.jsonl")
    r = mapped(followers)
    assert {(i["source"], i["target"]) for i in of_kind(r, "follow")} == {
        (P + "1000000000000000011", P + "1000000000000000001"),
        (P + "1000000000000000012", P + "1000000000000000001")}
    assert r.tables["accounts"][P + "1000000000000000012"]["location"] == "Berth 12"
    assert r.tables["posts"][P + "2000000000000000011"]["account_uid"] == P + "1000000000000000011"
    r = mapped(following)
    (f,) = of_kind(r, "follow")
    assert (f["source"], f["target"]) == (P + "1000000000000000002", P + "1000000000000000001")
    r = mapped(liking)
    (like,) = of_kind(r, "like")
    assert (like["source"], like["target_post"]) == (P + "1000000000000000012",
                                                     P + "2000000000000000001")
    r = mapped(liked)
    (like,) = of_kind(r, "like")
    assert (like["source"], like["target"], like["target_post"]) == (
        P + "1000000000000000003", P + "1000000000000000001", P + "2000000000000000008")


def test_own_flat_facts():
    retweet, reply, quote = own("v2_flat.jsonl")
    r = mapped(retweet)
    assert r.tables["posts"][P + "2000000000000000003"]["repost_of"] == P + "2000000000000000001"
    t1 = r.tables["posts"][P + "2000000000000000001"]
    assert t1["place"] == "Rotterdam, The Netherlands" and t1["lat"] == 51.9244
    assert r.tables["media"][P + "3_3000000000000000001"]["post"] == t1["uid"]
    assert r.tables["accounts"][P + "1000000000000000002"]["display_name"] == "Quay Reporter"
    r = mapped(reply)
    p = r.tables["posts"][P + "2000000000000000002"]
    assert (p["lat"], p["lon"]) == pytest.approx((51.9, 4.4))
    (ri,) = of_kind(r, "reply")
    assert ri["target"] == P + "1000000000000000001"
    r = mapped(quote)
    p = r.tables["posts"][P + "2000000000000000009"]
    assert p["quote_of"] == P + "2000000000000000098" and p["url"].startswith("https://x.com/i/")
    assert r.tables["accounts"][P + "1000000000000000006"].get("handle") is None  # a stub
    photo = r.tables["media"][P + "3_3000000000000000009"]
    assert (photo["kind"], photo["url"]) == ("photo", None)


def test_retweet_without_its_original():
    """The original is not in the page: its media and author still come out of the retweet."""
    page = own("v2_pages.jsonl")[0]
    page["data"] = [t for t in page["data"] if t["id"] == "2000000000000000003"]
    page["includes"]["tweets"] = []
    r = mapped(page)
    assert P + "2000000000000000001" not in r.tables["posts"]
    assert r.tables["media"][P + "3_3000000000000000001"]["post"] == P + "2000000000000000001"
    (repost,) = of_kind(r, "repost")
    assert repost["target"] == P + "1000000000000000001"  # from "RT @harbour_watch:"


def test_flat_reference_under_tweet_key():
    """Some flatteners nest the referenced tweet under `tweet` instead of merging it."""
    line = own("v2_flat.jsonl")[0]
    merged = line["referenced_tweets"][0]
    line["referenced_tweets"] = [{"type": "retweeted", "id": merged["id"],
                                  "tweet": {k: v for k, v in merged.items() if k != "type"}}]
    r = mapped(line)
    check_against_walk(r, *walk_flat(line))
    assert r.tables["posts"][P + "2000000000000000001"]["account_uid"] == P + "1000000000000000001"


def test_deep_flat_nesting_is_not_recursion():
    line = own("v2_flat.jsonl")[2]
    top = line
    for n in range(3000):  # deeper than Python's recursion limit
        inner = {"type": "quoted", "id": str(10**12 + n), "text": "x", "author_id": "1"}
        top["referenced_tweets"] = [inner]  # twarc's merged form: the tweet is the reference
        top = inner
    assert len(mapped(line).tables["posts"]) == 3001


def test_rejections():
    with pytest.raises(RejectedItem):
        twitter.map_item([], PAGE)
    with pytest.raises(RejectedItem):
        twitter.map_item({"data": []}, "twitter.v1_status")
    with pytest.raises(RejectedItem):
        twitter.map_item({"data": [{"text": "no id", "author_id": "1"}]}, PAGE)
    with pytest.raises(RejectedItem):
        twitter.map_item({"data": [{"id": "1", "text": "x", "created_at": "yesterday"}]}, PAGE)


# ---------------------------------------------------------------- detection

def _items(path):
    """Every JSON value a file holds: documents, lines, and one level of their lists."""
    raw = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".js":
        docs = [json.loads(raw.split("=", 1)[1])]
    elif path.suffix == ".json":
        docs = [json.loads(raw)]
    else:
        docs = [json.loads(line) for line in raw.splitlines() if line.strip()]
    for doc in docs:
        yield doc
        if isinstance(doc, list):
            yield from doc
        elif isinstance(doc, dict):
            for v in doc.values():
                if isinstance(v, list):
                    yield from v
                elif isinstance(v, dict):
                    yield v


def test_detect_nothing_else_in_shared_fixtures():
    """Nothing outside the Twitter fixtures (and X captures) is a twitter format; no v1.1,
    archive or GraphQL payload is taken for v2 (those have tests of their own)."""
    shared_fixture("twitter/v2_twarc_brexit.jsonl")  # skips without ../shared
    seen = 0
    for path in sorted(SHARED_FIXTURES.rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".ndjson", ".js") or path.name.startswith("v2_"):
            continue
        ours = "twitter" in path.parts or path.name.startswith("x_twitter")
        for item in _items(path):
            seen += 1
            fmt = twitter.detect(item)
            if ours:
                assert fmt not in (PAGE, FLAT), (path.name, str(item)[:200])
            else:
                assert fmt is None, (path.name, str(item)[:200])
    assert seen > 500


def test_detect_lookalikes():
    assert twitter.detect({"id": 1, "id_str": "1", "text": "v1.1", "user": {"id_str": "2"},
                           "created_at": "Wed Oct 10 20:19:24 +0000 2018"}) == "twitter.v1_status"
    assert twitter.detect({"id": "109", "uri": "https://m.example/statuses/109", "text": "x",
                           "content": "<p>x</p>", "account": {"id": "1", "acct": "a"},
                           "visibility": "public"}) is None
    assert twitter.detect({"did": "did:plc:x", "time_us": 1, "kind": "commit"}) is None
    assert twitter.detect({"kind": "Listing", "data": {"children": []}}) is None
    counts = {"data": [{"start": "2024-01-01T00:00:00.000Z", "tweet_count": 3}]}  # twarc2 counts
    assert twitter.detect(counts) is None
    assert twitter.detect({"data": []}) is None
    assert twitter.detect({"id": "1", "text": "no author, no twarc"}) is None
    assert twitter.detect({"data": [], "meta": {"result_count": 0}}) == PAGE
    assert twitter.detect({"id": "1", "text": "x", "author_id": "2"}) == FLAT


JSON = json_with_keys(["data", "includes", "errors", "meta", "__twarc", "id", "text", "author",
                       "author_id", "username", "url", "type", "title", "resource_type", "x"],
                      text_size=8, dict_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_detect_never_raises(value):
    assert twitter.detect(value) in (None, PAGE, FLAT)


# ---------------------------------------------------------------- fuzzing the mapper

def _fuzz_payloads() -> list:
    """Small real payloads (brexit cut down in memory: mutation only reaches 5 list items)."""
    items = []
    if (SHARED_FIXTURES / "twitter").exists():
        (brexit,) = shared("v2_twarc_brexit.jsonl")
        brexit["data"] = brexit["data"][:8]
        brexit["includes"] = {k: v[:8] for k, v in brexit["includes"].items()}
        items.append(brexit)
        for name in SHARED_PAGES[1:]:
            items += shared(name)
        items += shared("v2_twarc_flat_first25.jsonl")[:4]
    items += own("v2_pages.jsonl") + own("v2_users_pages.jsonl") + own("v2_flat.jsonl")
    return [(twitter.detect(item), item) for item in items]


FUZZ = _fuzz_payloads()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZ).flatmap(lambda fi: st.tuples(st.just(fi[0]), mutated(fi[1]))))
def test_fuzz_map_item(case):
    fmt, item = case
    assert survives(twitter, item, fmt) in (None, PAGE, FLAT)
