"""bluesky mapper (being written)."""

PLATFORM = "bluesky"
MAPPER_VERSION = "0"


def detect(obj):
    return None


def map_item(obj, fmt):
    raise NotImplementedError
