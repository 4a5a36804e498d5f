"""twitter mapper (being written)."""

PLATFORM = "twitter"
MAPPER_VERSION = "0"


def detect(obj):
    return None


def map_item(obj, fmt):
    raise NotImplementedError
