"""Helpers every mapper shares: times, numbers, URLs and domains, entities found in text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

from socmint.errors import RejectedItem


@dataclass(frozen=True)
class Format:
    """What a format is, for `socmint formats` and docs/formats.md, declared beside its mapper.

    `cannot_provide` names, per table, the fields this format never holds, so an analysis can
    tell "not in this data" from zero or empty (e.g. no follower counts in a Telegram export).
    """

    name: str  # "telegram.desktop_export", as detect() returns it
    title: str  # "Telegram Desktop export (result.json)"
    detected_by: str  # the content rule, in words
    maps: str  # what becomes accounts, posts, interactions, media and entities
    cannot_provide: dict[str, tuple[str, ...]] = field(default_factory=dict)


class CsvRow(dict):
    """One CSV record: column header -> text, as csv.DictReader gives it (file decoded as
    utf-8-sig). A class of its own so a JSON object is never mistaken for a CSV row."""


class ArchivePart(dict):
    """One `window.YTD.<name>.part<N> = [...]` file of an X/Twitter account archive.

    Keys: "name" (e.g. "tweets", "account", "like"), "part" (int), "items" (the array), and
    "owner" ({"id", "username"} of the archive's account, read from account.js beside it when
    the import found one, else None): tweets.js alone does not say whose tweets they are.
    """


_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled list, never fetches


def utc(value) -> datetime | None:
    """Parse ISO 8601, RFC 2822 (Twitter v1.1), or epoch seconds/ms/us into aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RejectedItem(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        v = float(value)
        if v > 1e17:
            v /= 1e9
        elif v > 1e14:
            v /= 1e6
        elif v > 1e11:
            v /= 1e3
        try:
            return datetime.fromtimestamp(v, tz=timezone.utc)
        except (OverflowError, OSError, ValueError) as exc:
            raise RejectedItem(f"time out of range: {value!r}") from exc
    if not isinstance(value, str):
        raise RejectedItem(f"not a time: {type(value).__name__}")
    s = value.strip()
    if s.isascii() and s.isdigit():
        if len(s) > 20:  # no time has more digits; int() of thousands of them is refused
            raise RejectedItem(f"time out of range: {value[:30]!r}")
        return utc(int(s))
    try:
        if s.endswith("Z"):
            s = s[:-1] + "+00:00"
        dt = datetime.fromisoformat(s)
    except ValueError:
        try:
            dt = datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")
        except ValueError as exc:
            raise RejectedItem(f"unreadable time: {value[:60]!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def integer(value) -> int | None:
    """Counts arrive as ints, strings ("1234") or nothing; anything else is not a count."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 2**63 else None
    if isinstance(value, str):
        s = value.strip()
        digits = s[1:] if s.startswith("-") else s
        if digits.isascii() and digits.isdigit() and len(digits) <= 19:  # not "²" or "--5"
            v = int(s)
            return v if -(2**63) <= v < 2**63 else None
    return None


def number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        f = float(value)
        return f if f == f and abs(f) != float("inf") else None
    if isinstance(value, str):
        try:
            return number(float(value))
        except ValueError:
            return None
    return None


def text(value) -> str | None:
    """A string field, or None; other types are not silently str()-ed into text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RejectedItem(f"expected text, got {type(value).__name__}")


def obj(value) -> dict:
    """A nested object that may be missing (None -> {}), but never of the wrong type."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RejectedItem(f"expected an object, got {type(value).__name__}")
    return value


def seq(value) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RejectedItem(f"expected a list, got {type(value).__name__}")
    return value


@lru_cache(maxsize=65536)
def domain(url: str) -> str | None:
    """Registrable domain of a URL (bbc.co.uk for news.bbc.co.uk), from the bundled suffix list."""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    ext = _EXTRACT(host)
    return (ext.top_domain_under_public_suffix or host).lower()


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment; the path and query stay as written."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    netloc = parts.netloc.lower()
    path = parts.path or "/"
    q = ("?" + parts.query) if parts.query else ""
    return f"{parts.scheme.lower()}://{netloc}{path}{q}"


def add_url(records, post_uid: str, url: str | None, platform: str) -> None:
    """A URL entity and its registrable-domain entity."""
    if not url or not isinstance(url, str):
        return
    records.entity(post_uid, "url", url, normalize_url(url), platform=platform)
    d = domain(url)
    if d:
        records.entity(post_uid, "domain", d, d, platform=platform)
