"""Twitter/X API v1.1, account archive and web GraphQL: facts found by hand in real payloads and in
our own fixtures, a plain walk of the JSON compared with the mapper's output, one tweet seen
through every format giving one record, detection over every other fixture, and fuzzing."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint.errors import RejectedItem
from socmint.sources import twitter
from socmint.sources.common import ArchivePart
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, json_with_keys, mutated, survives

P = "twitter:"
STATUS, STATUSES, SEARCH = "twitter.v1_status", "twitter.v1_statuses", "twitter.v1_search"
USER, USERS, DELETE = "twitter.v1_user", "twitter.v1_users", "twitter.v1_delete"
GQL = "twitter.graphql_tweet"
PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}
GONE = ("TweetTombstone", "TweetUnavailable")
OWNER = {"id": "112769581", "username": "andreruffert"}  # account.js of the shared archive
HARBOUR = {"id": "1000000000000000001", "username": "harbour_watch"}  # our own archive
QUOTE_LINK = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:\w{1,50}|i/web)"
                        r"/status(?:es)?/(\d{1,20})/?(?:\?[^#]*)?(?:#.*)?")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def load(path) -> list:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(raw)]
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def shared(name: str) -> list:
    return load(shared_fixture("twitter/" + name))


def own(name: str) -> list:
    return load(OWN_FIXTURES / "twitter" / name)


def ytd(path, owner) -> ArchivePart:
    """What the import pipeline hands over for one archive file: the wrapper stripped."""
    raw = path.read_text(encoding="utf-8-sig")
    m = re.match(r"window\.YTD\.(\w+)\.part(\d+) = ", raw)
    return ArchivePart(name=m[1], part=int(m[2]), items=json.loads(raw[m.end():]), owner=owner)


def shared_part(name: str, owner=OWNER) -> ArchivePart:
    return ytd(shared_fixture(f"twitter/archive/{name}.js"), owner)


def own_part(name: str, owner=HARBOUR) -> ArchivePart:
    return ytd(OWN_FIXTURES / "twitter" / "archive" / f"{name}.js", owner)


def graphql_lines() -> list:
    return [line["data"] for line in load(shared_fixture(
        "zeeschuimer/x_twitter_graphql_search.ndjson"))]


def mapped(item, fmt: str | None = None):
    fmt = fmt or twitter.detect(item)
    assert fmt is not None
    records = twitter.map_item(item, fmt)
    arrow_ok(records)
    return records


def of_kind(records, kind: str) -> list[dict]:
    return [i for i in records.tables["interactions"].values() if i["kind"] == kind]


def rows(records, table: str, **match) -> list[dict]:
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in match.items())]


def num(v):
    return None if v is None else int(v)


def uid(nid):
    return P + nid if nid else None


# ---------------------------------------------------------------- plain JSON walks
# Each walk reads the raw JSON its own way and says what every tweet must become:
# {id: {author, handle, text, created, lang, reply_to, reply_user, retweet, repost_of,
#       repost_target, quote_of, likes, reposts, replies, quotes, views, conversation,
#       entities: [entity objects], media: {uid: post id}, place, point}}

def _point(s: dict):
    c = (s.get("coordinates") or {}).get("coordinates")  # GeoJSON: [lon, lat]
    g = (s.get("geo") or {}).get("coordinates")  # the deprecated form: [lat, lon]
    return (float(c[1]), float(c[0])) if c else (float(g[0]), float(g[1])) if g else None


def walk_v1(items: list) -> tuple[dict, dict]:
    """v1.1 statuses (and the ones they carry) and user objects, by id."""
    tweets, users, todo = {}, {}, list(items)
    while todo:
        s = todo.pop()
        ext = s.get("extended_tweet") or {}
        src = ext if "full_text" in ext else s
        ents = src.get("entities") or {}
        rs, qs = s.get("retweeted_status"), s.get("quoted_status")
        todo += [x for x in (rs, qs) if x]
        u = s["user"]
        if "screen_name" in u:
            users[u["id_str"]] = v1_user(u)
        media = (src.get("extended_entities") or {}).get("media") or ents.get("media") or []
        owner = rs["id_str"] if rs else s["id_str"]
        tweets[s["id_str"]] = dict(
            author=u["id_str"], handle=u.get("screen_name"),
            text=src.get("full_text") or s["text"], created=s["created_at"], lang=s.get("lang"),
            reply_to=s.get("in_reply_to_status_id_str"),
            reply_user=s.get("in_reply_to_user_id_str"), retweet=bool(rs),
            repost_of=rs and rs["id_str"], repost_target=rs and rs["user"]["id_str"],
            quote_of=None if rs else s.get("quoted_status_id_str"),
            likes=s.get("favorite_count"), reposts=None if rs else s.get("retweet_count"),
            replies=s.get("reply_count"), quotes=s.get("quote_count"), views=None,
            conversation=None, entities=[ents],
            media={P + PREFIX[m["type"]] + "_" + m["id_str"]: owner for m in media},
            place=(s.get("place") or {}).get("full_name"), point=_point(s),
            box=((s.get("place") or {}).get("bounding_box") or {}).get("coordinates"))
    return tweets, users


def v1_user(u: dict) -> dict:
    links = ((u.get("entities") or {}).get("url") or {}).get("urls") or []
    return dict(handle=u["screen_name"], name=u["name"], bio=u.get("description"),
                location=u.get("location"), followers=u.get("followers_count"),
                following=u.get("friends_count"), posts=u.get("statuses_count"),
                verified=u.get("verified"), created=u.get("created_at"),
                url=links[0]["expanded_url"] if links else u.get("url"),
                avatar=u.get("profile_image_url_https"))


def walk_archive(items: list, owner: dict | None) -> dict:
    """Archive tweets: the owner is the author; retweets and quotes only show in text and links."""
    tweets = {}
    for item in items:
        t = item["tweet"]
        ents = t["entities"]
        media = (t.get("extended_entities") or {}).get("media") or ents.get("media") or []
        rt = re.match(r"RT @(\w{1,50}):", t["full_text"])
        target = quote = None
        post = t["id_str"]
        if rt:
            target = next((m["id_str"] for m in ents["user_mentions"]
                           if m["screen_name"].lower() == rt[1].lower()), None)
            sources = {m.get("source_status_id_str") for m in media}
            if len(sources) == 1 and None not in sources:
                post = sources.pop()
        else:
            for u in ents["urls"]:
                m = QUOTE_LINK.fullmatch(u["expanded_url"])
                if m and m[1] != t["id_str"]:
                    quote = m[1]  # the last one wins
        tweets[t["id_str"]] = dict(
            author=owner and owner["id"], handle=owner and owner["username"],
            text=t["full_text"], created=t["created_at"], lang=t.get("lang"),
            reply_to=t.get("in_reply_to_status_id_str"),
            reply_user=t.get("in_reply_to_user_id_str"), retweet=bool(rt), repost_of=None,
            repost_target=target, quote_of=quote, likes=t.get("favorite_count"),
            reposts=None if rt else t.get("retweet_count"), replies=None, quotes=None,
            views=None, conversation=None, entities=[ents],
            media={P + PREFIX[m["type"]] + "_" + m["id_str"]: post for m in media},
            place=None, point=None, box=None)
    return tweets


def _result(container, key):
    return ((container or {}).get(key) or {}).get("result") or {}


def _unwrap(t: dict) -> dict:
    while t.get("__typename") == "TweetWithVisibilityResults":
        t = t["tweet"]
    return t


def walk_graphql(datas: list) -> tuple[dict, dict]:
    tweets, users, todo = {}, {}, list(datas)
    while todo:
        t = _unwrap(todo.pop())
        if t.get("__typename") in GONE:
            continue
        leg = t["legacy"]
        u = t["core"]["user_results"]["result"]
        users[u["rest_id"]] = graphql_user(u)
        rt = _unwrap(_result(leg, "retweeted_status_result"))
        q = _unwrap(_result(t, "quoted_status_result"))
        if rt:
            todo.append(rt)
        if q and q.get("__typename") not in GONE:
            todo.append(q)
        note = _result(t.get("note_tweet"), "note_tweet_results")
        ents = [leg["entities"]] + ([note["entity_set"]] if "entity_set" in note else [])
        media = (leg.get("extended_entities") or {}).get("media") or []
        views = (t.get("views") or {}).get("count")
        tweets[t["rest_id"]] = dict(
            author=u["rest_id"], handle=users[u["rest_id"]]["handle"],
            text=note.get("text") or leg["full_text"], created=leg["created_at"],
            lang=leg.get("lang"), reply_to=leg.get("in_reply_to_status_id_str"),
            reply_user=leg.get("in_reply_to_user_id_str"), retweet=bool(rt),
            repost_of=rt and rt["rest_id"],
            repost_target=rt and rt["core"]["user_results"]["result"]["rest_id"],
            quote_of=None if rt else (leg.get("quoted_status_id_str") or q.get("rest_id")),
            likes=leg.get("favorite_count"), reposts=None if rt else leg.get("retweet_count"),
            replies=leg.get("reply_count"), quotes=leg.get("quote_count"), views=views,
            conversation=leg.get("conversation_id_str"), entities=ents,
            media={P + m["media_key"]: rt["rest_id"] if rt else t["rest_id"] for m in media},
            place=(leg.get("place") or {}).get("full_name"), point=_point(leg),
            box=((leg.get("place") or {}).get("bounding_box") or {}).get("coordinates"))
    return tweets, users


def graphql_user(u: dict) -> dict:
    leg, core = u.get("legacy", {}), u.get("core", {})
    links = ((leg.get("entities") or {}).get("url") or {}).get("urls") or []
    marks = [leg.get("verified"), (u.get("verification") or {}).get("verified"),
             u.get("is_blue_verified")]
    return dict(handle=core.get("screen_name") or leg.get("screen_name"),
                name=core.get("name") or leg.get("name"), bio=leg.get("description"),
                location=(u.get("location") or {}).get("location") or leg.get("location"),
                followers=leg.get("followers_count"), following=leg.get("friends_count"),
                posts=leg.get("statuses_count"), verified=any(m is True for m in marks),
                created=core.get("created_at") or leg.get("created_at"),
                url=links[0]["expanded_url"] if links else leg.get("url"),
                avatar=(u.get("avatar") or {}).get("image_url")
                or leg.get("profile_image_url_https"))


def check(records, tweets: dict, users: dict) -> None:
    """Everything a plain walk finds, the mapper must have, and no other live post."""
    posts, accounts = records.tables["posts"], records.tables["accounts"]
    assert {u for u, p in posts.items() if not p.get("deleted")} == {P + i for i in tweets}
    for tid, t in tweets.items():
        p = posts[P + tid]
        assert p["account_uid"] == uid(t["author"])
        assert p["text"] == html.unescape(t["text"])
        assert p["created_at"] == parsedate_to_datetime(t["created"])
        assert p["language"] == t["lang"]
        assert (p["reply_to"], p["repost_of"], p["quote_of"]) == (
            uid(t["reply_to"]), uid(t["repost_of"]), uid(t["quote_of"]))
        assert p["conversation"] == uid(t["conversation"])
        assert (p["likes"], p["reposts"], p["replies"], p["quotes"], p["views"]) == tuple(
            num(t[k]) for k in ("likes", "reposts", "replies", "quotes", "views"))
        assert p["url"] == f"https://x.com/{t['handle'] or 'i'}/status/{tid}"
        assert p["place"] == t["place"]
        if t["point"]:
            assert (p["lat"], p["lon"]) == t["point"]
        elif t["box"]:  # no exact point: the middle of the place's box
            lons = [c[0] for c in t["box"][0]]
            lats = [c[1] for c in t["box"][0]]
            if max(lons) - min(lons) < 180:  # across the antimeridian: a hand-checked case
                assert (p["lat"], p["lon"]) == pytest.approx(
                    ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2))
        else:
            assert p["lat"] is None and p["lon"] is None

    ents = list(records.tables["entities"].values())
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "hashtag"} == {
        (P + i, h["text"].lower()) for i, t in tweets.items() for es in t["entities"]
        for h in es.get("hashtags", [])}
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "mention"} == {
        (P + i, m["screen_name"].lower()) for i, t in tweets.items() for es in t["entities"]
        for m in es.get("user_mentions", [])}
    assert {(e["post"], e["value"]) for e in ents if e["kind"] == "url"} == {
        (P + i, u["expanded_url"]) for i, t in tweets.items() for es in t["entities"]
        for u in es.get("urls", []) if not u.get("display_url", "").startswith("pic.")}
    assert {u: m["post"] for u, m in records.tables["media"].items()} == {
        k: P + post for t in tweets.values() for k, post in t["media"].items()}

    assert {(i["post"], i["target_post"], i["target"]) for i in of_kind(records, "reply")} == {
        (P + i, uid(t["reply_to"]), uid(t["reply_user"])) for i, t in tweets.items()
        if t["reply_to"] or t["reply_user"]}
    assert {(i["post"], i["target_post"], i["target"]) for i in of_kind(records, "repost")} == {
        (P + i, uid(t["repost_of"]), uid(t["repost_target"])) for i, t in tweets.items()
        if t["retweet"]}
    assert {(i["post"], i["target_post"]) for i in of_kind(records, "quote")} == {
        (P + i, P + t["quote_of"]) for i, t in tweets.items() if t["quote_of"]}
    assert {(i["post"], i["target"]) for i in of_kind(records, "mention")} == {
        (P + i, uid(m.get("id_str"))) for i, t in tweets.items() if not t["retweet"]
        for es in t["entities"] for m in es.get("user_mentions", [])}
    for i in records.tables["interactions"].values():
        if i["post"]:
            assert i["source"] == posts[i["post"]]["account_uid"]
            assert i["at"] == posts[i["post"]]["created_at"]

    for nid, u in users.items():
        a = accounts[P + nid]  # a stub seen first has no key for what the full record lacks
        assert (a["handle"], a["display_name"], a.get("bio"), a.get("location")) == (
            u["handle"], u["name"], u["bio"], u["location"])
        assert (a["followers"], a["following"], a["posts_count"]) == (
            u["followers"], u["following"], u["posts"])
        assert (a["verified"], a.get("url"), a["avatar_url"]) == (
            u["verified"], u["url"], u["avatar"])
        assert a["created_at"] == parsedate_to_datetime(u["created"])


def tally(tweets: dict) -> dict:
    """Per-kind counts, from the walk alone."""
    return {
        "replies": sum(bool(t["reply_to"]) for t in tweets.values()),
        "retweets": sum(t["retweet"] for t in tweets.values()),
        "quotes": sum(bool(t["quote_of"]) for t in tweets.values()),
        "with_mentions": sum(any(es.get("user_mentions") for es in t["entities"])
                             for t in tweets.values()),
        "hashtags": sum(len(es.get("hashtags", [])) for t in tweets.values()
                        for es in t["entities"]),
        "urls": len({(i, u["expanded_url"]) for i, t in tweets.items() for es in t["entities"]
                     for u in es.get("urls", []) if not u["display_url"].startswith("pic.")}),
        "media": len({k for t in tweets.values() for k in t["media"]}),  # shown by them
        "places": sum(bool(t["place"]) for t in tweets.values()),
    }


def mapped_tally(records, ids) -> dict:
    """The same counts, from the mapper's output for the posts `ids`."""
    posts = [records.tables["posts"][P + i] for i in ids]
    reposts = {i["post"] for i in of_kind(records, "repost")}
    ents = [e for e in records.tables["entities"].values() if e["post"][len(P):] in ids]
    return {
        "replies": sum(bool(p["reply_to"]) for p in posts),
        "retweets": sum(p["uid"] in reposts for p in posts),
        "quotes": sum(bool(p["quote_of"]) for p in posts),
        "with_mentions": len({e["post"] for e in ents if e["kind"] == "mention"}),
        "hashtags": sum(e["kind"] == "hashtag" for e in ents),
        "urls": sum(e["kind"] == "url" for e in ents),
        # shown by them: their own, a retweet's original's, or of a status not in the item
        "media": sum(1 for m in records.tables["media"].values()
                     if m["post"] in {p["uid"] for p in posts} | {p["repost_of"] for p in posts}
                     or m["post"] not in records.tables["posts"]),
        "places": sum(bool(p["place"]) for p in posts),
    }


# ---------------------------------------------------------------- v1.1: shared real payloads

def test_v1_streaming_lines():
    lines = shared("v1_1_streaming_lines.jsonl")
    assert len(lines) == 72
    top = set()
    for line in lines:
        assert twitter.detect(line) == STATUS
        r = mapped(line)
        check(r, *walk_v1([line]))
        assert r.retrieved_at == datetime.fromtimestamp(int(line["timestamp_ms"]) / 1000, UTC)
        top.add(line["id_str"])
    by_id = {line["id_str"]: line for line in lines}
    # hand counts of this file (SOURCES.md): 33 replies, 8 quotes, 4 places, 1 exact point
    raw = {"replies": sum(bool(s["in_reply_to_status_id_str"]) for s in lines),
           "quotes": sum("quoted_status_id_str" in s for s in lines),
           "places": sum(bool(s["place"]) for s in lines),
           "points": sum(bool(s["coordinates"]) for s in lines)}
    assert raw == {"replies": 33, "quotes": 8, "places": 4, "points": 1}

    # compat mode: truncated text + extended_tweet; the full text and its entities win
    r = mapped(by_id["972472958596866048"])
    p = r.tables["posts"][P + "972472958596866048"]
    assert p["text"].endswith("\u00a0#Quran") and "\u2026" not in p["text"]
    assert [e["value"] for e in rows(r, "entities", kind="hashtag")] == ["Quran"]
    assert not rows(r, "entities", kind="url")  # the "i/web/status" link of the cut text
    assert p["account_uid"] == P + "395453797" and p["language"] == "ar"
    assert (p["likes"], p["reposts"], p["replies"], p["quotes"]) == (0, 0, 0, 0)

    r = mapped(by_id["972472958601056256"])
    assert r.tables["posts"][P + "972472958601056256"]["quote_of"] == P + "972472152447438859"
    (q,) = of_kind(r, "quote")
    assert q["target_post"] == P + "972472152447438859"
    assert P + "972472152447438859" in r.tables["posts"]  # quoted_status mapped as a post

    point = next(s for s in lines if s["coordinates"])
    p = mapped(point).tables["posts"][P + point["id_str"]]
    assert (p["lat"], p["lon"], p["place"]) == (41.3909139, -72.8595447, "North Haven, CT")

    knox = next(s for s in lines if (s["place"] or {}).get("full_name") == "Knoxville, TN")
    p = mapped(knox).tables["posts"][P + knox["id_str"]]
    assert (p["lat"], p["lon"]) == pytest.approx(((35.831436 + 36.133505) / 2,
                                                  (-84.19397 + -83.733713) / 2))


def test_v1_home_timeline_retweets():
    (timeline,) = shared("v1_1_home_timeline.json")
    assert twitter.detect(timeline) == STATUSES
    r = mapped(timeline)
    tweets, users = walk_v1(timeline)
    check(r, tweets, users)
    ids = [s["id_str"] for s in timeline]
    assert tally({i: tweets[i] for i in ids}) == mapped_tally(r, ids) == {
        "replies": 0, "retweets": 14, "quotes": 0, "with_mentions": 14, "hashtags": 2,
        "urls": 10, "media": 5, "places": 0}

    rt = r.tables["posts"][P + "674674925823787008"]
    assert rt["text"] == "RT @pattymo: I could watch this for hours and I might https://t.co/rIgO3E2mqI"
    assert rt["repost_of"] == P + "674659346127679488" and rt["reposts"] is None
    assert rt["url"] == "https://x.com/__jcbl__/status/674674925823787008"
    original = r.tables["posts"][P + "674659346127679488"]
    assert (original["account_uid"], original["reposts"], original["likes"]) == (
        P + "2328421", 2358, 2517)
    (repost,) = [i for i in of_kind(r, "repost") if i["post"] == rt["uid"]]
    assert (repost["source"], repost["target"]) == (P + "372018022", P + "2328421")
    assert not [i for i in of_kind(r, "mention") if i["post"] == rt["uid"]]
    gif = r.tables["media"][P + "16_674659173825560576"]
    assert (gif["kind"], gif["post"]) == ("gif", original["uid"])
    assert gif["url"] == "https://pbs.twimg.com/tweet_video/CVze8bBUwAAPYRz.mp4"
    video = r.tables["media"][P + "7_669435299068575744"]
    assert video["url"].endswith("/vid/626x360/cNuvl8oZp-ju13xw.mp4")  # the only mp4
    jcbl = r.tables["accounts"][P + "372018022"]
    assert jcbl["url"] == "http://iseverythingstilltheworst.com"  # expanded, not t.co
    assert (jcbl["followers"], jcbl["following"], jcbl["posts_count"]) == (50, 285, 311)

    # a retweet of a quote: the quote belongs to the original, not to the retweet
    wrapper = r.tables["posts"][P + "668246004051873793"]
    assert wrapper["repost_of"] == P + "668245508411006977" and wrapper["quote_of"] is None
    assert r.tables["posts"][P + "668245508411006977"]["quote_of"] == P + "668239849581903872"


def test_v1_mentions_timeline_replies_quotes_place():
    (timeline,) = shared("v1_1_mentions_timeline.json")
    r = mapped(timeline, STATUSES)
    tweets, users = walk_v1(timeline)
    check(r, tweets, users)
    ids = [s["id_str"] for s in timeline]
    assert tally({i: tweets[i] for i in ids}) == mapped_tally(r, ids) == {
        "replies": 13, "retweets": 0, "quotes": 2, "with_mentions": 19, "hashtags": 1,
        "urls": 7, "media": 3, "places": 1}

    p = r.tables["posts"][P + "676148312349609985"]
    assert p["text"] == "@himawari8bot This can't REAL"
    assert p["reply_to"] == P + "676147040917790724"
    (reply,) = [i for i in of_kind(r, "reply") if i["post"] == p["uid"]]
    assert reply["target"] == P + "4040207472"
    assert r.tables["accounts"][P + "4040207472"]["handle"] == "himawari8bot"
    # a manual "RT @...:" that is a reply, not a retweet: no repost
    manual = r.tables["posts"][P + "669254143429754881"]
    assert manual["text"].startswith("RT @himawari8bot:") and manual["repost_of"] is None
    assert manual["place"] == "Altamura, Puglia"
    assert (manual["lat"], manual["lon"]) == pytest.approx(
        ((40.7246592 + 40.9785106) / 2, (16.3437833 + 16.6983477) / 2))
    q = r.tables["posts"][P + "674691080227540993"]
    assert q["quote_of"] == P + "674686215954808832"
    (quote,) = [i for i in of_kind(r, "quote") if i["post"] == q["uid"]]
    assert quote["target"] == P + "20060293"  # NASAGoddard, from quoted_status.user


def test_v1_search_geocode():
    (page,) = shared("v1_1_search_geocode.json")
    assert twitter.detect(page) == SEARCH
    r = mapped(page)
    tweets, users = walk_v1(page["statuses"])
    check(r, tweets, users)
    ids = [s["id_str"] for s in page["statuses"]]
    assert len(ids) == 15
    assert sum(bool(s["coordinates"]) for s in page["statuses"]) == 14
    assert tally({i: tweets[i] for i in ids}) == mapped_tally(r, ids)
    assert sum(r.tables["posts"][P + i]["lat"] is not None for i in ids) == 14
    assert r.retrieved_at is None  # search_metadata says nothing about when


def test_v1_extended_mode_status():
    (status,) = shared("v1_1_status_extended_mode.json")
    assert twitter.detect(status) == STATUS
    r = mapped(status)
    check(r, *walk_v1([status]))
    p = r.tables["posts"][P + "782737772490600448"]
    assert p["text"] == status["full_text"] and p["text"].endswith("https://t.co/JWSPztfoyt")
    assert p["created_at"] == utc(2016, 10, 3, 0, 23, 22) and (p["likes"], p["reposts"]) == (0, 0)
    (photo,) = r.tables["media"].values()
    assert photo["uid"] == P + "3_782737766455119872" and photo["kind"] == "photo"
    assert photo["url"] == "https://pbs.twimg.com/media/CtzX2fnXEAAMAjK.jpg"
    assert photo["width"] is None  # v1.1 sizes are renditions, not the original
    a = r.tables["accounts"][P + "4012966701"]
    assert (a["handle"], a["followers"], a["following"], a["posts_count"]) == (
        "notinourselves", 1, 2, 84)
    assert a["url"] is None and a["created_at"] == utc(2015, 10, 21, 23, 53, 4)


def test_v1_users_lookup():
    (users,) = shared("v1_1_users_lookup_twitwi.json")
    assert twitter.detect(users) == USERS
    assert twitter.detect(users[0]) == USER
    r = mapped(users)
    assert set(r.tables["accounts"]) == {P + u["id_str"] for u in users}
    for u in users:
        a = r.tables["accounts"][P + u["id_str"]]
        expected = v1_user(u)
        assert (a["handle"], a["followers"], a["url"]) == (
            expected["handle"], expected["followers"], expected["url"])
    b = r.tables["accounts"][P + "897889083170672642"]
    assert (b["handle"], b["location"], b["url"]) == ("boogheta", "Paris, France",
                                                      "https://github.com/RouxRC")
    assert (b["followers"], b["following"], b["posts_count"]) == (729, 475, 3452)
    assert b["created_at"] == utc(2017, 8, 16, 18, 33, 34) and b["verified"] is False
    assert not r.tables["posts"]


# ---------------------------------------------------------------- archive: shared real files

def test_archive_tweets():
    part = shared_part("tweets")
    assert twitter.detect(part) == "twitter.archive_tweets"
    r = mapped(part)
    tweets = walk_archive(part["items"], OWNER)
    check(r, tweets, {})
    ids = list(tweets)
    assert len(ids) == 60
    assert tally(tweets) == mapped_tally(r, ids)
    # hand counts (SOURCES.md): 29 retweets by "RT @" text, 11 replies; 11 tweets link a
    # status, 3 of them retweets (whose links are the original's): 8 quotes
    assert tally(tweets)["retweets"] == 29 and tally(tweets)["replies"] == 11
    links = [t for t in part["items"] if any("/status/" in u["expanded_url"]
                                             for u in t["tweet"]["entities"]["urls"])]
    assert len(links) == 11 and tally(tweets)["quotes"] == 8
    me = r.tables["accounts"][P + "112769581"]
    assert me["handle"] == "andreruffert"

    p = r.tables["posts"][P + "1588091220244369409"]
    assert p["text"] == "Good morning #LeadDevBerlin \U0001f44b https://t.co/p5Z1ebhgmy"
    assert (p["likes"], p["reposts"], p["replies"]) == (5, 1, None)  # strings in the file
    assert p["url"] == "https://x.com/andreruffert/status/1588091220244369409"
    assert r.tables["media"][P + "3_1588091211012767744"]["post"] == p["uid"]
    reply = r.tables["posts"][P + "1587920147083591680"]
    assert reply["reply_to"] == P + "1587919612078739456"
    (ri,) = [i for i in of_kind(r, "reply") if i["post"] == reply["uid"]]
    assert (ri["source"], ri["target"]) == (P + "112769581", P + "117538605")
    quote = r.tables["posts"][P + "1471101160983568385"]
    assert quote["quote_of"] == P + "1471087623200460809" and quote["language"] == "qst"
    rt = r.tables["posts"][P + "879292496907563008"]
    assert rt["repost_of"] is None and rt["reposts"] is None
    (repost,) = [i for i in of_kind(r, "repost") if i["post"] == rt["uid"]]
    assert (repost["target"], repost["target_post"]) == (P + "1038766608", None)  # @moroshko
    gif = r.tables["media"][P + "16_878792590291644417"]
    assert (gif["kind"], gif["post"]) == ("gif", P + "878792988066893824")  # source_status_id
    assert gif["url"] == "https://video.twimg.com/tweet_video/DDIZNG-UMAEZDEg.mp4"
    # the retweet that links a status is not a quote: the link is the original's
    assert r.tables["posts"][P + "1310922373613449216"]["quote_of"] is None


def test_archive_without_owner():
    part = shared_part("tweets", owner=None)
    r = mapped(part)
    check(r, walk_archive(part["items"], None), {})
    assert all(p["account_uid"] is None for p in r.tables["posts"].values())
    assert r.tables["posts"][P + "1588091220244369409"]["url"] == (
        "https://x.com/i/status/1588091220244369409")
    for name in ("profile", "follower", "following"):
        with pytest.raises(RejectedItem, match="owner"):
            twitter.map_item(shared_part(name, owner=None), f"twitter.archive_{name}")
    r = mapped(shared_part("like", owner=None))
    assert len(r.tables["posts"]) == 20 and not r.tables["interactions"]


def test_archive_account_profile_follows_likes():
    r = mapped(shared_part("account"))
    (a,) = r.tables["accounts"].values()
    assert (a["uid"], a["handle"], a["display_name"]) == (
        P + "112769581", "andreruffert", "Andr\u00e9 Ruffert")
    assert a["created_at"] == utc(2010, 2, 9, 17, 10, 5)

    r = mapped(shared_part("profile"))
    (a,) = r.tables["accounts"].values()
    assert a["bio"].startswith("\U0001f468\u200d\U0001f4bb Self-taught Software Engineer")
    assert (a["url"], a["location"]) == ("https://andreruffert.com", "Berlin, Germany")
    assert a.get("avatar_url") is None  # "./data/profile_media/..." is a path inside the archive

    for name, toward_owner in (("follower", True), ("following", False)):
        part = shared_part(name)
        r = mapped(part)
        others = {P + row[name]["accountId"] for row in part["items"]}
        assert len(others) == 20
        pairs = {(i["source"], i["target"]) for i in of_kind(r, "follow")}
        me = P + OWNER["id"]
        assert pairs == {(o, me) if toward_owner else (me, o) for o in others}
        assert all(i["at"] is None for i in of_kind(r, "follow"))

    part = shared_part("like")
    r = mapped(part)
    liked = {P + row["like"]["tweetId"] for row in part["items"]}
    assert {(i["source"], i["target_post"]) for i in of_kind(r, "like")} == {
        (P + OWNER["id"], t) for t in liked}
    assert set(r.tables["posts"]) == liked
    p = r.tables["posts"][P + "1588475316858675200"]
    assert p["text"] == ("Got my permanent residency in Schlandy today!! "
                         "\U0001f1e9\U0001f1ea\U0001f5a4\U0001f973")
    assert p.get("account_uid") is None and p.get("created_at") is None


# ---------------------------------------------------------------- GraphQL: shared real lines

def test_graphql_search_lines():
    datas = graphql_lines()
    assert len(datas) == 30
    tops = []
    for d in datas:
        assert twitter.detect(d) == GQL
        r = mapped(d)
        check(r, *walk_graphql([d]))
        tops.append((_unwrap(d)["rest_id"], r))
    tweets, _ = walk_graphql(datas)
    top_ids = [i for i, _ in tops]
    top = {i: tweets[i] for i in top_ids}
    # hand counts (SOURCES.md): 16 replies, 10 quotes, 19 with mentions, 8 with media, 2 places
    counts = tally(top)
    assert (counts["replies"], counts["quotes"], counts["with_mentions"], counts["places"]) == (
        16, 10, 19, 2)
    assert sum(bool(t["media"]) for t in top.values()) == 8
    assert counts == {k: sum(mapped_tally(r, [i])[k] for i, r in tops) for k in counts}

    r = dict(tops)["1711652255336743414"]
    p = r.tables["posts"][P + "1711652255336743414"]
    assert (p["views"], p["likes"], p["reposts"], p["replies"]) == (250, 9, 1, 0)
    assert p["conversation"] == p["uid"] and p["language"] == "nl"
    a = r.tables["accounts"][P + "1503318317150490632"]
    assert (a["handle"], a["url"], a["followers"]) == (
        "Querido_Facto", "https://www.singeluitgeverijen.nl/querido/", 66)
    photo = r.tables["media"][P + "3_1711650166900506624"]
    assert (photo["width"], photo["height"], photo["post"]) == (1080, 1080, p["uid"])

    # a quote whose quoted tweet sits in a TweetWithVisibilityResults wrapper
    r = dict(tops)["1711859654769168725"]
    assert r.tables["posts"][P + "1711859654769168725"]["quote_of"] == P + "1711850745845129260"
    gaza = r.tables["accounts"][P + "1066392792715399171"]
    assert (gaza["handle"], gaza["followers"]) == ("Timesofgaza", 305029)
    assert r.tables["posts"][P + "1711850745845129260"]["account_uid"] == gaza["uid"]
    # an empty quoted_status_result: the quote comes from legacy.quoted_status_id_str
    r = dict(tops)["1711711796355072134"]
    assert r.tables["posts"][P + "1711711796355072134"]["quote_of"] == P + "1711709543170818351"
    r = dict(tops)["1709817800364011855"]
    p = r.tables["posts"][P + "1709817800364011855"]
    assert p["place"] == "Zeeland, Nederland"
    assert (p["lat"], p["lon"]) == pytest.approx(((51.2002789 + 51.7737598) / 2,
                                                  (3.2976616 + 4.2795292) / 2))


# ---------------------------------------------------------------- own fixtures: same cases

def test_own_v1_cases():
    lines = own("v1_1_cases.jsonl")
    t1, compat, retweet, search, delete, timeline, users, single = lines
    assert [twitter.detect(x) for x in lines] == [STATUS, STATUS, STATUS, SEARCH, DELETE,
                                                  STATUSES, USERS, USER]
    for item in (t1, compat, retweet):
        check(mapped(item), *walk_v1([item]))
    check(mapped(search), *walk_v1(search["statuses"]))
    check(mapped(timeline), *walk_v1(timeline))

    r = mapped(compat)  # compat mode: the extended text, its entities and its GIF
    p = r.tables["posts"][P + "2000000000000000012"]
    assert p["text"] == compat["extended_tweet"]["full_text"] and len(p["text"]) > 140
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {
        "https://lines.example.be/fleet?ship=example"}
    assert r.tables["media"][P + "16_3000000000000000012"]["url"].endswith("GifTwelve.mp4")
    assert (p["lat"], p["lon"]) == pytest.approx((51.9, 4.4))  # middle of Rotterdam's box
    assert r.retrieved_at == datetime(2024, 5, 6, 6, 12, 0, 123000, tzinfo=UTC)

    r = mapped(retweet)  # a retweet of a quote
    wrapper = r.tables["posts"][P + "2000000000000000014"]
    assert (wrapper["repost_of"], wrapper["quote_of"]) == (P + "2000000000000000004", None)
    assert r.tables["posts"][P + "2000000000000000004"]["quote_of"] == P + "2000000000000000001"
    assert set(r.tables["posts"]) == {P + "2000000000000000014", P + "2000000000000000004",
                                      P + "2000000000000000001"}
    (q,) = of_kind(r, "quote")
    assert (q["post"], q["target"]) == (P + "2000000000000000004", P + "1000000000000000001")

    r = mapped(search)
    sydney = r.tables["posts"][P + "2000000000000000016"]
    assert (sydney["lat"], sydney["lon"]) == (-33.8688, 151.2093)  # coordinates are [lon, lat]
    geo_only = r.tables["posts"][P + "2000000000000000017"]
    assert (geo_only["lat"], geo_only["lon"]) == (-33.8688, 151.2093)  # geo is [lat, lon]
    islands = r.tables["posts"][P + "2000000000000000018"]
    assert (islands["lat"], islands["lon"]) == pytest.approx((-17.5, 179.5))  # antimeridian

    r = mapped(delete)
    assert r.tables["posts"] == {P + "2000000000000000015": {
        "uid": P + "2000000000000000015", "platform": "twitter",
        "native_id": "2000000000000000015", "account_uid": P + "1000000000000000005",
        "deleted": True}}
    assert r.retrieved_at == utc(2024, 5, 6, 12, 53, 20)

    r = mapped(timeline)
    p = r.tables["posts"][P + "2000000000000000019"]
    assert p["text"] == "@harbour_watch @MarinaMod What a ship > anything we had last year"
    assert r.tables["posts"][P + "2000000000000000020"]["account_uid"] == P + "1000000000000000005"
    assert r.tables["accounts"][P + "1000000000000000005"]["handle"] == "MarinaMod"  # mention

    r = mapped(users)
    assert r.tables["accounts"][P + "1000000000000000001"]["url"] == (
        "https://harbour-watch.example.org/")
    r = mapped(single)
    assert r.tables["accounts"][P + "1000000000000000003"]["posts_count"] == 31000


def test_own_graphql_cases():
    lines = own("graphql_tweets.jsonl")
    t1, note, wrapped, retweet = lines
    assert [twitter.detect(x) for x in lines] == [GQL] * 4
    for item in lines:
        check(mapped(item), *walk_graphql([item]))

    r = mapped(note)  # long post, newer user layout
    p = r.tables["posts"][P + "2000000000000000021"]
    assert p["text"].endswith("how the winter storms shifted the queue.") and len(p["text"]) > 280
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == {"logistics",
                                                                             "portwatch"}
    assert P + "2000000000000000021|url|https://notes.example.net/anchorage" in (
        r.tables["entities"])
    a = r.tables["accounts"][P + "1000000000000000021"]
    assert (a["handle"], a["display_name"], a["location"]) == ("long_reads", "Long Reads",
                                                               "Estuary")
    assert a["avatar_url"] == "https://pbs.twimg.com/profile_images/2121/lr_normal.jpg"
    assert a["verified"] is True and a["created_at"] == utc(2024, 2, 2, 10, 0)
    assert p["views"] == 9100

    r = mapped(wrapped)  # visibility wrapper; the quoted post is a tombstone
    p = r.tables["posts"][P + "2000000000000000022"]
    assert (p["reply_to"], p["quote_of"]) == (P + "2000000000000000021", P + "2000000000000000098")
    gone = r.tables["posts"][P + "2000000000000000098"]
    assert gone["deleted"] is True and gone.get("text") is None

    r = mapped(retweet)  # a retweet of a quote
    wrapper = r.tables["posts"][P + "2000000000000000024"]
    assert (wrapper["repost_of"], wrapper["quote_of"], wrapper["reposts"]) == (
        P + "2000000000000000004", None, None)
    assert r.tables["posts"][P + "2000000000000000004"]["quote_of"] == P + "2000000000000000001"
    (rp,) = of_kind(r, "repost")
    assert rp["target"] == P + "1000000000000000003"

    # a search timeline shows a post it will not show as a bare tombstone, without its id
    tombstone = {"__typename": "TweetTombstone", "tombstone": {
        "__typename": "TextTombstone", "text": {
            "rtl": False, "text": "This Post is from a suspended account. Learn more",
            "entities": []}}}
    assert twitter.detect(tombstone) == GQL
    with pytest.raises(RejectedItem, match="TweetTombstone without a tweet id"):
        twitter.map_item(tombstone, GQL)
    r = mapped({**tombstone, "rest_id": "2000000000000000097"})
    assert r.tables["posts"][P + "2000000000000000097"]["deleted"] is True


def test_own_archive_set():
    parts = {n: own_part(n) for n in ("account", "profile", "tweets", "deleted-tweets",
                                      "follower", "following", "like")}
    r = mapped(parts["tweets"])
    check(r, walk_archive(parts["tweets"]["items"], HARBOUR), {})
    rt = r.tables["posts"][P + "2000000000000000032"]
    assert rt["reposts"] is None and rt["repost_of"] is None
    (repost,) = of_kind(r, "repost")
    assert repost["target"] == P + "1000000000000000003"
    assert r.tables["media"][P + "16_3000000000000000003"]["post"] == P + "2000000000000000004"
    assert r.tables["posts"][P + "2000000000000000033"]["quote_of"] == P + "2000000000000000007"
    assert r.tables["posts"][P + "2000000000000000034"]["quote_of"] is None  # a /photo/ link

    r = mapped(parts["deleted-tweets"])
    assert twitter.detect(parts["deleted-tweets"]) == "twitter.archive_deleted_tweets"
    p = r.tables["posts"][P + "2000000000000000035"]
    assert p["deleted"] is True and p["text"].startswith("Wrong berth number")

    r = mapped(parts["account"])
    (a,) = r.tables["accounts"].values()
    assert (a["handle"], a["display_name"]) == ("harbour_watch", "Harbour Watch")
    values = {v for table in r.tables.values() for rec in table.values() for v in rec.values()}
    assert not {"desk@harbour-watch.example.org", "+15555550100", "web"} & values

    r = mapped(parts["profile"])
    a = r.tables["accounts"][P + "1000000000000000001"]
    assert a["avatar_url"] == "https://pbs.twimg.com/profile_images/111/hw.jpg"
    assert (a["bio"], a["location"]) == ("Ships & ports of the estuary. Tips by DM.", "Port Town")

    r = mapped(parts["like"])
    assert r.tables["posts"][P + "2000000000000000007"]["text"] == (
        "Port closed for storm tomorrow, stay safe <3 @harbour_watch")

    dms = ArchivePart(name="direct_messages", part=0, owner=HARBOUR, items=[{"dmConversation": {
        "conversationId": "1000000000000000001-1000000000000000005",
        "messages": [{"messageCreate": {"senderId": "1000000000000000001",
                                        "recipientId": "1000000000000000005",
                                        "text": "private: not for the case", "urls": [],
                                        "mediaUrls": [], "id": "2000000000000000036",
                                        "createdAt": "2024-05-08T08:00:00.000Z"}}]}}])
    assert twitter.detect(dms) is None  # private messages: not detected
    with pytest.raises(RejectedItem, match="'direct_messages' is not mapped"):
        twitter.map_item(dms, "twitter.archive_tweets")
    older = ArchivePart(parts["tweets"], name="tweet")  # tweet.js in older archives
    assert twitter.detect(older) == "twitter.archive_tweets"
    with pytest.raises(RejectedItem, match="is not twitter.archive_like"):
        twitter.map_item(parts["tweets"], "twitter.archive_like")


# ---------------------------------------------------------------- one tweet, every format

def test_same_tweet_through_every_format_is_one_record():
    """Tweet 2000000000000000001 of our v2 fixture, written as v1.1, archive and GraphQL."""
    v2_page = json.loads((OWN_FIXTURES / "twitter" / "v2_pages.jsonl").read_text().splitlines()[0])
    v2_page["data"] = []  # keep only the tweet (in includes.tweets) and its users and media
    results = {
        "v2": mapped(v2_page),
        "v1": mapped(own("v1_1_cases.jsonl")[0]),
        "archive": mapped(own_part("tweets")),
        "graphql": mapped(own("graphql_tweets.jsonl")[0]),
    }
    tid = P + "2000000000000000001"
    posts = {k: r.tables["posts"][tid] for k, r in results.items()}
    for field in ("account_uid", "text", "created_at", "language", "likes", "reposts"):
        assert len({p[field] for p in posts.values()}) == 1, field
    assert posts["v2"]["text"].startswith("Cargo ship MV Example docked at pier 4 & unloading.")
    for k in ("v2", "v1", "graphql"):
        assert (posts[k]["lat"], posts[k]["lon"], posts[k]["place"]) == (
            51.9244, 4.4783, "Rotterdam, The Netherlands")
        assert posts[k]["url"] == "https://x.com/harbour_watch/status/2000000000000000001"

    def of_post(r, table):
        return {u for u, row in r.tables[table].items() if row.get("post") == tid}

    for table in ("media", "entities", "interactions"):
        seen = {k: of_post(r, table) for k, r in results.items()}
        assert seen["v2"] and all(s == seen["v2"] for s in seen.values()), (table, seen)
    for k in ("v1", "graphql"):
        assert results[k].tables["accounts"][P + "1000000000000000001"]["handle"] == (
            "harbour_watch")
        video = results[k].tables["media"][P + "7_3000000000000000002"]
        assert video["url"] == results["v2"].tables["media"][P + "7_3000000000000000002"]["url"]

    # the retweet of the quote, through v1.1 and GraphQL: the quote tweet and its interactions
    v1 = mapped(own("v1_1_cases.jsonl")[2])
    gql = mapped(own("graphql_tweets.jsonl")[3])
    qid = P + "2000000000000000004"
    assert {u for u, i in v1.tables["interactions"].items() if i["post"] == qid} == {
        u for u, i in gql.tables["interactions"].items() if i["post"] == qid}
    # an archive like and a v2 liked_tweets row for the same tweet would be one interaction
    like = mapped(own_part("like"))
    assert "like|" + P + "1000000000000000001|||" + P + "2000000000000000007" in (
        like.tables["interactions"])


# ---------------------------------------------------------------- depth and rejections

def test_deep_nesting_is_not_recursion():
    status = own("v1_1_cases.jsonl")[0]
    top = status
    for n in range(3000):  # deeper than Python's recursion limit
        inner = {"id_str": str(10**12 + n), "text": "x", "user": {"id_str": "1"}}
        top["retweeted_status"] = inner
        top = inner
    assert len(mapped(status).tables["posts"]) == 3001

    t = own("graphql_tweets.jsonl")[1]
    top = t
    for n in range(3000):
        inner = {"__typename": "Tweet", "rest_id": str(10**12 + n),
                 "legacy": {"full_text": "x", "user_id_str": "1"}}
        top["quoted_status_result"] = {"result": inner}
        top = inner
    assert len(mapped(t).tables["posts"]) == 3001

    wrapped = {"__typename": "Tweet", "rest_id": "1", "legacy": {}}
    for _ in range(20):
        wrapped = {"__typename": "TweetWithVisibilityResults", "tweet": wrapped}
    with pytest.raises(RejectedItem, match="nested too deep"):
        twitter.map_item(wrapped, GQL)


def test_rejections():
    with pytest.raises(RejectedItem):
        twitter.map_item({"id_str": "", "text": "x", "user": {}}, STATUS)
    with pytest.raises(RejectedItem):
        twitter.map_item([{"id_str": "1", "text": "x", "user": []}], STATUSES)
    with pytest.raises(RejectedItem):
        twitter.map_item({"delete": {"status": {}}}, DELETE)
    with pytest.raises(RejectedItem):
        twitter.map_item({"legacy": {"full_text": "no id"}, "__typename": "Tweet"}, GQL)
    with pytest.raises(RejectedItem):
        twitter.map_item({"name": "tweets", "items": []}, "twitter.archive_tweets")  # a dict
    with pytest.raises(RejectedItem, match="'ad_impressions' is not mapped"):
        twitter.map_item(ArchivePart(name="ad_impressions", part=0, items=[], owner=None),
                         "twitter.archive_tweets")
    with pytest.raises(RejectedItem):
        twitter.map_item({}, "twitter.v3_nothing")


# ---------------------------------------------------------------- detection

def _items(path):
    """Every JSON value a file holds: documents, lines, and one level of their lists/objects."""
    raw = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".js":
        docs = [json.loads(raw.split("=", 1)[1])]
    elif path.suffix == ".json":
        docs = [json.loads(raw)]
    else:
        docs = [json.loads(line) for line in raw.splitlines() if line.strip()]
    for doc in docs:
        yield doc
        values = doc if isinstance(doc, list) else doc.values() if isinstance(doc, dict) else []
        for v in values:
            yield v
            if isinstance(v, list):
                yield from v


def test_other_platforms_payloads_are_not_twitter():
    shared_fixture("twitter/v1_1_home_timeline.json")  # skips without ../shared
    seen = 0
    for path in sorted(SHARED_FIXTURES.rglob("*")):
        if path.suffix not in (".json", ".jsonl", ".ndjson", ".js") or "twitter" in path.parts:
            continue
        for item in _items(path):
            if path.name.startswith("x_twitter") and isinstance(item, dict) and (
                    item.get("__typename")):
                continue  # the data of an X capture: twitter's, tested above
            seen += 1
            assert twitter.detect(item) is None, (path.name, str(item)[:200])
    assert seen > 1000


def test_twitter_fixtures_detected_by_content():
    expected = {"v1_1_home_timeline.json": STATUSES, "v1_1_mentions_timeline.json": STATUSES,
                "v1_1_search_geocode.json": SEARCH, "v1_1_status_extended_mode.json": STATUS,
                "v1_1_streaming_lines.jsonl": STATUS, "v1_1_users_lookup_twitwi.json": USERS}
    for name, fmt in expected.items():
        for doc in shared(name):
            assert twitter.detect(doc) == fmt
    for path in sorted(shared_fixture("twitter/archive/tweets.js").parent.glob("*.js")):
        part = ytd(path, OWNER)
        assert twitter.detect(part) == "twitter.archive_" + part["name"]
        assert twitter.detect(dict(part)) is None  # a plain object is not an archive part
        for item in _items(path):  # the bare JSON of an archive is nothing by itself
            assert twitter.detect(item) is None
    lines = load(shared_fixture("zeeschuimer/x_twitter_graphql_search.ndjson"))
    assert all(twitter.detect(line) is None for line in lines)  # the envelope is not ours
    assert all(twitter.detect(line["data"]) == GQL for line in lines)


def test_formats_declared_for_every_detected_name():
    names = [f.name for f in twitter.FORMATS]
    assert len(names) == len(set(names))
    assert {"twitter.v2_page", "twitter.v2_flat", STATUS, STATUSES, SEARCH, USER, USERS, DELETE,
            GQL, "twitter.archive_tweets", "twitter.archive_deleted_tweets",
            "twitter.archive_account", "twitter.archive_profile", "twitter.archive_follower",
            "twitter.archive_following", "twitter.archive_like"} == set(names)
    from socmint.model import FIELDS
    for f in twitter.FORMATS:
        assert f.title and f.detected_by and f.maps
        for table, fields in f.cannot_provide.items():
            assert set(fields) <= {name for name, _ in FIELDS[table]}, (f.name, table)
    assert twitter.MAPPER_VERSION == "2"


KEYS = ["id_str", "id", "text", "full_text", "user", "screen_name", "retweeted_status",
        "quoted_status", "quoted_status_id_str", "extended_tweet", "entities",
        "extended_entities", "media", "user_mentions", "hashtags", "urls", "expanded_url",
        "place", "bounding_box", "coordinates", "geo", "statuses", "search_metadata", "delete",
        "status", "user_id_str", "timestamp_ms", "__typename", "rest_id", "legacy", "core",
        "user_results", "result", "tweet", "note_tweet", "note_tweet_results", "entity_set",
        "quoted_status_result", "retweeted_status_result", "views", "count", "type",
        "video_info", "variants", "media_key", "in_reply_to_status_id_str", "created_at",
        "accountId", "tweetId", "fullText", "profile", "description", "follower", "like"]
VALUES = st.sampled_from(["Tweet", "TweetWithVisibilityResults", "TweetTombstone", "User",
                          "123", "0", "photo", "video", "animated_gif", "RT @a: b",
                          "https://x.com/a/status/9", "Wed Oct 10 20:19:24 +0000 2018"])
JSON = json_with_keys(KEYS, VALUES, max_leaves=25, text_size=8)
DIGITS = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
V1_STATUS = st.fixed_dictionaries(
    {"id_str": DIGITS, "text": st.text(max_size=10) | VALUES,
     "user": st.fixed_dictionaries({"id_str": DIGITS}, optional={"screen_name": VALUES})})
GQL_TWEET = st.fixed_dictionaries({"__typename": st.sampled_from(
    ["Tweet", "TweetWithVisibilityResults", "TweetTombstone"]), "rest_id": DIGITS})


def _with_extras(skeleton):
    """A skeleton that detect accepts, with arbitrary keys of our formats added."""
    extras = st.dictionaries(st.sampled_from(KEYS), JSON | V1_STATUS | GQL_TWEET, max_size=6)
    return st.builds(lambda base, more: {**more, **base}, skeleton, extras)


SHAPED = st.one_of(
    _with_extras(V1_STATUS), _with_extras(GQL_TWEET),
    st.lists(_with_extras(V1_STATUS), min_size=1, max_size=3),
    st.fixed_dictionaries({"statuses": st.lists(_with_extras(V1_STATUS) | JSON, max_size=3),
                           "search_metadata": st.just({})}),
    st.fixed_dictionaries({"delete": st.fixed_dictionaries({"status": JSON | V1_STATUS})}),
    _with_extras(st.fixed_dictionaries({"id_str": DIGITS, "screen_name": VALUES})))
PARTS = st.builds(lambda name, items, owner: ArchivePart(name=name, part=0, items=items,
                                                         owner=owner),
                  st.sampled_from(["tweets", "tweet", "deleted_tweets", "account", "profile",
                                   "follower", "following", "like", "direct_messages", "x"]),
                  st.lists(JSON | st.builds(  # rows as archives write them: {"<kind>": {...}}
                      lambda kind, row: {kind: row},
                      st.sampled_from(["tweet", "like", "follower", "following", "account",
                                       "profile"]),
                      _with_extras(st.fixed_dictionaries(
                          {"id_str": DIGITS, "accountId": DIGITS, "tweetId": DIGITS,
                           "full_text": VALUES}))), max_size=4),
                  st.none() | st.just({"id": "1", "username": "a"}) | JSON)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON | SHAPED | PARTS)
def test_detect_and_map_arbitrary_json(value):
    survives(twitter, value)


# ---------------------------------------------------------------- fuzzing real payloads

def _fuzz_payloads() -> list:
    """Small real payloads (cut down in memory: mutation only reaches 5 list items)."""
    items = []
    if (SHARED_FIXTURES / "twitter").exists():
        items += shared("v1_1_streaming_lines.jsonl")[:6]
        items += [shared("v1_1_home_timeline.json")[0][:5],
                  shared("v1_1_status_extended_mode.json")[0],
                  shared("v1_1_users_lookup_twitwi.json")[0]]
        (search,) = shared("v1_1_search_geocode.json")
        search["statuses"] = search["statuses"][:4]
        items.append(search)
        for name in ("tweets", "account", "profile", "follower", "like"):
            part = shared_part(name)
            part["items"] = part["items"][:5]
            items.append(part)
        items += graphql_lines()[:4]
    items += own("v1_1_cases.jsonl") + own("graphql_tweets.jsonl")
    items += [own_part(n) for n in ("tweets", "deleted-tweets", "following", "like")]
    return [(twitter.detect(item), item) for item in items]


FUZZ = _fuzz_payloads()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FUZZ).flatmap(lambda fi: st.tuples(st.just(fi[0]), mutated(fi[1]))))
def test_fuzz_map_item(case):
    fmt, item = case
    assert fmt is not None
    survives(twitter, item, fmt)
