"""Zeeschuimer browser captures: NDJSON lines, each an envelope around one platform object.

Zeeschuimer (a browser extension of the 4CAT project) records what the platform's web app loaded
while the investigator browsed: each line is `{nav_index, item_id, timestamp_collected (ms),
source_platform, source_platform_url, source_url, user_agent, data}`. The line is routed on
`source_platform` to that platform's mapper, which reads `data` as it reads the same object from
any other source; the envelope keeps when it was captured (retrieved_at) and the page it was
captured on (source_url). A capture from a platform socmint has no mapper for is kept as
evidence and reported as rejected with the platform's name, never lost.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, obj, text, utc

PLATFORM = "zeeschuimer"
MAPPER_VERSION = "1"
CAPTURE = "zeeschuimer.capture"

ROUTES = {  # source_platform -> socmint platform module
    "twitter.com": "twitter", "x.com": "twitter",
    "tiktok.com": "tiktok", "tiktok-comments": "tiktok",
    "instagram.com": "instagram",
}

FORMATS = (
    Format(CAPTURE, "Zeeschuimer NDJSON capture (one line per captured object)",
           "an object with source_platform (text), timestamp_collected and data",
           "`data` by the mapper of its platform (X web GraphQL tweets, TikTok web items and "
           "comments, Instagram web media); timestamp_collected becomes retrieved_at and "
           "source_platform_url the envelope's source_url. Other platforms (LinkedIn, Threads, "
           "9GAG, Imgur, Douyin, Pinterest, Truth Social, Gab, RedNote) are kept and reported",
           {"accounts": ("following",)}),
)


def detect(o) -> str | None:
    if (type(o) is dict and type(o.get("source_platform")) is str and "data" in o
            and "timestamp_collected" in o):
        return CAPTURE
    return None


def map_item(o, fmt: str) -> Records:
    from socmint.sources import BY_PLATFORM

    if fmt != CAPTURE or detect(o) is None:
        raise RejectedItem("not a Zeeschuimer capture line")
    source = o["source_platform"]
    module = BY_PLATFORM.get(ROUTES.get(source.lower(), ""))
    if module is None:
        raise RejectedItem(f"Zeeschuimer capture from {source[:60]!r}: socmint has no mapper "
                           "for this platform yet; the item is kept as evidence")
    data = obj(o["data"])
    inner = module.detect(data)
    if inner is None:
        raise RejectedItem(f"Zeeschuimer capture from {source[:60]!r}: its data is not an "
                           f"object the {module.PLATFORM} mapper reads")
    records = module.map_item(data, inner)
    records.retrieved_at = utc(o.get("timestamp_collected")) or records.retrieved_at
    records.envelope.update(platform=module.PLATFORM, format=f"zeeschuimer:{inner}",
                            mapper_version=f"{MAPPER_VERSION}+{module.MAPPER_VERSION}",
                            source_url=text(o.get("source_platform_url")))
    return records
