"""RSS and Atom mapper: a feed, as feedparser reads it and `plain` converts it -> Records.

Reading. `parse(data, url)` is the one way socmint reads feed bytes: feedparser 6 over an
in-memory stream (never a bare string or bytes, which feedparser would treat as a URL to fetch
or a local file to open), external entities never fetched, and the result turned into plain
JSON-like values by `plain` (dates as ISO strings). feedparser's HTML sanitiser and relative-link
rewriting are off: both run sgmllib over embedded HTML and take quadratic time on hostile markup
(a few hundred KB of "<!--" costs minutes); the HTML is kept as the feed sent it and only ever
read by this mapper, never rendered. The feed's URL, when known, is the base of relative links
(feedparser's "base" of each text field). The decoded value is an object with "feed",
"entries", "version", "bozo" (feedparser's "this is not well-formed", with "bozo_exception" as
text), and "href" (the URL the feed was collected from, when known). A malformed feed is read as
far as feedparser's lenient parser gets; bytes that hold no feed at all are rejected with the
parser's reason (no entries and no feed version).

Identifiers.
- The feed is an account: uid "rss:" + its site link (RSS <link>, Atom rel="alternate"), else its
  self link (rel="self"), else the URL it was collected from, else its Atom id; http(s) links
  are normalised (lower-case scheme and host, "/" for an empty path). A feed with none of them
  has no account.
- An entry is a post: uid "rss:" + its id (RSS guid, Atom id) when that id is an absolute URI
  ("https://...", "urn:uuid:...", "tag:..."), else "rss:<feed key>#<id>" (a bare guid like
  "post-77" is only unique within its feed), else "rss:" + its link. An entry with neither id
  nor link gets "rss:<feed key>#sha256:<16 hex>" of its title, summary and dates, so the same
  entry seen again gets the same uid. Known limit: a bare guid in a feed without any key is
  "rss:<guid>", which two such feeds can share.
- An entry's author, when given, is its account: uid "rss:" + the author's http(s) URI (Atom
  <uri>), else "rss:mailto:" + the lower-cased email, else "rss:<feed key>#author:" + the
  lower-cased name (a bare name is only meaningful within one feed; without a feed key such an
  author is not invented and the post has no account). Otherwise the post's account is the feed.
  The post's community is always the feed, so who published it is never lost.

Text. title + blank line + summary (or, without a summary, the first content). A field feedparser
types as HTML is turned into text with html.parser (never regex, never rendered): blocks become
blank lines, <br> a line break, entities unescaped, runs of spaces one space; comments,
declarations and the contents of script, style and template are dropped; a '<' that opens no tag
is text (escaped before parsing, which keeps html.parser linear on hostile input); at most
MAX_HTML characters and MAX_LINKS links of one field are read. A field feedparser types as
text/plain is kept as written, as feedparser decides it (it guesses HTML in RSS conservatively:
a false guess would silently lose text); views escape it like any text. The summary is left out
when it only repeats the title.

Entities: http(s) links in the summary and content -> url (+ domain), except links back to the
entry itself or to the feed's site (the "appeared first on" boilerplate); Atom rel="related" and
rel="via" links -> url; tags / categories (term, else label) -> kind "category" (value as written,
normalized lower-case without a leading '#', whitespace collapsed).

Media: enclosures (RSS <enclosure>, Atom rel="enclosure") and Media RSS media:content, uid
"rss:media:" + url, kind from the medium or MIME type (image -> photo, image/gif -> gif, video,
audio, else other), width and height when positive; media:thumbnail is the first media's
preview, or a photo of its own when the entry has no other media. Only http(s) URLs are kept, in
media as in post, account and avatar URLs: a javascript: or data: URL is never stored as a link.

Also: created_at = published, else updated, else created (feedparser's parsed UTC dates);
language = the entry's xml:lang, else the feed's language; replies = slash:comments (or
thr:total); lat/lon from a GeoRSS point. The feed states no retrieval time (records.retrieved_at
is left to the envelope). Left out: comments feeds, source feeds of aggregated entries, podcast
(itunes) fields, media:description, inline <img> in content, feed-level categories.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from datetime import date, datetime
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import (
    Format,
    add_url,
    integer,
    normalize_url,
    number,
    obj,
    seq,
    text,
    utc,
)

PLATFORM = "rss"
MAPPER_VERSION = "1"
P = PLATFORM
FEED = "rss.feed"

MAX_HTML = 1_000_000  # characters of one HTML field read; the rest is kept in the evidence only
MAX_LINKS = 1000  # links taken from one HTML field
MAX_DEPTH = 32  # plain() nesting: feedparser's own results are a handful of levels deep

FORMATS = (
    Format(FEED, "RSS or Atom feed (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, read by feedparser)",
           'an object with "feed" (an object), "entries" (a list) and "version" or "bozo": '
           "feedparser's result as plain values (socmint.sources.rss.plain)",
           "the feed -> an account (title, subtitle, site link, image); each entry -> a post "
           "(title and summary as text, link, published date, language, comment count, GeoRSS "
           "point) whose account is its author when given, else the feed; links in summary "
           "and content -> url and domain entities; categories -> category entities; "
           "enclosures and media:content -> media",
           {"accounts": ("handle", "location", "created_at", "followers", "following",
                         "posts_count", "verified"),
            "posts": ("reply_to", "repost_of", "quote_of", "conversation", "kind", "place",
                      "likes", "reposts", "quotes", "views"),
            "media": ("alt_text",)}),
)

_BLOCKS = frozenset(["p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4",
                     "h5", "h6", "figure", "figcaption", "table", "tr", "section", "article",
                     "header", "footer", "aside", "hr", "dl", "dt", "dd"])
_SKIP = frozenset(["script", "style", "template"])
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,30}:\S")
_SPACE = re.compile(r"\s+")
_MEDIA_KINDS = {"image": "photo", "video": "video", "audio": "audio"}


# ---------------------------------------------------------------- reading feed bytes

def plain(value, _depth: int = 0):
    """feedparser's result (FeedParserDict, struct_time, exceptions, tuples) as JSON-like
    values: dicts with string keys, lists, strings, numbers, booleans, None. A struct_time
    (feedparser's dates, always UTC) becomes "YYYY-MM-DDTHH:MM:SS+00:00"; an exception its
    class name and message; anything else its str()."""
    if _depth > MAX_DEPTH:
        return None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, time.struct_time):
        return (f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}T"
                f"{value.tm_hour:02d}:{value.tm_min:02d}:{value.tm_sec:02d}+00:00")
    if isinstance(value, dict):  # dict.items: the keys stored, not FeedParserDict's aliases
        return {str(k): plain(v, _depth + 1) for k, v in dict.items(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return str(value)


def parse(data: bytes, url: str | None = None) -> dict:
    """Feed bytes -> the plain value the mapper reads. `url`: where the feed was collected
    from (base for relative links, and the feed's key when it names no link of its own).
    Raises ValueError when feedparser itself fails (the item is then rejected, and kept)."""
    import feedparser

    headers = {"content-type": "application/xml"}  # the bytes alone decide: no HTTP headers
    if url:
        headers["content-location"] = url
    try:
        parsed = feedparser.parse(io.BytesIO(bytes(data)), response_headers=headers,
                                  sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001  feedparser's failure on hostile bytes: a reason
        raise ValueError(f"unreadable feed: {type(exc).__name__}: {exc}"[:300]) from exc
    out = plain(parsed)
    out.pop("headers", None)
    if url:
        out["href"] = url
    return out


# ---------------------------------------------------------------- detection

def detect(o) -> str | None:
    if (type(o) is dict and type(o.get("feed")) is dict and type(o.get("entries")) is list
            and ("version" in o or "bozo" in o)):
        return FEED
    return None


# ---------------------------------------------------------------- helpers

def _http(value) -> str | None:
    """An http(s) URL as written (stripped), else None: no javascript:, data:, file: links."""
    s = value.strip() if isinstance(value, str) else None
    if not s or len(s) > 8192 or s[:8].lower().split(":", 1)[0] not in ("http", "https"):
        return None
    try:
        if not urlsplit(s).hostname:
            return None
    except ValueError:
        return None
    return s


def _str(value) -> str | None:
    """A string field, stripped, None when empty; entity references the lenient parser left
    behind are unescaped."""
    s = text(value)
    if s is None:
        return None
    s = s.strip()
    if "&" in s:
        s = unescape(s).strip()
    return s or None


def _time(value):
    try:
        return utc(value)
    except RejectedItem:
        return None


def _link(links, rel: str) -> str | None:
    """The first http(s) link with this rel (a link without rel is "alternate")."""
    for link in seq(links):
        link = obj(link)
        if (text(link.get("rel")) or "alternate") == rel:
            href = _http(text(link.get("href")))
            if href:
                return href
    return None


def _dim(value) -> int | None:
    n = integer(value)
    return n if n is not None and 0 < n < 2**31 else None


def _split_markup(s: str) -> str:
    """Comments, declarations and processing instructions removed, and each '<' that does not
    open a plain tag closed before the next '<' escaped, in one pass over the '<' chunks.

    html.parser rescans broken markup quadratically (or fails an assert on declarations);
    what is left for it is tags and text only.
    """
    chunks = s.split("<")
    out = [chunks[0]]
    in_comment = False
    for c in chunks[1:]:
        if in_comment:
            end = c.find("-->")
            if end >= 0:
                in_comment = False
                out.append(c[end + 3:].replace(">", "&gt;"))
            continue
        first = c[:1]
        if c.startswith("!--"):
            end = c.find("-->", 3)
            if end < 0:
                in_comment = True  # an unterminated comment hides the rest, as in a browser
            else:
                out.append(c[end + 3:].replace(">", "&gt;"))
        elif first in ("!", "?"):  # <!DOCTYPE ...>, <![CDATA[...]]>, <?php ...?>: no text
            end = c.find(">")
            if end >= 0:
                out.append(c[end + 1:].replace(">", "&gt;"))
        elif ">" in c and (first == "/" or (first.isascii() and first.isalpha())):
            out.append("<" + c)
        else:
            out.append("&lt;" + c)
    return "".join(out)


class _Html(HTMLParser):
    """Text and link targets of feed HTML: no tree, nothing fetched, nothing run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.begin()

    def begin(self) -> None:
        self.reset()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.brk = 0  # line breaks owed before the next text
        self.skip = 0  # inside script, style or template

    def _emit(self, s: str) -> None:
        if self.brk:
            if self.parts:
                self.parts.append("\n" * self.brk)
            self.brk = 0
        self.parts.append(s)

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif self.skip:
            return
        elif tag == "br":
            self._emit("\n")
        elif tag == "a":
            for k, v in attrs:
                if k == "href":
                    if v and len(self.links) < MAX_LINKS:
                        self.links.append(v)
                    break
        elif tag in _BLOCKS:
            self.brk = max(self.brk, 1 if tag in ("li", "tr", "dt", "dd") else 2)

    def handle_startendtag(self, tag, attrs):
        if tag not in _SKIP:  # <script/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif not self.skip and tag in _BLOCKS:
            self.brk = max(self.brk, 1 if tag in ("li", "tr", "dt", "dd") else 2)

    def handle_data(self, data):
        if not self.skip and not (self.brk and data.isspace()):
            self._emit(data)


def html_text(value: str, parser: _Html | None = None, base: str | None = None
              ) -> tuple[str, list[str]]:
    """Plain text and http(s) links of an HTML fragment (at most MAX_HTML characters read);
    relative links resolve against `base` when it is an http(s) URL."""
    s = value[:MAX_HTML]
    if "<" not in s:
        return (unescape(s) if "&" in s else s).strip(), []
    p = parser or _Html()
    p.begin()
    try:
        p.feed(_split_markup(s))
        p.close()
    except AssertionError as exc:  # html.parser's way of giving up
        raise RejectedItem(f"unreadable HTML: {exc}"[:200]) from exc
    body = "".join(p.parts)
    lines = [_SPACE.sub(" ", line).strip() for line in body.split("\n")]
    base = _http(base)
    links = []
    for href in p.links:
        href = href.strip()
        if base and not _ABSOLUTE.match(href):
            try:
                href = urljoin(base, href)
            except ValueError:
                continue
        href = _http(href)
        if href:
            links.append(href)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), links


# ---------------------------------------------------------------- mapping

class _Feed:
    """One feed document being mapped."""

    def __init__(self, doc: dict) -> None:
        self.rec = Records()
        self.doc = doc
        self.feed = obj(doc.get("feed"))
        self.parser = _Html()
        links = self.feed.get("links")
        self.site = _http(text(self.feed.get("link"))) or _link(links, "alternate")
        self.key = self._key()
        self.uid = "rss:" + self.key if self.key else None
        self.language = _str(self.feed.get("language"))
        self.base = _http(text(doc.get("href")))

    def _key(self) -> str | None:
        links = self.feed.get("links")
        for url in (self.site, _link(links, "self"), _http(text(self.doc.get("href")))):
            if url:
                return normalize_url(url)
        return _str(self.feed.get("id"))

    def field(self, value, detail) -> tuple[str | None, list[str]]:
        """A text construct as plain text, by the type feedparser gave it."""
        s = text(value)
        if not s:
            return None, []
        detail = obj(detail)
        kind = text(detail.get("type")) or "text/html"
        if "html" in kind:
            body, links = html_text(s, self.parser, text(detail.get("base")) or self.base)
            return body or None, links
        return s.strip() or None, []

    def account(self) -> None:
        if self.uid is None:
            return
        f = self.feed
        title = self.field(f.get("title"), f.get("title_detail"))[0]
        bio = self.field(f.get("subtitle"), f.get("subtitle_detail"))[0]
        image = obj(f.get("image"))
        avatar = (_http(text(image.get("href"))) or _http(text(image.get("url")))
                  or _http(text(f.get("logo"))) or _http(text(f.get("icon"))))
        self.rec.account(uid=self.uid, platform=P, native_id=self.key, display_name=title,
                         bio=bio, url=self.site or _http(self.key), avatar_url=avatar)

    def author(self, e: dict) -> str | None:
        detail = obj(e.get("author_detail"))
        if not detail:
            authors = seq(e.get("authors"))
            detail = obj(authors[0]) if authors else {}
        name = _str(detail.get("name")) or (None if detail else _str(e.get("author")))
        email = _str(detail.get("email"))
        href = _http(text(detail.get("href")))
        if href:
            uid, native = "rss:" + href, href
        elif email:
            uid, native = "rss:mailto:" + email.lower(), email
        elif name and self.key:
            uid, native = f"rss:{self.key}#author:{_SPACE.sub(' ', name).lower()}", name
        else:
            return None
        self.rec.account(uid=uid, platform=P, native_id=native, display_name=name, url=href)
        return uid

    def entry(self, e) -> None:
        e = obj(e)
        link = _http(text(e.get("link"))) or _link(e.get("links"), "alternate")
        title, title_links = self.field(e.get("title"), e.get("title_detail"))
        summary, links = self.field(e.get("summary"), e.get("summary_detail"))
        contents = seq(e.get("content"))
        for i, c in enumerate(contents[:20]):
            c = obj(c)
            body, more = self.field(c.get("value"), c)
            links += more
            if summary is None and i == 0:
                summary = body
        eid = _str(e.get("id"))
        published = (_time(e.get("published_parsed")) or _time(e.get("updated_parsed"))
                     or _time(e.get("created_parsed")))
        if eid:
            uid = ("rss:" + eid if _ABSOLUTE.match(eid) or not self.key
                   else f"rss:{self.key}#{eid}")
        elif link:
            uid = "rss:" + link
        elif title or summary:
            h = hashlib.sha256("\x00".join(
                [title or "", summary or "", text(e.get("published")) or "",
                 text(e.get("updated")) or ""]).encode("utf-8", "surrogatepass")).hexdigest()
            uid = f"rss:{self.key or '?'}#sha256:{h[:16]}"
        else:
            return  # nothing to tell it by, nothing to say: a husk the lenient parser left
        body = "\n\n".join(x for x in (title, summary if summary != title else None) if x)
        language = None
        for d in (e.get("summary_detail"), e.get("title_detail"), obj(contents[0])
                  if contents else None):
            language = language or _str(obj(d).get("language"))
        lat = lon = None
        where = obj(e.get("where"))
        if text(where.get("type")) == "Point":
            coords = seq(where.get("coordinates"))
            if len(coords) == 2:
                x, y = number(coords[0]), number(coords[1])
                if x is not None and y is not None and -180 <= x <= 180 and -90 <= y <= 90:
                    lon, lat = x, y
        author = self.author(e)
        rec = self.rec
        rec.post(uid=uid, platform=P, native_id=eid or link, account_uid=author or self.uid,
                 created_at=published, text=body or None, language=language or self.language,
                 url=link, community=self.uid, lat=lat, lon=lon,
                 replies=integer(e.get("slash_comments")) if e.get("slash_comments") is not None
                 else integer(e.get("thr_total")))
        own = {normalize_url(u) for u in (link, self.site) if u}
        for href in title_links + links:
            if normalize_url(href) not in own:
                add_url(rec, uid, href, P)
        for link_ in seq(e.get("links")):
            link_ = obj(link_)
            if text(link_.get("rel")) in ("related", "via"):
                add_url(rec, uid, _http(text(link_.get("href"))), P)
        for t in seq(e.get("tags")):
            t = obj(t)
            term = _str(t.get("term")) or _str(t.get("label"))
            if term:
                norm = _SPACE.sub(" ", term.lstrip("#")).strip().lower()
                rec.entity(uid, "category", term, norm or term.lower(), platform=P)
        self.media(e, uid)

    def media(self, e: dict, post: str) -> None:
        found: list[tuple[str, str | None, str | None, object, object]] = []
        for link in seq(e.get("links")):
            link = obj(link)
            if text(link.get("rel")) == "enclosure":
                found.append((text(link.get("href")), text(link.get("type")), None, None, None))
        for m in seq(e.get("enclosures")):  # a producer that lists them apart from links
            m = obj(m)
            found.append((text(m.get("href")) or text(m.get("url")), text(m.get("type")), None,
                          None, None))
        for m in seq(e.get("media_content")):
            m = obj(m)
            found.append((text(m.get("url")), text(m.get("type")), text(m.get("medium")),
                          m.get("width"), m.get("height")))
        first = None
        for url, mime, medium, width, height in found:
            url = _http(url)
            if not url:
                continue
            uid = "rss:media:" + url
            first = first or uid
            self.rec.media(uid=uid, platform=P, post=post, kind=_kind(mime, medium), url=url,
                           width=_dim(width), height=_dim(height))
        for t in seq(e.get("media_thumbnail")):
            url = _http(text(obj(t).get("url")))
            if not url:
                continue
            if first:
                self.rec.tables["media"][first].setdefault("preview_url", url)
            else:
                self.rec.media(uid="rss:media:" + url, platform=P, post=post, kind="photo",
                               url=url, width=_dim(obj(t).get("width")),
                               height=_dim(obj(t).get("height")))
            break


def _kind(mime: str | None, medium: str | None) -> str:
    mime = (mime or "").lower()
    if mime == "image/gif":
        return "gif"
    major = (medium or "").lower() or mime.split("/", 1)[0]
    return _MEDIA_KINDS.get(major, "other")


def map_item(item, fmt) -> Records:
    if fmt != FEED:
        raise RejectedItem(f"rss: unknown format {fmt!r}")
    doc = obj(item)
    m = _Feed(doc)
    entries = seq(doc.get("entries"))
    if not entries and not _str(doc.get("version")):
        why = doc.get("bozo_exception")
        why = why if isinstance(why, str) else None
        raise RejectedItem("not an RSS or Atom feed" + (f": {why}"[:300] if why else ""))
    m.account()
    for e in entries:
        m.entry(e)
    return m.rec
