"""The normalised records, their table schemas, and the collector mappers fill.

Every table exists twice: `<name>_obs` keeps each observation (one row per record per evidence
item, so metrics history and edited texts survive), and `<name>` is the current state derived
from the observations (latest non-null value per field). A record is a plain dict whose keys are
the field names below; a mapper leaves out what its format does not hold.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

INTERACTION_KINDS = ("reply", "repost", "quote", "mention", "follow", "like")

# posts.kind, where a platform has several sorts of item; None means an ordinary post. A service
# message (Telegram: "joined", "pinned", ...) is kept but marked, so counts can leave it out.
POST_KINDS = ("post", "submission", "comment", "video", "message", "service")

# Fields a mapper fills, per table. `uid` identifies the record; `deleted` marks a tombstone
# (the platform said the item is gone).
FIELDS: dict[str, list[tuple[str, pa.DataType]]] = {
    "accounts": [
        ("uid", pa.string()),
        ("platform", pa.string()),
        ("native_id", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("url", pa.string()),
        ("location", pa.string()),
        ("created_at", TS),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("posts_count", pa.int64()),
        ("verified", pa.bool_()),
        ("avatar_url", pa.string()),
        ("deleted", pa.bool_()),
    ],
    "posts": [
        ("uid", pa.string()),
        ("platform", pa.string()),
        ("native_id", pa.string()),
        ("account_uid", pa.string()),
        ("created_at", TS),
        ("text", pa.string()),
        ("language", pa.string()),
        ("url", pa.string()),
        ("reply_to", pa.string()),
        ("repost_of", pa.string()),
        ("quote_of", pa.string()),
        ("conversation", pa.string()),
        ("kind", pa.string()),  # what sort of item, where the platform has several (POST_KINDS)
        ("community", pa.string()),  # where it was posted: channel, group, subreddit, board uid
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("place", pa.string()),
        ("likes", pa.int64()),
        ("reposts", pa.int64()),
        ("replies", pa.int64()),
        ("quotes", pa.int64()),
        ("views", pa.int64()),
        ("deleted", pa.bool_()),
    ],
    "interactions": [
        ("uid", pa.string()),
        ("platform", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),  # acting account uid
        ("target", pa.string()),  # account uid acted upon, when known
        ("post", pa.string()),  # post (or like/follow record) uid that carries the action
        ("target_post", pa.string()),  # post replied to, reposted, quoted or liked
        ("at", TS),
        ("deleted", pa.bool_()),
    ],
    "media": [
        ("uid", pa.string()),
        ("platform", pa.string()),
        ("post", pa.string()),
        ("kind", pa.string()),  # photo, video, gif, audio, other
        ("url", pa.string()),
        ("preview_url", pa.string()),
        ("alt_text", pa.string()),
        ("width", pa.int64()),
        ("height", pa.int64()),
        ("deleted", pa.bool_()),
    ],
    "entities": [
        ("uid", pa.string()),
        ("platform", pa.string()),
        ("post", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),  # as written
        ("normalized", pa.string()),
        ("deleted", pa.bool_()),
    ],
}
TABLES = tuple(FIELDS)

# Stamped by the pipeline on every observation: which evidence item said it, and when it was seen.
# `source_offset` (the item's byte offset in its source) breaks ties between observations made at
# the same time, so the current state never depends on import order.
PROVENANCE = [("evidence", pa.string()), ("observed_at", TS), ("source_offset", pa.int64())]

OBS_SCHEMAS = {t: pa.schema(FIELDS[t] + PROVENANCE) for t in TABLES}


def interaction_uid(kind: str, source: str | None, post: str | None, target: str | None,
                    target_post: str | None) -> str:
    """A derived interaction (a reply, mention, quote inside a post) has no id of its own."""
    return f"{kind}|{source or ''}|{post or ''}|{target or ''}|{target_post or ''}"


def entity_uid(post: str, kind: str, normalized: str) -> str:
    return f"{post}|{kind}|{normalized}"


class Records:
    """What one raw item says, deduplicated by uid within the item.

    Seeing the same uid twice in one item (a user in `includes` and as a mention) merges the two:
    a later non-null value wins, so a stub never blanks a full record.
    """

    __slots__ = ("tables", "retrieved_at", "envelope")

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict]] = {t: {} for t in TABLES}
        self.retrieved_at: datetime | None = None  # when the payload says it was retrieved
        # envelope fields a wrapper format knows better than the registry: a browser capture
        # names the platform inside it and the page it was captured from
        self.envelope: dict = {}

    def add(self, table: str, record: dict) -> dict:
        rows = self.tables[table]
        uid = record["uid"]
        if not uid:
            raise ValueError(f"{table} record without uid")
        old = rows.get(uid)
        if old is None:
            rows[uid] = record
            return record
        for k, v in record.items():
            if v is not None:
                old[k] = v
        return old

    def account(self, **fields) -> dict:
        return self.add("accounts", fields)

    def post(self, **fields) -> dict:
        return self.add("posts", fields)

    def media(self, **fields) -> dict:
        return self.add("media", fields)

    def interaction(self, kind: str, source: str | None, *, target: str | None = None,
                    post: str | None = None, target_post: str | None = None, at=None,
                    platform: str | None = None, uid: str | None = None,
                    deleted: bool | None = None) -> dict:
        if kind not in INTERACTION_KINDS:
            raise ValueError(f"unknown interaction kind {kind!r}")
        uid = uid or interaction_uid(kind, source, post, target, target_post)
        return self.add("interactions", dict(uid=uid, platform=platform, kind=kind, source=source,
                                             target=target, post=post, target_post=target_post,
                                             at=at, deleted=deleted))

    def entity(self, post: str, kind: str, value: str, normalized: str | None = None,
               platform: str | None = None) -> dict | None:
        if not value:
            return None
        normalized = normalized if normalized is not None else value.lower()
        return self.add("entities", dict(uid=entity_uid(post, kind, normalized), platform=platform,
                                         post=post, kind=kind, value=value, normalized=normalized))

    def count(self) -> int:
        return sum(len(v) for v in self.tables.values())


def arrow_table(table: str, rows: list[dict]) -> pa.Table:
    """Rows of one table as Arrow with the observation schema; a wrong type fails here, loudly.

    Converted as one struct array: Arrow walks the dicts in C++, four times faster than
    from_pylist on the import path."""
    return pa.Table.from_struct_array(pa.array(rows, type=_STRUCTS[table]))


_STRUCTS = {t: pa.struct(list(s)) for t, s in OBS_SCHEMAS.items()}
