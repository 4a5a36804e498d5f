"""Mastodon mapper: REST API entities (Status, Account, Context, Search, Conversation) -> Records.

Identifiers. Mastodon's `id`s are local to the server that answered the request, so they are
kept as `native_id` but never used alone as a uid:
- post uid = "mastodon:" + the status `uri` (its ActivityPub id, globally unique); else its `url`;
  else, for a status with only an `id`, the placeholder described below.
- account uid = "mastodon:" + lower-cased "username@domain", the domain taken from `acct` when it
  holds one (remote accounts), else from the host of the account's `url` (or `uri`): a local
  account's `acct` is bare. handle = "@username@domain" as written. Known limit: a server whose
  web domain differs from its account domain (LOCAL_DOMAIN vs WEB_DOMAIN) gives its local
  accounts the web domain here and the account domain when seen from other servers.
- media uid = "mastodon:media:" + `remote_url` (the origin's file, the same from every server),
  else `url`; without either, post uid + "#" + index.

References by local id. `in_reply_to_id` (and a ShallowQuote's `quoted_status_id`) name the
parent only by the answering server's id; its `uri` is not in the payload and cannot be derived
(servers build status URIs differently). So: when the parent status is in the same item (context
ancestors, same timeline, a quoted or reblogged status), reply_to is its uid; otherwise it is
the placeholder "mastodon:local:<server>/<id>", where <server> is the host of a local account's
url in the item (an account whose `acct` has no domain), or "?" when the item holds none. The
placeholder is stable for that server, never collides with a real uid, and says plainly that it
is unresolved (the same reply seen with its parent in another item gets the real uid; a resolver
can match the placeholder to the post with that native_id seen through that server). The reply
interaction's target is the account with `in_reply_to_account_id` when that account appears
anywhere in the item, else the parent's author when the parent is present. Accounts are never
stubbed from an id alone (their uid needs username and domain).

Text. `content` HTML is turned into text with html.parser (never regex): paragraphs become blank
lines, <br> a line break, entities are unescaped, hidden URL parts (`invisible` spans) are kept
so links read in full; a '<' that opens no tag is text (escaped before parsing, which keeps
html.parser linear on hostile input). `spoiler_text` (the content warning) is kept as the first
paragraph. The `quote-inline` "RE: <link>" paragraph, a fallback for clients that cannot show
quotes, is dropped when the status carries a quote (the quote is recorded as quote_of instead).
The text is the current one; `edited_at` history is the table layer's business.

Entities: `tags[]` -> hashtag, `mentions[]` -> mention (value the `acct` as written, normalized
"username@domain" lower-cased, the account uid without "mastodon:"), card.url
and http(s) links in `content` that are not mentions or hashtags -> url (+ domain).

Reblogs: the wrapper status becomes a repost post (no text, no metrics: a wrapper cannot be
favourited or replied to, its counts are always zero) plus a repost interaction; the original is
mapped as its own post. Quotes: Mastodon 4.5 `quote` {state, quoted_status | quoted_status_id},
or the older fork form where `quote` is itself a Status (and `quote_id`).

Left out, for want of a field in the model: visibility, sensitive, polls, application, custom
emojis, filters. Account `fields` (profile metadata: pronouns, links to other profiles, often the
key to linking identities) are appended to the bio as "name: value" lines; `bot` is not
verification, so verified stays None. Search `hashtags` and bare Tag entities are not mapped (no
table holds a tag without a post), so a lone Tag is not detected. A bare MediaAttachment (the
answer to a media upload) is detected and mapped as a media record without a post; it joins its
post when the status holding it is imported. Conversation ids are per-user and not kept.
"""

from __future__ import annotations

from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, add_url, integer, obj, seq, text, utc

PLATFORM = "mastodon"
MAPPER_VERSION = "1"
P = PLATFORM

MEDIA_KINDS = {"image": "photo", "gifv": "gif", "video": "video", "audio": "audio"}
_BLOCKS = frozenset(["p", "div", "blockquote", "pre", "ul", "ol", "li",
                     "h1", "h2", "h3", "h4", "h5", "h6"])
_MAX_DEPTH = 8  # a reblog of a quote of a quote is 3 deep; anything far deeper is hostile


_NO_VIEWS = {"posts": ("views", "lat", "lon", "place", "community", "kind")}
_ACCOUNT_ONLY = {"accounts": ("location", "verified")}
FORMATS = (
    Format("mastodon.status", "Mastodon Status (GET /api/v1/statuses/:id)",
           "an object with content, account, and uri or visibility",
           "the status, its author, reblogged and quoted statuses, mentions, tags, links, card, "
           "media; reply, repost, quote and mention interactions",
           {**_NO_VIEWS, **_ACCOUNT_ONLY}),
    Format("mastodon.statuses", "Mastodon timeline (home, public, tag, account statuses)",
           "an array whose first element is a Status", "as for one status, for each",
           {**_NO_VIEWS, **_ACCOUNT_ONLY}),
    Format("mastodon.account", "Mastodon Account", "an object with acct, username and id",
           "the account (profile fields appended to the bio)",
           {"accounts": ("location", "verified")}),
    Format("mastodon.accounts", "Mastodon account list (followers, following, search)",
           "an array whose first element is an Account", "each account",
           {"accounts": ("location", "verified")}),
    Format("mastodon.context", "Mastodon thread (GET /api/v1/statuses/:id/context)",
           "an object with ancestors and descendants", "every status of the thread, with replies "
           "resolved to real uids inside the thread", {**_NO_VIEWS, **_ACCOUNT_ONLY}),
    Format("mastodon.search", "Mastodon search result (GET /api/v2/search)",
           "an object with accounts, statuses and hashtags", "the accounts and statuses "
           "(hashtag results hold no post and are not mapped)", {**_NO_VIEWS, **_ACCOUNT_ONLY}),
    Format("mastodon.conversations", "Mastodon direct conversations",
           "an array whose first element has last_status and accounts",
           "the participants and each last status", {**_NO_VIEWS, **_ACCOUNT_ONLY}),
    Format("mastodon.media", "Mastodon MediaAttachment (a media upload's answer)",
           "an object with type, url, preview_url and remote_url or blurhash, without account",
           "one media record, not yet tied to a post", {"media": ("post",)}),
)


# ---------------------------------------------------------------- detection

def _is_status(o) -> bool:
    return (isinstance(o, dict) and "content" in o and "account" in o
            and ("uri" in o or "visibility" in o))


def _is_account(o) -> bool:
    # Bluesky profiles have `did`/`handle`, Twitter users `screen_name` or no `acct`.
    return isinstance(o, dict) and "acct" in o and "username" in o and "id" in o


def _is_media(o) -> bool:
    return (isinstance(o, dict) and "type" in o and "url" in o and "preview_url" in o
            and ("remote_url" in o or "blurhash" in o) and "account" not in o)


def detect(o):
    if isinstance(o, dict):
        if _is_status(o):
            return "mastodon.status"
        if _is_account(o):
            return "mastodon.account"
        if "ancestors" in o and "descendants" in o:
            return "mastodon.context"
        if "accounts" in o and "statuses" in o and "hashtags" in o:
            return "mastodon.search"
        if _is_media(o):
            return "mastodon.media"
        return None
    if isinstance(o, list) and o:  # an empty list could be anything
        first = o[0]
        if _is_status(first):
            return "mastodon.statuses"
        if _is_account(first):
            return "mastodon.accounts"
        if isinstance(first, dict) and "last_status" in first and "accounts" in first:
            return "mastodon.conversations"
    return None


# ---------------------------------------------------------------- helpers

def _host_uncached(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    return netloc.rpartition("@")[2].lower() or None


_host_cached = lru_cache(maxsize=4096)(_host_uncached)


def _host(url: str | None) -> str | None:
    """Host (with port, as Mastodon writes it in `acct`) of a URL; long hostile URLs uncached."""
    if not url:
        return None
    return _host_cached(url) if len(url) < 512 else _host_uncached(url)


def _find_server(node, depth: int = 0) -> str | None:
    """The answering server: host of the first local account (bare `acct`) in the item."""
    if depth > 12:
        return None
    if isinstance(node, dict):
        acct = node.get("acct")
        if isinstance(acct, str) and acct and "@" not in acct:
            for key in ("url", "uri"):
                u = node.get(key)
                h = _host(u) if isinstance(u, str) else None
                if h:
                    return h
        values = node.values()
    elif isinstance(node, list):
        values = node
    else:
        return None
    for v in values:
        if isinstance(v, (dict, list)):
            h = _find_server(v, depth + 1)
            if h:
                return h
    return None


def _fast_text(s: str) -> str | None:
    """Plain `<p>..</p><p>..<br>..</p>` content, the common case, without running the parser."""
    if not (s.startswith("<p>") and s.endswith("</p>")):
        return None
    paras = s[3:-4].split("</p><p>")
    for para in paras:
        if not para or para.isspace():  # the parser drops these; stay identical to it
            return None
    inner = "\n\n".join(paras)
    if "<br" in inner:
        inner = inner.replace("<br />", "\n").replace("<br>", "\n").replace("<br/>", "\n")
    if "<" in inner:
        return None
    return (unescape(inner) if "&" in inner else inner).strip()


def _tags_only(s: str) -> str:
    """Escape each '<' that does not open a plain tag closed before the next '<'.

    Mastodon sends sanitised HTML: tags and text, no comments, declarations or stray '<'. Other
    input is broken or hostile, and html.parser rescans it quadratically (or fails an assert).
    """
    chunks = s.split("<")
    out = [chunks[0]]
    for c in chunks[1:]:
        first = c[:1]
        if ">" in c and (first == "/" or (first.isascii() and first.isalpha())):
            out.append("<" + c)
        else:
            out.append("&lt;" + c)
    return "".join(out)


class _Html(HTMLParser):
    """Text and link targets of status HTML: no tree, nothing fetched, nothing executed.

    Blocks (paragraphs, quotes, lists) are separated by one blank line (list items by a line
    break), <br> is a line break, and whitespace between blocks is layout, not text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.begin(False)

    def begin(self, drop_quote: bool) -> None:
        self.reset()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.drop_quote = drop_quote
        self.brk = 0  # line breaks owed before the next text
        self.hidden: str | None = None  # tag of the quote-inline element being skipped
        self.depth = 0

    def _emit(self, s: str) -> None:
        if self.brk:
            if self.parts:
                self.parts.append("\n" * self.brk)
            self.brk = 0
        self.parts.append(s)

    def handle_starttag(self, tag, attrs):
        if self.hidden:
            if tag == self.hidden:
                self.depth += 1
            return
        if self.drop_quote and tag != "br":  # a void element would hide all that follows
            for k, v in attrs:
                if k == "class" and v and "quote-inline" in v.split():
                    self.hidden, self.depth = tag, 1
                    return
        if tag == "br":
            self._emit("\n")
        elif tag == "a":
            href = cls = rel = None
            for k, v in attrs:
                if k == "href":
                    href = v
                elif k == "class":
                    cls = v
                elif k == "rel":
                    rel = v
            if (href and href[:8].lower().startswith(("http://", "https://"))
                    and not (cls and ("mention" in cls or "hashtag" in cls))
                    and not (rel and "tag" in rel.split())):
                self.links.append(href)
        elif tag in _BLOCKS:
            self.brk = max(self.brk, 1 if tag == "li" else 2)

    def handle_startendtag(self, tag, attrs):
        if not self.hidden:  # <br/>; a self-closed element never hides anything
            self.drop_quote, drop = False, self.drop_quote
            self.handle_starttag(tag, attrs)
            self.drop_quote = drop

    def handle_endtag(self, tag):
        if self.hidden:
            if tag == self.hidden:
                self.depth -= 1
                if not self.depth:
                    self.hidden = None
        elif tag in _BLOCKS:
            self.brk = max(self.brk, 1 if tag == "li" else 2)

    def handle_data(self, data):
        if not self.hidden and not (self.brk and data.isspace()):
            self._emit(data)


# ---------------------------------------------------------------- mapping

class _Item:
    """One raw item being mapped; references by local id are resolved once all of it is seen."""

    __slots__ = ("_parser", "_server", "acc_by_id", "by_id", "full", "pending", "raw", "rec")

    def __init__(self, raw) -> None:
        self.rec = Records()
        self.raw = raw
        self.by_id: dict[str, str] = {}  # local status id -> post uid
        self.acc_by_id: dict[str, str] = {}  # local account id -> account uid
        self.full: set[str] = set()  # accounts already mapped in full
        self.pending: list[tuple] = []  # (kind, post record, author, at, status id, account id)
        self._server: str | None = None
        self._parser: _Html | None = None

    def server(self) -> str:
        if self._server is None:
            self._server = _find_server(self.raw) or ""
        return self._server

    def local(self, sid: str) -> str:
        return f"mastodon:local:{self.server() or '?'}/{sid}"

    def html(self, value, drop_quote: bool = False) -> tuple[str | None, list[str]]:
        s = text(value)
        if not s:
            return s, []
        if "<" not in s:
            return (unescape(s) if "&" in s else s).strip(), []
        if not drop_quote:
            fast = _fast_text(s)
            if fast is not None:
                return fast, []
        p = self._parser
        if p is None:
            p = self._parser = _Html()
        p.begin(drop_quote)
        try:
            p.feed(_tags_only(s))
            p.close()
        except AssertionError as exc:  # html.parser's way of giving up on a declaration
            raise RejectedItem(f"unreadable HTML: {exc}"[:200]) from exc
        return "".join(p.parts).strip(), p.links

    def ident(self, a: dict) -> tuple[str | None, str | None]:
        acct = text(a.get("acct")) or ""
        user, at, dom = acct.partition("@")
        if not (at and dom):
            dom = _host(text(a.get("url"))) or _host(text(a.get("uri"))) or self.server()
        username = text(a.get("username")) or user
        if not username or not dom:
            return None, None
        handle = f"@{username}@{dom}"
        return "mastodon:" + handle[1:].lower(), handle

    def account(self, a) -> str | None:
        a = obj(a)
        if not a:
            return None
        uid, handle = self.ident(a)
        if uid is None or uid in self.full:
            return uid
        self.full.add(uid)
        aid = text(a.get("id"))
        if aid:
            self.acc_by_id[aid] = uid
        bio = self.html(a.get("note"))[0]
        lines = []
        for f in seq(a.get("fields")):
            f = obj(f)
            name, value = text(f.get("name")), self.html(f.get("value"))[0]
            if name or value:
                lines.append(f"{name or ''}: {value or ''}")
        if lines:
            bio = bio + "\n\n" + "\n".join(lines) if bio else "\n".join(lines)
        self.rec.account(
            uid=uid, platform=P, native_id=aid, handle=handle,
            display_name=text(a.get("display_name")), bio=bio, url=text(a.get("url")),
            created_at=utc(a.get("created_at")), followers=integer(a.get("followers_count")),
            following=integer(a.get("following_count")),
            posts_count=integer(a.get("statuses_count")), avatar_url=text(a.get("avatar")))
        return uid

    def status(self, s, depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            raise RejectedItem("statuses nested too deep")
        s = obj(s)
        rec = self.rec
        sid = text(s.get("id"))
        ref = text(s.get("uri")) or text(s.get("url"))
        if ref:
            uid = "mastodon:" + ref
        elif sid:
            uid = self.local(sid)
        else:
            raise RejectedItem("status without uri, url or id")
        if sid:
            self.by_id.setdefault(sid, uid)
        author = self.account(s.get("account"))
        at = utc(s.get("created_at"))
        posts = rec.tables["posts"]

        reblog = s.get("reblog")
        if reblog is not None:
            orig = self.status(reblog, depth + 1)
            rec.post(uid=uid, platform=P, native_id=sid, account_uid=author, created_at=at,
                     url=text(s.get("url")), repost_of=orig)
            rec.interaction("repost", author, target=posts[orig].get("account_uid"), post=uid,
                            target_post=orig, at=at, platform=P)
            return uid

        quoted = qid = None
        q = s.get("quote")
        if q is not None:
            q = obj(q)
            if "quoted_status" in q or "quoted_status_id" in q or "state" in q:
                if q.get("quoted_status") is not None:
                    quoted = self.status(q["quoted_status"], depth + 1)
                else:
                    qid = text(q.get("quoted_status_id"))
            elif q:
                quoted = self.status(q, depth + 1)
        if quoted is None and qid is None:
            qid = text(s.get("quote_id"))

        body, links = self.html(s.get("content"), quoted is not None or bool(qid))
        spoiler = text(s.get("spoiler_text"))
        if spoiler:
            body = f"{spoiler}\n\n{body}" if body else spoiler
        post = rec.post(
            uid=uid, platform=P, native_id=sid, account_uid=author, created_at=at, text=body,
            language=text(s.get("language")), url=text(s.get("url")), quote_of=quoted,
            likes=integer(s.get("favourites_count")), reposts=integer(s.get("reblogs_count")),
            replies=integer(s.get("replies_count")), quotes=integer(s.get("quotes_count")))

        if quoted is not None:
            rec.interaction("quote", author, target=posts[quoted].get("account_uid"), post=uid,
                            target_post=quoted, at=at, platform=P)
        elif qid:
            self.pending.append(("quote", post, author, at, qid, None))
        rid = text(s.get("in_reply_to_id"))
        raid = text(s.get("in_reply_to_account_id"))
        if rid or raid:
            self.pending.append(("reply", post, author, at, rid, raid))

        mention_urls = None
        for m in seq(s.get("mentions")):
            m = obj(m)
            muid, handle = self.ident(m)
            if muid is None:
                continue
            mid, murl, acct = text(m.get("id")), text(m.get("url")), text(m.get("acct"))
            if mid:
                self.acc_by_id.setdefault(mid, muid)
            if murl:
                mention_urls = mention_urls or set()
                mention_urls.add(murl)
            rec.account(uid=muid, platform=P, native_id=mid, handle=handle, url=murl)
            rec.entity(uid, "mention", acct or handle[1:], muid[9:], platform=P)
            rec.interaction("mention", author, target=muid, post=uid, at=at, platform=P)
        for t in seq(s.get("tags")):
            name = text(obj(t).get("name"))
            if name:
                rec.entity(uid, "hashtag", name, name.lstrip("#").lower(), platform=P)
        for href in links:
            if not (mention_urls and href in mention_urls):
                add_url(rec, uid, href, P)
        card = s.get("card")
        if card is not None:
            add_url(rec, uid, text(obj(card).get("url")), P)
        for i, ma in enumerate(seq(s.get("media_attachments"))):
            self.media(ma, uid, i)
        return uid

    def media(self, ma, post: str | None, index: int) -> None:
        ma = obj(ma)
        url, remote = text(ma.get("url")), text(ma.get("remote_url"))
        key = remote or url
        if key:
            muid = "mastodon:media:" + key
        elif post:
            muid = f"{post}#{index}"
        else:
            raise RejectedItem("media attachment without url")
        orig = obj(obj(ma.get("meta")).get("original"))
        self.rec.media(uid=muid, platform=P, post=post,
                       kind=MEDIA_KINDS.get(text(ma.get("type")), "other"), url=url or remote,
                       preview_url=text(ma.get("preview_url")),
                       alt_text=text(ma.get("description")), width=integer(orig.get("width")),
                       height=integer(orig.get("height")))

    def finish(self) -> Records:
        posts = self.rec.tables["posts"]
        for kind, post, author, at, ref, acc in self.pending:
            parent = (self.by_id.get(ref) or self.local(ref)) if ref else None
            target = self.acc_by_id.get(acc) if acc else None
            if target is None and parent in posts:
                target = posts[parent].get("account_uid")
            if parent:
                post["reply_to" if kind == "reply" else "quote_of"] = parent
            if parent or target:
                self.rec.interaction(kind, author, target=target, post=post["uid"],
                                     target_post=parent, at=at, platform=P)
        return self.rec


def map_item(item, fmt) -> Records:
    m = _Item(item)
    if fmt == "mastodon.statuses":
        for s in seq(item):
            m.status(s)
    elif fmt == "mastodon.status":
        m.status(item)
    elif fmt == "mastodon.context":
        item = obj(item)
        thread = seq(item.get("ancestors")) + seq(item.get("descendants"))
        uids = [m.status(s) for s in thread]
        ancestors = seq(item.get("ancestors"))
        # The first ancestor is the thread's root when it replies to nothing.
        if ancestors and not obj(ancestors[0]).get("in_reply_to_id"):
            posts = m.rec.tables["posts"]
            for uid in uids:
                posts[uid]["conversation"] = uids[0]
    elif fmt == "mastodon.account":
        if m.account(item) is None:
            raise RejectedItem("account without username and domain")
    elif fmt == "mastodon.accounts":
        for a in seq(item):
            if m.account(a) is None:
                raise RejectedItem("account without username and domain")
    elif fmt == "mastodon.search":
        item = obj(item)
        for a in seq(item.get("accounts")):
            m.account(a)
        for s in seq(item.get("statuses")):
            m.status(s)
    elif fmt == "mastodon.conversations":
        for c in seq(item):
            c = obj(c)
            for a in seq(c.get("accounts")):
                m.account(a)
            if c.get("last_status") is not None:
                m.status(c["last_status"])
    elif fmt == "mastodon.media":
        m.media(item, None, 0)
    else:
        raise RejectedItem(f"mastodon: unknown format {fmt!r}")
    return m.finish()
