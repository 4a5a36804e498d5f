"""Bluesky mapper: golden facts and plain-walk counts on real payloads, own fixtures, fuzzing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.model import TABLES, Records
from socmint.sources import bluesky
from tests.conftest import OWN_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fixture_docs, json_with_keys, mutated, survives

OWN = OWN_FIXTURES / "bluesky"
FORMATS = {"bluesky.jetstream", "bluesky.jetstream_batch", "bluesky.tap", "bluesky.tap_batch",
           "bluesky.profiles", "bluesky.thread", "bluesky.feed", "bluesky.follows"}


def load(path: Path):
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def shared(name: str):
    return load(shared_fixture(f"bluesky/{name}"))


def own(name: str):
    return load(OWN / name)


def map_one(payload, expect: str | None = None) -> Records:
    fmt = bluesky.detect(payload)
    assert fmt in FORMATS
    if expect:
        assert fmt == expect
    r = bluesky.map_item(payload, fmt)
    arrow_ok(r)
    return r


def map_many(items, expect: str | None = None) -> Records:
    """Maps items one by one and merges them the way Records merges within an item."""
    merged = Records()
    for item in items:
        r = map_one(item, expect)
        for t in TABLES:
            for row in r.tables[t].values():
                merged.add(t, dict(row))
    return merged


def rows(r: Records, table: str, **where) -> list[dict]:
    return [row for row in r.tables[table].values()
            if all(row.get(k) == v for k, v in where.items())]


def post_uid(uri: str) -> str:
    return "bluesky:" + uri


def acct(did: str) -> str:
    return "bluesky:" + did


# --- plain walks of the raw JSON (no mapper code) -------------------------------------------------

def commits(events, op, collection):
    return [e for e in events if e.get("kind") == "commit"
            and e["commit"]["operation"] == op and e["commit"]["collection"] == collection]


def facet_features(record, kind):
    return [f for facet in record.get("facets", []) for f in facet["features"]
            if f["$type"] == "app.bsky.richtext.facet#" + kind]


def record_images(record):
    embed = record.get("embed", {})
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed["media"]
    return embed.get("images", []) if embed.get("$type") == "app.bsky.embed.images" else []


# --- Jetstream v1 (real, 152 events) -------------------------------------------------------------

@pytest.fixture(scope="module")
def js_events():
    return shared("jetstream_v1_events.jsonl")


@pytest.fixture(scope="module")
def js(js_events):
    return map_many(js_events, "bluesky.jetstream")


def test_jetstream_counts_match_plain_walk(js_events, js):
    likes = commits(js_events, "create", "app.bsky.feed.like")
    posts = commits(js_events, "create", "app.bsky.feed.post")
    reposts = commits(js_events, "create", "app.bsky.feed.repost")
    follows = commits(js_events, "create", "app.bsky.graph.follow")
    unfollows = commits(js_events, "delete", "app.bsky.graph.follow")
    post_deletes = commits(js_events, "delete", "app.bsky.feed.post")
    replies = [e for e in posts if "reply" in e["commit"]["record"]]
    assert (len(likes), len(posts), len(reposts), len(follows)) == (105, 17, 15, 6)  # SOURCES.md
    assert (len(unfollows), len(post_deletes), len(replies)) == (3, 1, 8)

    assert len(rows(js, "interactions", kind="like")) == len(likes)
    assert len(rows(js, "interactions", kind="repost")) == len(reposts)
    assert len(rows(js, "interactions", kind="reply")) == len(replies)
    assert len(rows(js, "interactions", kind="follow", deleted=None)) == len(follows)
    assert len(rows(js, "interactions", kind="follow", deleted=True)) == len(unfollows)
    assert len(rows(js, "posts", deleted=True)) == len(post_deletes)
    reposts_out = [p for p in js.tables["posts"].values() if p.get("repost_of")]
    assert len(reposts_out) == len(reposts)
    originals = [p for p in js.tables["posts"].values()
                 if not p.get("repost_of") and not p.get("deleted")]
    assert len(originals) == len(posts)
    assert len([p for p in originals if p.get("reply_to")]) == len(replies)

    tags = {(e["did"], e["commit"]["rkey"], f["tag"].lower()) for e in posts
            for f in facet_features(e["commit"]["record"], "tag")}
    assert len(rows(js, "entities", kind="hashtag")) == len(tags) == 4
    links = {(e["did"], e["commit"]["rkey"], f["uri"]) for e in posts
             for f in facet_features(e["commit"]["record"], "link")}
    embeds = [(e, e["commit"]["record"].get("embed", {})) for e in posts]
    externals = {(e["did"], e["commit"]["rkey"], embed["external"]["uri"]) for e, embed in embeds
                 if embed.get("$type") == "app.bsky.embed.external"}
    assert len(rows(js, "entities", kind="url")) == len(links | externals)
    images = sum(len(record_images(e["commit"]["record"])) for e in posts)
    assert len(js.tables["media"]) == images == 2

    ignored = ("app.bsky.graph.block", "app.bsky.actor.status", "fm.teal.alpha.actor.status")
    dids = {e["did"] for e in js_events if e.get("commit", {}).get("collection") not in ignored}
    for e in likes + reposts:
        dids.add(e["commit"]["record"]["subject"]["uri"].split("/")[2])
    for e in follows:
        dids.add(e["commit"]["record"]["subject"])
    for e in replies:
        dids.add(e["commit"]["record"]["reply"]["parent"]["uri"].split("/")[2])
    assert {a["native_id"] for a in js.tables["accounts"].values()} == dids


def test_jetstream_reply_facts(js):
    uid = post_uid("at://did:plc:o2rolxey6s5k7d4lxcz3inl4/app.bsky.feed.post/3mptbyp7lu223")
    post = js.tables["posts"][uid]
    parent = post_uid("at://did:plc:i5y2f3gtpjxs3qg6fwgb6jb4/app.bsky.feed.post/3mpt7u2vlgs2c")
    assert post["text"] == "이쁘시네용~~~"
    assert post["language"] == "ko"
    assert post["reply_to"] == parent and post["conversation"] == parent
    assert post["account_uid"] == acct("did:plc:o2rolxey6s5k7d4lxcz3inl4")
    assert post["created_at"] == datetime(2026, 7, 4, 14, 38, 7, 112000, tzinfo=UTC)
    assert post["url"] == ("https://bsky.app/profile/did:plc:o2rolxey6s5k7d4lxcz3inl4"
                           "/post/3mptbyp7lu223")
    (reply,) = rows(js, "interactions", kind="reply", post=uid)
    assert reply["target"] == acct("did:plc:i5y2f3gtpjxs3qg6fwgb6jb4")
    assert reply["target_post"] == parent


def test_jetstream_self_thread_keeps_root(js):
    base = "at://did:plc:u4lmvw4wwzaql3z5kcf3r7h4/app.bsky.feed.post/"
    third = js.tables["posts"][post_uid(base + "3mptbyoumc22i")]
    assert third["reply_to"] == post_uid(base + "3mptbyou7ls2i")
    assert third["conversation"] == post_uid(base + "3mptbyospqk2i")
    root = js.tables["posts"][post_uid(base + "3mptbyospqk2i")]
    assert root["reply_to"] is None and root["conversation"] == root["uid"]


def test_jetstream_like_repost_follow_delete(js):
    like = js.tables["interactions"][
        "bluesky:at://did:plc:wq4aajammjtxdomz3e23667t/app.bsky.feed.like/3mptbyplj5d2a"]
    assert like["kind"] == "like" and like["post"] is None
    assert like["source"] == acct("did:plc:wq4aajammjtxdomz3e23667t")
    assert like["target"] == acct("did:plc:r2zybk6op3ymzpz6jhqpkoy5")
    assert like["target_post"] == post_uid(
        "at://did:plc:r2zybk6op3ymzpz6jhqpkoy5/app.bsky.feed.post/3mpsjbtci2c2o")
    assert like["at"] == datetime(2026, 7, 4, 14, 38, 8, 999000, tzinfo=UTC)

    rp = "bluesky:at://did:plc:5er4dj3kkwyj4cy5gdnzn56w/app.bsky.feed.repost/3mptbypowzs2e"
    original = post_uid("at://did:plc:lthsfxxeghkgg44eummxtvbe/app.bsky.feed.post/3mpt6c57uy22u")
    assert js.tables["posts"][rp]["repost_of"] == original
    assert js.tables["posts"][rp].get("text") is None
    repost = js.tables["interactions"][rp]
    assert (repost["kind"], repost["target"], repost["target_post"], repost["post"]) == (
        "repost", acct("did:plc:lthsfxxeghkgg44eummxtvbe"), original, rp)

    follow = js.tables["interactions"][
        "bluesky:at://did:plc:f2furrjn2jdhjcn2td54ivxx/app.bsky.graph.follow/3mptbypmibb2v"]
    assert follow["kind"] == "follow"
    assert follow["target"] == acct("did:plc:mlbpil2fwz43vfn6uuysxtqa")

    unfollow = js.tables["interactions"][
        "bluesky:at://did:plc:ux2eeflheratfrvp3xfbp4zi/app.bsky.graph.follow/3m3q3ut7jsm2m"]
    assert unfollow["deleted"] is True and unfollow["kind"] == "follow"

    gone = js.tables["posts"][
        post_uid("at://did:plc:4smmjsqf6l5jkzczvw6vsrqc/app.bsky.feed.post/3mpt73z3ejc2p")]
    assert gone["deleted"] is True
    assert gone["account_uid"] == acct("did:plc:4smmjsqf6l5jkzczvw6vsrqc")


def test_jetstream_media_tags_links(js):
    uri = "at://did:plc:6aw7u7xjbaiznddugigmdhvc/app.bsky.feed.post/3mptbxs3hq22j"
    (media,) = rows(js, "media", post=post_uid(uri))
    cid = "bafkreicwsq23gkygrgpijv7ocssxdyjokfv3quss3f2dg4csds3jpeqkwe"
    assert media["uid"] == post_uid(uri) + "#" + cid
    assert media["kind"] == "photo" and media.get("url") is None and media["alt_text"] == ""

    tagged = post_uid("at://did:plc:tn3hni2jpphsgl6amfbb7ja6/app.bsky.feed.post/3mptbypfywk2v")
    assert {e["normalized"] for e in rows(js, "entities", post=tagged, kind="hashtag")} == {
        "howtotellaitoshutup", "indierebellion"}
    linked = post_uid("at://did:plc:fe7cz462lvsuhadx6z35orni/app.bsky.feed.post/3mptbypt22l26")
    assert {e["value"] for e in rows(js, "entities", post=linked)} == {
        "https://denikn.cz/2113523", "denikn.cz"}


def test_jetstream_non_content_events(js_events):
    by_collection = {e["commit"]["collection"]: e for e in js_events if e["kind"] == "commit"}
    for coll in ("app.bsky.graph.block", "app.bsky.actor.status", "fm.teal.alpha.actor.status"):
        assert map_one(by_collection[coll]).count() == 0
    (identity,) = [e for e in js_events if e["kind"] == "identity"]
    r = map_one(identity)
    assert list(r.tables["accounts"]) == [acct("did:plc:hqvhxrowqbemo5e4wjnj6zao")]
    (account,) = [e for e in js_events if e["kind"] == "account"]
    r = map_one(account)
    assert r.tables["accounts"][acct("did:plc:hqvhxrowqbemo5e4wjnj6zao")]["deleted"] is False
    assert r.retrieved_at == datetime(2026, 7, 4, 14, 38, 8, 390226, tzinfo=UTC)


# --- twitwi Jetstream array and tap records (real) ------------------------------------------------

def test_twitwi_jetstream_array():
    events = shared("twitwi_jetstream_post_events.json")
    r = map_one(events, "bluesky.jetstream_batch")
    records = [e["commit"]["record"] for e in events]
    assert len(r.tables["posts"]) == len(events) == 9
    assert len(rows(r, "interactions", kind="reply")) == sum("reply" in x for x in records) == 1
    mentions = [f for x in records for f in facet_features(x, "mention")]
    assert len(rows(r, "interactions", kind="mention")) == len(mentions) == 2
    assert len(r.tables["media"]) == sum(len(record_images(x)) for x in records)
    assert r.retrieved_at == datetime.fromtimestamp(
        max(e["time_us"] for e in events) / 1e6, tz=UTC)

    nursery = post_uid("at://did:plc:ljkrr2d7afnjmx3huawzzhf2/app.bsky.feed.post/3m7hzqjyes22l")
    assert {e["value"] for e in rows(r, "entities", post=nursery, kind="mention")} == {
        "hareleeshillps.bsky.social", "hlhnursery255.bsky.social"}
    assert {i["target"] for i in rows(r, "interactions", post=nursery, kind="mention")} == {
        acct("did:plc:dpham6cjmebj2wjaseb55k32"), acct("did:plc:2qbv2k7oxxhkscjrjhqroiwp")}
    assert len(rows(r, "media", post=nursery)) == 4
    # 8 fractional digits in createdAt
    first = r.tables["posts"][
        post_uid("at://did:plc:uu5mtxzumfsy5hqknfetoyft/app.bsky.feed.post/3m7aazmldai25")]
    assert first["created_at"] == datetime(2025, 12, 5, 10, 16, 59, 783492, tzinfo=UTC)
    assert first["language"] is None


def test_twitwi_tap_records():
    events = shared("twitwi_tap_records.json")
    r = map_one(events, "bluesky.tap_batch")
    assert r.retrieved_at is None
    assert len(r.tables["posts"]) == len(events) == 14
    owner = acct("did:plc:whubiapecod3q5lebxfsqv3t")
    assert {p["account_uid"] for p in r.tables["posts"].values()} == {owner}
    records = [e["record"]["record"] for e in events]
    assert len([p for p in r.tables["posts"].values() if p["reply_to"]]) == sum(
        "reply" in x for x in records)
    tags = {(e["record"]["rkey"], f["tag"].lower()) for e in events
            for f in facet_features(e["record"]["record"], "tag")}
    assert len(rows(r, "entities", kind="hashtag")) == len(tags)
    assert len(r.tables["media"]) == sum(len(record_images(x)) for x in records)

    base = "at://did:plc:whubiapecod3q5lebxfsqv3t/app.bsky.feed.post/"
    post = r.tables["posts"][post_uid(base + "3lerhdq7se22z")]
    assert post["reply_to"] == post_uid(
        "at://did:plc:p352bym6oxmv5v35eyjmrgzx/app.bsky.feed.post/3lerhb5cb7j25")
    assert post["conversation"] == post_uid(base + "3lepscqsk2s25")
    (reply,) = rows(r, "interactions", kind="reply", post=post["uid"])
    assert reply["target"] == acct("did:plc:p352bym6oxmv5v35eyjmrgzx")
    assert {e["normalized"] for e in rows(r, "entities", post=post_uid(base + "3lerezaqxec2t"))} \
        == {"https://pin.it/6b8jqbEJR", "pin.it"}


# --- AppView responses (real) -------------------------------------------------------------------

def test_twitwi_profiles():
    profiles = shared("twitwi_getProfiles.json")
    r = map_one(profiles, "bluesky.profiles")
    yomgui = r.tables["accounts"][acct("did:plc:5klvtukw5fucxsrkjldhrjxs")]
    assert yomgui["handle"] == "yomguithereal.bsky.social"
    assert (yomgui["followers"], yomgui["following"], yomgui["posts_count"]) == (64, 108, 2)
    assert yomgui["bio"] == "Research Engineer at SciencesPo's médialab."
    assert yomgui["created_at"] == datetime(2023, 10, 10, 14, 58, 21, 49000, tzinfo=UTC)
    assert r.tables["accounts"][acct("did:plc:eclio37ymobqex2ncko63h4r")]["followers"] == 1120434
    assert r.tables["accounts"][acct("did:plc:mmbei6khrn63ray3xts7x5gz")]["display_name"] == ""

    known = {(f["did"], p["did"]) for p in profiles
             for f in p.get("viewer", {}).get("knownFollowers", {}).get("followers", [])}
    follows = rows(r, "interactions", kind="follow")
    assert {(f["source"][8:], f["target"][8:]) for f in follows} == known
    assert len(follows) == len(known) == 20
    dids = {p["did"] for p in profiles} | {k[0] for k in known}
    assert set(r.tables["accounts"]) == {acct(d) for d in dids}


def test_thread_record_with_media():
    doc = shared("getPostThread_recordWithMedia.json")
    r = map_one(doc, "bluesky.thread")
    anchor = doc["thread"]["post"]
    quoted_uri = anchor["record"]["embed"]["record"]["record"]["uri"]
    post = r.tables["posts"][post_uid(anchor["uri"])]
    assert post["quote_of"] == post_uid(quoted_uri) == post_uid(
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kahesw26il2z")
    assert post["text"] == "" and (post["likes"], post["reposts"], post["replies"]) == (0, 0, 0)
    quoted = r.tables["posts"][post_uid(quoted_uri)]
    assert quoted["text"] == "test"
    assert quoted["created_at"] == datetime(2023, 9, 28, 12, 46, 18, 414000, tzinfo=UTC)
    (quote,) = rows(r, "interactions", kind="quote")
    assert quote["target_post"] == quoted["uid"] and quote["post"] == post["uid"]
    (media,) = r.tables["media"].values()
    view = anchor["embed"]["media"]["images"][0]
    assert (media["url"], media["preview_url"]) == (view["fullsize"], view["thumb"])
    assert media["uid"].endswith("#bafkreic3cp5ky525vsukjvrzxsc2h3jka2gud74l2hgeatw2rhj2qycnmq")
    author = r.tables["accounts"][acct("did:plc:kvwvcn5iqfooopmyzvb4qzba")]
    assert (author["handle"], author["display_name"]) == ("test.marshal.dev", "Python SDK")


def test_get_follows():
    doc = shared("getFollows.json")
    r = map_one(doc, "bluesky.follows")
    subject = acct(doc["subject"]["did"])
    assert r.tables["accounts"][subject]["handle"] == "test.marshal.dev"
    follows = rows(r, "interactions", kind="follow")
    assert len(follows) == len(doc["follows"]) == 6
    assert {f["source"] for f in follows} == {subject}
    assert {f["target"] for f in follows} == {acct(p["did"]) for p in doc["follows"]}
    # the viewer is the subject here, so viewer.following is the subject's own follow record
    assert {f["uid"] for f in follows} == {
        "bluesky:" + p["viewer"]["following"] for p in doc["follows"]}
    why = r.tables["accounts"][acct("did:plc:vpkhqolt662uhesyj6nxm7ys")]
    assert why["handle"] == "why.bsky.team" and why["display_name"] == "Why"


# --- own fixtures ---------------------------------------------------------------------------------

ALICE, BOB, CAROL = ("did:plc:a1icea1icea1icea1icea1ic", "did:plc:bobbobbobbobbobbobbobbob",
                     "did:plc:carolcarolcarolcarolcaro")
ERIN, DAVE = "did:plc:erinerinerinerinerinerin", "did:web:dave.example.org"


def test_author_feed_with_reposts():
    doc = own("getAuthorFeed_reposts.json")
    r = map_one(doc, "bluesky.feed")
    feed = doc["feed"]
    views = [i["post"] for i in feed]
    views += [i["reply"][k] for i in feed if "reply" in i for k in ("root", "parent")
              if "record" in i["reply"][k]]
    views += [v["embed"]["record"] for v in list(views)
              if v.get("embed", {}).get("$type") == "app.bsky.embed.record#view"]
    reasons = [i["reason"] for i in feed
               if i.get("reason", {}).get("$type") == "app.bsky.feed.defs#reasonRepost"]
    assert len(r.tables["posts"]) == len({v["uri"] for v in views}) + len(reasons) == 10
    assert len(rows(r, "interactions", kind="repost")) == len(reasons) == 2

    dave = post_uid(f"at://{DAVE}/app.bsky.feed.post/3ldave00001")
    with_uri = r.tables["posts"][f"bluesky:at://{ALICE}/app.bsky.feed.repost/3lalicerp01"]
    assert with_uri["repost_of"] == dave and with_uri["account_uid"] == acct(ALICE)
    assert with_uri["created_at"] == datetime(2025, 3, 1, 10, tzinfo=UTC)
    carol_quote = post_uid(f"at://{CAROL}/app.bsky.feed.post/3lcarol0002")
    synthetic = f"bluesky:repost:{ALICE}:{carol_quote[8:]}"
    assert r.tables["posts"][synthetic]["repost_of"] == carol_quote
    assert r.tables["interactions"][synthetic]["target"] == acct(CAROL)

    # the pinned video is not a repost
    video = post_uid(f"at://{ALICE}/app.bsky.feed.post/3lalice0003")
    assert not rows(r, "posts", repost_of=video)
    (clip,) = rows(r, "media", post=video)
    assert clip["kind"] == "video" and clip["url"].endswith("/playlist.m3u8")
    assert clip["alt_text"] == "crowd clapping"
    assert rows(r, "entities", post=video, kind="hashtag")[0]["normalized"] == "meetup2025"

    first = post_uid(f"at://{ALICE}/app.bsky.feed.post/3lalice0001")
    ents = {(e["kind"], e["value"]) for e in rows(r, "entities", post=first)}
    assert ents == {("mention", "bob.example.com"), ("hashtag", "OSINT"),
                    ("url", "https://example.org/agenda?day=1"), ("domain", "example.org"),
                    ("url", "https://news.example.co.uk/story/42"), ("domain", "example.co.uk")}
    (mention,) = rows(r, "interactions", kind="mention", post=first)
    assert mention["target"] == acct(BOB)
    assert r.tables["posts"][first]["likes"] == 5 and r.tables["posts"][first]["quotes"] == 1

    reply = r.tables["posts"][post_uid(f"at://{ALICE}/app.bsky.feed.post/3lalice0002")]
    assert reply["reply_to"] == post_uid(f"at://{BOB}/app.bsky.feed.post/3lbob00001")
    assert reply["conversation"] == post_uid(f"at://{CAROL}/app.bsky.feed.post/3lcarol0001")
    # the quoted view record carries its own metrics and reply
    bob = r.tables["posts"][reply["reply_to"]]
    assert bob["likes"] == 3 and bob["reply_to"] == reply["conversation"]
    assert r.tables["posts"][carol_quote]["quote_of"] == bob["uid"]
    assert len(rows(r, "media", post=dave)) == 2
    photos = {m["alt_text"]: m for m in rows(r, "media", post=dave)}
    assert photos["harbour at dusk"]["url"].endswith("/bafkreidaveimg1@jpeg")

    # a reply to a post that is gone: reply_to kept, no post invented for it
    gone = post_uid(f"at://{ERIN}/app.bsky.feed.post/3lerin00009")
    assert gone not in r.tables["posts"]
    assert rows(r, "posts", reply_to=gone)


def test_thread_with_parent_and_replies():
    doc = own("getPostThread_parent_replies.json")
    r = map_one(doc, "bluesky.thread")
    nodes, stack = [], [doc["thread"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack += ([node["parent"]] if "parent" in node else []) + node.get("replies", [])
    posts = [n["post"] for n in nodes if "post" in n]
    quoted = [p["embed"]["record"]["record"] for p in posts
              if p.get("embed", {}).get("$type") == "app.bsky.embed.recordWithMedia#view"]
    assert len(r.tables["posts"]) == len(posts) + len(quoted) == 5
    skipped = [n["uri"] for n in nodes if "post" not in n]
    assert len(skipped) == 2 and not any(post_uid(u) in r.tables["posts"] for u in skipped)

    anchor = post_uid(f"at://{BOB}/app.bsky.feed.post/3lbob00001")
    root = post_uid(f"at://{CAROL}/app.bsky.feed.post/3lcarol0001")
    assert r.tables["posts"][anchor]["reply_to"] == root
    assert r.tables["posts"][anchor]["replies"] == 3
    sub = post_uid(f"at://{ALICE}/app.bsky.feed.post/3lalice0005")
    assert r.tables["posts"][sub]["reply_to"] == anchor
    dave = post_uid(f"at://{DAVE}/app.bsky.feed.post/3ldave00001")
    assert r.tables["posts"][sub]["quote_of"] == dave
    nested = r.tables["posts"][post_uid(f"at://{BOB}/app.bsky.feed.post/3lbob00002")]
    assert nested["reply_to"] == sub and nested["conversation"] == root
    (m,) = rows(r, "interactions", kind="mention")
    assert (m["source"], m["target"], m["post"]) == (acct(BOB), acct(ALICE), nested["uid"])
    assert len(rows(r, "interactions", kind="reply")) == sum(
        "reply" in p["record"] for p in posts) == 3
    # media of the embedded (quoted) record view come through its `embeds`
    assert len(rows(r, "media", post=dave)) == 2
    (photo,) = rows(r, "media", post=sub)
    assert photo["alt_text"] == "slides" and photo["url"].endswith("/bafkreialicephoto@jpeg")


def test_search_posts_envelope():
    doc = own("searchPosts.json")
    r = map_one(doc, "bluesky.feed")
    assert set(r.tables["posts"]) == {post_uid(p["uri"]) for p in doc["posts"]}


def test_get_followers():
    doc = own("getFollowers.json")
    r = map_one(doc, "bluesky.follows")
    follows = rows(r, "interactions", kind="follow")
    assert {(f["source"], f["target"]) for f in follows} == {
        (acct(p["did"]), acct(CAROL)) for p in doc["followers"]}
    # a follower's viewer.following is the investigator's follow, not this edge
    assert f"bluesky:follow:{ALICE}:{CAROL}" in r.tables["interactions"]
    assert not any("app.bsky.graph.follow" in uid for uid in r.tables["interactions"])
    assert r.tables["accounts"][acct(CAROL)]["bio"] == "Bio of Carol ☀"


def test_profiles_envelope():
    doc = own("getProfiles.json")
    r = map_one(doc, "bluesky.profiles")
    alice = r.tables["accounts"][acct(ALICE)]
    assert alice["verified"] is True and alice["followers"] == 1200
    erin = r.tables["accounts"][acct(ERIN)]
    assert erin["handle"] is None and erin["followers"] == 17 and erin["verified"] is None
    assert {(f["source"], f["target"]) for f in rows(r, "interactions", kind="follow")} == {
        (acct(BOB), acct(ALICE)), (acct(CAROL), acct(ALICE))}
    single = map_one(doc["profiles"][0], "bluesky.profiles")
    assert single.tables["accounts"][acct(ALICE)]["handle"] == "alice.example.com"


def test_own_jetstream_cases():
    events = own("jetstream_cases.jsonl")
    each = [map_one(e, "bluesky.jetstream") for e in events]
    quote, reply, clip, like, like_gen, repost, follow = each[:7]
    erin1 = post_uid(f"at://{ERIN}/app.bsky.feed.post/3lerin00001")
    p = quote.tables["posts"][erin1]
    assert p["language"] == "de"
    assert p["quote_of"] == post_uid(f"at://{DAVE}/app.bsky.feed.post/3ldave00001")
    # the tag and link facets follow a 4-byte emoji: their offsets are UTF-8 bytes
    assert {(e["kind"], e["normalized"]) for e in rows(quote, "entities", post=erin1)} == {
        ("mention", "carol.bsky.social"), ("hashtag", "harbour2025"),
        ("url", "https://tickets.example.net/"), ("domain", "example.net")}
    assert rows(quote, "interactions", kind="mention")[0]["target"] == acct(CAROL)
    assert rows(quote, "interactions", kind="quote")[0]["target"] == "bluesky:" + DAVE

    erin2 = reply.tables["posts"][post_uid(f"at://{ERIN}/app.bsky.feed.post/3lerin00002")]
    assert erin2["reply_to"] == post_uid(f"at://{CAROL}/app.bsky.feed.post/3lcarol0003")
    assert erin2["conversation"] == post_uid(f"at://{DAVE}/app.bsky.feed.post/3ldave00001")
    assert erin2["quote_of"] == post_uid(f"at://{BOB}/app.bsky.feed.post/3lbob00001")
    (gif,) = reply.tables["media"].values()
    assert gif["kind"] == "gif" and gif["uid"] == erin2["uid"] + "#bafkreierinview"

    (video,) = clip.tables["media"].values()
    assert video["kind"] == "video" and video.get("url") is None
    assert {e["normalized"] for e in clip.tables["entities"].values()} == {"harbour", "boats"}

    (lk,) = like.tables["interactions"].values()
    assert lk["target_post"] == erin1 and lk["target"] == acct(ERIN)
    (lg,) = like_gen.tables["interactions"].values()  # a liked feed generator is not a post
    assert lg["target"] == acct(CAROL) and lg["target_post"] is None

    rp_uid = f"bluesky:at://{CAROL}/app.bsky.feed.repost/3lcarolrp01"
    assert repost.tables["posts"][rp_uid]["repost_of"] == post_uid(
        f"at://{ERIN}/app.bsky.feed.post/3lerin00003")
    assert follow.tables["interactions"][
        f"bluesky:at://{DAVE}/app.bsky.graph.follow/3ldavefol01"]["target"] == acct(ERIN)

    unrepost, unlike, unfollow, delete, profile, block, status = each[7:14]
    assert unrepost.tables["posts"][rp_uid]["deleted"] is True
    assert unrepost.tables["interactions"][rp_uid]["deleted"] is True
    assert unlike.tables["interactions"][lk["uid"]]["deleted"] is True
    assert unfollow.tables["interactions"][
        f"bluesky:at://{DAVE}/app.bsky.graph.follow/3ldavefol01"]["deleted"] is True
    assert delete.tables["posts"][erin2["uid"]]["deleted"] is True
    a = profile.tables["accounts"][acct(ALICE)]
    assert (a["display_name"], a["bio"]) == ("Alice (travelling)", "OSINT, harbours, coffee")
    assert block.count() == 0 and status.count() == 0

    identity, takendown, deactivated, active = each[14:]
    assert identity.tables["accounts"][acct(ERIN)]["handle"] == "erin.example.net"
    assert takendown.tables["accounts"][acct(DAVE)]["deleted"] is True
    assert deactivated.tables["accounts"][acct(BOB)].get("deleted") is None
    assert active.tables["accounts"][acct(CAROL)]["deleted"] is False
    assert active.retrieved_at == datetime.fromtimestamp(events[-1]["time_us"] / 1e6,
                                                         tz=UTC)


def test_own_tap_cases():
    like, delete, identity, user = [map_one(e, "bluesky.tap") for e in own("tap_cases.jsonl")]
    (lk,) = like.tables["interactions"].values()
    assert lk["kind"] == "like" and lk["source"] == acct(BOB)
    assert lk["target_post"] == post_uid(f"at://{ALICE}/app.bsky.feed.post/3lalice0001")
    assert delete.tables["posts"][lk["target_post"]]["deleted"] is True
    assert identity.tables["accounts"][acct(CAROL)]["handle"] == "carol.example.org"
    assert user.tables["accounts"][acct(DAVE)]["deleted"] is True
    batch = map_one(own("tap_cases.jsonl"), "bluesky.tap_batch")
    assert len(batch.tables["accounts"]) == 4


# --- rejections and detection ---------------------------------------------------------------------

def test_rejections():
    with pytest.raises(RejectedItem):
        bluesky.map_item({}, "bluesky.nope")
    with pytest.raises(RejectedItem):
        bluesky.map_item({"kind": "commit", "time_us": 1}, "bluesky.jetstream")
    events = own("jetstream_cases.jsonl")
    with pytest.raises(RejectedItem):  # one broken event rejects the batch, kept as evidence
        bluesky.map_item(events[:2] + [{"did": ALICE, "kind": "commit", "commit": []}],
                         "bluesky.jetstream_batch")
    with pytest.raises(RejectedItem):
        bluesky.map_item({"subject": {"handle": "x"}, "follows": []}, "bluesky.follows")


def test_registry_routes_every_payload_to_bluesky():
    payloads = [shared(n) for n in ("twitwi_getProfiles.json", "twitwi_jetstream_post_events.json",
                                    "twitwi_tap_records.json", "getPostThread_recordWithMedia.json",
                                    "getFollows.json")]
    payloads += shared("jetstream_v1_events.jsonl")[:5]
    payloads += [own(p.name) for p in OWN.glob("*.json")] + own("tap_cases.jsonl")
    for payload in payloads:
        found = sources.detect(payload)
        module, fmt = found
        records = sources.map_detected(found, payload)
        assert module is bluesky and fmt.startswith("bluesky.") and records.count() > 0


def test_detect_ignores_other_platforms():
    root = shared_fixture("bluesky/getFollows.json").parents[1]
    checked = 0
    for path, doc in fixture_docs(p for p in root.rglob("*") if p.parent.name != "bluesky"):
        assert bluesky.detect(doc) is None, path
        checked += 1
    assert checked > 50
    assert bluesky.detect({"posts": []}) is None  # 4chan-like, no Bluesky content
    assert bluesky.detect({"feed": [], "cursor": "x"}) == "bluesky.feed"


JSON = json_with_keys(
    ["did", "kind", "time_us", "type", "id", "record", "thread", "post", "feed", "posts",
     "subject", "follows", "followers", "profiles", "handle", "uri", "author", "cursor", "x"],
    ["did:plc:x", "at://did:plc:x/app.bsky.feed.post/1", "commit", "record"],
    text_size=8, dict_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_detect_never_raises(value):
    fmt = survives(bluesky, value)
    assert fmt is None or fmt in FORMATS


# --- fuzz: mutated real and own payloads ----------------------------------------------------------

def _one_of_each(events):
    """The first event of each (kind, collection, operation): the real file's variety, small."""
    seen, out = set(), []
    for e in events:
        key = (e.get("kind"), e.get("commit", {}).get("collection"),
               e.get("commit", {}).get("operation"), "embed" in e.get("commit", {}).get(
                   "record", {}), "reply" in e.get("commit", {}).get("record", {}))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _fuzz_payloads():
    out = []
    for name in ("twitwi_jetstream_post_events.json", "twitwi_tap_records.json",
                 "getPostThread_recordWithMedia.json", "getFollows.json",
                 "twitwi_getProfiles.json"):
        out.append(pytest.param(("shared", name, None), id=name))
    out.append(pytest.param(("shared", "jetstream_v1_events.jsonl", _one_of_each),
                            id="jetstream"))
    for name in ("getAuthorFeed_reposts.json", "getPostThread_parent_replies.json",
                 "getFollowers.json", "getProfiles.json", "jetstream_cases.jsonl",
                 "tap_cases.jsonl"):
        pick = _one_of_each if name.startswith("jetstream") else list
        out.append(pytest.param(("own", name, pick), id="own-" + name))
    return out


@pytest.mark.parametrize("source", _fuzz_payloads())
def test_fuzz_mutated_payloads(source):
    where, name, pick = source
    data = shared(name) if where == "shared" else own(name)
    if name.endswith(".jsonl"):  # lines are separate items; fuzz them together as a batch
        data = pick(data)
        fmt = "bluesky.jetstream_batch" if data[0].get("kind") else "bluesky.tap_batch"
    else:
        fmt = bluesky.detect(data)

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated(data))
    def run(doc):
        assert survives(bluesky, doc, fmt) in FORMATS | {None}

    run()
