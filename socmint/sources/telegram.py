"""Telegram mapper: Telegram Desktop JSON exports (result.json) -> Records.

Formats (one whole result.json = one raw item):
  telegram.desktop_export          one chat exported on its own: {name, type, id, messages}
  telegram.desktop_account_export  the whole account: {about, personal_information, contacts,
                                   frequent_contacts, chats: {about, list}, left_chats: {list}, ...}

Both export generations are read: the older one (2018-21: `from_id` a number, later a string,
no `date_unixtime` and no `text_entities`; `text` a string or an array of strings and
{type, text, href?} parts) and the current one (`date_unixtime`, `edited_unixtime`,
`from_id: "user123"`, `text_entities`).

Identifiers and choices (why, where the export leaves room):
- Accounts come from peer ids as the export writes them: "user<id>", "channel<id>", "chat<id>"
  -> uid "telegram:user<id>" etc., native_id the same without "telegram:". An older numeric
  from_id is a user ("telegram:user<id>"), except inside a channel or supergroup when it equals
  the chat's own id: that is the chat posting as itself.
- The chat is an account too, its uid built from its type and bare `id`: channels and
  supergroups (which are channels to Telegram) "telegram:channel<id>", basic groups
  (private_group) "telegram:chat<id>", personal, bot, saved-messages and replies chats
  "telegram:user<id>" (the other party; for saved messages the exporter). So a channel's own
  posts (from_id "channel<id>") and an anonymous admin's posts land on the chat's account.
  display_name = the chat name (for a personal chat, the name the exporter saved). Channel posts
  with no from_id at all are the channel's. No handle: the export gives no usernames, except
  the exporter's own in personal_information.
- Every message's community is the chat's uid.
- Post uid "telegram:<chat id>/<message id>" (native_id without the prefix). Message ids are per
  chat in channels and supergroups; in personal chats and basic groups they are per account, so
  the same message exported by the other party has another uid (known limit).
- Times: `date_unixtime` (true UTC) when given. The older `date` is the local time of the
  computer that made the export, without a zone: it is read as UTC, which is off by that
  computer's UTC offset (known limit; current exports carry both and the unixtime wins).
- Edits: the text is the text at export time. `edited`/`edited_unixtime` are not mapped: the
  model has no field for an edit time (posts keep one text per observation; created_at stays the
  original send time).
- Service messages (joins, pins, title changes, ...) are posts with kind "service", authored by
  `actor_id` (or `from_id`), text "[service] <action> by <actor>: <title>; <new_title>;
  members <names>; invited by <inviter>; <information_text>; <text>" (each part only when the
  export has it; a custom action without an `action` is "custom_action"). Member lists give
  names only, never ids, so they make no accounts; pins and game scores name a message id but
  are not replies, so they set no reply_to. Other messages have kind "message"; "unsupported"
  ones (an id and nothing else) are skipped.
- Text: the parts joined. Entities come from `text_entities`, else from the parts of a `text`
  array: mention "@name" -> mention entity (value "name", normalized lower-case) and a mention
  interaction with no target (a username is not an id; its uid carries "@name", so two such
  mentions in one post stay two); mention_name (with `user_id`) -> mention
  entity normalized "user<id>" and a mention interaction to "telegram:user<id>" (stubbed as an
  account with no name: the text is how the sender wrote it, not the user's name); hashtag,
  cashtag (value without '#'/'$'); link (a bare "example.com" is read as http://) and text_link
  href -> url + domain entities, http(s) only (tg:// and other schemes are not web links); email;
  phone (normalized to '+' and digits); bot_command. bank_card is left out (minimisation).
- Replies: `reply_to_message_id` -> reply_to "telegram:<chat>/<id>" in the same chat, or in the
  chat named by `reply_to_peer_id` when given. The reply interaction's target is the replied
  message's author when that message is in the item (a whole-account export resolves replies
  across its chats), else None.
- Forwards: the forwarding message is a post by the forwarder that carries the forwarded text
  and media, plus a "repost" interaction from the forwarder to the origin account
  (`forwarded_from_id`, an account named `forwarded_from`) or to no one when only a name is
  given (hidden senders, older exports). The original message's id is not in the export, so
  repost_of and target_post stay None. The origin name is kept as a "forwarded_from" entity
  (normalized: the origin's peer id when known, else the name lower-cased). `saved_from` is not
  mapped.
- `via_bot` -> a "via_bot" entity (the bot's username, without '@'); a channel post's `author`
  (the admin's signature) -> a "signature" entity.
- Media: `photo` -> a photo record "<post uid>#photo" with width/height; `file` -> "<post
  uid>#file", kind from media_type (video_file/video_message video, animation gif,
  voice_message/audio_file audio), else from mime_type, else from the file extension, else
  "other"; `thumbnail` -> preview_url. url is the path relative to the export folder, as written
  (never resolved here). A file the export left out ("(File not included. ...)") keeps its media
  record with no url: the message did carry one.
- `location_information` -> lat/lon; a venue's `place_name` and `address` -> place.
- Polls and to-do lists are appended to the text ("[poll] question" then "- answer" lines;
  vote counts are the exporter's view and are left out). Shared contacts (a third party's phone
  number), games, invoices, giveaways and payments are left out.
- Reactions are not likes (a reaction can be any emoji, 👎 included): neither counts nor the
  `recent` reactors are mapped. The export has no views, forwards or reply counts either.
- Whole-account exports: personal_information -> the exporter's account (name, "@username" as
  handle without '@', bio; the phone number is not kept) and the newest profile picture path as
  avatar_url; every chat in chats.list and left_chats.list is mapped as above. Contacts,
  frequent contacts, sessions, web sessions and other_data (address book, IP addresses) are left
  out: they are the exporter's private data, not the chats under investigation.
- A wrong type anywhere rejects the whole item (the file is kept as evidence with the reason).
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records, interaction_uid
from socmint.sources.common import (
    Format,
    domain,
    integer,
    normalize_url,
    number,
    obj,
    seq,
    text,
    utc,
)

PLATFORM = "telegram"
MAPPER_VERSION = "1"
P = PLATFORM
PRE = "telegram:"

CHAT_FMT = "telegram.desktop_export"
ACCOUNT_FMT = "telegram.desktop_account_export"

# chat type -> the peer kind of its id
_PEER_OF_TYPE = {
    "personal_chat": "user", "bot_chat": "user", "saved_messages": "user", "replies": "user",
    "private_group": "chat",
    "private_supergroup": "channel", "public_supergroup": "channel",
    "private_channel": "channel", "public_channel": "channel",
}
_NAMELESS = ("saved_messages", "replies")  # the export writes no name for these
_CHANNELS = ("private_channel", "public_channel")
_MESSAGE_TYPES = ("message", "service", "unsupported")
_PEER_KINDS = ("user", "channel", "chat")

_FILE_KINDS = {"video_file": "video", "video_message": "video", "animation": "gif",
               "voice_message": "audio", "audio_file": "audio"}
_MIME_KINDS = {"image": "photo", "video": "video", "audio": "audio"}
_EXT_KINDS = {"jpg": "photo", "jpeg": "photo", "png": "photo", "webp": "photo", "gif": "gif",
              "mp4": "video", "webm": "video", "mov": "video", "ogg": "audio", "oga": "audio",
              "mp3": "audio", "m4a": "audio", "opus": "audio"}

_ACCOUNTS_NEVER = ("url", "location", "created_at", "followers", "following", "posts_count",
                   "verified", "deleted")
_POSTS_NEVER = ("language", "url", "repost_of", "quote_of", "conversation", "likes", "reposts",
                "replies", "quotes", "views", "deleted")
_MAPS = ("messages -> posts (kind message, or service for service messages with their action "
         "as text), community = the chat; the chat (channel, group, or the other party of a "
         "personal chat) and every sender, actor and forward origin -> accounts; "
         "reply_to_message_id -> reply_to and reply interactions; forwards -> repost "
         "interactions to the origin; mention/mention_name -> mention entities and "
         "interactions; hashtag, cashtag, link, text_link, email, phone, bot_command, via_bot, "
         "signature, forwarded_from -> entities; photo/file -> media (relative path as url); "
         "location -> lat/lon; polls as text. Older exports' `date` (local time, no zone) is "
         "read as UTC.")

FORMATS = (
    Format(
        name=CHAT_FMT,
        title="Telegram Desktop chat export (result.json, one chat)",
        detected_by="a JSON object with a chat `type` (personal_chat, private_channel, ...), an "
                    "`id` and a `messages` list whose first item has an `id` and a `type` of "
                    "message, service or unsupported",
        maps=_MAPS,
        cannot_provide={"accounts": ("handle", "bio", "avatar_url") + _ACCOUNTS_NEVER,
                        "posts": _POSTS_NEVER,
                        "media": ("alt_text", "deleted")},
    ),
    Format(
        name=ACCOUNT_FMT,
        title="Telegram Desktop whole-account export (result.json)",
        detected_by="a JSON object with `chats` or `left_chats` holding a `list`, or with "
                    "`about` and a `personal_information` that has a `user_id`",
        maps=_MAPS + " personal_information -> the exporter's account (handle, bio, newest "
                     "profile picture); contacts, sessions and other_data are not mapped.",
        cannot_provide={"accounts": _ACCOUNTS_NEVER,
                        "posts": _POSTS_NEVER,
                        "media": ("alt_text", "deleted")},
    ),
)


# ---------------------------------------------------------------- detection

def _is_chat(o) -> bool:
    msgs = o.get("messages")
    ctype = o.get("type")
    if not isinstance(msgs, list) or not isinstance(ctype, str) or "id" not in o:
        return False
    if not msgs:
        return ctype in _PEER_OF_TYPE
    first = msgs[0]
    return (isinstance(first, dict) and "id" in first
            and isinstance(first.get("type"), str) and first["type"] in _MESSAGE_TYPES)


def _is_account_export(o) -> bool:
    for key in ("chats", "left_chats"):
        v = o.get(key)
        if isinstance(v, dict) and isinstance(v.get("list"), list):
            return True
    pi = o.get("personal_information")
    return isinstance(pi, dict) and "user_id" in pi and isinstance(o.get("about"), str)


def detect(o) -> str | None:
    if not isinstance(o, dict):
        return None
    if _is_chat(o):
        return CHAT_FMT
    if _is_account_export(o):
        return ACCOUNT_FMT
    return None


# ---------------------------------------------------------------- helpers

def _int(value) -> int | None:
    """common.integer, minus the ValueError Python raises on a digit string over 4300 long."""
    if isinstance(value, str) and len(value) > 30:
        return None
    return integer(value)


def _time(value):
    """common.utc, with the same guard as _int: no real date is over 64 characters long."""
    if isinstance(value, str) and len(value) > 64:
        raise RejectedItem(f"unreadable time: {value[:60]!r}")
    return utc(value)


def _peer_parts(value) -> tuple[str, str] | None:
    """("user", "123") from "user123"; a bare number (older exports) is ("", "123")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RejectedItem(f"expected a peer id, got {type(value).__name__}")
    if isinstance(value, int):
        n = _int(value)
        return None if n is None else ("", str(n))
    if len(value) > 40:
        return None
    if value.isascii() and value.isdigit():
        return "", value
    for kind in _PEER_KINDS:
        rest = value[len(kind):]
        if value.startswith(kind) and rest.isascii() and rest.isdigit():
            return kind, rest
    return None  # a form this mapper does not know: no account rather than a wrong one


def _path(value) -> str | None:
    """A relative file path, or None for the export's "(File not included. ...)" notes."""
    s = text(value)
    if not s or (s.startswith("(") and s.endswith(")")):
        return None
    return s


def _media_kind(m: dict, path: str | None) -> str:
    kind = _FILE_KINDS.get(text(m.get("media_type")) or "")
    if kind:
        return kind
    mime = text(m.get("mime_type")) or ""
    kind = _MIME_KINDS.get(mime.partition("/")[0].lower())
    if kind:
        return "gif" if mime.lower() == "image/gif" else kind
    if path and "." in path:
        return _EXT_KINDS.get(path.rpartition(".")[2].lower(), "other")
    return "other"


def _phone(value: str) -> str:
    digits = "".join(c for c in value if c.isascii() and c.isdigit())
    return ("+" + digits) if value.lstrip().startswith("+") else digits


def _listing(label: str, title, items, key: str = "text") -> str:
    """A poll or to-do list as lines of text."""
    lines = [f"[{label}] {text(title) or ''}".rstrip()]
    for a in seq(items):
        t = text(obj(a).get(key))
        if t:
            lines.append("- " + t)
    return "\n".join(lines)


# ---------------------------------------------------------------- mapping

class _Chat:
    __slots__ = ("id", "kind", "type", "uid")

    def __init__(self, cid: int, ctype: str | None) -> None:
        self.id = cid
        self.type = ctype
        self.kind = _PEER_OF_TYPE.get(ctype or "")
        self.uid = f"{PRE}{self.kind}{cid}" if self.kind else None


class _Map:
    """One raw item being mapped; replies are resolved once every chat in it is seen."""

    __slots__ = ("pending", "rec")

    def __init__(self) -> None:
        self.rec = Records()
        self.pending: list[tuple] = []  # (post uid, author, replied post uid, at)

    def peer(self, value, chat: _Chat, name=None) -> str | None:
        """Account uid of a peer id; records the account, with its name when given."""
        parts = _peer_parts(value)
        if parts is None:
            return None
        kind, digits = parts
        if not kind:
            kind = "channel" if chat.kind == "channel" and digits == str(chat.id) else "user"
        uid = f"{PRE}{kind}{digits}"
        self.rec.account(uid=uid, platform=P, native_id=uid[len(PRE):],
                         display_name=text(name))
        return uid

    def chat(self, c) -> None:
        c = obj(c)
        cid = _int(c.get("id"))
        if cid is None:
            raise RejectedItem("chat without a readable id")
        chat = _Chat(cid, text(c.get("type")))
        if chat.uid and chat.type not in _NAMELESS:
            self.rec.account(uid=chat.uid, platform=P, native_id=chat.uid[len(PRE):],
                             display_name=text(c.get("name")))
        for m in seq(c.get("messages")):
            self.message(obj(m), chat)

    def message(self, m: dict, chat: _Chat) -> None:
        mtype = text(m.get("type"))
        if mtype not in ("message", "service"):
            return
        mid = _int(m.get("id"))
        if mid is None:
            raise RejectedItem("message without a readable id")
        r = self.rec
        uid = f"{PRE}{chat.id}/{mid}"
        at = _time(m.get("date_unixtime")) or _time(m.get("date"))

        if mtype == "service":
            if m.get("actor_id") not in (None, ""):
                author = self.peer(m.get("actor_id"), chat, m.get("actor"))
            else:
                author = self.peer(m.get("from_id"), chat, m.get("from"))
            body = self.service_text(m)
        else:
            author = self.peer(m.get("from_id"), chat, m.get("from"))
            if author is None and chat.type in _CHANNELS:
                author = chat.uid
            body = self.text_and_entities(m, uid, author, at)

        lat = lon = None
        loc = obj(m.get("location_information"))
        if loc:
            lat, lon = number(loc.get("latitude")), number(loc.get("longitude"))
            if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                lat = lon = None
        place = ", ".join(x for x in (text(m.get("place_name")), text(m.get("address"))) if x)

        reply_to = None
        rid = _int(m.get("reply_to_message_id"))
        if rid is not None and mtype == "message":
            target_chat = _peer_parts(m.get("reply_to_peer_id"))
            reply_to = f"{PRE}{target_chat[1] if target_chat else chat.id}/{rid}"
            self.pending.append((uid, author, reply_to, at))

        r.post(uid=uid, platform=P, native_id=uid[len(PRE):], account_uid=author, created_at=at,
               text=body, reply_to=reply_to, kind=mtype, community=chat.uid, lat=lat, lon=lon,
               place=place or None)
        self.media(m, uid)
        if mtype == "message":
            self.forward(m, uid, author, at, chat)

    def service_text(self, m: dict) -> str:
        info = text(m.get("information_text"))
        action = text(m.get("action")) or ("custom_action" if info else "unknown")
        head = f"[service] {action}"
        actor = text(m.get("actor")) or (text(m.get("from")) if "actor_id" not in m else None)
        if actor:
            head += f" by {actor}"
        details = [text(m.get("title")), text(m.get("new_title"))]
        members = [n for n in (text(x) for x in seq(m.get("members"))) if n]
        if members:
            details.append("members " + ", ".join(members))
        inviter = text(m.get("inviter"))
        if inviter:
            details.append("invited by " + inviter)
        details += [info, self.plain(m.get("text"))]
        details = [d for d in details if d]
        return head + (": " + "; ".join(details) if details else "")

    @staticmethod
    def plain(value) -> str | None:
        """`text` as a string or an array of strings and {type, text} parts, joined."""
        if not isinstance(value, list):
            return text(value)
        out = []
        for part in value:
            out.append((text(part.get("text")) if isinstance(part, dict) else text(part)) or "")
        return "".join(out)

    def text_and_entities(self, m: dict, uid: str, author: str | None, at) -> str | None:
        raw = m.get("text")
        body = self.plain(raw)
        if "text_entities" in m:
            parts = seq(m.get("text_entities"))
        else:
            parts = [p for p in raw if isinstance(p, dict)] if isinstance(raw, list) else []
        for part in parts:
            self.entity(obj(part), uid, author, at)

        extra = []
        if m.get("poll") is not None:
            poll = obj(m.get("poll"))
            extra.append(_listing("poll", poll.get("question"), poll.get("answers")))
        if m.get("todo_list") is not None:
            todo = obj(m.get("todo_list"))
            extra.append(_listing("todo", todo.get("title"), todo.get("answers")))
        if extra:
            body = "\n\n".join(([body] if body else []) + extra)

        r = self.rec
        bot = text(m.get("via_bot"))
        if bot and bot.lstrip("@"):
            name = bot.lstrip("@")
            r.entity(uid, "via_bot", name, name.lower(), platform=P)
        sig = text(m.get("author"))
        if sig:
            r.entity(uid, "signature", sig, sig.lower(), platform=P)
        return body

    def entity(self, part: dict, uid: str, author: str | None, at) -> None:
        r = self.rec
        kind = text(part.get("type"))
        written = text(part.get("text")) or ""
        if kind == "mention":
            name = written[1:] if written.startswith("@") else written
            if name:
                r.entity(uid, "mention", name, name.lower(), platform=P)
                r.interaction("mention", author, post=uid, at=at, platform=P,
                              uid=interaction_uid("mention", author, uid, "@" + name.lower(),
                                                  None))
        elif kind == "mention_name":
            parts = _peer_parts(part.get("user_id"))
            if parts is None:
                return
            target = f"{PRE}user{parts[1]}"
            r.account(uid=target, platform=P, native_id=target[len(PRE):])
            r.entity(uid, "mention", written or target[len(PRE):], target[len(PRE):],
                     platform=P)
            r.interaction("mention", author, target=target, post=uid, at=at, platform=P)
        elif kind in ("hashtag", "cashtag"):
            tag = written[1:] if written[:1] in ("#", "$") else written
            if tag:
                r.entity(uid, kind, tag, tag.lower(), platform=P)
        elif kind == "link":
            self.link(uid, written, bare_ok=True)
        elif kind == "text_link":
            self.link(uid, text(part.get("href")) or "", bare_ok=False)
        elif kind == "email":
            r.entity(uid, "email", written, written.lower(), platform=P)
        elif kind == "phone":
            r.entity(uid, "phone", written, _phone(written), platform=P)
        elif kind == "bot_command":
            r.entity(uid, "bot_command", written, written.lower(), platform=P)

    def link(self, uid: str, written: str, bare_ok: bool) -> None:
        """A web link as written, normalized as a URL (a bare "example.com" read as http://)."""
        written = written.strip()
        low = written[:8].lower()
        if low.startswith(("http://", "https://")):
            url = written
        elif bare_ok and written and "://" not in written:
            url = "http://" + written
        else:
            return
        self.rec.entity(uid, "url", written, normalize_url(url), platform=P)
        d = domain(url) if len(url) < 4096 else None
        if d:
            self.rec.entity(uid, "domain", d, d, platform=P)

    def media(self, m: dict, uid: str) -> None:
        width, height = _int(m.get("width")), _int(m.get("height"))
        if m.get("photo") is not None:
            self.rec.media(uid=uid + "#photo", platform=P, post=uid, kind="photo",
                           url=_path(m.get("photo")), width=width, height=height)
        if m.get("file") is not None:
            path = _path(m.get("file"))
            self.rec.media(uid=uid + "#file", platform=P, post=uid, kind=_media_kind(m, path),
                           url=path, preview_url=_path(m.get("thumbnail")), width=width,
                           height=height)

    def forward(self, m: dict, uid: str, author: str | None, at, chat: _Chat) -> None:
        if "forwarded_from" not in m and m.get("forwarded_from_id") in (None, ""):
            return
        name = text(m.get("forwarded_from"))
        origin = self.peer(m.get("forwarded_from_id"), chat, name)
        self.rec.interaction("repost", author, target=origin, post=uid, at=at, platform=P)
        if name:
            self.rec.entity(uid, "forwarded_from", name,
                            origin[len(PRE):] if origin else name.lower(), platform=P)

    def personal(self, o: dict) -> None:
        pi = obj(o.get("personal_information"))
        uid_parts = _peer_parts(pi.get("user_id"))
        if uid_parts is None:
            return
        uid = f"{PRE}user{uid_parts[1]}"
        name = " ".join(x for x in (text(pi.get("first_name")), text(pi.get("last_name"))) if x)
        handle = (text(pi.get("username")) or "").lstrip("@")
        newest, avatar = None, None
        for pic in seq(o.get("profile_pictures")):
            pic = obj(pic)
            when = _time(pic.get("date_unixtime")) or _time(pic.get("date"))
            path = _path(pic.get("photo"))
            if path and (newest is None or (when is not None and when > newest)):
                newest, avatar = when, path
        self.rec.account(uid=uid, platform=P, native_id=uid[len(PRE):], handle=handle or None,
                         display_name=name or None, bio=text(pi.get("bio")), avatar_url=avatar)

    def finish(self) -> Records:
        posts = self.rec.tables["posts"]
        for uid, author, reply_to, at in self.pending:
            parent = posts.get(reply_to)
            self.rec.interaction("reply", author, target=parent.get("account_uid") if parent
                                 else None, post=uid, target_post=reply_to, at=at, platform=P)
        return self.rec


def map_item(o, fmt: str) -> Records:
    if not isinstance(o, dict):
        raise RejectedItem("a Telegram export is a JSON object")
    mp = _Map()
    if fmt == CHAT_FMT:
        mp.chat(o)
    elif fmt == ACCOUNT_FMT:
        mp.personal(o)
        for key in ("chats", "left_chats"):
            for c in seq(obj(o.get(key)).get("list")):
                mp.chat(c)
    else:
        raise RejectedItem(f"not a telegram format: {fmt!r}")
    return mp.finish()
