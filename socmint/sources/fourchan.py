"""4chan mapper: the read-only JSON API (github.com/4chan/4chan-API) and archivers' copies of it.

Formats (one parsed JSON value = one raw item):
  fourchan.thread      /<board>/thread/<no>.json: {"posts": [OP, reply, ...]}
  fourchan.post        one post object (an archiver's NDJSON line): no, time, resto
  fourchan.catalog     /<board>/catalog.json: [{page, threads: [OP + last_replies]}]
  fourchan.threadlist  /<board>/threads.json: [{page, threads: [{no, last_modified, replies}]}]
`archive.json` (a bare list of thread numbers) is not detected: a list of integers says nothing
that marks it as 4chan, and holds no post, text or time to map.

Identifiers and choices (why, where the platform leaves room):
- The board. The API's JSON never names its board; archivers add a `board` key (on the post,
  else on the thread or catalog thread object), and only then is a board known. It is never
  guessed from links in the text. Post numbers are unique per board, so the one rule for every
  post uid, quote-link target included, is "fourchan:<board>/<no>" when the board is known, else
  "fourchan:thread<thread no>/<no>" (the thread is the only scope the file itself proves).
  The same post imported with and without its board gets two uids: the board-less one is the
  best a board-less file allows. community = "fourchan:/<board>/" when known, else None.
- Accounts. 4chan is anonymous: a tripcode is the only identity that holds across threads,
  "fourchan:trip:<trip>" (handle = the trip, as written: "!" and secure "!!" trips differ); a
  staff capcode is "fourchan:capcode:<capcode>/<name>" (Anonymous mods share one per role); a
  poster id (boards with IDs) holds within its thread only, "fourchan:id:<board>/<thread>/<id>"
  or "fourchan:id:thread<thread>/<id>". In that order of preference. A post with none of them
  has no account, whatever its name: a name without a tripcode is free for anyone to type.
  The name (HTML entities unescaped) is the account's display_name.
- Text: `com` HTML to plain text by a linear scan (no parser backtracking on hostile input):
  <br> is a line break, <wbr> (inserted in long words and URLs) disappears, other tags keep
  only their text, entities are unescaped, greentext keeps its ">". The OP's subject `sub` is
  the first paragraph. http(s) URLs in the text -> url + domain entities.
- Quote links. Every `>>N` quotelink -> a reply interaction from this post to post N
  (target_post; target = N's poster account when N is in the same item). The thread of N comes
  from the link's href ("#pN" this thread, "<thread>#pN" or "/<board>/thread/<thread>#pN"
  another one), so a cross-thread link gets the same uid N's own thread would give it. A dead
  link (`<span class="deadlink">>>N</span>`: N deleted or its thread pruned) does not say its
  thread, so it is an edge only when the board is known (the uid needs no thread then).
  reply_to = the first quote link to a post of the same thread; a reply that quotes nothing
  replies to the thread, reply_to = the OP, but without an interaction: who answered whom is
  carried by quote links alone, thread membership by `conversation` (= the OP uid).
- Cross-board links `>>>/g/123`, `>>>/g/` and `>>>/g/search` -> entity kind "board_link", value
  as written, normalized to the target's uid ("fourchan:g/123") or community ("fourchan:/g/"),
  else lower-cased; they are not replies (another board's conversation).
- Country flags -> post place (country_name, else the code) and entity kind "country"
  (normalized: the lower-case ISO code); a poster's country belongs to the post (IP-derived, it
  changes), not to an account. Board flags (/pol/ memeflags, `board_flag`/`flag_name`, older
  `troll_country`) -> entity kind "flag" (normalized: lower-case code).
- Files -> one media record per post, uid "<post uid>#file", kind by extension, width/height,
  url "https://i.4cdn.org/<board>/<tim><ext>" and the thumbnail "<tim>s.jpg" only when the board
  is known; `filedeleted` -> the record with deleted=True. The model has no place for a file's
  checksum or original name, both telling (the same image across threads; a camera or an
  earlier 4chan timestamp in the name), so they are post entities: kind "md5" (value base64 as
  written, normalized hex) and kind "filename" (name + extension as written, lower-cased).
- Metrics: only the OP's `replies` count. sticky/closed/archived, `images`, `spoiler`, file size
  and thumbnail size have no field in the model and are left out. `now` (the board's local time
  as text) is ignored: `time` is epoch UTC. The API states no retrieval time.
"""

from __future__ import annotations

import base64
import binascii
import re
from html import unescape

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, add_url, integer, obj, seq, text, utc

PLATFORM = "fourchan"
MAPPER_VERSION = "1"
P = PLATFORM

THREAD, POST, CATALOG, THREADLIST = (
    "fourchan.thread", "fourchan.post", "fourchan.catalog", "fourchan.threadlist")

_ANON_ACCOUNT = ("created_at", "bio", "url", "location", "followers", "following",
                 "posts_count", "verified", "avatar_url")
_NO_POST = ("language", "repost_of", "quote_of", "lat", "lon", "likes", "reposts", "quotes",
            "views")
FORMATS = (
    Format(THREAD, "4chan thread JSON (API /<board>/thread/<no>.json)",
           'an object whose "posts" list starts with an object holding "no" and "time"',
           "each post -> a post (kind post, conversation = the OP); tripcode, capcode and "
           "per-thread poster ids -> accounts; >>N quote links -> reply interactions; files "
           "-> media; country and board flags, cross-board links, URLs, file md5 and name "
           "-> entities",
           {"accounts": _ANON_ACCOUNT, "posts": _NO_POST, "media": ("alt_text",)}),
    Format(POST, "4chan post object (one line of an archiver's NDJSON)",
           'an object with "no", "time" and "resto"',
           "as for a thread, one post",
           {"accounts": _ANON_ACCOUNT, "posts": _NO_POST, "media": ("alt_text",)}),
    Format(CATALOG, "4chan catalog JSON (API /<board>/catalog.json)",
           'a list of objects with "page" and "threads", whose threads hold "time"',
           "each thread's OP and its last_replies, as for a thread",
           {"accounts": _ANON_ACCOUNT, "posts": _NO_POST, "media": ("alt_text",)}),
    Format(THREADLIST, "4chan thread list (API /<board>/threads.json)",
           'a list of objects with "page" and "threads", whose threads have no "time"',
           "each thread -> its OP post with its reply count (no text, author or time)",
           {"accounts": _ANON_ACCOUNT + ("handle", "display_name"),
            "posts": _NO_POST + ("account_uid", "created_at", "text", "place", "reply_to")}),
)

_BOARD = re.compile(r"[a-z0-9_]{1,32}")
_QUOTE = re.compile(r">>(\d{1,19})")
_CROSS = re.compile(r">>>/([A-Za-z0-9_]{1,32})/(\S{0,200})")
_HREF_THREAD = re.compile(r"/(?:thread|res)/(\d{1,19})")
_HREF_RELATIVE = re.compile(r"(\d{1,19})(?:\.html)?#p")
_ATTR = re.compile(r'([A-Za-z-]{1,20})="([^"]{0,2000})"')
_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}")
_URL = re.compile(r"https?://[^\s<>\"']{1,2000}")
_MEDIA_KINDS = {".jpg": "photo", ".jpeg": "photo", ".png": "photo", ".gif": "gif",
                ".webm": "video", ".mp4": "video"}


# ---------------------------------------------------------------- detection

def _is_post(o) -> bool:
    return type(o) is dict and "no" in o and "time" in o


def detect(o) -> str | None:
    if type(o) is dict:
        posts = o.get("posts")
        if type(posts) is list and posts and _is_post(posts[0]):
            return THREAD
        if _is_post(o) and "resto" in o:
            return POST
        return None
    if type(o) is list and o:
        page = o[0]
        if type(page) is dict and "page" in page and type(page.get("threads")) is list:
            threads = page["threads"]
            first = threads[0] if threads else None
            if type(first) is dict and "no" in first and "time" not in first:
                return THREADLIST
            return CATALOG
    return None


# ---------------------------------------------------------------- helpers

def _board(value) -> str | None:
    b = text(value)
    if not b:
        return None
    b = b.strip("/").lower()
    if not _BOARD.fullmatch(b):
        raise RejectedItem(f"unreadable board name {b[:40]!r}")
    return b


def _number(value) -> int | None:
    n = integer(value)
    return n if n is not None and n > 0 else None


def post_uid(board: str | None, thread: int, no: int) -> str:
    """The one uid rule, for posts and quote-link targets alike."""
    return f"fourchan:{board}/{no}" if board else f"fourchan:thread{thread}/{no}"


def _plain(value) -> str | None:
    s = text(value)
    return unescape(s) if s and "&" in s else s


def com_text(html: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Plain text of a post's `com`, and its links as (class, href, text).

    One pass over the '<'-separated chunks: a chunk that does not start a tag is text. Links
    are `a` elements and deadlink spans; their text is read from at most a few chunks, so
    nesting cannot make the scan quadratic.
    """
    out: list[str] = []
    links: list[tuple[str, str, str]] = []
    anchor: tuple[str, str, int] | None = None
    spans: list[int] = []  # start of each open span, -1 when it is no deadlink
    chunks = html.split("<")
    out.append(unescape(chunks[0]))
    for c in chunks[1:]:
        end = c.find(">")
        first = c[:1]
        if end < 0 or not (first == "/" or (first.isascii() and first.isalpha())):
            out.append(unescape("<" + c))
            continue
        tag, rest = c[:end], c[end + 1:]
        closing = tag.startswith("/")
        parts = (tag[1:] if closing else tag).split(None, 1)
        name = parts[0].rstrip("/").lower() if parts else ""
        attrs = dict(_ATTR.findall(parts[1])) if len(parts) > 1 and not closing else {}
        if name == "br" and not closing:
            out.append("\n")
        elif name == "a":
            if closing:
                if anchor is not None:
                    cls, href, start = anchor
                    links.append((cls, href, "".join(out[start:start + 4])[:80]))
                    anchor = None
            else:
                anchor = (attrs.get("class", ""), attrs.get("href", ""), len(out))
        elif name == "span":
            if closing:
                start = spans.pop() if spans else -1
                if start >= 0:
                    links.append(("deadlink", "", "".join(out[start:start + 4])[:80]))
            else:
                spans.append(len(out) if "deadlink" in attrs.get("class", "").split()
                             else -1)
        out.append(unescape(rest) if "&" in rest else rest)
    return "".join(out).strip(), links


def _md5_hex(b64: str) -> str:
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return b64
    return raw.hex() if len(raw) == 16 else b64


# ---------------------------------------------------------------- mapping

class _Item:
    """One raw item; quote-link targets get their poster once every post of the item is seen."""

    __slots__ = ("author", "pending", "rec")

    def __init__(self) -> None:
        self.rec = Records()
        self.author: dict[str, str | None] = {}  # post uid -> account uid
        self.pending: list[tuple[str, str | None, object, str]] = []

    def account(self, p: dict, board: str | None, thread: int) -> str | None:
        name = _plain(p.get("name")) or None
        trip, capcode, pid = text(p.get("trip")), text(p.get("capcode")), text(p.get("id"))
        if trip:
            uid, native = f"fourchan:trip:{trip}", trip
        elif capcode:
            uid, native = f"fourchan:capcode:{capcode}/{name or 'Anonymous'}", capcode
        elif pid:
            scope = f"{board}/{thread}" if board else f"thread{thread}"
            uid, native = f"fourchan:id:{scope}/{pid}", pid
        else:
            return None
        self.rec.account(uid=uid, platform=P, native_id=native, handle=trip or None,
                         display_name=name)
        return uid

    def post(self, p, board: str | None) -> str:
        p = obj(p)
        no = _number(p.get("no"))
        if no is None:
            raise RejectedItem("post without a number")
        board = _board(p.get("board")) or board
        thread = _number(p.get("resto")) or no
        uid = post_uid(board, thread, no)
        op = post_uid(board, thread, thread)
        rec = self.rec
        author = self.account(p, board, thread)
        self.author[uid] = author
        at = utc(p.get("time"))
        com = text(p.get("com"))
        body, links = com_text(com) if com else (None, [])
        body = "\n\n".join(x for x in (_plain(p.get("sub")), body) if x) or None
        country, country_name = text(p.get("country")), _plain(p.get("country_name"))

        reply_to = None
        for cls, href, label in links:
            label = label.strip()
            quote = _QUOTE.fullmatch(label)
            if quote and cls == "deadlink":
                if board:
                    self.pending.append((uid, author, at, post_uid(board, 0, int(quote[1]))))
            elif quote and "quotelink" in cls.split():
                t = _HREF_THREAD.search(href) or _HREF_RELATIVE.match(href)
                target_thread = int(t[1]) if t else thread
                target = post_uid(board, target_thread, int(quote[1]))
                if target != uid:
                    self.pending.append((uid, author, at, target))
                    if reply_to is None and target_thread == thread:
                        reply_to = target
            elif (cross := _CROSS.fullmatch(label)) is not None:
                b, rest = cross[1].lower(), cross[2]
                norm = (f"fourchan:{b}/{int(rest)}" if rest.isascii() and rest.isdigit()
                        else f"fourchan:/{b}/" if not rest.strip("/") else label.lower())
                rec.entity(uid, "board_link", label, norm, platform=P)
        if reply_to is None and thread != no:
            reply_to = op

        rec.post(uid=uid, platform=P, native_id=str(no), account_uid=author, created_at=at,
                 text=body, kind="post", conversation=op, reply_to=reply_to,
                 community=f"fourchan:/{board}/" if board else None,
                 url=f"https://boards.4chan.org/{board}/thread/{thread}#p{no}" if board else None,
                 place=country_name or country, replies=integer(p.get("replies")))
        if body:
            for m in _URL.finditer(body):
                add_url(rec, uid, m[0].rstrip(".,;:!?)]}"), P)
        if country or country_name:
            rec.entity(uid, "country", country_name or country, (country or country_name).lower(),
                       platform=P)
        flag = text(p.get("board_flag")) or text(p.get("troll_country"))
        flag_name = _plain(p.get("flag_name"))
        if flag or flag_name:
            rec.entity(uid, "flag", flag_name or flag, (flag or flag_name).lower(), platform=P)
        self.file(p, uid, board)
        return uid

    def file(self, p: dict, post: str, board: str | None) -> None:
        ext, tim = text(p.get("ext")), integer(p.get("tim"))
        deleted = bool(integer(p.get("filedeleted")))
        if not (ext or tim is not None or deleted):
            return
        url = preview = None
        if board and ext and tim is not None and tim >= 0 and _EXT.fullmatch(ext):
            url = f"https://i.4cdn.org/{board}/{tim}{ext}"
            preview = f"https://i.4cdn.org/{board}/{tim}s.jpg"
        self.rec.media(uid=post + "#file", platform=P, post=post,
                       kind=_MEDIA_KINDS.get(ext.lower(), "other") if ext else None,
                       url=url, preview_url=preview, width=integer(p.get("w")),
                       height=integer(p.get("h")), deleted=True if deleted else None)
        md5 = text(p.get("md5"))
        if md5:
            self.rec.entity(post, "md5", md5, _md5_hex(md5), platform=P)
        name = _plain(p.get("filename"))
        if name:
            full = name + (ext or "")
            self.rec.entity(post, "filename", full, full.lower(), platform=P)

    def finish(self) -> Records:
        for uid, author, at, target in self.pending:
            self.rec.interaction("reply", author, target=self.author.get(target), post=uid,
                                 target_post=target, at=at, platform=P)
        return self.rec


def map_item(item, fmt) -> Records:
    m = _Item()
    if fmt == THREAD:
        item = obj(item)
        posts = seq(item.get("posts"))
        board = _board(item.get("board"))
        if board is None and posts:
            board = _board(obj(posts[0]).get("board"))
        for p in posts:
            m.post(p, board)
    elif fmt == POST:
        m.post(item, None)
    elif fmt in (CATALOG, THREADLIST):
        for page in seq(item):
            page = obj(page)
            for t in seq(page.get("threads")):
                t = obj(t)
                board = _board(t.get("board")) or _board(page.get("board"))
                m.post(t, board)
                for r in seq(t.get("last_replies")):
                    m.post(r, board)
    else:
        raise RejectedItem(f"fourchan: unknown format {fmt!r}")
    return m.finish()
