"""4chan mapper: golden facts from real and hand-written payloads, JSON-walk counts, fuzz."""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.model import FIELDS
from socmint.sources import fourchan
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fuzz_each, json_with_keys, mutated, not_detected, survives

RF360 = "fourchan:trip:!!s1shuD45usb"
OP_EXAMPLE = "fourchan:thread3856791/3856791"


# ---------------------------------------------------------------- helpers

def shared(name: str):
    return json.loads(shared_fixture(f"fourchan/{name}").read_text())


def own(name: str):
    path = OWN_FIXTURES / "fourchan" / name
    if name.endswith(".ndjson"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())


def mapped(payload, fmt: str | None = None):
    found = fourchan.detect(payload)
    if fmt is not None:
        assert found == fmt
    assert found, "not detected"
    records = fourchan.map_item(payload, found)
    arrow_ok(records)
    return records


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def raw_posts(payload) -> list[tuple[dict, str | None]]:
    """Every post of a payload with the board it names, by a plain walk of the JSON."""
    if isinstance(payload, dict) and "posts" in payload:
        board = payload.get("board")
        return [(p, p.get("board", board)) for p in payload["posts"]]
    if isinstance(payload, dict):
        return [(payload, payload.get("board"))]
    out = []
    for page in payload:
        for t in page["threads"]:
            out.append((t, t.get("board")))
            out += [(r, t.get("board")) for r in t.get("last_replies", [])]
    return out


QUOTELINK = re.compile(r'class="quotelink">&gt;&gt;(\d+)</a>')
DEADLINK = re.compile(r'class="deadlink">&gt;&gt;(\d+)</span>')
CROSS_BOARD = re.compile(r'class="quotelink">(&gt;&gt;&gt;/[^<]+)</a>')


def check_counts(payload, records) -> None:
    """What the mapper found equals what a plain walk and a few regexes find."""
    posts = raw_posts(payload)
    mapped_posts = records.tables["posts"]
    assert sorted(int(p["native_id"]) for p in mapped_posts.values()) == sorted(
        p["no"] for p, _ in posts)
    assert all(p["kind"] == "post" for p in mapped_posts.values())

    # reply edges: one per distinct (post, quoted number); dead links only where a board is known
    edges = set()
    for p, board in posts:
        com = p.get("com", "")
        edges |= {(p["no"], int(n)) for n in QUOTELINK.findall(com)}
        if board:
            edges |= {(p["no"], int(n)) for n in DEADLINK.findall(com)}
    replies = rows(records, "interactions", kind="reply")
    assert len(replies) == len(edges)
    assert {(int(mapped_posts[i["post"]]["native_id"]), int(i["target_post"].rsplit("/", 1)[1]))
            for i in replies} == edges
    assert {i["kind"] for i in records.tables["interactions"].values()} <= {"reply"}

    # replies quoting nothing in their own thread reply to the OP; OPs reply to nothing
    for p, _ in posts:
        uid = next(u for u, m in mapped_posts.items() if m["native_id"] == str(p["no"]))
        m = mapped_posts[uid]
        assert m["conversation"].endswith(f"/{p['resto'] or p['no']}")
        if not p["resto"]:
            assert m["reply_to"] is None
        elif not re.search(r'href="(#p|' + str(p["resto"]) + '#p)', p.get("com", "")):
            assert m["reply_to"] == m["conversation"]

    links = {(p["no"], x.lower()) for p, _ in posts for x in CROSS_BOARD.findall(p.get("com", ""))}
    board_links = rows(records, "entities", kind="board_link")
    assert len(board_links) == len(links)

    files = [p for p, _ in posts if "tim" in p or p.get("filedeleted")]
    assert len(records.tables["media"]) == len(files)
    assert len(rows(records, "entities", kind="md5")) == sum("md5" in p for p in files)
    assert sum(bool(m.get("deleted")) for m in records.tables["media"].values()) == sum(
        bool(p.get("filedeleted")) for p in files)

    with_account = [p for p, _ in posts if p.get("trip") or p.get("capcode") or p.get("id")]
    assert sum(m["account_uid"] is not None for m in mapped_posts.values()) == len(with_account)
    trips = {p["trip"] for p, _ in posts if p.get("trip")}
    assert {a["handle"] for a in records.tables["accounts"].values() if a.get("handle")} == trips
    countries = [p for p, _ in posts if p.get("country")]
    assert len(rows(records, "entities", kind="country")) == len(countries)
    assert records.retrieved_at is None


def post(records, uid: str) -> dict:
    return records.tables["posts"][uid]


# ---------------------------------------------------------------- shared fixtures: golden facts

def test_go4chanapi_thread():
    raw = shared("thread_go4chanapi_example.json")
    r = mapped(raw, "fourchan.thread")
    check_counts(raw, r)
    assert len(r.tables["posts"]) == 38
    assert {p["conversation"] for p in r.tables["posts"].values()} == {OP_EXAMPLE}
    assert {p.get("community") for p in r.tables["posts"].values()} == {None}  # board unknown

    op = post(r, OP_EXAMPLE)
    assert op["text"] == ("All industrial food is based on something real you can make at home, "
                          "and some people used to make at home.\n\nHow do I make white bread?")
    assert op["created_at"] == datetime(2012, 9, 6, 22, 0, 17, tzinfo=UTC)
    assert op["account_uid"] is None and op["reply_to"] is None and op["url"] is None

    # 3856800 quotes 3856796 (anonymous): a reply without a known target account
    p = post(r, "fourchan:thread3856791/3856800")
    assert p["text"] == ">>3856796\nyou comedian!"
    assert p["reply_to"] == "fourchan:thread3856791/3856796"
    (i,) = rows(r, "interactions", post=p["uid"])
    assert (i["source"], i["target"]) == (None, None)
    # 3856814 quotes RF360's 3856811: the target is the tripcode account
    (i,) = rows(r, "interactions", post="fourchan:thread3856791/3856814")
    assert i["target"] == RF360 and i["target_post"] == "fourchan:thread3856791/3856811"
    # RF360's 3856849 quotes anonymous 3856840: the source is the tripcode account
    (i,) = rows(r, "interactions", post="fourchan:thread3856791/3856849")
    assert i["source"] == RF360 and i["target"] is None
    # 3856839 quotes two posts: reply_to is the first, both are edges (3856833 is RF360's)
    p = post(r, "fourchan:thread3856791/3856839")
    assert p["reply_to"] == "fourchan:thread3856791/3856828"
    assert p["text"].startswith(">>3856828\n>whisk on high for 12 minutes\n")
    assert {i["target"] for i in rows(r, "interactions", post=p["uid"])} == {None, RF360}
    # a reply quoting nothing replies to the thread, without an interaction
    assert post(r, "fourchan:thread3856791/3856796")["reply_to"] == OP_EXAMPLE
    assert not rows(r, "interactions", post="fourchan:thread3856791/3856796")

    (a,) = r.tables["accounts"].values()
    assert (a["uid"], a["handle"], a["display_name"]) == (RF360, "!!s1shuD45usb", "RF360")
    assert len(rows(r, "posts", account_uid=RF360)) == sum(
        p["trip"] == "!!s1shuD45usb" for p in raw["posts"]) == 10

    m = r.tables["media"][OP_EXAMPLE + "#file"]
    assert (m["kind"], m["width"], m["height"], m["url"]) == ("photo", 400, 280, None)
    (md5,) = rows(r, "entities", post=OP_EXAMPLE, kind="md5")
    assert md5["value"] == "/o72jJQixXCBZXFD0htPBg=="
    assert md5["normalized"] == base64.b64decode("/o72jJQixXCBZXFD0htPBg==").hex()
    assert rows(r, "entities", post=OP_EXAMPLE, kind="filename")[0]["value"] == "White-Bread.jpg"
    (u,) = rows(r, "entities", kind="url")
    assert u["post"] == "fourchan:thread3856791/3856882"
    assert u["value"] == "http://www.wildyeastblog.com/2011/07/14/soft-sandwich-sourdough/"
    assert rows(r, "entities", kind="domain")[0]["normalized"] == "wildyeastblog.com"


def test_vg_catalog():
    raw = shared("catalog_vg_pages1-3.json")
    r = mapped(raw, "fourchan.catalog")
    check_counts(raw, r)
    assert len(raw_posts(raw)) == len(r.tables["posts"]) == 45 + 135

    op = post(r, "fourchan:thread227094190/227094190")
    assert op["text"].startswith("/mhg/ - Monster Hunter General\n\n=== CALENDAR ===\n\n[08-28]")
    assert op["replies"] == 678 and op["reply_to"] is None
    # <wbr> inside the URL disappears, so the link reads whole
    assert "https://twitter.com/monsterhunter/status/1034334770967322627" in op["text"]
    urls = {e["value"] for e in rows(r, "entities", post=op["uid"], kind="url")}
    assert "https://twitter.com/monsterhunter/status/1034334770967322627" in urls
    assert "https://pastebin.com/7Aa6HxUh" in urls
    # "Previous thread: >>227076720" is an edge to another thread's OP, with that thread's uid
    (i,) = rows(r, "interactions", post=op["uid"])
    assert i["target_post"] == "fourchan:thread227076720/227076720"

    p = post(r, "fourchan:thread227094190/227111193")
    assert p["reply_to"] == "fourchan:thread227094190/227110862"
    assert p["text"] == ">>227110862\nGS virgin btfo"
    assert p["conversation"] == op["uid"]

    by_post = {(e["post"], e["normalized"]) for e in rows(r, "entities", kind="board_link")}
    assert ("fourchan:thread227100354/227100354", "fourchan:/jp/") in by_post
    assert ("fourchan:thread227083760/227083760", "fourchan:s4s/7057942") in by_post
    assert ("fourchan:thread226677590/226677590", ">>>/vg/haniho") in by_post
    # the dead link in 226677590 names no thread and the board is unknown: no edge
    assert ">>226644239" in post(r, "fourchan:thread226677590/226677590")["text"]
    assert not [i for i in r.tables["interactions"].values()
                if i["target_post"].endswith("/226644239")]

    m = r.tables["media"]["fourchan:thread227084209/227084209#file"]
    assert m["deleted"] is True and m["kind"] is None and m["url"] is None
    assert not r.tables["accounts"]  # /vg/ has no poster ids; nobody used a tripcode


def test_registry_routes_every_fourchan_payload_here():
    shared_fixture("fourchan/catalog_vg_pages1-3.json")
    payloads = [json.loads(p.read_text()) for p in sorted((SHARED_FIXTURES / "fourchan").glob("*"))]
    payloads += [own(p.name) for p in sorted((OWN_FIXTURES / "fourchan").glob("*.json"))]
    payloads += own("posts_archiver.ndjson")
    for payload in payloads:
        found = sources.detect(payload)
        assert found and found[0] is fourchan
        assert sources.map_detected(found, payload).count() > 0


def test_other_platforms_payloads_are_not_fourchan():
    shared_fixture("fourchan/catalog_vg_pages1-3.json")
    others = (p for p in SHARED_FIXTURES.rglob("*") if p.parent.name != "fourchan")
    assert not_detected(fourchan, others) > 100


# ---------------------------------------------------------------- own fixtures: same cases

POL = "fourchan:pol/"


def test_own_thread_with_board():
    raw = own("thread_pol_board.json")
    r = mapped(raw, "fourchan.thread")
    check_counts(raw, r)
    op = post(r, POL + "460000001")
    assert op["community"] == "fourchan:/pol/"
    assert op["url"] == "https://boards.4chan.org/pol/thread/460000001#p460000001"
    assert op["text"] == (
        "Flood map & evacuation thread\n\n>river at 7.2m and rising\n"
        "Live gauge: https://pegel.example.de/river/station-42?view=map\n"
        "Boats: >>>/k/5551234 and >>>/n/\n\nPrevious thread: >>459990000")
    assert op["place"] == "Germany" and op["replies"] == 6
    assert {p["conversation"] for p in r.tables["posts"].values()} == {op["uid"]}
    assert {e["value"] for e in rows(r, "entities", post=op["uid"], kind="url")} == {
        "https://pegel.example.de/river/station-42?view=map"}
    assert {e["normalized"] for e in rows(r, "entities", post=op["uid"], kind="board_link")} == {
        "fourchan:k/5551234", "fourchan:/n/"}
    # the cross-thread link, board known: the uid needs no thread
    (i,) = rows(r, "interactions", post=op["uid"])
    assert i["target_post"] == POL + "459990000" and i["target"] is None

    # poster ids are accounts scoped to the thread; the same id is the same account
    anon_de = "fourchan:id:pol/460000001/Ab3dE+fG"
    anon_us = "fourchan:id:pol/460000001/Zq9/kLm1"
    assert op["account_uid"] == anon_de
    assert post(r, POL + "460000041")["account_uid"] == anon_de
    assert post(r, POL + "460000010")["account_uid"] == anon_us
    assert post(r, POL + "460000031")["account_uid"] == anon_us
    assert r.tables["accounts"][anon_de]["display_name"] == "Anonymous"

    # a tripcode wins over the poster id; 460000015 quotes 460000010 twice and the OP once
    trip = "fourchan:trip:!Ep8pui8Vw2"
    p = post(r, POL + "460000015")
    assert p["account_uid"] == trip and r.tables["accounts"][trip]["display_name"] == "Deichgraf"
    assert p["reply_to"] == POL + "460000010"
    assert {(i["target_post"], i["target"]) for i in rows(r, "interactions", post=p["uid"])} == {
        (POL + "460000010", anon_us), (POL + "460000001", anon_de)}
    assert p["place"] is None
    (flag,) = rows(r, "entities", post=p["uid"], kind="flag")
    assert (flag["value"], flag["normalized"]) == ("Anarcho-Capitalist", "ac")

    # the mod answers the tripfag: capcode account, reply target the trip
    mod = "fourchan:capcode:mod/Anonymous"
    p = post(r, POL + "460000020")
    assert p["account_uid"] == mod
    (i,) = rows(r, "interactions", post=p["uid"])
    assert (i["source"], i["target"]) == (mod, trip)

    # cross-thread quote and dead link: both edges (board known); reply_to falls back to the OP
    p = post(r, POL + "460000031")
    assert p["reply_to"] == op["uid"]
    assert {i["target_post"] for i in rows(r, "interactions", post=p["uid"])} == {
        POL + "459990777", POL + "460000025"}
    assert p["text"] == ">>459990777 called it\n>>460000025 got deleted, of course"
    m = r.tables["media"][p["uid"] + "#file"]
    assert m["deleted"] is True and m["url"] is None
    (c,) = rows(r, "entities", post=p["uid"], kind="country")
    assert (c["value"], c["normalized"]) == ("United States", "us")

    p = post(r, POL + "460000040")
    assert p["text"] == (">>460000031\n>got deleted\n\"mirror\" & 'backup': "
                         "https://files.example.org/mirror/clip.webm.")
    (u,) = rows(r, "entities", post=p["uid"], kind="url")
    assert u["value"] == "https://files.example.org/mirror/clip.webm"  # trailing "." dropped
    m = r.tables["media"][p["uid"] + "#file"]
    assert (m["kind"], m["width"], m["height"]) == ("video", 640, 360)
    assert m["url"] == "https://i.4cdn.org/pol/1700000549456.webm"
    assert m["preview_url"] == "https://i.4cdn.org/pol/1700000549456s.jpg"
    assert rows(r, "entities", post=p["uid"], kind="md5")[0]["normalized"] == (
        "f6d8b886335927d46fad323c60335d09")

    assert post(r, POL + "460000041")["reply_to"] == op["uid"]
    assert not rows(r, "interactions", post=POL + "460000041")


def test_own_catalog_without_board():
    raw = own("catalog_pages.json")
    r = mapped(raw, "fourchan.catalog")
    check_counts(raw, r)
    sticky = post(r, "fourchan:thread5120000/5120000")
    assert sticky["account_uid"] == "fourchan:capcode:mod/Anonymous"
    assert sticky["text"] == "Board rules\n\nRead the rules before posting.\nRequests go to >>>/r/"
    assert rows(r, "entities", post=sticky["uid"], kind="board_link")[0]["normalized"] == (
        "fourchan:/r/")

    wg = "fourchan:thread5123456/"
    trip = "fourchan:trip:!!Qx7Rt5mN2pL"
    assert post(r, wg + "5123456")["account_uid"] == trip
    # a last reply quoting an omitted post: the edge is there, the target's poster unknown
    p = post(r, wg + "5123500")
    assert p["reply_to"] == wg + "5123480" and p["account_uid"] is None
    # the tripfag answers it: the target is in the item, anonymous
    (i,) = rows(r, "interactions", post=wg + "5123510")
    assert (i["source"], i["target"], i["target_post"]) == (trip, None, wg + "5123500")
    assert rows(r, "entities", post=wg + "5123510", kind="filename")[0]["value"] == (
        "IMG_20240301_1325.jpg")
    # the same image bytes as another post: the md5 entity groups them
    assert len({e["post"] for e in rows(r, "entities", kind="md5",
                                        normalized="a5b03048ebe345c488e0ca30eff6ab0c")}) == 1
    (i,) = rows(r, "interactions", post=wg + "5123456")
    assert i["target_post"] == "fourchan:thread5119999/5119999"
    # board unknown: no media URL, no dead-link edge
    assert r.tables["media"][wg + "5123456#file"]["url"] is None
    assert post(r, "fourchan:thread5110000/5110100")["reply_to"] == (
        "fourchan:thread5110000/5110000")
    assert not rows(r, "interactions", post="fourchan:thread5110000/5110100")


def test_own_threadlist_and_archive():
    raw = own("threads_list.json")
    r = mapped(raw, "fourchan.threadlist")
    assert {u: p["replies"] for u, p in r.tables["posts"].items()} == {
        "fourchan:thread460000001/460000001": 6, "fourchan:thread459990000/459990000": 312,
        "fourchan:thread459980000/459980000": 0}
    assert all(p.get("created_at") is None and p.get("text") is None
               for p in r.tables["posts"].values())
    # archive.json is a bare list of thread numbers: nothing marks it as 4chan
    assert fourchan.detect([459990000, 459980000]) is None


def test_own_archiver_posts_one_per_line():
    lines = own("posts_archiver.ndjson")
    records = [mapped(line, "fourchan.post") for line in lines]
    for line, r in zip(lines, records, strict=True):
        check_counts(line, r)
    op, reply, answer = (next(iter(r.tables["posts"].values())) for r in records)
    assert op["uid"] == "fourchan:g/98700001" and op["text"] == (
        "Self-hosting thread\n\nWhat are you running?")
    assert op["community"] == "fourchan:/g/"
    # a quote target in another line gets the uid that line gives its own post
    assert reply["reply_to"] == op["uid"]
    assert answer["reply_to"] == reply["uid"]
    assert answer["account_uid"] == op["account_uid"] == "fourchan:trip:!!Ab12Cd34Ef5"
    assert {i["target_post"] for i in records[2].tables["interactions"].values()} == {
        reply["uid"], "fourchan:g/98600123"}
    assert rows(records[1], "entities", kind="url")[0]["value"] == (
        "https://github.com/example/homelab")


# ---------------------------------------------------------------- decisions and edge cases

def test_detect_boundaries():
    assert fourchan.detect({"posts": []}) is None
    assert fourchan.detect({"posts": [{"uri": "at://x", "cid": "y"}]}) is None  # Bluesky
    assert fourchan.detect([]) is None and fourchan.detect("posts") is None
    assert fourchan.detect({"no": 1, "time": 2}) is None  # a post needs resto too
    assert fourchan.detect([{"page": 1, "threads": []}]) == "fourchan.catalog"
    assert fourchan.detect(fourchan) is None


def test_uid_rule_and_rejections():
    assert fourchan.post_uid("g", 5, 7) == "fourchan:g/7"
    assert fourchan.post_uid(None, 5, 7) == "fourchan:thread5/7"
    with pytest.raises(RejectedItem):
        fourchan.map_item({"posts": [{"no": "x", "time": 1, "resto": 0}]}, "fourchan.thread")
    with pytest.raises(RejectedItem):  # a board name that would break URLs
        fourchan.map_item({"board": "../b", "posts": [{"no": 1, "time": 1}]}, "fourchan.thread")
    with pytest.raises(RejectedItem):
        fourchan.map_item({}, "fourchan.nothing")


def test_capcode_and_names():
    base = {"no": 10, "resto": 0, "time": 1700000000}
    r = mapped(dict(base, name="moot", capcode="admin", trip=""))
    assert set(r.tables["accounts"]) == {"fourchan:capcode:admin/moot"}
    r = mapped(dict(base, name="Some&#039;one"))  # a name without tripcode: no account
    assert not r.tables["accounts"] and post(r, "fourchan:thread10/10")["account_uid"] is None


def test_com_text_links():
    text, links = fourchan.com_text(
        '<a href="#p1" class="quotelink">&gt;&gt;1</a><br><span class="quote">&gt;a &lt; b'
        '</span><wbr>c<br/><pre class="prettyprint">x<br>y</pre>'
        '<span class="deadlink">&gt;&gt;2</span> <b>bold</b> 1 < 2')
    assert text == ">>1\n>a < bc\nx\ny>>2 bold 1 < 2"
    assert links == [("quotelink", "#p1", ">>1"), ("deadlink", "", ">>2")]


@pytest.mark.parametrize("hostile", [
    "<a " * 30000, "<span class=\"deadlink\">" * 20000 + "x" * 1000 + "</span>" * 20000,
    "<a href=\"#p1\" class=\"quotelink\">" * 20000 + "</a>" * 20000, "<" * 100000,
    "&gt;&gt;1" * 20000, '<a href="' + "x" * 100000, "<a " + 'b="' * 30000,
])
def test_hostile_com_is_linear(hostile):
    start = time.perf_counter()
    text, _ = fourchan.com_text(hostile)
    assert isinstance(text, str)
    records = fourchan.map_item({"board": "b", "posts": [
        {"no": 5, "resto": 1, "time": 1, "com": hostile}]}, "fourchan.thread")
    arrow_ok(records)
    assert time.perf_counter() - start < 3


def test_quoting_itself_is_no_edge():
    p = {"no": 5, "resto": 1, "time": 1, "com": '<a href="#p5" class="quotelink">&gt;&gt;5</a>'}
    r = mapped(copy.deepcopy(p))
    assert not r.tables["interactions"]
    assert post(r, "fourchan:thread1/5")["reply_to"] == "fourchan:thread1/1"


# ---------------------------------------------------------------- fuzz

def _payloads():
    out = []
    if SHARED_FIXTURES.exists():
        for path in sorted((SHARED_FIXTURES / "fourchan").glob("*.json")):
            out.append((path.name, json.loads(path.read_text())))
    for path in sorted((OWN_FIXTURES / "fourchan").glob("*.json")):
        out.append((f"own/{path.name}", json.loads(path.read_text())))
    for i, line in enumerate(own("posts_archiver.ndjson")):
        out.append((f"own/posts_archiver.ndjson:{i}", line))
    return out


PAYLOADS = _payloads()


@fuzz_each(PAYLOADS, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = fourchan.detect(payload)
    assert fmt
    survives(fourchan, data.draw(mutated(payload)), fmt)


JSON = json_with_keys(
    ["posts", "no", "time", "resto", "com", "sub", "name", "trip", "id", "capcode", "country",
     "country_name", "board_flag", "flag_name", "board", "tim", "ext", "md5", "filename", "w",
     "h", "filedeleted", "page", "threads", "last_replies", "replies", "x"],
    ['<a href="#p1" class="quotelink">&gt;&gt;1</a>', "g", ".jpg", "&gt;"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(fourchan, value)


def test_cannot_provide_is_never_provided():
    """Every field a format says it never holds is a model field, and no fixture fills it."""
    formats = {f.name: f for f in fourchan.FORMATS}
    assert set(formats) == {"fourchan.thread", "fourchan.post", "fourchan.catalog",
                            "fourchan.threadlist"}
    for name, payload in PAYLOADS:
        fmt = formats[fourchan.detect(payload)]
        r = fourchan.map_item(payload, fmt.name)
        for table, fields in fmt.cannot_provide.items():
            assert set(fields) <= {f for f, _ in FIELDS[table]}, (fmt.name, table)
            for record in r.tables[table].values():
                assert all(record.get(f) is None for f in fields), (name, table, record["uid"])
