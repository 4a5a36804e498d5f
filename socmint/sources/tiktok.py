"""TikTok mapper: web app items and comments, as Zeeschuimer captures them -> Records.

Formats (each reads the bare `data` object of a Zeeschuimer line; the envelope is read elsewhere)
  tiktok.web_item     one post from the web API (api/search/item/full, api/post/item_list,
                      api/recommend/item_list) or from the page's embedded state (SIGI_STATE
                      ItemModule), where `author` is the uniqueId string and `authorId`,
                      `nickname`, `avatarThumb` sit beside it.
  tiktok.web_comment  one comment from api/comment/list or api/comment/list/reply (Zeeschuimer's
                      "tiktok-comments" module, which copies `cid` into `id`).

Identifiers. Post uid "tiktok:<item id>" or "tiktok:<cid>" (TikTok ids are snowflakes from one
id service, unique across items and comments); account uid "tiktok:<numeric user id>". The
uniqueId (the @handle) can be changed by its owner, so it is the handle, never part of a uid;
an item whose author has no numeric id gets no account_uid.

Choices
  - kind: "video" for a video, "post" for a photo carousel (`imagePost`), "comment" for a comment.
    url: https://www.tiktok.com/@<uniqueId>/video/<id>, or /photo/<id> for a photo carousel.
  - Metrics: `statsV2` (strings, exact) before `stats`; likes = diggCount, reposts = shareCount,
    replies = commentCount, views = playCount. collectCount (saves) has no field.
  - Text: `desc`; when empty, the `contents[].desc` lines, else the photo carousel's title.
  - Hashtags: `textExtra` entries of type 1 and `challenges` titles, one entity per tag:
    value as written in the text (read at the entry's offsets, which count UTF-16 code units),
    normalized TikTok's own lower-cased `hashtagName` (which lower-cases Turkish İ as i).
  - Mentions: `textExtra` entries of type 0. The text shows whatever was typed (the nickname, or
    a handle since changed), so the entity value is the @name as written but normalized is
    `userUniqueId` lower-cased, the handle now; the mention interaction targets
    "tiktok:<userId>", which also gets a stub account with that handle. subType 2 marks a video
    answering a comment by that user ("Reply to @x"): the comment id is not in the item, so it
    stays a mention. A comment's `text_extra` names the account by `user_id` only, so there
    normalized is that id.
  - Duet: `duetInfo.duetFromId` (or a top-level `duetFromId`) other than "0" -> quote_of the
    original and a quote interaction (the original's author is not given). A stitch is read the
    same way from `stitchInfo.stitchFromId` / `stitchFromId`: no captured stitch was available
    to confirm that field name.
  - `locationCreated` is the country TikTok assigns to the upload (from the uploader's device or
    network), not a geotag: it becomes an entity of kind "upload_country" (normalized upper-case)
    and lat/lon stay empty. `poi` (a place the author tagged) -> posts.place = its name.
  - `music` -> entity kind "sound" (value the title, normalized "<music id>"), so posts sharing a
    sound can be grouped; the audio file itself is not a media record (one sound, many posts).
  - Media: the video (url playAddr, else downloadAddr; preview_url the cover), or each photo of
    an `imagePost`, uid "tiktok:media:<post id>#<n>". The URLs are signed and expire.
  - Comments: reply_to = `reply_to_reply_id` when not "0" (an answer to a reply in the thread),
    else `reply_id` when not "0" (an answer to a top-level comment), else the video;
    conversation = the video. The reply interaction targets `reply_to_userid` when given; a
    comment does not say who posted the video, so a top-level comment's target is unknown.
    Replies previewed in `reply_comment` are mapped as comments too. comment_language "un"
    (undetermined) is no language. No captured comment was at hand: this format follows the
    field names of TikTok's web comment API as known (cid, aweme_id, create_time, text,
    user{uid, unique_id, nickname, avatar_thumb.url_list}, reply_id, reply_to_reply_id,
    reply_to_userid, digg_count, reply_comment_total, text_extra, comment_language), and its
    tests read a hand-written fixture (tests/fixtures/tiktok/comments.ndjson).

Left out, for want of a field: isAd, stickersOnItem (text burnt into the video), effect
stickers, secUid, privateAccount, author heart counts, comment images. A createTime of 0 is no
time.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records, interaction_uid
from socmint.sources.common import Format, integer, obj, seq, text, utc

PLATFORM = "tiktok"
MAPPER_VERSION = "1"
P = PLATFORM
ITEM = "tiktok.web_item"
COMMENT = "tiktok.web_comment"
WEB = "https://www.tiktok.com/"
_MAX_COMMENTS = 1000  # replies previewed inside one comment; far more is hostile

FORMATS = (
    Format(ITEM, "TikTok web app item (Zeeschuimer `tiktok.com` data)",
           "an object with id, desc, createTime and one of video, imagePost or music",
           "the post (kind video, or post for a photo carousel) with its metrics; the author "
           "account with authorStats; hashtags (textExtra, challenges), mentions with "
           "interactions and stub accounts, sound and upload-country entities; the video or "
           "photos as media; a duet or stitch as a quote",
           {"accounts": ("created_at", "location"),
            "posts": ("reply_to", "repost_of", "conversation", "lat", "lon", "quotes",
                      "community")}),
    Format(COMMENT, "TikTok web comment (Zeeschuimer `tiktok-comments` data)",
           "an object with cid and aweme_id",
           "the comment as a post of kind comment (reply_to the parent comment or the video, "
           "conversation the video) with its likes and reply count; the commenter's account; "
           "a reply interaction; hashtags and mentions from text_extra",
           {"accounts": ("created_at", "location", "followers", "following", "posts_count",
                         "verified"),
            "posts": ("url", "repost_of", "quote_of", "lat", "lon", "place", "reposts", "quotes",
                      "views", "community")}),
)


# ---------------------------------------------------------------- detection

def detect(o) -> str | None:
    if type(o) is not dict:
        return None
    if "cid" in o and "aweme_id" in o:
        return COMMENT
    if "createTime" in o and "desc" in o and "id" in o and (
            "video" in o or "imagePost" in o or "music" in o):
        return ITEM
    return None


def map_item(o, fmt: str) -> Records:
    if type(o) is not dict:
        raise RejectedItem(f"{fmt}: not a JSON object")
    r = Records()
    if fmt == ITEM:
        _item(r, o)
    elif fmt == COMMENT:
        _comments(r, o)
    else:
        raise RejectedItem(f"tiktok mapper does not read {fmt!r}")
    return r


# ---------------------------------------------------------------- helpers

def _id(value) -> str | None:
    """A TikTok id, with "0" and "" meaning none (as in duetFromId or reply_id)."""
    s = text(value)
    return s if s and s != "0" else None


def _time(value):
    return None if integer(value) == 0 else utc(value)


def _first_url(value) -> str | None:
    """An image field: a URL string, or {url_list: [...]} / {urlList: [...]}."""
    if value is None or isinstance(value, str):
        return value or None
    v = obj(value)
    for u in seq(v.get("url_list", v.get("urlList"))):
        u = text(u)
        if u:
            return u
    return None


def _stub(r: Records, user_id: str | None, handle: str | None) -> str | None:
    if not user_id:
        return None
    uid = "tiktok:" + user_id
    r.account(uid=uid, platform=P, native_id=user_id, handle=handle or None,
              url=WEB + "@" + handle if handle else None)
    return uid


def _slice(raw: bytes, start, end) -> str | None:
    """The text between two offsets counted, as TikTok counts them, in UTF-16 code units."""
    a, b = integer(start), integer(end)
    if a is None or b is None or not 0 <= a < b or 2 * b > len(raw):
        return None
    try:
        return raw[2 * a:2 * b].decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _extras(r: Records, post: str, author: str | None, at, body: str | None, entries) -> None:
    """Hashtags (type 1) and mentions (type 0) of textExtra (item) or text_extra (comment)."""
    raw = (body or "").encode("utf-16-le", "surrogatepass")
    for e in entries:
        e = obj(e)
        kind = integer(e.get("type"))
        if kind not in (0, 1):
            continue
        written = _slice(raw, e.get("start"), e.get("end"))
        if kind == 1:
            name = text(e.get("hashtagName", e.get("hashtag_name")))
            if name:
                value = written[1:] if written and written[0] == "#" and written[1:] else name
                r.entity(post, "hashtag", value, name.lower(), platform=P)
            continue
        user_id = _id(e.get("userId", e.get("user_id")))
        handle = text(e.get("userUniqueId")) or None
        key = handle.lower() if handle else user_id
        if not key:
            continue
        value = written[1:] if written and written[0] == "@" and written[1:] else handle or key
        r.entity(post, "mention", value, key, platform=P)
        target = _stub(r, user_id, handle)
        r.interaction("mention", author, target=target, post=post, at=at, platform=P,
                      uid=None if target else interaction_uid("mention", author, post, "@" + key,
                                                              None))


# ---------------------------------------------------------------- items

def _author(r: Records, o: dict) -> tuple[str | None, str | None]:
    """The author account (object or uniqueId-string form); returns (uid, handle)."""
    a = o.get("author")
    stats = obj(o.get("authorStats"))
    if isinstance(a, dict):
        aid, handle = text(a.get("id")), text(a.get("uniqueId"))
        name, bio = text(a.get("nickname")), text(a.get("signature"))
        avatar = _first_url(a.get("avatarLarger")) or _first_url(a.get("avatarThumb"))
        verified = a.get("verified") if isinstance(a.get("verified"), bool) else None
    else:
        aid, handle = text(o.get("authorId")), text(a)
        name, bio = text(o.get("nickname")), text(o.get("authorSignature"))
        avatar = _first_url(o.get("avatarThumb"))
        verified = None
    uid = _stub(r, aid, handle)
    if uid:
        r.account(uid=uid, platform=P, display_name=name, bio=bio, avatar_url=avatar,
                  verified=verified, followers=integer(stats.get("followerCount")),
                  following=integer(stats.get("followingCount")),
                  posts_count=integer(stats.get("videoCount")))
    return uid, handle or None


def _item(r: Records, o: dict) -> None:
    pid = _id(o.get("id"))
    if not pid:
        raise RejectedItem("tiktok item without an id")
    uid = "tiktok:" + pid
    author, handle = _author(r, o)
    at = _time(o.get("createTime"))
    images = obj(o.get("imagePost"))
    photos = seq(images.get("images"))

    body = text(o.get("desc"))
    parts = [(body, seq(o.get("textExtra")))]  # offsets count in the text beside them
    lines = []
    for c in seq(o.get("contents")):
        c = obj(c)
        line = text(c.get("desc"))
        if line:
            lines.append(line)
        parts.append((line, seq(c.get("textExtra"))))
    if not body:
        body = "\n".join(lines) or text(images.get("title")) or body

    stats, v2 = obj(o.get("stats")), obj(o.get("statsV2"))

    def metric(key):
        value = integer(v2.get(key))
        return value if value is not None else integer(stats.get(key))

    language = text(o.get("textLanguage"))
    path = "photo" if images else "video"
    r.post(uid=uid, platform=P, native_id=pid, account_uid=author, created_at=at, text=body,
           language=language if language and language != "un" else None,
           url=f"{WEB}@{handle}/{path}/{pid}" if handle else None,
           kind="post" if images else "video", place=text(obj(o.get("poi")).get("name")) or None,
           likes=metric("diggCount"), reposts=metric("shareCount"),
           replies=metric("commentCount"), views=metric("playCount"))

    for ch in seq(o.get("challenges")):
        title = text(obj(ch).get("title"))
        if title:
            r.entity(uid, "hashtag", title, title.lower(), platform=P)
    for line, entries in parts:
        _extras(r, uid, author, at, line, entries)

    duet = obj(o.get("duetInfo"))
    stitch = obj(o.get("stitchInfo"))
    original = (_id(duet.get("duetFromId")) or _id(o.get("duetFromId"))
                or _id(stitch.get("stitchFromId")) or _id(o.get("stitchFromId")))
    if original:
        r.post(uid=uid, quote_of="tiktok:" + original)
        r.interaction("quote", author, post=uid, target_post="tiktok:" + original, at=at,
                      platform=P)

    country = text(o.get("locationCreated"))
    if country:
        r.entity(uid, "upload_country", country, country.upper(), platform=P)
    music = obj(o.get("music"))
    sound = text(music.get("id"))
    if sound:
        r.entity(uid, "sound", text(music.get("title")) or sound, sound, platform=P)

    if photos:
        for i, img in enumerate(photos):
            img = obj(img)
            r.media(uid=f"tiktok:media:{pid}#{i}", platform=P, post=uid, kind="photo",
                    url=_first_url(img.get("imageURL")), width=integer(img.get("imageWidth")),
                    height=integer(img.get("imageHeight")))
        return
    video = obj(o.get("video"))
    url = text(video.get("playAddr")) or text(video.get("downloadAddr"))
    cover = text(video.get("cover")) or text(video.get("originCover"))
    if url or cover:
        r.media(uid=f"tiktok:media:{pid}#0", platform=P, post=uid, kind="video", url=url or None,
                preview_url=cover or None, width=integer(video.get("width")),
                height=integer(video.get("height")))


# ---------------------------------------------------------------- comments

def _comments(r: Records, o: dict) -> None:
    """The comment and the replies it previews (one level: a preview holds no previews)."""
    _comment(r, o)
    previews = seq(o.get("reply_comment"))
    if len(previews) > _MAX_COMMENTS:
        raise RejectedItem("comment previews more replies than any real one does")
    for c in previews:
        _comment(r, obj(c))


def _comment(r: Records, c: dict) -> None:
    cid = _id(c.get("cid"))
    video = _id(c.get("aweme_id"))
    if not cid or not video:
        raise RejectedItem("tiktok comment without cid or aweme_id")
    uid = "tiktok:" + cid
    u = obj(c.get("user"))
    author = _stub(r, text(u.get("uid")) or None, text(u.get("unique_id")) or None)
    if author:
        r.account(uid=author, platform=P, display_name=text(u.get("nickname")),
                  bio=text(u.get("signature")) or None,
                  avatar_url=_first_url(u.get("avatar_thumb")))
    parent = _id(c.get("reply_to_reply_id")) or _id(c.get("reply_id")) or video
    reply_to = "tiktok:" + parent
    at = _time(c.get("create_time"))
    body = text(c.get("text"))
    language = text(c.get("comment_language"))
    r.post(uid=uid, platform=P, native_id=cid, account_uid=author, created_at=at, text=body,
           language=language if language and language != "un" else None, kind="comment",
           reply_to=reply_to, conversation="tiktok:" + video,
           likes=integer(c.get("digg_count")), replies=integer(c.get("reply_comment_total")))
    target = _stub(r, _id(c.get("reply_to_userid")), text(c.get("reply_to_username")) or None)
    r.interaction("reply", author, target=target, post=uid, target_post=reply_to, at=at,
                  platform=P)

    _extras(r, uid, author, at, body, seq(c.get("text_extra")))
