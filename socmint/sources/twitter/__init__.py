"""Twitter/X: API v2, API v1.1, the account archive and the web app's GraphQL tweets.

One place per platform, one module per family of formats:
  v2       twitter.v2_page, twitter.v2_flat (twarc)
  v1       twitter.v1_status, v1_statuses, v1_search, v1_user, v1_users, v1_delete; and the
           v1.1-shaped tweet that archives and GraphQL `legacy` objects share
  archive  twitter.archive_<part> for tweets, deleted_tweets, account, profile, follower,
           following, like (common.ArchivePart values)
  graphql  twitter.graphql_tweet
Each module's docstring lists its choices.

Identity across formats: every format gives the same uids, so one tweet seen through v1.1, v2,
an archive or the web GraphQL is one record: "twitter:<numeric id>" for tweets and users,
"twitter:<media_key>" for media (v1.1, archive and GraphQL media ids are turned into the v2 key
"<type prefix>_<id>"), and a reply, repost or quote interaction is named by its carrying post
alone (formats differ in what they know of its target), a like by liker and liked tweet.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.twitter import archive, graphql, v1, v2
from socmint.sources.twitter.base import PLATFORM
from socmint.sources.twitter.v2 import FLAT, PAGE

__all__ = ["FLAT", "FORMATS", "MAPPER_VERSION", "PAGE", "PLATFORM", "detect", "map_item"]

MAPPER_VERSION = "2"
FAMILIES = (v2, v1, graphql, archive)
FORMATS = tuple(f for family in FAMILIES for f in family.FORMATS)
_FAMILY = {f.name: family for family in FAMILIES for f in family.FORMATS}


def detect(o) -> str | None:
    for family in FAMILIES:
        fmt = family.detect(o)
        if fmt:
            return fmt
    return None


def map_item(o, fmt: str) -> Records:
    family = _FAMILY.get(fmt) if type(fmt) is str else None
    if family is None:
        raise RejectedItem(f"twitter mapper does not read {str(fmt)[:60]!r}")
    return family.map_item(o, fmt)
