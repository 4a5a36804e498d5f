"""Reddit mapper: Pushshift / Arctic-Shift dumps and Reddit API (JSON) responses -> Records.

Formats (one parsed JSON value = one raw item):
  reddit.pushshift_submission  one line of an RS_ dump: a submission object
  reddit.pushshift_comment     one line of an RC_ dump: a comment object
  reddit.archive_page          an Arctic-Shift / Pushshift search API answer {"data": [...]}
  reddit.listing               an API Listing {"kind": "Listing", "data": {"children": [...]}}
  reddit.comments_page         /comments/<id>: [Listing(t3), Listing(t1 ...)], replies nested
  reddit.thing                 one {"kind": "t1" | "t3", "data": {...}}
  reddit.account               one {"kind": "t2", "data": {...}} (/user/<name>/about)
A CSV row is never read here, whatever its columns (a CSV export would be a format of its own).

Identifiers. Post uid "reddit:" + fullname ("reddit:t3_<id>", "reddit:t1_<id>"), native_id the
fullname. Account uid "reddit:u/" + lower-cased username: usernames are unique, case-insensitive
and cannot change, so the name is the stable key; native_id is `author_fullname` (t2_...) when
given, handle the name as written. An author "[deleted]" is no account (account_uid None).
Community "reddit:r/" + lower-cased subreddit; a post to a user profile keeps Reddit's own
subreddit name ("reddit:r/u_<name>"). Post url https://www.reddit.com + permalink; without a
permalink (old dumps) the canonical /r/<sub>/comments/<link>/_/<id>/ form is built from ids.
Account url https://www.reddit.com/user/<name>/.

Text. Submission text = title + "\\n\\n" + selftext (title alone when selftext is empty), so search
sees both; comment text = body. Markdown is kept as written. The API (and Pushshift, which
stored its answers) escapes &, < and > as &amp; &lt; &gt; unless asked for raw_json: those three
are unescaped once, in text and URLs (a literal "&amp;" typed into a raw_json answer would be
unescaped too; rare). "[removed]" (by moderators), "[deleted]" (by the author) and "[deleted by
user]" are markers, not text: the field maps to None (so an earlier observation's text survives
in the current table) and the post is marked deleted=True; the post itself is kept, with its
place in the thread. deleted=True also when `removed_by_category` is set or Arctic-Shift's
`_meta.was_deleted_later` is true (the archive kept the text, the post is gone now).

Threads. A comment's reply_to is its parent (`parent_id`: t1_ a comment, t3_ the submission),
conversation = `link_id` (the submission), a submission's conversation is itself. A reply
interaction (source = the author) targets the parent's author when the parent is in the same
item (or `link_author` names the submission's author); interactions need an actor, so a deleted
author makes none (reply_to still holds the edge). Nested `replies` are walked with a worklist.
`more` stubs (ids of comments not loaded) are not posts and map to nothing.

Crossposts (`crosspost_parent` "t3_x"): repost_of = the parent plus a repost interaction; the
parent is mapped from `crosspost_parent_list` when present. The crosspost keeps its own title,
metrics, link and media, as Reddit shows them.

Metrics. `score` is upvotes minus downvotes (fuzzed, may be negative): it goes in likes, the only
engagement field, and stays None while the score is hidden (`hide_score`/`score_hidden`).
num_comments -> replies, num_crossposts -> reposts, view_count -> views. `created` is local
server time in old answers and is never used; `created_utc` may be an int, float or string.

Entities: "u/name" and "/u/name" in text -> mention (value as written, normalized "u/<lower>",
the account uid without "reddit:") and a mention interaction; "r/sub" and "/r/sub" -> kind
"community" (normalized "r/<lower>"); http(s) URLs in plain text and markdown links, a link
post's `url` and gallery `outbound_url`s -> url + domain. A mention makes no account row: text
may spell the name in another case than the account's own.

Media: gallery items (`gallery_data` order, caption as alt_text) and other `media_metadata`
entries (images inline in text), Reddit-hosted video (`secure_media`/`media.reddit_video`), an
embed (`oembed`: url is the linked page, preview its thumbnail), and a direct image link
(`post_hint` "image", or an image file extension when there is no hint) with the `preview`
source as preview_url. Preview images of ordinary links and self posts are link cards, not media.
Media uid "<post uid>#<media id>" ("#video", "#embed", "#image" for the single kinds).

Retrieval time (records.retrieved_at): the latest of `retrieved_on`, `retrieved_utc`,
`updated_on` and `_meta.retrieved_2nd_on`, when the archive last fetched the item (Arctic-Shift
refreshes score and counts at its second retrieval); for an archive page, the latest over its
elements. API answers carry none.

Accounts (t2 about): created_utc, icon_img as avatar, the profile's subreddit `title` as
display name and `public_description` as bio, and its `subscribers` as followers (following a
user is subscribing to their u_ profile subreddit). link_karma/comment_karma are karma, not counts,
and have no field; `verified` and `has_verified_email` are e-mail verification, not identity, so
verified stays None; `is_suspended` -> deleted=True. `author_created_utc` (Pushshift) is the
author's created_at.

Left out, for want of a field: `edited` (an epoch when edited; the text is the one at retrieval),
distinguished, stickied, locked, over_18, spoiler, flair, awards, polls, upvote_ratio. Listings of
subreddits (t5), messages (t4) and awards (t6) map to nothing.
"""

from __future__ import annotations

import re

from socmint.errors import RejectedItem
from socmint.model import FIELDS, Records
from socmint.sources.common import CsvRow, Format, add_url, integer, obj, seq, text, utc

PLATFORM = "reddit"
MAPPER_VERSION = "1"
P = PLATFORM
SITE = "https://www.reddit.com"

SUBMISSION = "reddit.pushshift_submission"
COMMENT = "reddit.pushshift_comment"
ARCHIVE_PAGE = "reddit.archive_page"
LISTING = "reddit.listing"
COMMENTS_PAGE = "reddit.comments_page"
THING = "reddit.thing"
ACCOUNT = "reddit.account"

GONE = frozenset(["[removed]", "[deleted]", "[deleted by user]"])
MEDIA_KINDS = {"Image": "photo", "AnimatedImage": "gif", "RedditVideo": "video"}
EMBED_KINDS = {"video": "video", "photo": "photo"}
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_MAX_CROSSPOST_DEPTH = 3  # Reddit lists the original only; deeper nesting is hostile input

# Bounded repetitions and character classes only: linear on any input.
URL_RE = re.compile(r"https?://[^\s<>\[\]()\"'`]+")
MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})(?![A-Za-z0-9_-])")
COMMUNITY_RE = re.compile(r"(?<![\w/])/?r/([A-Za-z0-9_]{2,21})(?![A-Za-z0-9_])")

def _missing(table: str, *held: str) -> tuple[str, ...]:
    """For Format.cannot_provide: every field of `table` but the ids and those `held`."""
    return tuple(f for f, _ in FIELDS[table] if f not in held
                 and f not in ("uid", "platform", "native_id", "deleted"))


_AUTHOR = ("handle", "url")  # what a post says of its author
_PROFILE = ("handle", "url", "display_name", "bio", "created_at", "followers", "avatar_url")
_SUBMISSION = ("account_uid", "created_at", "text", "url", "repost_of", "conversation", "kind",
               "community", "likes", "reposts", "replies", "views")
_COMMENT = ("account_uid", "created_at", "text", "url", "reply_to", "conversation", "kind",
            "community", "likes")
_BOTH = _SUBMISSION + ("reply_to",)
FORMATS = (
    Format(SUBMISSION, "Pushshift / Arctic-Shift submission dump line (RS_*.ndjson)",
           "an object with `subreddit`, `created_utc` and `title` plus `selftext`, `is_self` "
           "or `url`",
           "submission -> post (kind submission) and its author; a crosspost -> repost of the "
           "parent (mapped from crosspost_parent_list); link, text URLs, u/ mentions, r/ "
           "communities -> entities; gallery, inline images, video, embeds -> media",
           {"accounts": _missing("accounts", *_AUTHOR, "created_at"),
            "posts": _missing("posts", *_SUBMISSION)}),
    Format(COMMENT, "Pushshift / Arctic-Shift comment dump line (RC_*.ndjson)",
           "an object with `subreddit`, `created_utc`, `body`, `parent_id` and `link_id`",
           "comment -> post (kind comment) replying to its parent, conversation = the "
           "submission, and its author; URLs, u/ mentions, r/ communities -> entities; images "
           "in comments -> media",
           {"accounts": _missing("accounts", *_AUTHOR, "created_at"),
            "posts": _missing("posts", *_COMMENT), "media": ("alt_text",)}),
    Format(ARCHIVE_PAGE, "Arctic-Shift / Pushshift search API answer",
           "an object whose `data` list starts with a dump-style submission or comment",
           "each element as a dump line of its kind",
           {"accounts": _missing("accounts", *_AUTHOR, "created_at"),
            "posts": _missing("posts", *_BOTH)}),
    Format(LISTING, "Reddit API Listing",
           "`kind` \"Listing\" with a `data.children` list",
           "t3 -> submissions, t1 -> comments (nested replies too), t2 -> accounts; `more` "
           "stubs and other kinds map to nothing",
           {"accounts": _missing("accounts", *_PROFILE), "posts": _missing("posts", *_BOTH)}),
    Format(COMMENTS_PAGE, "Reddit API comments page (/comments/<id>)",
           "a JSON array of Listings",
           "the submission and its whole comment tree (replies nested to any depth), "
           "reply interactions targeting the parent's author",
           {"accounts": _missing("accounts", *_AUTHOR), "posts": _missing("posts", *_BOTH)}),
    Format(THING, "Reddit API thing (one comment or submission)",
           "`kind` \"t1\" or \"t3\" with a `data` object",
           "the comment or submission, as in a listing",
           {"accounts": _missing("accounts", *_AUTHOR), "posts": _missing("posts", *_BOTH)}),
    Format(ACCOUNT, "Reddit API account (/user/<name>/about)",
           "`kind` \"t2\" with a `data` object holding `name`",
           "the account: created_at, avatar, profile title and description, followers "
           "(subscribers of the user's profile)",
           {"accounts": _missing("accounts", *_PROFILE)}),
)


# ---------------------------------------------------------------- detection

def _is_submission(o) -> bool:
    return (isinstance(o, dict) and "subreddit" in o and "created_utc" in o and "title" in o
            and ("selftext" in o or "is_self" in o or "url" in o))


def _is_comment(o) -> bool:
    return (isinstance(o, dict) and "subreddit" in o and "created_utc" in o and "body" in o
            and "parent_id" in o and "link_id" in o)


def _is_thing(o, kind: str) -> bool:
    return isinstance(o, dict) and o.get("kind") == kind and isinstance(o.get("data"), dict)


def _is_listing(o) -> bool:
    return _is_thing(o, "Listing") and isinstance(o["data"].get("children"), list)


def detect(o) -> str | None:
    if isinstance(o, CsvRow):  # a CSV export with dump-like columns is another format
        return None
    if isinstance(o, dict):
        if _is_comment(o):
            return COMMENT
        if _is_submission(o):
            return SUBMISSION
        if _is_listing(o):
            return LISTING
        data = o.get("data")
        if isinstance(data, dict):
            if _is_thing(o, "t1") and "body" in data and "link_id" in data:
                return THING
            if _is_thing(o, "t3") and "title" in data and "subreddit" in data:
                return THING
            if _is_thing(o, "t2") and "name" in data:
                return ACCOUNT
        elif isinstance(data, list) and data and (_is_comment(data[0])
                                                  or _is_submission(data[0])):
            return ARCHIVE_PAGE
        return None
    if isinstance(o, list) and o and all(_is_listing(x) for x in o):
        return COMMENTS_PAGE
    return None


# ---------------------------------------------------------------- helpers

def _unescape(s: str | None) -> str | None:
    """Undo the API's &amp;/&lt;/&gt; escaping, once (&amp; last, so "&amp;lt;" -> "&lt;")."""
    if s and "&" in s:
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return s


def _str(value) -> str | None:
    return _unescape(text(value))


def _username(value) -> str | None:
    name = text(value)
    if not name or name in GONE:
        return None
    return name


def _fullname(value, kind: str) -> str | None:
    """A thing's fullname ("t3_abc"); a bare id gets the prefix of the kind it must be."""
    s = text(value)
    if not s:
        return None
    if len(s) > 3 and s[0] == "t" and s[1].isdigit() and s[2] == "_":
        return s
    return f"{kind}_{s}"


def _site_url(path: str | None) -> str | None:
    if not path:
        return None
    return SITE + path if path.startswith("/") else path


def _gone(value: str | None) -> bool:
    return value is not None and value.strip() in GONE


def _image_link(url: str | None) -> bool:
    if not url:
        return False
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.endswith(IMAGE_EXT)


# ---------------------------------------------------------------- mapping

class _Item:
    """One raw item being mapped; reply targets are resolved once all its things are seen."""

    __slots__ = ("authors", "pending", "rec", "retrieved")

    def __init__(self) -> None:
        self.rec = Records()
        self.authors: dict[str, str | None] = {}  # fullname -> author account uid
        self.pending: list[tuple[str, str, str, object, str | None]] = []
        self.retrieved = []

    # -- accounts

    def author(self, d: dict) -> str | None:
        name = _username(d.get("author"))
        if name is None:
            return None
        uid = f"reddit:u/{name.lower()}"
        fullname = text(d.get("author_fullname"))
        self.rec.account(uid=uid, platform=P, native_id=fullname or None, handle=name,
                         url=f"{SITE}/user/{name}/",
                         created_at=utc(d.get("author_created_utc")))
        return uid

    def account(self, d: dict) -> str:
        name = _username(d.get("name"))
        if name is None:
            raise RejectedItem("account without a name")
        uid = f"reddit:u/{name.lower()}"
        aid = text(d.get("id"))
        profile = obj(d.get("subreddit"))
        suspended = d.get("is_suspended")
        self.rec.account(
            uid=uid, platform=P, native_id=_fullname(aid, "t2") if aid else None, handle=name,
            display_name=_str(profile.get("title")) or None,
            bio=_str(profile.get("public_description")) or None, url=f"{SITE}/user/{name}/",
            created_at=utc(d.get("created_utc")), followers=integer(profile.get("subscribers")),
            avatar_url=_str(d.get("icon_img")) or None,
            deleted=True if suspended is True else None)
        return uid

    # -- retrieval time

    def note_retrieval(self, d: dict) -> None:
        for v in (d.get("retrieved_on"), d.get("retrieved_utc"), d.get("updated_on"),
                  obj(d.get("_meta")).get("retrieved_2nd_on")):
            t = utc(v)
            if t is not None:
                self.retrieved.append(t)

    # -- posts

    def common(self, d: dict, kind: str) -> tuple[str, str, str | None, str | None, object]:
        fullname = _fullname(d.get("name"), kind)
        if fullname is None or not fullname.startswith(kind + "_"):
            fullname = _fullname(d.get("id"), kind)
        if fullname is None:
            raise RejectedItem(f"{kind} without id or name")
        sub = text(d.get("subreddit"))
        self.note_retrieval(d)
        author = self.author(d)
        self.authors[fullname] = author
        return "reddit:" + fullname, fullname, sub, author, utc(d.get("created_utc"))

    def deleted(self, d: dict, *markers: str | None) -> bool | None:
        meta = obj(d.get("_meta"))
        if (any(_gone(m) for m in markers) or text(d.get("removed_by_category"))
                or meta.get("was_deleted_later") is True):
            return True
        return None

    def likes(self, d: dict) -> int | None:
        if d.get("hide_score") is True or d.get("score_hidden") is True:
            return None
        return integer(d.get("score"))

    def submission(self, d, depth: int = 0) -> str:
        d = obj(d)
        uid, fullname, sub, author, at = self.common(d, "t3")
        rec = self.rec
        title, selftext = _str(d.get("title")), _str(d.get("selftext"))
        deleted = self.deleted(d, title, selftext)
        parts = [s for s in (title, selftext) if s and s.strip() and not _gone(s)]
        body = "\n\n".join(parts) if parts else None
        permalink = _site_url(_str(d.get("permalink")))
        if permalink is None and sub and fullname:
            permalink = f"{SITE}/r/{sub}/comments/{fullname[3:]}/"

        repost_of = _fullname(d.get("crosspost_parent"), "t3")
        parent_author = None
        if repost_of:
            if depth >= _MAX_CROSSPOST_DEPTH:
                raise RejectedItem("crossposts nested too deep")
            for parent in seq(d.get("crosspost_parent_list")):
                self.submission(parent, depth + 1)
            parent_author = self.authors.get(repost_of)

        rec.post(uid=uid, platform=P, native_id=fullname, account_uid=author, created_at=at,
                 text=body, url=permalink, repost_of="reddit:" + repost_of if repost_of else None,
                 conversation=uid, kind="submission",
                 community=f"reddit:r/{sub.lower()}" if sub else None, likes=self.likes(d),
                 replies=integer(d.get("num_comments")),
                 reposts=integer(d.get("num_crossposts")), views=integer(d.get("view_count")),
                 deleted=deleted)
        if repost_of and author:
            rec.interaction("repost", author, target=parent_author, post=uid,
                            target_post="reddit:" + repost_of, at=at, platform=P)

        link = _site_url(_str(d.get("url")))
        if (d.get("is_self") is not True and d.get("is_gallery") is not True and link
                and link != permalink):  # a gallery's url is only its own reddit.com/gallery page
            add_url(rec, uid, link, P)
        self.entities(uid, author, at, body)
        self.media(d, uid, link if d.get("is_self") is not True else None)
        return uid

    def comment(self, d) -> str:
        d = obj(d)
        uid, fullname, sub, author, at = self.common(d, "t1")
        body = _str(d.get("body"))
        deleted = self.deleted(d, body)
        if _gone(body):
            body = None
        link = _fullname(d.get("link_id"), "t3")
        parent = _fullname(d.get("parent_id"), "t1")
        permalink = _site_url(_str(d.get("permalink")))
        if permalink is None and sub and link:
            permalink = f"{SITE}/r/{sub}/comments/{link[3:]}/_/{fullname[3:]}/"
        self.rec.post(uid=uid, platform=P, native_id=fullname, account_uid=author,
                      created_at=at, text=body, url=permalink,
                      reply_to="reddit:" + parent if parent else None,
                      conversation="reddit:" + link if link else None, kind="comment",
                      community=f"reddit:r/{sub.lower()}" if sub else None,
                      likes=self.likes(d), deleted=deleted)
        if parent and author:
            link_author = None
            if parent == link:  # a user's comment history names the submission's author
                link_author = self.author({"author": d.get("link_author")})
            self.pending.append((uid, author, parent, at, link_author))
        self.entities(uid, author, at, body)
        self.media(d, uid, None)
        return uid

    def entities(self, uid: str, author: str | None, at, body: str | None) -> None:
        if not body:
            return
        rec = self.rec
        for m in URL_RE.finditer(body):  # markdown escapes (\_) are not part of a URL
            add_url(rec, uid, m.group().replace("\\", "").rstrip(".,;:!?*"), P)
        if "\\" in body:  # "u/some\_name": the escape is markdown's, not the name's
            body = body.replace("\\_", "_")
        for m in MENTION_RE.finditer(body):
            name = m.group(1)
            ent = rec.entity(uid, "mention", "u/" + name, "u/" + name.lower(), platform=P)
            if ent and author:
                rec.interaction("mention", author, target=f"reddit:u/{name.lower()}", post=uid,
                                at=at, platform=P)
        for m in COMMUNITY_RE.finditer(body):
            name = m.group(1)
            rec.entity(uid, "community", "r/" + name, "r/" + name.lower(), platform=P)

    # -- media

    def media(self, d: dict, uid: str, link: str | None) -> None:
        rec = self.rec
        found = False
        metadata = obj(d.get("media_metadata"))
        gallery = [obj(g) for g in seq(obj(d.get("gallery_data")).get("items"))]
        captions = {}
        order = []
        for g in gallery:
            mid = text(g.get("media_id"))
            if mid:
                order.append(mid)
                captions[mid] = _str(g.get("caption")) or None
            add_url(rec, uid, _str(g.get("outbound_url")), P)
        order += [k for k in metadata if k not in captions]
        for mid in order:
            m = obj(metadata.get(mid))
            s = obj(m.get("s"))
            e = text(m.get("e"))
            url = _str(s.get("u")) or _str(s.get("gif")) or _str(s.get("mp4")) or _str(
                m.get("hlsUrl")) or _str(m.get("dashUrl"))
            if not url:
                continue  # not processed, failed or deleted: nothing to point at
            kind = MEDIA_KINDS.get(e, "other")
            if kind == "video" and m.get("isGif") is True:
                kind = "gif"
            previews = seq(m.get("p"))
            preview = _str(obj(previews[-1]).get("u")) if previews else None
            rec.media(uid=f"{uid}#{mid}", platform=P, post=uid, kind=kind, url=url,
                      preview_url=preview, alt_text=captions.get(mid),
                      width=integer(s.get("x")), height=integer(s.get("y")))
            found = True

        images = seq(obj(d.get("preview")).get("images"))
        source = obj(obj(images[0]).get("source")) if images else {}
        thumb = _str(source.get("url"))
        secure, plain = obj(d.get("secure_media")), obj(d.get("media"))
        video = obj(secure.get("reddit_video")) or obj(plain.get("reddit_video"))
        embed = obj(secure.get("oembed")) or obj(plain.get("oembed"))
        if video:
            url = _str(video.get("fallback_url")) or _str(video.get("hls_url"))
            if url:
                rec.media(uid=f"{uid}#video", platform=P, post=uid,
                          kind="gif" if video.get("is_gif") is True else "video", url=url,
                          preview_url=thumb, width=integer(video.get("width")),
                          height=integer(video.get("height")))
                found = True
        elif embed and link:
            rec.media(uid=f"{uid}#embed", platform=P, post=uid,
                      kind=EMBED_KINDS.get(text(embed.get("type")), "other"), url=link,
                      preview_url=_str(embed.get("thumbnail_url")) or thumb,
                      width=integer(embed.get("width")), height=integer(embed.get("height")))
            found = True
        hint = text(d.get("post_hint"))
        if not found and link and (hint == "image" or (hint is None and _image_link(link))):
            rec.media(uid=f"{uid}#image", platform=P, post=uid, kind="photo", url=link,
                      preview_url=thumb, width=integer(source.get("width")),
                      height=integer(source.get("height")))

    # -- things and trees

    def thing(self, t) -> None:
        """A thing from a listing: a submission, a comment with its replies, or an account."""
        stack = [t]
        while stack:
            t = obj(stack.pop())
            kind = t.get("kind")
            if kind == "t3":
                self.submission(t.get("data"))
            elif kind == "t1":
                data = obj(t.get("data"))
                self.comment(data)
                replies = data.get("replies")
                if replies:  # "" when there are none
                    stack.extend(reversed(self.children(replies)))
            elif kind == "t2":
                self.account(obj(t.get("data")))
            elif kind == "Listing":
                stack.extend(reversed(self.children(t)))
            # "more" (ids of comments not loaded), t4, t5, t6: nothing to record

    def children(self, listing) -> list:
        return seq(obj(obj(listing).get("data")).get("children"))

    def finish(self) -> Records:
        for uid, author, parent, at, link_author in self.pending:
            target = self.authors.get(parent) or link_author
            self.rec.interaction("reply", author, target=target, post=uid,
                                 target_post="reddit:" + parent, at=at, platform=P)
        if self.retrieved:
            self.rec.retrieved_at = max(self.retrieved)
        return self.rec


def map_item(item, fmt) -> Records:
    m = _Item()
    if fmt == SUBMISSION:
        m.submission(item)
    elif fmt == COMMENT:
        m.comment(item)
    elif fmt == ARCHIVE_PAGE:
        for d in seq(obj(item).get("data")):
            if _is_comment(d):
                m.comment(d)
            elif _is_submission(d):
                m.submission(d)
            else:
                raise RejectedItem("archive page element is neither a submission nor a comment")
    elif fmt == LISTING:
        m.thing(item)
    elif fmt == COMMENTS_PAGE:
        for listing in seq(item):
            m.thing(listing)
    elif fmt == THING:
        if obj(item).get("kind") not in ("t1", "t3"):
            raise RejectedItem("not a comment or submission thing")
        m.thing(item)
    elif fmt == ACCOUNT:
        m.account(obj(obj(item).get("data")))
    else:
        raise RejectedItem(f"reddit: unknown format {fmt!r}")
    return m.finish()
