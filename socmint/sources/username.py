"""Username checks (`socmint username NAME`): what each site's check decided, and why.

Format (one JSON object per site and check, written by socmint.collect.username.record):
  username.check  {"socmint": "username.check", "version": 1, "name", "site", "platform",
                  "catalog", "url", "probe_url", "final_url", "status", "reason",
                  "http_status", "checked_at", "body_sha256", "controls": [...]}
The response body the decision rests on is its own evidence item (kept whole, by its
SHA-256 in `body_sha256`), as are the bodies of the control requests.

Only a "found" becomes a record: a candidate account, not a confirmed one. Its platform is
the site's name lower-cased ("GitHub" -> "github"), its uid "<platform>:@<name as checked>"
(the "@" keeps a candidate, keyed by the name checked, apart from the accounts a platform's
own mapper keys by its native ids), handle = the name, url = the profile URL. `verified`
stays empty: it means the platform's badge, which a presence check cannot see. "absent",
"unknown" and "skipped" results are evidence of the check and map to no record.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, utc

PLATFORM = "username"
MAPPER_VERSION = "1"
CHECK = "username.check"
STATUSES = ("found", "absent", "unknown", "skipped")

FORMATS = (
    Format(CHECK, "socmint username check (one site's verdict for one name)",
           'an object with "socmint": "username.check"',
           "a candidate account (platform = the site lower-cased, handle = the name, url = the "
           "profile URL) for a \"found\" verdict; other verdicts are kept as evidence only",
           {"accounts": ("native_id", "display_name", "bio", "location", "created_at",
                         "followers", "following", "posts_count", "verified", "avatar_url")}),
)


def detect(o) -> str | None:
    if type(o) is dict and o.get("socmint") == CHECK:
        return CHECK
    return None


def _text(o: dict, key: str, required: bool = True) -> str | None:
    v = o.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v.strip():
        raise RejectedItem(f"username.check: {key} is missing or not text")
    return v


def map_item(o, fmt: str) -> Records:
    if fmt != CHECK or detect(o) is None:
        raise RejectedItem("not a username check")
    if o.get("version") != 1:
        raise RejectedItem(f"username.check: unknown version {o.get('version')!r}")
    status = o.get("status")
    if status not in STATUSES:
        raise RejectedItem(f"username.check: unknown status {status!r}")
    name, platform = _text(o, "name"), _text(o, "platform")
    _text(o, "site")
    r = Records()
    r.retrieved_at = utc(o.get("checked_at"))
    url = _text(o, "url", required=False)
    r.envelope["source_url"] = _text(o, "probe_url", required=False) or url
    if status == "found":
        r.account(uid=f"{platform}:@{name}", platform=platform, handle=name, url=url)
    return r
