"""Reddit mapper: golden facts from real and hand-written payloads, JSON-walk counts, fuzz."""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources import reddit
from socmint.sources.common import CsvRow
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fuzz_each, json_with_keys, mutated, survives

GONE = {"[removed]", "[deleted]"}
SUB, COM = "reddit.pushshift_submission", "reddit.pushshift_comment"
PAGE, LISTING = "reddit.comments_page", "reddit.listing"


# ---------------------------------------------------------------- helpers

def load(path):
    if path.suffix in (".ndjson", ".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def shared(name: str):
    return load(shared_fixture(f"reddit/{name}"))


def own(name: str):
    return load(OWN_FIXTURES / "reddit" / name)


def mapped(payload, fmt: str | None = None) -> Records:
    found = reddit.detect(payload)
    if fmt is not None:
        assert found == fmt
    assert found, "not detected"
    records = reddit.map_item(payload, found)
    arrow_ok(records)
    return records


def merged(lines, fmt: str) -> Records:
    """All lines of a dump, each mapped on its own (as the import does), in one Records."""
    out = Records()
    for line in lines:
        for table, rows_ in mapped(line, fmt).tables.items():
            for row in rows_.values():
                out.add(table, dict(row))
    return out


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def at(epoch) -> datetime:
    return datetime.fromtimestamp(float(epoch), UTC)


def user(name: str) -> str:
    return "reddit:u/" + name.lower()


def things(payload) -> list[tuple[str, dict]]:
    """(kind, data) of every submission and comment in a payload, by a plain walk of the JSON:
    API things (`kind` t1/t3), dump lines and crosspost parents (bare objects)."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("kind") in ("t1", "t3") and isinstance(node.get("data"), dict):
                out.append((node["kind"], node["data"]))
                node = node["data"]
            elif "subreddit" in node and "created_utc" in node and (
                    "body" in node or "title" in node):
                out.append(("t1" if "body" in node else "t3", node))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(payload)
    return out


def uid_of(kind: str, d: dict) -> str:
    return f"reddit:{kind}_{d['id']}"


def author_of(d: dict) -> str | None:
    name = d.get("author")
    return None if name in (None, "[deleted]") else user(name)


def words(s: str, prefix: str, shortest: int, longest: int) -> set[str]:
    """Names written as "u/x" or "/u/x" (prefix "u/") in text, split on spaces and punctuation."""
    out = set()
    for word in re.split(r"[\s()\[\],.:;!?*'\"]+", s.replace("\\_", "_")):
        w = word[1:] if word.startswith("/") else word
        if w.startswith(prefix):
            name = w[2:].split("/")[0]
            if shortest <= len(name) <= longest and all(c.isalnum() or c in "_-" for c in name):
                out.add(name.lower())
    return out


def urls_in(s: str) -> set[str]:
    return {w.replace("\\", "").rstrip(".,;:!?*")
            for w in re.split(r"[\s<>\[\]()\"'`]+", s) if w.startswith(("http://", "https://"))}


def text_of(kind: str, d: dict) -> str:
    keys = ("body",) if kind == "t1" else ("title", "selftext")
    parts = [d.get(k) or "" for k in keys]
    return html.unescape("\n\n".join(p for p in parts if p not in GONE))


def check_counts(payload, records) -> None:
    """What the mapper found equals what a plain walk of the raw JSON finds."""
    found = things(payload)
    posts = records.tables["posts"]
    assert set(posts) == {uid_of(k, d) for k, d in found}
    by_fullname = {f"{k}_{d['id']}": d for k, d in found}
    replies, reposts, mentions, communities, urls, accounts = {}, {}, set(), set(), set(), set()
    for k, d in found:
        uid = uid_of(k, d)
        p = posts[uid]
        author = author_of(d)
        accounts.add(author)
        assert p["kind"] == ("comment" if k == "t1" else "submission")
        assert p["native_id"] == uid[7:]
        assert p["community"] == "reddit:r/" + d["subreddit"].lower()
        assert p["created_at"] == at(d["created_utc"])
        assert p["account_uid"] == author
        hidden = d.get("score_hidden") is True or d.get("hide_score") is True
        assert p.get("likes") == (None if hidden else int(d["score"]))
        body = d["body"] if k == "t1" else d.get("selftext")
        if body in GONE:
            assert p["deleted"] is True and body not in (p.get("text") or "")
        if "permalink" in d:
            assert p["url"] == "https://www.reddit.com" + d["permalink"]
        if k == "t1":
            assert p["reply_to"] == "reddit:" + d["parent_id"]
            assert p["conversation"] == "reddit:" + d["link_id"]
            if author:
                parent = by_fullname.get(d["parent_id"])
                target = author_of(parent) if parent else None
                if parent is None and d["parent_id"] == d["link_id"]:  # a user's history
                    target = author_of({"author": d.get("link_author")})
                    accounts.add(target)
                replies[uid] = (target, "reddit:" + d["parent_id"])
        else:
            assert p.get("replies") == d.get("num_comments")
            assert p["conversation"] == uid
            if d.get("crosspost_parent"):
                parent = by_fullname.get(d["crosspost_parent"])
                reposts[uid] = (author_of(parent) if parent else None,
                                "reddit:" + d["crosspost_parent"])
                assert p["repost_of"] == "reddit:" + d["crosspost_parent"]
            link = html.unescape(d.get("url") or "")
            if not d.get("is_self") and not d.get("is_gallery") and link:
                urls.add((uid, "https://www.reddit.com" + link if link[0] == "/" else link))
            for item in (d.get("gallery_data") or {}).get("items", []):
                if item.get("outbound_url"):
                    urls.add((uid, item["outbound_url"]))
        t = text_of(k, d)
        mentions |= {(uid, author, name) for name in words(t, "u/", 3, 20)}
        communities |= {(uid, name) for name in words(t, "r/", 2, 21)}
        urls |= {(uid, u) for u in urls_in(t)}

    inter = records.tables["interactions"].values()
    assert {i["post"]: (i["target"], i["target_post"]) for i in inter
            if i["kind"] == "reply"} == replies
    assert {i["post"]: (i["target"], i["target_post"]) for i in inter
            if i["kind"] == "repost"} == reposts
    assert {(i["post"], i["target"]) for i in inter if i["kind"] == "mention"} == {
        (uid, user(name)) for uid, author, name in mentions if author}
    ents = records.tables["entities"].values()
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "mention"} == {
        (uid, "u/" + name) for uid, _, name in mentions}
    assert {(e["post"], e["normalized"]) for e in ents if e["kind"] == "community"} == {
        (uid, "r/" + name) for uid, name in communities}
    assert {(e["post"], e["value"]) for e in ents if e["kind"] == "url"} == urls
    assert set(records.tables["accounts"]) == accounts - {None}


def retrieval(line: dict) -> datetime | None:
    times = [line.get("retrieved_on"), line.get("retrieved_utc"), line.get("updated_on"),
             (line.get("_meta") or {}).get("retrieved_2nd_on")]
    times = [at(t) for t in times if t is not None]
    return max(times) if times else None


# ---------------------------------------------------------------- shared fixtures: golden facts

def test_pushshift_submissions_dump():
    lines = shared("pushshift_submissions_RS_2024-02.ndjson")
    assert len(lines) == 31
    assert {type(x["created_utc"]) for x in lines} == {int, float, str}
    for line in lines:
        r = mapped(line, SUB)
        check_counts(line, r)
        assert r.retrieved_at == retrieval(line)
        assert set(r.tables["accounts"]) == {author_of(d) for _, d in things(line)} - {None}
    r = merged(lines, SUB)
    assert len(r.tables["posts"]) == 32  # 31 lines and the crosspost's parent
    # The crosspost and its parent, mapped from crosspost_parent_list.
    xp = r.tables["posts"]["reddit:t3_1afwvv9"]
    assert xp["repost_of"] == "reddit:t3_1abw4nj"
    assert xp["account_uid"] == "reddit:u/beastking_17"
    assert xp["community"] == "reddit:r/u_beastking_17"  # posted to the user's own profile
    (rp,) = rows(r, "interactions", kind="repost")
    assert (rp["source"], rp["target"], rp["post"], rp["target_post"]) == (
        "reddit:u/beastking_17", "reddit:u/romano16", xp["uid"], "reddit:t3_1abw4nj")
    parent = r.tables["posts"]["reddit:t3_1abw4nj"]
    assert (parent["community"], parent["likes"], parent["replies"], parent["created_at"]) == (
        "reddit:r/publicfreakout", 1697, 252, at(1706311301))
    assert r.tables["accounts"]["reddit:u/romano16"]["native_id"] == "t2_11ctdi"
    (video,) = rows(r, "media", post=parent["uid"])
    assert (video["kind"], video["url"], video["width"], video["height"]) == (
        "video", "https://v.redd.it/74ah6jubbvec1/DASH_480.mp4?source=fallback", 480, 854)
    # 2005: no author_fullname; three of the first five submissions are kn0thing's.
    kn = r.tables["accounts"]["reddit:u/kn0thing"]
    assert (kn["handle"], kn.get("native_id")) == ("kn0thing", None)
    assert len(rows(r, "posts", account_uid=kn["uid"])) == 3
    # Old dumps escape &, < and >; unescaped once in text and in the link.
    assert r.tables["posts"]["reddit:t3_1v3sg"]["text"] == "NUMBERS & WEB SITES"
    assert [e["value"] for e in rows(r, "entities", post="reddit:t3_1v3sg", kind="url")] == [
        "http://www.nola.com/hurricane/t-p/index.ssf?/base/news-3/118042089721740.xml"
        "&coll=1&thispage=23"]
    # "[removed]" selftext: the title stays, the post is marked deleted.
    removed = r.tables["posts"]["reddit:t3_abdn5a"]
    assert removed["text"] == "What new stone sales are coming with the years banner on global?"
    assert removed["deleted"] is True and removed["account_uid"] == "reddit:u/sooon-gokuuu"
    # Arctic-Shift kept the text of posts deleted later, and says so in _meta.
    later = {f"reddit:t3_{x['id']}" for x in lines if (x.get("_meta") or {}).get(
        "was_deleted_later")}
    assert len(later) == 3
    assert {p["uid"] for p in r.tables["posts"].values() if p.get("deleted")} == later | {
        removed["uid"]}
    assert r.tables["posts"]["reddit:t3_1afwvvg"]["text"].startswith("22[F4M]")
    # Media: 5 images inline in a self post, 2 image links, 1 embed, the parent's video.
    jk = next(x for x in lines if x["id"] == "jk3lbh")
    assert {(m["uid"], m["kind"], m["width"], m["height"]) for m in rows(
        r, "media", post="reddit:t3_jk3lbh")} == {
        (f"reddit:t3_jk3lbh#{k}", "photo", v["s"]["x"], v["s"]["y"])
        for k, v in jk["media_metadata"].items()}
    assert rows(r, "media", post="reddit:t3_1afwvva")[0]["url"] == (
        "https://i.redd.it/lkx6ajtx6vfc1.jpeg")
    assert rows(r, "media", post="reddit:t3_1afwvve")[0]["width"] == 2014
    (embed,) = rows(r, "media", post="reddit:t3_1afwvvi")
    assert (embed["kind"], embed["url"]) == (
        "video", "https://www.redgifs.com/watch/glitteringirresponsiblemosasaur")
    assert len(r.tables["media"]) == 9
    # Communities and links written in a self post's table.
    nba = "reddit:t3_1afwvvf"
    assert {e["value"] for e in rows(r, "entities", post=nba, kind="community")} == {
        "r/mavericks", "r/timberwolves"}
    assert len(rows(r, "entities", post=nba, kind="url")) == 4
    assert [e["value"] for e in rows(r, "entities", post=nba, kind="domain")] == ["nba.com"]


def test_pushshift_comments_dump():
    lines = shared("pushshift_comments_RC_2024-02.ndjson")
    assert len(lines) == 27
    assert {type(x["created_utc"]) for x in lines} == {int, float, str}
    for line in lines:
        r = mapped(line, COM)
        check_counts(line, r)
        assert r.retrieved_at == retrieval(line)
    r = merged(lines, COM)
    posts = r.tables["posts"]
    assert sum(p["reply_to"].startswith("reddit:t3_") for p in posts.values()) == 18
    assert sum(p["reply_to"].startswith("reddit:t1_") for p in posts.values()) == 9
    # A reply needs an actor; parents are never in the same line, so no targets.
    replies = rows(r, "interactions", kind="reply")
    assert len(replies) == sum(x["author"] != "[deleted]" for x in lines) == 22
    assert {i["target"] for i in replies} == {None}
    bot = posts["reddit:t1_kod0bke"]
    assert (bot["account_uid"], bot["reply_to"], bot["conversation"]) == (
        "reddit:u/bitty_bot", "reddit:t1_kihqg38", "reddit:t3_199i3jp")
    (m,) = rows(r, "interactions", kind="mention")
    assert (m["source"], m["target"], m["post"]) == (
        "reddit:u/bitty_bot", "reddit:u/cultural_entrance312", bot["uid"])
    assert [e["value"] for e in rows(r, "entities", kind="mention")] == ["u/Cultural_Entrance312"]
    assert [e["value"] for e in rows(r, "entities", kind="community")] == ["r/BitcoinMarkets"]
    # Deleted author and removed body: the comment stays, without text or author.
    gone = posts["reddit:t1_kod0bkj"]
    assert (gone.get("account_uid"), gone.get("text"), gone["deleted"]) == (None, None, True)
    assert gone["reply_to"] == "reddit:t3_1afnkw1"
    # Deleted account, comment kept.
    kept = posts["reddit:t1_c15"]
    assert (kept.get("account_uid"), kept["text"], kept.get("deleted")) == (
        None, "Jython related topics by Frank Wierzbicki", None)
    assert posts["reddit:t1_c0cmuoo"]["text"].startswith(">Nebraska\n>Diocese of Grand Island")
    # No permalink in old dumps: the canonical comment URL is built from its ids.
    old = posts["reddit:t1_c63fp23"]
    assert old["url"] == "https://www.reddit.com/r/AdviceAnimals/comments/zc8wo/_/c63fp23/"
    assert (old["likes"], old["created_at"]) == (84, at(1346790399))
    assert posts["reddit:t1_c0cmuol"]["created_at"] == datetime(2009, 9, 1, tzinfo=UTC)


def test_api_comment_tree():
    raw = shared("praw_submission_comment_tree.json")
    r = mapped(raw, PAGE)
    check_counts(raw, r)
    kinds = [c["kind"] for c in _walk_children(raw[1])]
    assert (kinds.count("t1"), kinds.count("more")) == (145, 1)
    posts = r.tables["posts"]
    assert len(posts) == 146 and "reddit:t1__" not in posts  # the `more` stub is not a post
    sub = posts["reddit:t3_57dw9a"]
    assert sub["text"].startswith("I’m American citizen, undecided voter, loving husband Ken Bone"
                                  ", Welcome to the Bone Zone! AMA\n\nHello Reddit,")
    assert (sub["account_uid"], sub["likes"], sub["replies"], sub["community"]) == (
        "reddit:u/stangibson18", 113566, 16697, "reddit:r/iama")
    assert sub["created_at"] == datetime(2016, 10, 14, 1, 21, 33, tzinfo=UTC)  # not `created`
    assert {e["value"] for e in rows(r, "entities", post=sub["uid"], kind="url")} == {
        "https://represent.com/bonezone/", "http://i.imgur.com/GdMsMZ9.jpg"}
    first = posts["reddit:t1_d8r4im1"]
    assert (first["account_uid"], first["reply_to"]) == (
        "reddit:u/the_great_shazbot", sub["uid"])
    (i,) = rows(r, "interactions", kind="reply", post=first["uid"])
    assert i["target"] == "reddit:u/stangibson18"
    # Depth 9, the deepest comment: KingKamehamehaWave answering vikesfanben28.
    deep = posts["reddit:t1_d8rzxi2"]
    assert (deep["account_uid"], deep["reply_to"]) == (
        "reddit:u/kingkamehamehawave", "reddit:t1_d8rzscp")
    assert rows(r, "interactions", kind="reply", post=deep["uid"])[0]["target"] == (
        "reddit:u/vikesfanben28")
    chain, p = [], deep
    while p["kind"] == "comment":
        chain.append(p["uid"])
        p = posts[p["reply_to"]]
    assert len(chain) == 10 and p is sub and {posts[c]["conversation"] for c in chain} == {
        sub["uid"]}
    assert [e["value"] for e in rows(r, "entities", post="reddit:t1_d8r9nay", kind="mention")] == [
        "u/ChrisHardwick"]
    # A deleted account's comment keeps its text but makes no interaction.
    orphan = posts["reddit:t1_d8r8zew"]
    assert orphan.get("account_uid") is None and orphan["text"].startswith("Wait, what?")
    assert not rows(r, "interactions", post=orphan["uid"])
    assert r.retrieved_at is None


def _walk_children(listing):
    out, stack = [], list(listing["data"]["children"])
    while stack:
        c = stack.pop()
        out.append(c)
        replies = c["data"].get("replies") if c["kind"] == "t1" else None
        if replies:
            stack.extend(replies["data"]["children"])
    return out


def test_api_context_chain():
    raw = shared("praw_comment_context_chain.json")
    r = mapped(raw, PAGE)
    check_counts(raw, r)
    posts = r.tables["posts"]
    assert len(posts) == 11
    assert set(r.tables["accounts"]) == {
        "reddit:u/okredditbot", "reddit:u/bboe", "reddit:u/cdrootrmdashrfstar"}
    assert len(rows(r, "posts", account_uid="reddit:u/bboe")) == 6
    assert posts["reddit:t1_d81vwef"]["reply_to"] == "reddit:t3_54hhwl"
    # The two leaves at depth 8 both answer cdrootrmdashrfstar's d8320uo.
    for leaf in ("reddit:t1_d836mqd", "reddit:t1_d83h2x4"):
        assert posts[leaf]["reply_to"] == "reddit:t1_d8320uo"
        (i,) = rows(r, "interactions", kind="reply", post=leaf)
        assert (i["source"], i["target"]) == ("reddit:u/bboe", "reddit:u/cdrootrmdashrfstar")
    assert len(rows(r, "interactions", kind="reply")) == 10


def test_api_search_listing():
    raw = shared("praw_search_listing.json")
    r = mapped(raw, LISTING)
    check_counts(raw, r)
    posts = r.tables["posts"]
    assert len(posts) == 6 and {p["kind"] for p in posts.values()} == {"submission"}
    first = posts["reddit:t3_3gpbiu"]
    assert first["text"].startswith("[PRAW][OAuth2Util] Problem using get_banned()")
    assert (first["likes"], first["replies"], first["community"]) == (
        0, 21, "reddit:r/redditdev")
    assert {e["normalized"] for e in rows(r, "entities", post=first["uid"], kind="community")} == {
        "r/redditdev", "r/europe"}
    assert posts["reddit:t3_4at068"]["community"] == "reddit:r/p18s"
    assert posts["reddit:t3_4at068"]["text"].startswith("たびたび話題になる")
    assert not rows(r, "media")


def test_api_redditor_about():
    raw = shared("praw_redditor_about.json")
    r = mapped(raw, "reddit.account")
    (a,) = r.tables["accounts"].values()
    assert (a["uid"], a["native_id"], a["handle"]) == (
        "reddit:u/watchful1", "t2_d0z23", "Watchful1")
    assert a["created_at"] == at(1378424297)
    assert a["bio"].startswith("Runs u/RemindMeBot and u/UpdateMeBot")
    assert a["followers"] == raw["data"]["subreddit"]["subscribers"] == 156
    assert a["avatar_url"] == raw["data"]["icon_img"]
    assert a.get("display_name") is None  # the profile title is empty
    assert raw["data"]["verified"] is True and a.get("verified") is None  # e-mail, not identity
    assert a.get("posts_count") is None and a.get("following") is None
    assert not r.tables["posts"] and r.retrieved_at is None


# ---------------------------------------------------------------- own fixtures

def test_own_submissions_of_every_year():
    lines = own("pushshift_submissions.ndjson")
    for line in lines:
        r = mapped(line, SUB)
        check_counts(line, r)
        assert r.retrieved_at == retrieval(line)
    r = merged(lines, SUB)
    posts = r.tables["posts"]
    p = posts["reddit:t3_6mxk2"]  # 2008, created_utc a string
    assert (p["text"], p["created_at"]) == (
        "Floods & levees: the <official> report", datetime(2008, 6, 13, tzinfo=UTC))
    assert r.tables["accounts"]["reddit:u/geowatcher"].get("native_id") is None
    assert {e["value"] for e in rows(r, "entities", post=p["uid"])} == {
        "http://example-news.org/report?id=7&page=2", "example-news.org"}
    p = posts["reddit:t3_uhb2k"]  # deleted by its author
    assert (p.get("account_uid"), p["text"], p["deleted"]) == (
        None, "How were river floods measured before gauges?", True)
    p = posts["reddit:t3_c7pq1r"]  # removed by moderators
    assert (p["account_uid"], p["text"], p["deleted"]) == (
        "reddit:u/quiet_reporter", "Levee gossip thread", True)
    assert r.tables["accounts"]["reddit:u/quiet_reporter"]["created_at"] == at(1514764800)
    p = posts["reddit:t3_ob1k2x"]  # edited, hidden score, mentions, links
    assert p.get("likes") is None and (p["replies"], p["reposts"]) == (18, 2)
    assert {e["value"] for e in rows(r, "entities", post=p["uid"], kind="mention")} == {
        "u/Gauge_Reader", "u/hydro_nerd"}
    assert {i["target"] for i in rows(r, "interactions", post=p["uid"], kind="mention")} == {
        "reddit:u/gauge_reader", "reddit:u/hydro_nerd"}
    assert {e["value"] for e in rows(r, "entities", post=p["uid"], kind="community")} == {
        "r/weather", "r/Hydrology"}
    assert {e["value"] for e in rows(r, "entities", post=p["uid"], kind="url")} == {
        "https://check-for-flooding.example.gov.uk/river-levels?area=York",
        "https://data.example.org/gauges.csv", "https://www.reddit.com/r/floodwatch/wiki/rules"}
    # Gallery: order, captions, the gif, the outbound link; the failed item has nothing to keep.
    g = rows(r, "media", post="reddit:t3_14nq9zz")
    assert [(m["uid"][-10:], m["kind"], m.get("alt_text"), m["width"]) for m in g] == [
        ("abc123img1", "photo", "Flooded bridge, north side", 1600),
        ("abc123img2", "photo", "Gauge at 4.2 m", 1080), ("abc123gif3", "gif", None, 480)]
    assert g[0]["url"] == "https://preview.redd.it/abc123img1.jpg?width=1600&format=pjpg&s=aa3"
    assert {e["value"] for e in rows(r, "entities", post="reddit:t3_14nq9zz", kind="url")} == {
        "https://gauges.example.net/station/42"}  # not the reddit.com/gallery page
    # Crosspost of a hosted video.
    xp = posts["reddit:t3_1afx001"]
    assert (xp["repost_of"], xp["text"]) == ("reddit:t3_1abzz01", "Storm surge at the harbour wall")
    (rp,) = rows(r, "interactions", kind="repost")
    assert (rp["source"], rp["target"]) == ("reddit:u/relay_account", "reddit:u/stormchaseruk")
    (v,) = rows(r, "media", post="reddit:t3_1abzz01")
    assert (v["kind"], v["width"], v["preview_url"]) == (
        "video", 1280, "https://external-preview.redd.it/pv1.png?format=pjpg&auto=webp&s=dd1")
    # Image post deleted after Arctic-Shift's first retrieval.
    p = posts["reddit:t3_1afx002"]
    assert p["deleted"] is True and p["text"] == "Water in the underpass"
    (img,) = rows(r, "media", post=p["uid"])
    assert (img["kind"], img["url"], img["width"], img["height"]) == (
        "photo", "https://i.redd.it/img0002xyz.jpeg", 4000, 3000)
    # A link with an oembed, and a negative score.
    p = posts["reddit:t3_4qk2aa"]
    assert p["likes"] == -2
    (e,) = rows(r, "media", post=p["uid"])
    assert (e["kind"], e["url"], e["preview_url"]) == (
        "video", "https://www.youtube.com/watch?v=Zx9Example0",
        "https://i.ytimg.com/vi/Zx9Example0/hqdefault.jpg")
    assert mapped(lines[5]).retrieved_at == at(1706875209)  # _meta.retrieved_2nd_on


def test_own_comments_of_every_year():
    lines = own("pushshift_comments.ndjson")
    for line in lines:
        r = mapped(line, COM)
        check_counts(line, r)
        assert r.retrieved_at == retrieval(line)
    r = merged(lines, COM)
    posts = r.tables["posts"]
    p = posts["reddit:t1_c0350aa"]
    assert p["text"] == (
        "> the official report\n\nFull text at http://example-news.org/full.pdf, page 4.")
    assert p["url"] == "https://www.reddit.com/r/worldnews/comments/6mxk2/_/c0350aa/"
    p = posts["reddit:t1_c4v1bb1"]
    assert (p.get("account_uid"), p.get("text"), p["deleted"], p["reply_to"]) == (
        None, None, True, "reddit:t1_c4v0zz9")
    assert posts["reddit:t1_csm2cc2"].get("deleted") is None
    p = posts["reddit:t1_esx9dd4"]
    assert (p["account_uid"], p.get("text"), p["deleted"]) == (
        "reddit:u/quiet_reporter", None, True)
    p = posts["reddit:t1_h4k2ee5"]
    assert p.get("likes") is None  # score_hidden
    assert {i["target"] for i in rows(r, "interactions", post=p["uid"], kind="mention")} == {
        "reddit:u/gauge_reader", "reddit:u/stormchaseruk"}
    assert {e["value"] for e in rows(r, "entities", post=p["uid"], kind="url")} == {
        "https://www.reddit.com/r/floodwatch/wiki/rules",
        "https://maps.example.net/floods?layer=rivers&zoom=9"}
    (gif,) = rows(r, "media", post="reddit:t1_kod9ff6")
    assert (gif["uid"], gif["kind"], gif["url"]) == (
        "reddit:t1_kod9ff6#giphy|Xk2Example9", "gif", "https://giphy.com/media/Xk2Example9/giphy.gif")


def test_own_comments_page_with_more():
    raw = own("api_comments_page.json")
    r = mapped(raw, PAGE)
    check_counts(raw, r)
    posts = r.tables["posts"]
    assert len(posts) == 9 and "reddit:t1_kx0009" not in posts  # ids in `more` are not loaded
    assert posts["reddit:t3_1b2c3d"]["text"] == (
        "Gauge offline & no ETA\n\nThe York gauge is offline again. "
        "Status page: https://status.example.gov.uk/gauges/york")
    assert posts["reddit:t1_kx0003"]["text"] == "Confirmed <4.1 m> at 10:00"
    reply = {i["post"]: i["target"] for i in rows(r, "interactions", kind="reply")}
    assert reply == {
        "reddit:t1_kx0001": "reddit:u/rivermod", "reddit:t1_kx0002": "reddit:u/gauge_reader",
        "reddit:t1_kx0003": "reddit:u/rivermod",
        "reddit:t1_kx0005": None,  # its parent's author deleted the account
        "reddit:t1_kx0006": "reddit:u/rivermod", "reddit:t1_kx0008": None}
    assert posts["reddit:t1_kx0005"]["reply_to"] == "reddit:t1_kx0004"
    assert posts["reddit:t1_kx0004"]["deleted"] is True
    assert posts["reddit:t1_kx0006"]["deleted"] is True and posts["reddit:t1_kx0006"].get(
        "text") is None
    assert posts["reddit:t1_kx0008"].get("likes") is None
    assert [e["value"] for e in rows(r, "entities", post="reddit:t1_kx0008")] == ["r/floodwatch"]
    assert r.tables["accounts"]["reddit:u/gauge_reader"]["native_id"] == "t2_g4r8"


def test_own_user_overview_listing():
    raw = own("api_user_overview_listing.json")
    r = mapped(raw, LISTING)
    check_counts(raw, r)
    posts = r.tables["posts"]
    xp = posts["reddit:t3_1b9x9x"]
    assert (xp["repost_of"], xp["community"]) == ("reddit:t3_1b2c3d", "reddit:r/yorknews")
    parent = posts["reddit:t3_1b2c3d"]
    assert parent["text"] == (
        "Gauge offline & no ETA\n\nThe York gauge is offline again. "
        "Status page: https://status.example.gov.uk/gauges/york")
    assert (parent["likes"], parent["account_uid"]) == (90, "reddit:u/rivermod")
    assert [e["value"] for e in rows(r, "entities", post=xp["uid"], kind="url")] == [
        "https://www.reddit.com/r/floodwatch/comments/1b2c3d/gauge_offline/"]
    # `link_author` names the submission's author when the comment answers the submission.
    (i,) = rows(r, "interactions", kind="reply", post="reddit:t1_kz0002")
    assert (i["target"], i["target_post"]) == ("reddit:u/stormchaseruk", "reddit:t3_1abzz01")
    (i,) = rows(r, "interactions", kind="reply", post="reddit:t1_kz0003")
    assert (i["target"], i["target_post"]) == (None, "reddit:t1_kz0001")


def test_own_accounts_and_thing():
    r = mapped(own("api_user_about.json"), "reddit.account")
    (a,) = r.tables["accounts"].values()
    assert (a["uid"], a["native_id"], a["display_name"], a["followers"]) == (
        "reddit:u/rivermod", "t2_5f3g7", "River Mod (York)", 42)
    assert a["bio"] == "Moderator of r/floodwatch. Gauge data & flood maps."
    assert a["avatar_url"] == (
        "https://styles.redditmedia.com/t5_9zz/styles/profileIcon_abc.png?width=256&height=256&s=ff1")
    assert a["url"] == "https://www.reddit.com/user/RiverMod/"
    assert a.get("verified") is None and a.get("deleted") is None

    r = mapped(own("api_user_about_suspended.json"), "reddit.account")
    assert r.tables["accounts"]["reddit:u/spam_bot_2231"]["deleted"] is True

    r = mapped(own("api_users_search_listing.json"), LISTING)
    assert set(r.tables["accounts"]) == {"reddit:u/gauge_reader"}  # the t5 maps to nothing
    a = r.tables["accounts"]["reddit:u/gauge_reader"]
    assert (a.get("bio"), a.get("display_name"), a["followers"]) == (None, None, 0)

    raw = own("api_thing_comment.json")
    r = mapped(raw, "reddit.thing")
    check_counts(raw, r)
    assert r.tables["posts"]["reddit:t1_kx0003"]["likes"] == 12


def test_own_arctic_shift_search_page():
    raw = own("arctic_shift_comments_search.json")
    r = mapped(raw, "reddit.archive_page")
    check_counts(raw, r)
    assert r.retrieved_at == max(retrieval(x) for x in raw["data"]) == at(1706875400)
    (i,) = rows(r, "interactions", kind="reply", post="reddit:t1_kod9gg7")
    assert i["target"] == "reddit:u/relay_account"  # its parent is in the same page


# ---------------------------------------------------------------- detection

def _all_reddit_payloads():
    out = []
    dirs = [OWN_FIXTURES / "reddit"]
    if SHARED_FIXTURES.exists():
        dirs.append(SHARED_FIXTURES / "reddit")
    for d in dirs:
        for path in sorted(d.glob("*")):
            payload = load(path)
            items = payload if path.suffix == ".ndjson" else [payload]
            where = "own" if d.parent == OWN_FIXTURES else "shared"
            out += [(f"{where}/{path.name}:{i}", x) for i, x in enumerate(items)]
    return out


REDDIT = _all_reddit_payloads()


def test_every_reddit_file_is_detected_by_the_registry():
    assert len(REDDIT) >= 40
    for name, payload in REDDIT:
        found = sources.detect(payload)
        assert found is not None and found[0] is reddit, name


def test_formats_declared_and_cannot_provide_honoured():
    """Each detected format is declared, and no payload fills a field its format says it never
    holds."""
    formats = {f.name: f for f in reddit.FORMATS}
    seen = set()
    for name, payload in REDDIT:
        fmt = reddit.detect(payload)
        seen.add(fmt)
        r = reddit.map_item(payload, fmt)
        for table, fields in formats[fmt].cannot_provide.items():
            for row in r.tables[table].values():
                assert [f for f in fields if row.get(f) is not None] == [], (name, table)
    assert seen == set(formats)


def _other_payloads():
    out = []
    roots = [p for p in OWN_FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("reddit")]
    if SHARED_FIXTURES.exists():
        roots += [p for p in SHARED_FIXTURES.iterdir() if p.is_dir() and p.name != "reddit"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix == ".json":
                out.append((str(path), json.loads(path.read_text())))
            elif path.suffix in (".jsonl", ".ndjson"):
                out += [(f"{path}:{i}", x) for i, x in enumerate(load(path))]
            elif path.suffix == ".csv":
                with path.open(encoding="utf-8-sig", newline="") as f:
                    out += [(f"{path}:{i}", CsvRow(x)) for i, x in enumerate(csv.DictReader(f))]
    return out


def test_other_platforms_are_not_reddit():
    others = _other_payloads()
    if SHARED_FIXTURES.exists():
        assert len(others) > 300
    for name, payload in others:
        assert reddit.detect(payload) is None, name


def test_detect_boundaries():
    for value in ({}, [], None, 0, "t3", [None], {"kind": "Listing"}, [{"kind": "Listing"}],
                  {"kind": "Listing", "data": {"children": "x"}}, {"kind": "t1", "data": {}},
                  {"kind": "more", "data": {"children": ["a"], "count": 1}},
                  {"data": []}, {"data": [{"id": "x"}]}, {"kind": "t2", "data": {"id": "x"}}):
        assert reddit.detect(value) is None, value
    line = own("pushshift_comments.ndjson")[0]
    assert reddit.detect(CsvRow({k: str(v) for k, v in line.items()})) is None
    assert reddit.detect({"kind": "Listing", "data": {"children": []}}) == LISTING
    assert reddit.detect([own("api_user_overview_listing.json")]) == PAGE
    assert reddit.detect(own("api_comments_page.json")[1]["data"]["children"][0]) == (
        "reddit.thing")
    with pytest.raises(RejectedItem):
        reddit.map_item({"kind": "t2", "data": {"id": "x"}}, "reddit.thing")
    with pytest.raises(RejectedItem):
        reddit.map_item({}, "reddit.nothing")


# ---------------------------------------------------------------- decisions and edge cases

def test_deep_reply_chain_uses_a_worklist():
    page = copy.deepcopy(own("api_comments_page.json"))
    leaf = page[1]["data"]["children"][2]["data"]["replies"]["data"]["children"][0]
    template, node = copy.deepcopy(leaf), leaf
    for n in range(5000):  # far deeper than Python's recursion limit
        child = copy.deepcopy(template)
        child["data"].update(id=f"deep{n}", name=f"t1_deep{n}", replies="",
                             parent_id=node["data"]["name"])
        node["data"]["replies"] = {"kind": "Listing", "data": {"children": [child]}}
        node = child
    r = mapped(page, PAGE)
    assert len(r.tables["posts"]) == 9 + 5000
    assert r.tables["posts"]["reddit:t1_deep4999"]["reply_to"] == "reddit:t1_deep4998"


def test_crossposts_nested_too_deep_are_rejected():
    line = copy.deepcopy(own("pushshift_submissions.ndjson")[5])
    for _ in range(10):
        inner = copy.deepcopy(line)
        line["crosspost_parent_list"] = [inner]
        line["crosspost_parent"] = "t3_" + inner["id"]
    with pytest.raises(RejectedItem):
        reddit.map_item(line, SUB)


def test_text_rules():
    base = {"author": "a_user", "subreddit": "x", "created_utc": 1, "id": "c1",
            "link_id": "t3_s1", "parent_id": "t3_s1"}

    def body(s):
        r = mapped(dict(base, body=s), COM)
        return r.tables["posts"]["reddit:t1_c1"], r

    p, _ = body("&amp;lt;b&amp;gt; is HTML")  # escaped once by the API: unescape once
    assert p["text"] == "&lt;b&gt; is HTML"
    p, r = body("see https://www.reddit.com/u/someone and reddit.com/r/place or (/r/Place)")
    assert not rows(r, "entities", kind="mention")
    assert [e["value"] for e in rows(r, "entities", kind="community")] == ["r/Place"]
    p, r = body("**https://example.org/a_b_**, u/ab u/" + "x" * 21 + " u/ok_name's")
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {"https://example.org/a_b_"}
    assert [e["value"] for e in rows(r, "entities", kind="mention")] == ["u/ok_name"]
    p, _ = body(" [deleted] ")
    assert p.get("text") is None and p["deleted"] is True


@pytest.mark.parametrize("hostile", [
    "u/" * 50000, "/" * 100000, "r/" * 50000, "http://" * 30000, "/u/" * 40000,
    "a" * 100000, "https://" + "a" * 100000, "[](" * 30000,
])
def test_hostile_text_is_linear(hostile):
    line = {"author": "a", "subreddit": "x", "created_utc": 1, "id": "c1",
            "link_id": "t3_s1", "parent_id": "t3_s1", "body": hostile}
    start = time.perf_counter()
    mapped(line, COM)
    assert time.perf_counter() - start < 3


# ---------------------------------------------------------------- fuzz

# every own payload; one line in four of the shared dumps (the rest add little but time)
FUZZ = [(n, p) for i, (n, p) in enumerate(REDDIT) if n.startswith("own/") or i % 4 == 0]


@fuzz_each(FUZZ, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = reddit.detect(payload)
    survives(reddit, data.draw(mutated(payload)), fmt)


KEYS = ["kind", "data", "children", "replies", "id", "name", "author", "author_fullname",
        "subreddit", "created_utc", "title", "selftext", "body", "parent_id", "link_id", "url",
        "permalink", "score", "num_comments", "crosspost_parent", "crosspost_parent_list",
        "media_metadata", "gallery_data", "items", "media_id", "s", "u", "e", "preview",
        "images", "source", "secure_media", "reddit_video", "oembed", "_meta",
        "retrieved_2nd_on", "retrieved_on", "edited", "is_self", "is_suspended", "x"]
VALUES = ["t1", "t3", "t2", "Listing", "more", "t3_ab", "t1_cd", "[deleted]", "[removed]",
          "u/x_y", "r/abc", "https://a.example/x", "1700000000"]
JSON = json_with_keys(KEYS, VALUES, max_leaves=25, dict_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(reddit, value)
