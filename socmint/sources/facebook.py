"""Facebook/Meta mapper: CrowdTangle CSV exports and API posts, Meta Content Library CSV.

Formats
  facebook.crowdtangle_csv            one record of a CrowdTangle "historical data" or saved-search
                                      CSV export of Facebook pages or groups (a CsvRow).
  facebook.crowdtangle_instagram_csv  one record of the same export made from Instagram accounts
                                      (columns Account, User Name, Photo, Title, ...).
  facebook.crowdtangle_api            a CrowdTangle API response (`{"status", "result": {"posts"}}`
                                      from /posts, /posts/search, /links or /post/:id), a bare
                                      post object, or a JSON array of post objects.
  facebook.content_library_csv        one record of a Meta Content Library CSV of Facebook posts.

Identifiers
  - Facebook post uid "facebook:<owner id>_<post id>", the Graph API post id that CrowdTangle's
    API gives as `platformId` (owner = the page, group or profile the post is on). A CSV record
    has no platformId: the ids are read from its URL (/<owner>/posts/<id>,
    /groups/<owner>/permalink/<id>, permalink.php?story_fbid=<id>&id=<owner>), the owner from
    the "Facebook Id" column when the URL names the page by its vanity name. A URL in no such
    form gives "facebook:url:<normalised URL>" (stable, never a real id).
  - Facebook account uid "facebook:<Facebook Id>" (CSV) or "facebook:<account.platformId>" (API);
    CrowdTangle's own account `id` is not kept.
  - Instagram (CrowdTangle API platform "Instagram", or the Instagram CSV): records get platform
    "instagram". Post uid "instagram:<media pk>", the pk being the first part of a
    "<pk>_<owner pk>" platformId, else decoded from the /p/, /reel/ or /tv/ shortcode of the URL
    (base64 over A-Z a-z 0-9 - _, as Instagram encodes it; shortcodes longer than 11 characters
    carry more than the pk and give "instagram:url:<normalised URL>"). API account uid
    "instagram:<account.platformId>". The Instagram CSV names the account by its username only,
    so its uid is "instagram:@<username lower-cased>": it does not merge with a pk-based uid.
  - Content Library ids "cannot be used to search on Meta technologies" (Meta's data dictionary):
    they are not Facebook ids, so its posts and owners get "facebook:mcl:<id>".

Times
  - CSV "Post Created" is "YYYY-MM-DD HH:MM:SS ZONE" in the dashboard's time zone, named by an
    abbreviation (EST, BRT, CET...) or an offset (-03, +0530, UTC+1). Each known abbreviation has
    one fixed offset (_ZONES). CST is read as US Central (-06:00), the reading of a US tool;
    abbreviations used by several zones in tz data (IST, AST, GST, SST) and unknown ones reject
    the record: the time is never guessed. "Page Created" carries no zone: it is read in the
    zone of the record's Post Created (at worst an hour off across a summer-time change).
  - API `date` and `account.pageCreatedDate` are UTC (CrowdTangle API docs); `updated` (when
    CrowdTangle last refreshed the counts) becomes the item's retrieved_at, the latest one for a
    response of several posts. `history` (timestamped counts) is not mapped: the current counts
    are in `statistics.actual`; `expected` (CrowdTangle's benchmark) and `score` are left out.
  - Content Library `creation_time` is ISO 8601; without an offset it is read as UTC.

Numbers. CSV counts may be locale-formatted ("407.137", "1,234", "1 234", "1'234", Indian
"12,34,567"): see _parse_number. A count never has decimals, so one separator followed by three
digits is a thousands separator. Placeholders ("", "-", "N/A") are no value; any other
unreadable count (including abbreviations like "12K", which are rounded) rejects the record.

Metrics
  - likes = all reactions (Like, Love, Wow, Haha, Sad, Angry, Care, and the API's Thankful): on
    Facebook every reaction is a variant of the one like button; the Like-only count would drop a
    third of them. The sum is of the reaction columns present (Care did not exist before 2020).
    Instagram: likes = "Likes" (CSV), `favoriteCount` (API). Content Library:
    statistics.reaction_count, else the sum of its per-reaction columns.
  - reposts = Shares / shareCount / statistics.share_count; replies = Comments / commentCount /
    statistics.comment_count.
  - views (CSV only): "Post Views" (Facebook) or "Views" (Instagram) of video posts; CrowdTangle
    writes 0 for posts without video, which is not a count, so non-video posts get none. The API
    posts carry no views. Content Library: statistics.views (blank under 100 views).
  - accounts.followers = "Followers at Posting" (CSV): a snapshot at the time of that post, so
    rows of one export disagree; API `account.subscriberCount` is the count when fetched. For a
    group it is the member count.
  - location = "Page Admin Top Country" / `pageAdminTopCountry`: the country most of the page's
    admins are in (per Meta), the only location these formats hold, not a self-declared place.

Groups. A post in a group has the group as its community (posts.community) and no account_uid:
CrowdTangle never says which member wrote it. The group itself is an account record (name,
description, created). A page's own post has account_uid = the page and no community. Content
Library: account_uid = post_owner, community = surface when it differs from the owner (a page
posting in a group), or the owner itself when its type is group or event; is_verified (said of
the surface) sets the surface account's verified. A reshare (shared_post_id) is repost_of
"facebook:mcl:<shared id>", with a repost interaction whose target account is not given.

Entities. Hashtags in the text (#word); http(s) links in the text, `Link`, `Final Link`,
`expandedLinks` (original and expanded) and the Content Library link attachment -> url and
domain. A Link that is the post's own photo or video on facebook.com/instagram.com is a media
record, not a url entity. Mentions are not marked in these formats: none are made. A branded
content sponsor ("Sponsor Id/Name", `brandedContentSponsor`, `branded_content_page_id`) -> entity
kind "sponsor" (value the name or id, normalized the sponsor's account uid) and, where its id is
a Facebook page (or Content Library) id, an account record with its name. The Instagram CSV does
not say what kind of id its Sponsor Id is: entity only, normalized the id as written.

Media. CSV: the own photo/video Link (Facebook) or the Photo URL (Instagram). API: `media[]`
(url = `full`, else `url`; preview_url = `url` when `full` is given; width/height only when they
describe the url kept). Content Library: `multimedia` when it holds a JSON list of {type, url}.
Media uid = "<post uid>#media<n>" (the media URLs are signed and change between fetches).

Left out, for want of a field: Page Category, Likes at Posting (page likes), Overperforming
Score, Video Length, Video Share Status, Image Text (text read from the image), Link Text and
Description (the link preview), API `title`/`caption`/`description` of Facebook posts,
Content Library match_type (search metadata), modified_time, mcl_url (a link into the Content
Library, not the public post) and content_type. CrowdTangle Reddit posts (API platform "Reddit")
are rejected with that reason (a response holding one is rejected whole, so it is reported, not
half-mapped). A Content Library record with none of the Facebook-only columns
(surface.*, share/reaction counts, link attachment, shared_post_id) is not detected: Meta's
Instagram posts have the same generic columns and cannot be told apart.

Content Library columns confirmed in Meta's data dictionary
(https://developers.facebook.com/docs/content-library-and-api/appendix/data-dictionary, Facebook
post): id, text, creation_time, lang, statistics.{like,love,wow,haha,sad,angry,care,reaction,
comment,share}_count, statistics.views, post_owner.data.{type,id,name,username},
surface.{type,id,name}, is_verified, shared_post_id, is_branded_content, branded_content_page_id,
link_attachment_fields.{link,name,caption,description}, multimedia.{type,id,url}, content_type,
match_type. Flattened variants are read too: post_owner.{type,id,name,username} (the dictionary's
Instagram post spelling, and what CSVs in public research code show) and link_attachment.link
or .url (the dictionary's comment spelling); mcl_url appears only in such code, not in the
dictionary. No real Content Library CSV was available: the fixture is written from the dictionary.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import (
    CsvRow,
    Format,
    add_url,
    integer,
    normalize_url,
    obj,
    seq,
    text,
    utc,
)

PLATFORM = "facebook"
MAPPER_VERSION = "1"
P = PLATFORM
IG = "instagram"
CT_CSV = "facebook.crowdtangle_csv"
CT_IG_CSV = "facebook.crowdtangle_instagram_csv"
CT_API = "facebook.crowdtangle_api"
MCL_CSV = "facebook.content_library_csv"

_NEVER_CT = ("following", "posts_count")
FORMATS = (
    Format(CT_CSV, "CrowdTangle CSV export (Facebook pages or groups)",
           "a CSV record with the columns Facebook Id, Page Name or Group Name, Post Created "
           "(or Created) and URL",
           "the post (text = Message, reactions, comments, shares, video views); the page as "
           "its account, or the group as its community; hashtags and links from the Message, "
           "Link and Final Link; the own photo or video as media; the sponsor",
           {"accounts": ("url", "avatar_url", "verified") + _NEVER_CT,
            "posts": ("language", "reply_to", "repost_of", "quote_of", "conversation", "kind",
                      "lat", "lon", "place", "quotes"),
            "media": ("preview_url", "alt_text", "width", "height")}),
    Format(CT_IG_CSV, "CrowdTangle CSV export (Instagram accounts)",
           "a CSV record with the columns Account, User Name, Post Created (or Created), URL and "
           "Photo or Followers at Posting, and no Facebook Id",
           "the post (text = Description, likes, comments, video views), the account by its "
           "username, hashtags and links in the caption, the Photo as media, the sponsor",
           {"accounts": ("native_id", "bio", "url", "location", "created_at", "avatar_url",
                         "verified") + _NEVER_CT,
            "posts": ("language", "reply_to", "repost_of", "quote_of", "conversation", "kind",
                      "community", "lat", "lon", "place", "reposts", "quotes"),
            "media": ("alt_text", "width", "height")}),
    Format(CT_API, "CrowdTangle API posts (response, links response, or post object)",
           "an object with status and result.posts, or post objects with platformId, platform "
           "and date",
           "each Facebook or Instagram post with its current counts (statistics.actual), its "
           "account (or group, as community), media, expanded links and hashtags, the branded "
           "content sponsor; `updated` is the retrieval time",
           {"accounts": _NEVER_CT,
            "posts": ("reply_to", "repost_of", "quote_of", "conversation", "kind", "lat", "lon",
                      "place", "quotes", "views"),
            "media": ("alt_text",)}),
    Format(MCL_CSV, "Meta Content Library CSV (Facebook posts)",
           "a CSV record with id, creation_time and post_owner.* columns and at least one "
           "Facebook-only column (surface.*, statistics.share_count or reaction counts, link "
           "attachment, shared_post_id)",
           "the post (uid facebook:mcl:<id>: Content Library ids are not Facebook ids) with "
           "reactions, comments, shares and views; its owner and surface (community) as "
           "accounts; a reshare as repost; the link attachment, hashtags and links; multimedia",
           {"accounts": ("bio", "url", "location", "created_at", "followers", "avatar_url")
            + _NEVER_CT,
            "posts": ("url", "reply_to", "quote_of", "conversation", "kind", "lat", "lon",
                      "place", "quotes"),
            "interactions": ("target", "at"),
            "media": ("preview_url", "alt_text", "width", "height")}),
)

# ---------------------------------------------------------------- numbers

_GROUP_ONLY = frozenset(" \u00a0\u202f\u2009'\u2019")  # spaces and apostrophes never mark decimals
_SEPS = _GROUP_ONLY | {",", "."}
_SPACES = frozenset(" \u00a0\u202f\u2009")
_PLACEHOLDERS = frozenset(["", "-", "\u2014", "n/a", "na", "none", "null"])


def _valid_grouping(runs: list[str]) -> bool:
    """Digit runs of an integer part written with group separators: 1-3 then threes (1,234,567),
    or the Indian lakh grouping, 1-2 then twos then a final three (12,34,567)."""
    if len(runs) < 2 or not runs[0] or runs[0][0] == "0":
        return False
    if 1 <= len(runs[0]) <= 3 and all(len(r) == 3 for r in runs[1:]):
        return True
    return (len(runs[-1]) == 3 and 1 <= len(runs[0]) <= 2
            and all(len(r) == 2 for r in runs[1:-1]))


def _parse_number(s: str) -> int | float | None:
    """A locale-formatted number, or None when it is not one.

    Spaces, no-break spaces and apostrophes only group digits. With both ',' and '.', the last
    one is the decimal mark; so is a single ',' or '.' after space or apostrophe groups. One kind
    used several times groups digits. Used once alone: a group separator when exactly three
    digits follow and 1-3 digits (not "0") precede, else the decimal mark: "1.234" and "1,234"
    are 1234, "1,5", "0,123" and "1234,567" are decimals.
    """
    s = s.strip()
    sign = 1
    if s[:1] in ("-", "+", "\u2212"):
        sign = -1 if s[0] != "+" else 1
        s = s[1:].lstrip()
    if not s or len(s) > 64 or not (s[0].isascii() and s[0].isdigit()):
        return None
    runs: list[str] = []
    seps: list[str] = []
    start = 0
    for i, ch in enumerate(s):
        if ch.isascii() and ch.isdigit():
            continue
        if ch not in _SEPS or i == start:  # a letter, or two separators in a row
            return None
        runs.append(s[start:i])
        seps.append(" " if ch in _SPACES else ("'" if ch in "'\u2019" else ch))
        start = i + 1
    if start == len(s):  # ends with a separator
        return None
    runs.append(s[start:])
    if not seps:
        return sign * int(s)
    decimal = None  # index of the separator that is the decimal mark
    marks = [i for i, c in enumerate(seps) if c in ",."]
    if len({seps[i] for i in marks}) == 2 or (len(marks) == 1 and len(seps) > 1):
        decimal = marks[-1]  # "1.234,5", "1,234.5", "1 234,5": the last mark
    elif len(marks) == 1:  # "1,234" or "1,5": grouping only before exactly three digits
        head = runs[0]
        if not (len(runs[1]) == 3 and len(head) <= 3 and head[0] != "0"):
            decimal = 0
    if decimal is not None and decimal != len(seps) - 1:
        return None  # digits grouped after the decimal mark
    int_runs = runs if decimal is None else runs[:-1]
    int_seps = seps if decimal is None else seps[:-1]
    if int_seps and (len(set(int_seps)) != 1 or not _valid_grouping(int_runs)):
        return None
    whole = int("".join(int_runs))
    if decimal is None:
        return sign * whole
    return sign * float(f"{whole}.{runs[-1]}")


def _count(row: dict, *names: str) -> int | None:
    """The first of `names` holding a value, read as a count; unreadable -> RejectedItem."""
    for name in names:
        raw = _cell(row, name)
        if raw is None or raw.strip().lower() in _PLACEHOLDERS:
            continue
        v = _parse_number(raw)
        if isinstance(v, float) or v is None:
            raise RejectedItem(f"unreadable count in {name!r}: {raw[:40]!r}")
        if not 0 <= v < 2**63:
            raise RejectedItem(f"count out of range in {name!r}: {raw[:40]!r}")
        return v
    return None


def _sum(values) -> int | None:
    got = [v for v in values if v is not None]
    if not got:
        return None
    total = sum(got)
    return total if total < 2**63 else None


# ---------------------------------------------------------------- times

# One fixed UTC offset (minutes) per abbreviation; the summer names carry the summer offset.
_ZONES = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60,
    "CEST": 120, "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "WAT": 60,
    "CAT": 120, "SAST": 120, "EAT": 180, "PKT": 300, "NPT": 345, "ICT": 420, "WIB": 420,
    "WITA": 480, "WIT": 540, "HKT": 480, "SGT": 480, "MYT": 480, "PHT": 480, "AWST": 480,
    "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720,
    "NZDT": 780, "HST": -600, "AKST": -540, "AKDT": -480, "PST": -480, "PDT": -420,
    "MST": -420, "MDT": -360, "CST": -360, "CDT": -300, "EST": -300, "EDT": -240,
    "NST": -210, "NDT": -150, "BRT": -180, "BRST": -120, "ART": -180, "CLT": -240,
    "CLST": -180, "COT": -300, "PET": -300, "VET": -240, "UYT": -180,
}
_AMBIGUOUS = {"IST": "India, Ireland or Israel", "AST": "Atlantic or Arabia",
              "GST": "Gulf or South Georgia", "SST": "Samoa or Singapore"}
_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")


def _zone(token: str) -> timezone:
    z = token.upper()
    if z in _ZONES:
        return timezone(timedelta(minutes=_ZONES[z]))
    if z in _AMBIGUOUS:
        raise RejectedItem(f"ambiguous time zone {token!r} ({_AMBIGUOUS[z]})")
    m = _OFFSET.fullmatch(z) if len(z) <= 12 else None
    if m:
        minutes = int(m[2]) * 60 + int(m[3] or 0)
        if minutes < 24 * 60:
            return timezone(timedelta(minutes=minutes if m[1] == "+" else -minutes))
    raise RejectedItem(f"unknown time zone {token[:20]!r}")


def _local(s: str, what: str) -> datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            pass
    raise RejectedItem(f"unreadable {what}: {s[:40]!r}")


def _ct_time(raw: str) -> tuple[datetime, timezone]:
    """CrowdTangle's "2021-07-05 18:02:45 BRT" as UTC, and the zone it was written in."""
    parts = raw.split()
    if len(parts) == 2:
        raise RejectedItem(f"Post Created without a time zone: {raw[:40]!r}")
    if len(parts) != 3:
        raise RejectedItem(f"unreadable Post Created: {raw[:40]!r}")
    tz = _zone(parts[2])
    local = _local(parts[0] + " " + parts[1], "Post Created")
    return local.replace(tzinfo=tz).astimezone(timezone.utc), tz


def _page_created(raw: str | None, tz: timezone) -> datetime | None:
    if not raw or not raw.strip():
        return None
    parts = raw.split()
    if len(parts) == 3:
        tz = _zone(parts[2])
        parts = parts[:2]
    local = _local(" ".join(parts), "Page Created")
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


# ---------------------------------------------------------------- cells and text

HASHTAG = re.compile(r"(?<![\w&#])#(\w{1,100})")
LINK = re.compile(r"(?i)\bhttps?://[^\s<>\"'\u00a0]{1,2000}")
_TRAILING = ".,;:!?)]}\u2019\u201d'\"\u2026"


def _headers(o: dict) -> dict:
    """Column name (trimmed, a stray BOM removed) -> value; DictReader's None key is dropped."""
    return {k.strip().lstrip("\ufeff").strip(): v for k, v in o.items() if isinstance(k, str)}


def _cell(row: dict, name: str) -> str | None:
    """A cell's text, None when absent or blank."""
    v = text(row.get(name))
    if v is None:
        return None
    return v if v.strip() else None


def _id(v: str | None) -> str | None:
    v = v.strip() if v else None
    return v if v and v.isascii() and v.isdigit() and len(v) <= 40 else None


def _text_entities(r: Records, uid: str, body: str | None, platform: str) -> None:
    if not body:
        return
    for m in HASHTAG.finditer(body):
        tag = m[1]
        if not tag.isdigit():
            r.entity(uid, "hashtag", tag, tag.lower(), platform=platform)
    for m in LINK.finditer(body):
        add_url(r, uid, m[0].rstrip(_TRAILING), platform)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _is_host(url: str, *domains: str) -> bool:
    h = _host(url)
    return any(h == d or h.endswith("." + d) for d in domains)


# ---------------------------------------------------------------- identifiers

def _fb_ids(url: str | None) -> tuple[str | None, str | None]:
    """(owner id, post id) read from a Facebook post URL; None for what it does not say."""
    if not url or len(url) > 4000 or not _is_host(url, "facebook.com", "fb.com"):
        return None, None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None, None
    segs = [s for s in parts.path.split("/") if s]
    if segs[:1] in (["permalink.php"], ["story.php"]):
        q = parse_qs(parts.query)
        return _id((q.get("id") or [None])[0]), _id((q.get("story_fbid") or [None])[0])
    if len(segs) >= 4 and segs[0] == "groups" and segs[2] in ("permalink", "posts"):
        return _id(segs[1]), _id(segs[3])
    if len(segs) >= 3 and segs[1] == "posts":
        return _id(segs[0]), _id(segs[2])
    return (_id(segs[0]) if segs else None), None


def _fb_post_uid(platform_id: str | None, url: str | None, owner: str | None) -> str | None:
    pid = (platform_id or "").strip()
    a, _, b = pid.partition("_")
    if _id(a) and _id(b):
        return f"{P}:{a}_{b}"
    url_owner, post = _fb_ids(url)
    owner = owner or url_owner
    if owner and post:
        return f"{P}:{owner}_{post}"
    if url and url.strip():
        return f"{P}:url:{normalize_url(url)}"
    return None


_B64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def _ig_pk(url: str | None) -> str | None:
    """The media pk an Instagram shortcode encodes (/p/<code>, /reel/<code>, /tv/<code>)."""
    if not url or len(url) > 4000 or not _is_host(url, "instagram.com"):
        return None
    try:
        segs = [s for s in urlsplit(url.strip()).path.split("/") if s]
    except ValueError:
        return None
    for i, s in enumerate(segs[:-1]):
        if s in ("p", "reel", "reels", "tv"):
            code = segs[i + 1]
            if 0 < len(code) <= 11 and all(c in _B64 for c in code):
                pk = 0
                for c in code:
                    pk = pk * 64 + _B64[c]
                return str(pk)
            return None
    return None


def _ig_post_uid(platform_id: str | None, url: str | None) -> str | None:
    a, _, b = (platform_id or "").strip().partition("_")
    if _id(a) and (not b or _id(b)):
        return f"{IG}:{a}"
    pk = _ig_pk(url)
    if pk:
        return f"{IG}:{pk}"
    if url and url.strip():
        return f"{IG}:url:{normalize_url(url)}"
    return None


# ---------------------------------------------------------------- detection

def _is_ct_post(o) -> bool:
    return (type(o) is dict and "platformId" in o and isinstance(o.get("platform"), str)
            and "date" in o and ("account" in o or "statistics" in o or "postUrl" in o))


_MCL_FB_ONLY = ("surface.id", "surface.type", "surface.name", "statistics.share_count",
                "statistics.reaction_count", "statistics.love_count", "statistics.care_count",
                "shared_post_id", "link_attachment_fields.link", "link_attachment.link",
                "link_attachment.url", "post_owner.data.id", "branded_content_page_id")


def _detect_csv(o: CsvRow) -> str | None:
    h = _headers(o)
    created = "Post Created" in h or "Created" in h
    if "Facebook Id" in h and ("Page Name" in h or "Group Name" in h) and created and "URL" in h:
        return CT_CSV
    if ("Account" in h and "User Name" in h and created and "URL" in h
            and ("Photo" in h or "Followers at Posting" in h)):
        return CT_IG_CSV
    if ("id" in h and "creation_time" in h
            and any(k.startswith("post_owner.") for k in h)
            and any(k in h for k in _MCL_FB_ONLY)):
        return MCL_CSV
    return None


def detect(o) -> str | None:
    if type(o) is CsvRow:
        return _detect_csv(o)
    if type(o) is dict:
        result = o.get("result")
        if "status" in o and type(result) is dict and type(result.get("posts")) is list:
            posts = result["posts"]
            return CT_API if not posts or _is_ct_post(posts[0]) else None
        return CT_API if _is_ct_post(o) else None
    if type(o) is list and o and _is_ct_post(o[0]):
        return CT_API
    return None


# ---------------------------------------------------------------- mapping

def map_item(o, fmt: str) -> Records:
    r = Records()
    if fmt == CT_CSV:
        _ct_csv(r, _headers(obj(o)))
    elif fmt == CT_IG_CSV:
        _ct_ig_csv(r, _headers(obj(o)))
    elif fmt == MCL_CSV:
        _mcl_csv(r, _headers(obj(o)))
    elif fmt == CT_API:
        if type(o) is list:
            posts = o
        elif type(o) is not dict:
            raise RejectedItem("not a CrowdTangle API object")
        elif "result" in o:
            posts = seq(obj(o.get("result")).get("posts"))
        else:
            posts = [o]
        for p in posts:
            _api_post(r, p)
    else:
        raise RejectedItem(f"unknown facebook format {fmt!r}")
    return r


_PHOTO_TYPES = ("photo", "album", "carousel")


def _media_kind(kind: str | None) -> str | None:
    """'photo' or 'video' for a post type that is the post's own media, else None."""
    k = (kind or "").lower()
    if "video" in k or "igtv" in k or "reel" in k:
        return "video"
    if any(t in k for t in _PHOTO_TYPES):
        return "photo"
    return None


def _sponsor(r: Records, uid: str, sid: str | None, name: str | None, platform: str,
             prefix: str | None) -> None:
    """A branded-content sponsor: entity, and an account when its id is a page id."""
    sid = (sid or "").strip() or None
    if not sid and not name:
        return
    suid = f"{prefix}:{sid}" if prefix and sid else None
    if suid:
        r.account(uid=suid, platform=P, native_id=sid, display_name=name)
    r.entity(uid, "sponsor", name or sid, suid or (sid or name).lower(), platform=platform)


def _ct_csv(r: Records, row: dict) -> None:
    created = _cell(row, "Post Created") or _cell(row, "Created")
    if not created:
        raise RejectedItem("no Post Created time")
    at, tz = _ct_time(created)
    url = _cell(row, "URL")
    fid = _id(_cell(row, "Facebook Id"))
    is_group = "Group Name" in row and "Page Name" not in row or "/groups/" in (url or "")
    owner_uid = f"{P}:{fid}" if fid else None
    uid = _fb_post_uid(None, url, fid)
    if uid is None:
        raise RejectedItem("no URL to identify the post")
    if owner_uid:
        r.account(uid=owner_uid, platform=P, native_id=fid, handle=_cell(row, "User Name"),
                  display_name=_cell(row, "Group Name" if is_group else "Page Name")
                  or _cell(row, "Page Name") or _cell(row, "Group Name"),
                  bio=_cell(row, "Page Description") or _cell(row, "Group Description"),
                  location=_cell(row, "Page Admin Top Country"),
                  created_at=_page_created(_cell(row, "Page Created"), tz),
                  followers=_count(row, "Followers at Posting"))
    kind = _cell(row, "Type")
    reactions = [_count(row, c) for c in ("Likes", "Love", "Wow", "Haha", "Sad", "Angry", "Care")]
    media = _media_kind(kind)
    message = _cell(row, "Message")
    native = uid[len(P) + 1:]
    r.post(uid=uid, platform=P, native_id=None if native.startswith("url:") else native,
           account_uid=None if is_group else owner_uid, created_at=at, text=message, url=url,
           community=owner_uid if is_group else None,
           likes=_sum(reactions) if reactions[0] is not None else None,
           reposts=_count(row, "Shares"), replies=_count(row, "Comments"),
           views=_count(row, "Post Views") if media == "video" else None)
    _text_entities(r, uid, message, P)
    for col in ("Link", "Final Link"):
        link = _cell(row, col)
        if not link:
            continue
        if col == "Link" and media and _is_host(link, "facebook.com", "fb.com"):
            r.media(uid=f"{uid}#media0", platform=P, post=uid, kind=media, url=link.strip())
        else:
            add_url(r, uid, link.strip(), P)
    sponsor = _cell(row, "Sponsor Id")
    _sponsor(r, uid, sponsor, _cell(row, "Sponsor Name"), P, P if _id(sponsor) else None)


def _ct_ig_csv(r: Records, row: dict) -> None:
    created = _cell(row, "Post Created") or _cell(row, "Created")
    if not created:
        raise RejectedItem("no Post Created time")
    at, _tz = _ct_time(created)
    url = _cell(row, "URL")
    uid = _ig_post_uid(None, url)
    if uid is None:
        raise RejectedItem("no URL to identify the post")
    user = (_cell(row, "User Name") or "").strip().lstrip("@")
    acc = f"{IG}:@{user.lower()}" if user else None
    if acc:
        r.account(uid=acc, platform=IG, handle=user, display_name=_cell(row, "Account"),
                  followers=_count(row, "Followers at Posting"))
    media = _media_kind(_cell(row, "Type"))
    caption = _cell(row, "Description") or _cell(row, "Title")
    pk = uid[len(IG) + 1:]
    r.post(uid=uid, platform=IG, native_id=pk if pk.isdigit() else None, account_uid=acc,
           created_at=at, text=caption, url=url, likes=_count(row, "Likes"),
           replies=_count(row, "Comments"),
           views=_count(row, "Views") if media == "video" else None)
    _text_entities(r, uid, caption, IG)
    photo = _cell(row, "Photo")
    if photo:
        video = media == "video"
        r.media(uid=f"{uid}#media0", platform=IG, post=uid, kind=media or "photo",
                url=None if video else photo.strip(), preview_url=photo.strip() if video else None)
    link = _cell(row, "Link")
    if link and not _is_host(link, "instagram.com"):
        add_url(r, uid, link.strip(), IG)
    _sponsor(r, uid, _cell(row, "Sponsor Id"), _cell(row, "Sponsor Name"), IG, None)


_API_REACTIONS = ("likeCount", "loveCount", "wowCount", "hahaCount", "sadCount", "angryCount",
                  "thankfulCount", "careCount")


def _api_account(r: Records, a, platform: str) -> tuple[str | None, bool]:
    """(uid, is a group) of a CrowdTangle account object."""
    a = obj(a)
    pid = _id(text(a.get("platformId")))
    if not pid:
        return None, False
    uid = f"{platform}:{pid}"
    verified = a.get("verified")
    r.account(uid=uid, platform=platform, native_id=pid, handle=text(a.get("handle")) or None,
              display_name=text(a.get("name")), bio=text(a.get("pageDescription")) or None,
              url=text(a.get("url")), location=text(a.get("pageAdminTopCountry")) or None,
              created_at=utc(text(a.get("pageCreatedDate"))),
              followers=integer(a.get("subscriberCount")),
              verified=verified if isinstance(verified, bool) else None,
              avatar_url=text(a.get("profileImage")))
    return uid, "group" in (text(a.get("accountType")) or "").lower()


def _size(v) -> int | None:
    """A pixel size; CrowdTangle writes 0 for a video whose size it does not know."""
    n = integer(v)
    return n if n and n > 0 else None


def _api_post(r: Records, p) -> None:
    p = obj(p)
    named = (text(p.get("platform")) or "").strip()
    where = named.lower()
    if where not in (P, IG):
        raise RejectedItem(f"CrowdTangle {named[:30] or 'unnamed'!r} posts are not mapped here")
    acc, is_group = _api_account(r, p.get("account"), where)
    url = text(p.get("postUrl"))
    platform_id = text(p.get("platformId"))
    if where == P:
        uid = _fb_post_uid(platform_id, url, acc[len(P) + 1:] if acc else None)
    else:
        uid = _ig_post_uid(platform_id, url)
    if uid is None:
        raise RejectedItem("post without platformId or postUrl")
    updated = utc(text(p.get("updated")))
    if updated and (r.retrieved_at is None or updated > r.retrieved_at):
        r.retrieved_at = updated
    actual = obj(obj(p.get("statistics")).get("actual"))
    if where == P:
        likes = _sum(integer(actual.get(k)) for k in _API_REACTIONS)
        body = text(p.get("message"))
    else:
        likes = integer(actual.get("favoriteCount"))
        if likes is None:
            likes = integer(actual.get("likeCount"))
        body = text(p.get("message")) or text(p.get("description"))
    lang = text(p.get("languageCode"))
    native = uid[len(where) + 1:]
    r.post(uid=uid, platform=where, native_id=None if ":" in native else native,
           account_uid=None if is_group else acc, created_at=utc(text(p.get("date"))),
           text=body or None, language=lang if lang and lang != "und" else None, url=url,
           community=acc if is_group else None, likes=likes,
           reposts=integer(actual.get("shareCount")),
           replies=integer(actual.get("commentCount")))
    _text_entities(r, uid, body, where)
    for e in seq(p.get("expandedLinks")):
        e = obj(e)
        for key in ("original", "expanded"):
            add_url(r, uid, text(e.get(key)), where)
    link = text(p.get("link"))
    own = _media_kind(text(p.get("type"))) and link and _is_host(
        link, "facebook.com", "fb.com", "instagram.com")
    if link and not own:
        add_url(r, uid, link, where)
    for i, m in enumerate(seq(p.get("media"))):
        m = obj(m)
        small, full = text(m.get("url")), text(m.get("full"))
        if not (small or full):
            continue
        mk = (text(m.get("type")) or "").lower()
        r.media(uid=f"{uid}#media{i}", platform=where, post=uid,
                kind=mk if mk in ("photo", "video") else "other", url=full or small,
                preview_url=small if full else None,
                width=None if full else _size(m.get("width")),
                height=None if full else _size(m.get("height")))
    sponsor = obj(p.get("brandedContentSponsor"))
    if sponsor:
        suid, _ = _api_account(r, sponsor, where)
        name = text(sponsor.get("name"))
        if suid or name:
            r.entity(uid, "sponsor", name or suid, suid or name.lower(), platform=where)


def _first(row: dict, *names: str) -> str | None:
    for n in names:
        v = _cell(row, n)
        if v is not None:
            return v.strip()
    return None


def _mcl_id(v: str | None) -> str | None:
    v = v.strip() if v else None
    return v if v and len(v) <= 100 and not any(c.isspace() for c in v) else None


_MCL_REACTIONS = tuple(f"statistics.{k}_count" for k in
                       ("like", "love", "wow", "haha", "sad", "angry", "care"))


def _mcl_csv(r: Records, row: dict) -> None:
    pid = _mcl_id(_cell(row, "id"))
    if not pid:
        raise RejectedItem("Content Library record without id")
    uid = f"{P}:mcl:{pid}"
    owner_id = _mcl_id(_first(row, "post_owner.id", "post_owner.data.id"))
    owner = f"{P}:mcl:{owner_id}" if owner_id else None
    owner_type = (_first(row, "post_owner.type", "post_owner.data.type") or "").lower()
    surface_id = _mcl_id(_cell(row, "surface.id"))
    surface = f"{P}:mcl:{surface_id}" if surface_id else None
    verified = (_cell(row, "is_verified") or "").strip().lower()
    verified_b = True if verified == "true" else False if verified == "false" else None
    if owner:
        r.account(uid=owner, platform=P, native_id=owner_id,
                  handle=_first(row, "post_owner.username", "post_owner.data.username"),
                  display_name=_first(row, "post_owner.name", "post_owner.data.name"),
                  verified=verified_b if surface == owner else None)
    if surface and surface != owner:
        r.account(uid=surface, platform=P, native_id=surface_id,
                  display_name=_cell(row, "surface.name"), verified=verified_b)
    venue_owner = owner_type in ("group", "event")
    community = surface if surface and surface != owner else (owner if venue_owner else None)
    likes = _count(row, "statistics.reaction_count")
    if likes is None:
        likes = _sum(_count(row, c) for c in _MCL_REACTIONS)
    body = _cell(row, "text")
    shared = _mcl_id(_cell(row, "shared_post_id"))
    lang = _cell(row, "lang")
    r.post(uid=uid, platform=P, native_id=pid, account_uid=None if venue_owner else owner,
           created_at=utc(_cell(row, "creation_time")), text=body,
           language=lang.strip() if lang else None,
           repost_of=f"{P}:mcl:{shared}" if shared else None, community=community,
           likes=likes, reposts=_count(row, "statistics.share_count"),
           replies=_count(row, "statistics.comment_count"), views=_count(row, "statistics.views"))
    if shared:
        r.interaction("repost", None if venue_owner else owner, post=uid,
                      target_post=f"{P}:mcl:{shared}", platform=P)
    _text_entities(r, uid, body, P)
    link = _first(row, "link_attachment_fields.link", "link_attachment.link",
                  "link_attachment.url")
    add_url(r, uid, link, P)
    page = _mcl_id(_cell(row, "branded_content_page_id"))
    if page:
        _sponsor(r, uid, page, None, P, f"{P}:mcl")
    _mcl_media(r, uid, _cell(row, "multimedia"))


def _mcl_media(r: Records, uid: str, raw: str | None) -> None:
    """`multimedia` as the CSV writes it, when that is a JSON list of {type, url}; else none."""
    if not raw or len(raw) > 200_000 or raw.lstrip()[:1] not in ("[", "{"):
        return
    try:
        items = json.loads(raw)
    except (ValueError, RecursionError):
        return
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return
    for i, m in enumerate(items[:100]):
        if not isinstance(m, dict):
            continue
        url = m.get("url") if isinstance(m.get("url"), str) else None
        kind = m.get("type") if isinstance(m.get("type"), str) else ""
        if url or kind:
            r.media(uid=f"{uid}#media{i}", platform=P, post=uid,
                    kind=kind.lower() if kind.lower() in ("photo", "video") else "other",
                    url=url)
