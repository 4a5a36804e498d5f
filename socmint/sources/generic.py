"""Declared mappings: CSV or JSON lines from tools socmint does not know.

The investigator says which column (CSV) or key path (JSON, dotted: "user.id") holds which
field, in a small TOML file given to `socmint import --mapping FILE`:

    platform = "forum"            # uid prefix and platform of every record (required)
    time_format = "%d/%m/%Y %H:%M"  # optional; otherwise ISO 8601, RFC 2822 or epoch
    timezone = "+01:00"           # optional: the zone of times written without one

    [post]                        # one post per record (id required)
    id = "message_id"
    text = "body"
    created_at = "date"
    author = "user_id"            # the author's native id: its account uid
    reply_to = "parent_id"        # native ids of other posts
    url = "permalink"

    [account]                     # the record's author (id required)
    id = "user_id"
    handle = "username"
    display_name = "name"

The mapping travels with every item in the evidence envelope (`context`), so `socmint remap`
reads the items exactly as the import did. Hashtags, @mentions and links are taken from the text
(the format says nothing else about them); replies, reposts and quotes become interactions whose
target account is unknown unless the same record names it (`reply_to_author`, ...).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from socmint.errors import RejectedItem, SocmintError
from socmint.model import Records
from socmint.sources.common import CsvRow, Format, add_url, integer, number, text, utc

PLATFORM = "generic"
MAPPER_VERSION = "1"
CSV, LINES = "generic.csv", "generic.json"

POST_FIELDS = {
    "id": "text", "text": "text", "created_at": "time", "author": "id", "reply_to": "id",
    "reply_to_author": "id", "repost_of": "id", "repost_of_author": "id", "quote_of": "id",
    "quote_of_author": "id", "conversation": "id", "url": "text", "language": "text",
    "likes": "int", "reposts": "int", "replies": "int", "quotes": "int", "views": "int",
    "lat": "float", "lon": "float", "place": "text", "kind": "text", "community": "text",
}
ACCOUNT_FIELDS = {
    "id": "text", "handle": "text", "display_name": "text", "bio": "text", "url": "text",
    "location": "text", "created_at": "time", "followers": "int", "following": "int",
    "posts_count": "int", "verified": "bool", "avatar_url": "text",
}
NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
HASHTAG = re.compile(r"(?<![\w&])#(\w{1,100})")
MENTION = re.compile(r"(?<![\w@])@(\w{1,60})")
LINK = re.compile(r"https?://[^\s<>\"']{1,2000}")
TRUE, FALSE = {"true", "yes", "1", "y", "t"}, {"false", "no", "0", "n", "f"}

FORMATS = (
    Format(CSV, "CSV with a declared column mapping",
           "not detected: chosen by `socmint import --mapping FILE`",
           "the post and account fields the mapping names; hashtags, mentions and links "
           "found in the text; reply/repost/quote interactions"),
    Format(LINES, "JSON lines with a declared key mapping",
           "not detected: chosen by `socmint import --mapping FILE`",
           "as for CSV, with dotted key paths into each JSON object"),
)


def detect(o) -> str | None:
    return None  # a declared mapping is chosen by the investigator, never guessed


def map_item(o, fmt: str) -> Records:
    raise RejectedItem("a declared mapping needs its mapping file: import with --mapping")


def format_for(framing: str) -> str:
    return CSV if framing == "csv" else LINES


def check_mapping(spec: dict) -> dict:
    """The mapping as read from its file, checked before anything is imported."""
    if not isinstance(spec, dict):
        raise SocmintError("a mapping is a TOML table")
    platform = spec.get("platform")
    if not isinstance(platform, str) or not NAME.fullmatch(platform):
        raise SocmintError("the mapping needs platform = \"name\" (lower-case letters, digits, "
                           "- and _), the prefix of every uid it makes")
    unknown = set(spec) - {"platform", "time_format", "timezone", "post", "account"}
    if unknown:
        raise SocmintError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
    for section, fields in (("post", POST_FIELDS), ("account", ACCOUNT_FIELDS)):
        table = spec.get(section, {})
        if not isinstance(table, dict):
            raise SocmintError(f"[{section}] must be a table of field = \"column\"")
        bad = [k for k, v in table.items() if k not in fields or not isinstance(v, str)]
        if bad:
            raise SocmintError(f"[{section}]: unknown fields or non-text columns: "
                               f"{', '.join(sorted(bad))}; fields are {', '.join(fields)}")
        if table and "id" not in table:
            raise SocmintError(f"[{section}] needs id = \"column\"")
    if not spec.get("post") and not spec.get("account"):
        raise SocmintError("the mapping names no [post] or [account] fields")
    if "timezone" in spec:
        _zone(spec["timezone"])
    return spec


def _zone(value) -> timezone:
    m = re.fullmatch(r"(?:UTC|Z|([+-])(\d\d):?(\d\d))", str(value))
    if not m:
        raise SocmintError(f"timezone {value!r}: write UTC or an offset such as +02:00")
    if not m[1]:
        return timezone.utc
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(delta if m[1] == "+" else -delta)


def map_declared(doc, mapping: dict, fmt: str) -> Records:
    r = Records()
    r.envelope["platform"] = mapping["platform"]
    records = doc if type(doc) is list else [doc]
    for rec in records:
        if not isinstance(rec, dict):
            raise RejectedItem("a declared mapping reads objects or CSV records")
        _map_record(r, rec, mapping)
    return r


def _get(rec: dict, path: str):
    if type(rec) is CsvRow or path in rec:
        value = rec.get(path)
    else:
        value = rec
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _value(rec: dict, column: str, kind: str, mapping: dict):
    v = _get(rec, column)
    if v is None:
        return None
    if kind == "int":
        n = integer(v)
        if n is None and isinstance(v, str):
            n = integer(v.replace(",", "").replace("_", "").replace(" ", ""))
        if n is None:
            raise RejectedItem(f"{column}: not a count: {str(v)[:40]!r}")
        return n
    if kind == "float":
        f = number(v)
        if f is None:
            raise RejectedItem(f"{column}: not a number: {str(v)[:40]!r}")
        return f
    if kind == "bool":
        s = str(v).strip().lower()
        if s in TRUE:
            return True
        if s in FALSE:
            return False
        raise RejectedItem(f"{column}: not true or false: {s[:20]!r}")
    if kind == "time":
        return _time(v, column, mapping)
    if isinstance(v, (dict, list)):
        raise RejectedItem(f"{column}: expected a value, got {type(v).__name__}")
    return text(v)


def _time(v, column: str, mapping: dict) -> datetime:
    zone = _zone(mapping["timezone"]) if "timezone" in mapping else timezone.utc
    fmt = mapping.get("time_format")
    if fmt and isinstance(v, str):
        try:
            dt = datetime.strptime(v, fmt)
        except ValueError as exc:
            raise RejectedItem(f"{column}: {v[:40]!r} does not match {fmt!r}") from exc
    else:
        dt = utc(v)
        if isinstance(v, str) and not _has_zone(v):
            dt = dt.replace(tzinfo=zone)  # written without a zone: the declared one
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(timezone.utc)


def _has_zone(s: str) -> bool:
    s = s.strip()
    return s.isdigit() or s.endswith("Z") or bool(re.search(r"[+-]\d\d:?\d\d$|[A-Z]{3}", s))


def _map_record(r: Records, rec: dict, mapping: dict) -> None:
    platform = mapping["platform"]
    prefix = platform + ":"
    post_spec, account_spec = mapping.get("post", {}), mapping.get("account", {})
    acc = {f: _value(rec, col, ACCOUNT_FIELDS[f], mapping) for f, col in account_spec.items()}
    post = {f: _value(rec, col, POST_FIELDS[f], mapping) for f, col in post_spec.items()}
    if account_spec and acc.get("id") is None and not post_spec:
        raise RejectedItem(f"no account id in column {account_spec['id']!r}")
    author = None
    if acc.get("id") is not None:
        author = prefix + acc["id"]
        fields = {k: v for k, v in acc.items() if k != "id"}
        r.account(uid=author, platform=platform, native_id=acc["id"], **fields)
    if not post_spec:
        return
    if post.get("id") is None:
        raise RejectedItem(f"no post id in column {post_spec['id']!r}")
    uid = prefix + post["id"]
    if post.get("author") is not None:
        author = prefix + post["author"]
        if author not in r.tables["accounts"]:
            r.account(uid=author, platform=platform, native_id=post["author"])
    ref = {k: prefix + post[k] if post.get(k) is not None else None
           for k in ("reply_to", "repost_of", "quote_of", "conversation",
                     "reply_to_author", "repost_of_author", "quote_of_author")}
    lat, lon = post.get("lat"), post.get("lon")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    body = post.get("text")
    at = post.get("created_at")
    r.post(uid=uid, platform=platform, native_id=post["id"], account_uid=author, created_at=at,
           text=body, language=post.get("language"), url=post.get("url"),
           reply_to=ref["reply_to"], repost_of=ref["repost_of"], quote_of=ref["quote_of"],
           conversation=ref["conversation"], kind=post.get("kind"),
           community=post.get("community"), lat=lat, lon=lon, place=post.get("place"),
           likes=post.get("likes"), reposts=post.get("reposts"), replies=post.get("replies"),
           quotes=post.get("quotes"), views=post.get("views"))
    for kind, target in (("reply", "reply_to"), ("repost", "repost_of"), ("quote", "quote_of")):
        if ref[target]:
            r.interaction(kind, author, target=ref[f"{target}_author"], post=uid,
                          target_post=ref[target], at=at, platform=platform)
    if body:
        for tag in HASHTAG.findall(body):
            r.entity(uid, "hashtag", tag, tag.lower(), platform=platform)
        for name in MENTION.findall(body):
            r.entity(uid, "mention", name, name.lower(), platform=platform)
        for link in LINK.findall(body):
            add_url(r, uid, link.rstrip(".,;:!?)]}"), platform)
