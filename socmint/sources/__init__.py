"""Platform mappers: raw item (parsed JSON) -> Records.

Each platform module exposes:
  PLATFORM        "twitter", "mastodon", "bluesky", ...
  MAPPER_VERSION  bumped whenever its output changes, so `socmint remap` knows what is stale
  FORMATS         one common.Format per format: what it maps, what it cannot provide, how it
                  is detected (docs/formats.md is generated from these)
  detect(obj)     the format name ("twitter.v2_page", ...) when this module reads `obj`, else None;
                  decided by content, never by file name
  map_item(obj, fmt) -> Records   raises RejectedItem(reason) for what it cannot read
"""

from __future__ import annotations

from types import ModuleType

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources import (
    bluesky,
    facebook,
    fourchan,
    generic,
    instagram,
    mastodon,
    reddit,
    rss,
    telegram,
    tiktok,
    twitter,
    username,
    youtube,
    zeeschuimer,
)
from socmint.sources.common import ArchivePart, Format

MODULES: tuple[ModuleType, ...] = (zeeschuimer, twitter, mastodon, bluesky, telegram, reddit,
                                   fourchan, youtube, facebook, tiktok, instagram, rss, username)
BY_PLATFORM = {m.PLATFORM: m for m in MODULES}


def formats() -> list[tuple[str, Format]]:
    """Every format socmint reads, with the platform module that reads it."""
    return [(m.PLATFORM, f) for m in (*MODULES, generic) for f in m.FORMATS]


def detect(obj) -> tuple[ModuleType, str] | None:
    for module in MODULES:
        fmt = module.detect(obj)
        if fmt:
            return module, fmt
    return None


def map_detected(found: tuple[ModuleType, str] | None, obj) -> Records:
    """Map an item `detect` has looked at; any failure is a RejectedItem with a reason."""
    if found is None:
        if isinstance(obj, ArchivePart):
            raise RejectedItem(f"X archive part {obj.get('name')!r}: socmint does not read it")
        raise RejectedItem("unrecognised format: no mapper reads this item")
    module, fmt = found
    try:
        return module.map_item(obj, fmt)
    except RejectedItem:
        raise
    except Exception as exc:  # a mapper bug must not lose the item: keep it, say why
        raise RejectedItem(f"{fmt}: {type(exc).__name__}: {exc}"[:500]) from exc
