"""Selectors in post text: the emails, phone numbers, IPs, crypto addresses, IBANs and indicators
of compromise an investigator pivots on.

`extract(text, region)` returns `Selector(kind, value, normalized, start, end, flags)` in order of
position, where `value == text[start:end]` is the selector as written and `normalized` the form to
match on. Spans never overlap (the earlier, then the longer, wins). Kinds and rules:

- ``email``: ASCII local part, domain labels in any script under an ASCII public suffix of the
  bundled list (never fetched); lower-case. Not reported: ``image@2x.png`` (no such suffix),
  ``@alice@mastodon.social`` (a fediverse handle), ``user:pass@host`` in a URL's authority,
  ``git@github.com:org/repo``. An address in a URL's path or query is reported.
- ``phone``: libphonenumber's `PhoneNumberMatcher` at leniency VALID, normalized E.164. Without a
  region only numbers written with ``+`` and a country code. Dates, times, IPs, versions, prices,
  numbers after ``#``/"id"/"order"/"invoice"..., digits glued to other tokens or inside URLs are
  dropped. A number written without ``+`` must also be grouped the way its region groups digits,
  or in three or more groups, unless a phone word (tel, call, whatsapp, llamar, ...) precedes it;
  a bare digit run always needs that word.
- ``ipv4``/``ipv6``: valid per `ipaddress` (no leading zeros), normalized compressed. An address
  that is not globally routable is reported with a flag naming why (``private``, ``loopback``,
  ``link_local``, ``shared``, ``documentation``, ``multicast``, ``reserved``, ``unspecified``):
  it names no host on the internet but matters in logs and leaks. Not reported: dotted quads after
  "version"/"build"/"v", in 0.0.0.0/8 (``Mod 0.3.9.2``), or followed by more dotted numbers.
  An address inside a URL is reported.
- ``btc`` (base58check version 0x00/0x05; bech32/bech32m ``bc1`` segwit, BIP-173/350), ``ltc``
  (0x30/0x32, ``ltc1``), ``doge`` (0x1e/0x16), ``trx`` (0x41), ``xmr`` (standard 0x12,
  subaddress 0x2a, integrated 0x13; Monero base58, keccak checksum), ``eth`` (EIP-55 verified when
  mixed case; all-lower or all-upper is reported with flag ``unchecked``; normalized lower-case).
  A checksum failure is never reported. ``3...`` P2SH is reported as ``btc`` (Litecoin once used
  the same version byte). Addresses inside URLs are reported.
- ``iban``: schwifty (country, length, BBAN structure, mod-97); normalized compact upper-case.
- ``md5``/``sha1``/``sha256``: a standalone run of exactly 32/40/64 hex digits in one case, not in
  a URL, not part of a file name or path, not all digits or all letters.
- ``cve``: ``CVE-YYYY-NNNN...`` (any dash), normalized upper-case with ASCII hyphens.
- ``url``/``domain``: defanged only (``hxxp(s)``, ``[.]``, ``(.)``, ``{.}``, ``[dot]``, ``[:]``,
  ``[://]``, ``[@]``, ``[at]``), value as written, refanged in `normalized` (scheme and host
  lower-case); a defanged IP, e-mail or onion address takes its own kind. Every selector found
  through defanging carries the flag ``defanged``. Plain URLs, hashtags and mentions are another
  enricher's job.
- ``onion``: v3 (56 base32 characters, checksum and version verified) or v2 (16, flag ``legacy``).

Hostile text is normal: every pattern is bounded and anchored so a scan stays linear in the text;
each finder examines at most `MAX_CANDIDATES` matches, a text yields at most `MAX_SELECTORS`, and
libphonenumber sees at most `MAX_PHONE_WINDOWS` short windows: far more than any platform's longest
post holds, so only a hostile or pasted dump is cut. Nothing here touches the network.
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import phonenumbers
import tldextract
from Crypto.Hash import keccak
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher
from phonenumbers.phonenumbermatcher import _verify  # the leniency check, for one match
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from schwifty.registry import get_iban_spec

KINDS = ("email", "phone", "ipv4", "ipv6", "btc", "eth", "xmr", "trx", "ltc", "doge", "iban",
         "md5", "sha1", "sha256", "cve", "url", "domain", "onion")

# libphonenumber costs ~0.1 ms a window (a run of phone characters): a text gets this many
# windows, and this many that find nothing, so a hostile 1 MB text stays well under a second
MAX_PHONE_WINDOWS = 1024
MAX_FRUITLESS_PHONE_WINDOWS = 256
# bounds on the work for one text, far above what a platform's longest post holds, so that a
# hostile megabyte costs well under a second: selectors returned, and matches each finder examines
MAX_SELECTORS = 10_000
MAX_CANDIDATES = 10_000
_MAX_TOKEN = 2048  # a defanged URL longer than this is not looked at


@dataclass(frozen=True, slots=True)
class Selector:
    kind: str
    value: str  # as written: text[start:end]
    normalized: str
    start: int
    end: int
    flags: tuple[str, ...] = ()  # e.g. ("private",) for an IP, ("unchecked",) for an eth address


def extract(text: str, region: str | None = None) -> list[Selector]:
    """Every selector in `text`, in order of position. `region` (ISO 3166 alpha-2) is where phone
    numbers written without a country code are assumed to be; None finds only +CC numbers."""
    if region is not None:
        region = region.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {region!r}")
    if not text:
        return []
    found: list[Selector] = []
    urls = _url_spans(text)
    finders = (_emails, _ips, _long_tokens, _ibans, _cves, _onions, _defanged)
    for results in [f(text, urls) for f in finders] + [_phones(text, region, urls)]:
        for sel in results:
            found.append(sel)
            if len(found) >= MAX_SELECTORS:
                return _without_overlaps(found)
    return _without_overlaps(found)


def _scan(pattern: re.Pattern, text: str):
    """The pattern's matches, at most MAX_CANDIDATES of them: what a finder examines per text."""
    return islice(pattern.finditer(text), MAX_CANDIDATES)


def _without_overlaps(found: list[Selector]) -> list[Selector]:
    found.sort(key=lambda s: (s.start, -(s.end - s.start), KINDS.index(s.kind)))
    out: list[Selector] = []
    end = -1
    for s in found:  # longest first at each start; anything overlapping a kept span goes
        if s.start >= end:
            out.append(s)
            end = s.end
    return out


# --- helpers ---------------------------------------------------------------------------------

_URL_SCHEME = re.compile(r"[A-Za-z](?<![A-Za-z0-9+.\-].)[A-Za-z0-9+.\-]{0,15}://")
_URL_WWW = re.compile(r"[wW](?<![\w.].)[wW]{2}\.")
_NON_SPACE = re.compile(r"\S*")


def _url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of plain URLs (scheme:// or www.), each to the next whitespace; sorted, disjoint,
    found in linear time (each search resumes after the token it found)."""
    starts = []
    for pattern in (_URL_SCHEME, _URL_WWW):
        pos = 0
        while (m := pattern.search(text, pos)) is not None:
            starts.append(m.start())
            pos = _NON_SPACE.match(text, m.end()).end()
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        if not spans or start >= spans[-1][1]:
            spans.append((start, _NON_SPACE.match(text, start).end()))
    return spans


def _span_of(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The span (sorted, disjoint) that holds [start, end), if any; binary search."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid][0] <= start:
            lo = mid + 1
        else:
            hi = mid
    if lo > 0 and spans[lo - 1][1] >= end:
        return spans[lo - 1]
    return None


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return _span_of(spans, start, end) is not None


def _authority_to(text: str, url_start: int, pos: int) -> str:
    """What of a URL lies between its `scheme://` (or `www.`) and `pos`."""
    i = text.find("://", url_start, pos)
    return text[i + 3:pos] if i >= 0 else text[url_start:pos]


_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # bundled list, never fetches
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?\Z")  # letters of any script: bücher.de


@lru_cache(maxsize=4096)
def _is_domain(host: str) -> bool:
    """A syntactically valid hostname (labels in any script) under a public suffix of the
    bundled list."""
    if len(host) > 253 or "." not in host:
        return False
    labels = host.split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return False
    try:
        parts = _TLD(host)
    except (UnicodeError, ValueError):
        return False
    return bool(parts.suffix and parts.domain)


# --- email -----------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-@])([A-Za-z0-9._%+\-]{1,64})@"
    r"([\w\-]{1,63}(?:\.[\w\-]{1,63}){0,8}\.[A-Za-z]{2,63})"
    r"(?![A-Za-z0-9\-@]|\.[A-Za-z0-9])")
_RETINA = re.compile(r"[1-4]x\.", re.I)  # image@2x.png


def _emails(text: str, urls) -> Iterator[Selector]:
    if "@" not in text:
        return
    for m in _scan(_EMAIL, text):
        local, domain = m.group(1), m.group(2)
        start = m.start()
        span = _span_of(urls, start, m.end())
        if span is not None and not any(c in "/?#" for c in _authority_to(text, span[0], start)):
            continue  # user:pass@host in a URL; an address in a path or query stays
        if local[0] == "." or local[-1] == "." or ".." in local or _RETINA.match(domain):
            continue
        if text[m.end():m.end() + 1] == ":" and not text[m.end() + 1:m.end() + 2].isspace():
            continue  # git@github.com:org/repo, an scp-style remote
        if not _is_domain(domain.lower()):
            continue
        yield Selector("email", m.group(0), m.group(0).lower(), start, m.end())


# --- phone -----------------------------------------------------------------------------------

# a run that may hold a phone number: starts with + ( or a digit, 6+ phone characters, ends
# with a digit; bounded, so each start costs at most ~40 steps
_PHONE_RUN = re.compile(r"[+(\d](?<![\d+].)(?:(?<=\d)|\d)[\d \t\u00a0\-.()/]{4,28}\d")
_DATE = re.compile(r"\d{1,4}([./\- ])\d{1,2}\1\d{1,4}\Z|\d{4}([./\-])\d{1,2}\Z")
_PHONE_SEPARATOR = re.compile(r"[ \t\u00a0\-.()/]")
_CURRENCY = "$€£¥₹₽₩₺₪฿¢₴"
_CURRENCY_WORD = re.compile(r"\s?(?:(?:usd|eur|gbp|chf|jpy|rub|uah|pln|czk|sek|nok|dkk|btc|eth|"
                            r"dollars?|euros?|zł|kč|kr|ft|lei|грн|руб|k|m|bn|mn)\b|%)", re.I)
_ID_CUE = re.compile(r"(?:#|\bno\.?|\bnr\.?|\bid|\border|\bref|\binvoice|\bisbn|\bissn|\bticket|"
                     r"\bcase|\baccount|\bacct|\biban|\bserial|\btracking|\bitem|\bsku|\bpid|"
                     r"\buid|\bcve)\s*[:#=\-]?\s*\Z", re.I)
# words that say a number is a phone number, with a few words of slack ("call me at", "llamar al")
_PHONE_CUE = re.compile(r"(?:\b(?:tel|tél|phone|call|ring|text|sms|whatsapp|wa|signal|viber|"
                        r"mobile|mob|cell|fax|hotline|contact|number|telefon|telefone|telefono|"
                        r"teléfono|tlf|telf|tfno|móvil|movil|celular|llamar|llame|llama|ligue|"
                        r"ligar|appelez|appeler|portable|anrufen|handy|телефон|тел|звоните|номер)"
                        r"\b|[☎📞📱])[^\d\n]{0,12}\Z", re.I)


def _phones(text: str, region: str | None, urls) -> Iterator[Selector]:
    if region is None and "+" not in text:
        return
    seen_to = 0
    windows = fruitless = 0
    for run in _scan(_PHONE_RUN, text):
        raw = run.group(0)
        if (region is None and "+" not in raw) or sum(c.isdigit() for c in raw) < 7:
            continue
        windows += 1
        if fruitless >= MAX_FRUITLESS_PHONE_WINDOWS or windows > MAX_PHONE_WINDOWS:
            return
        a = max(run.start() - 1, seen_to)
        found = False
        for start, end, number, grouped in _window_phones(text[a:run.end() + 1], region):
            start, end = a + start, a + end
            if _phone_ok(text, start, end, grouped, urls):
                yield Selector("phone", text[start:end],
                               phonenumbers.format_number(number, PhoneNumberFormat.E164),
                               start, end)
                seen_to = end
                found = True
        fruitless += not found


def _window_phones(window: str, region: str | None) -> list[tuple[int, int, object, bool]]:
    """Valid numbers in a short window, each with whether its digits are grouped as its region
    groups them ("30 12345678" is a valid US number only to a machine)."""
    found = []
    try:
        matcher = PhoneNumberMatcher(window, region, leniency=Leniency.VALID, max_tries=8)
        for pm in matcher:
            grouped = True
            if not pm.raw_string.startswith("+"):
                # the grouping check needs the raw input, which the matcher clears
                number = phonenumbers.parse(pm.raw_string, region, keep_raw_input=True)
                grouped = _verify(Leniency.STRICT_GROUPING, number, pm.raw_string, matcher)
            found.append((pm.start, pm.end, pm.number, grouped))
    except Exception:  # libphonenumber is defensive, but this is hostile text
        pass
    return found


def _phone_ok(text: str, start: int, end: int, grouped: bool, urls) -> bool:
    raw = text[start:end]
    before = text[max(0, start - 24):start]
    after = text[end:end + 6]
    prev, nxt = before[-1:], after[:1]
    # glued to a longer token: 1.2.3.4, 10.0.19045.2965, 12345-678, x/y
    if prev and (prev.isalnum() or prev in "./:-_=&?@" + _CURRENCY) and not (
            prev == ":" and before[-4:-1].lower() == "tel"):  # tel:+14155552671
        return False
    if nxt and (nxt.isalnum() or nxt in "/:@_" + _CURRENCY or
                (nxt in ".-," and after[1:2].isdigit())):
        return False
    if _inside(urls, start, end):
        return False
    plus = raw.startswith("+")
    body = raw.lstrip("+")
    if ":" in raw or _DATE.match(body):
        return False
    if not plus and "." in body and all(len(g) == 3 for g in body.split(".")[1:]):
        return False  # 12.345.678: an amount or an id with thousand separators
    last, following = before.rstrip()[-1:], after.lstrip()[:1]
    if (last and last in _CURRENCY) or (following and following in _CURRENCY) or (
            _CURRENCY_WORD.match(after)):
        return False
    if _ID_CUE.search(before):
        return False
    if plus:
        return True
    groups = [g for g in _PHONE_SEPARATOR.split(body) if g]
    if len(groups) == 1 or not (grouped or min(map(len, groups)) >= 2 and len(groups) >= 3):
        # a bare digit run is an id, and "30 12345678" a pair of numbers, unless the text says
        # it is a phone number; "0426.178.66.38" is how Venezuelans write theirs
        return bool(_PHONE_CUE.search(before))
    return True


# --- IP addresses ----------------------------------------------------------------------------

_IPV4 = re.compile(r"[0-9](?<![0-9A-Za-z.].)[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
                   r"(?![0-9A-Za-z]|\.[0-9A-Za-z])")
_IPV6 = re.compile(r"[0-9A-Fa-f:](?<![0-9A-Za-z:.].)(?=[0-9A-Fa-f.]{0,40}:)[0-9A-Fa-f:.]{1,44}"
                   r"(?![0-9A-Za-z:.])")
_VERSION_CUE = re.compile(r"\b(?:version|ver\.?|v|build|release|rev\.?|firmware|fw)\s*[:#]?\s*\Z",
                          re.I)


def _net(cidr: str) -> tuple[int, int, int]:
    net = ipaddress.ip_network(cidr)
    return net.version, int(net.network_address), int(net.netmask)


# why an address identifies no host on the internet; the first range that holds it names it
_SCOPES = [(flag, _net(cidr)) for flag, cidrs in (
    ("unspecified", ("0.0.0.0/32", "::/128")),
    ("loopback", ("127.0.0.0/8", "::1/128")),
    ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
    ("shared", ("100.64.0.0/10",)),  # carrier-grade NAT
    ("link_local", ("169.254.0.0/16", "fe80::/10")),
    ("documentation", ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")),
    ("multicast", ("224.0.0.0/4", "ff00::/8")),
    ("reserved", ("0.0.0.0/8", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "fec0::/10",
                  "100::/64", "2001:10::/28")),
) for cidr in cidrs]


_SCOPES_V6 = [(flag, net, mask) for flag, (v, net, mask) in _SCOPES if v == 6]
_SCOPES_V4 = {first: [(flag, net, mask) for flag, (v, net, mask) in _SCOPES
                      if v == 4 and (first << 24) & mask == net & (mask & 0xFF000000)]
              for first in range(256)}  # the ranges that can hold an address, by first octet


def _ip_flags(version: int, n: int) -> tuple[str, ...]:
    if version == 6 and n >> 32 == 0xFFFF:  # ::ffff:a.b.c.d, an IPv4 address in IPv6 clothes
        version, n = 4, n & 0xFFFFFFFF
    for flag, net, mask in _SCOPES_V4[n >> 24] if version == 4 else _SCOPES_V6:
        if n & mask == net:
            return (flag,)
    return ()


def _ipv4(raw: str) -> int | None:
    """The address of a dotted quad, or None; a part with a leading zero is refused (octal?)."""
    n = 0
    for part in raw.split("."):
        if len(part) > 1 and part[0] == "0":
            return None
        v = int(part)
        if v > 255:
            return None
        n = n << 8 | v
    return n


def _ips(text: str, urls) -> Iterator[Selector]:
    if "." in text:
        for m in _scan(_IPV4, text):
            raw = m.group(0)
            n = _ipv4(raw)
            if n is None or (n >> 24 == 0 and n) or _VERSION_CUE.search(
                    text, max(0, m.start() - 24), m.start()):
                continue  # 0.3.9.2 is a version: no host has an address in 0.0.0.0/8
            yield Selector("ipv4", raw, raw, m.start(), m.end(), _ip_flags(4, n))
    if ":" in text:
        for m in _scan(_IPV6, text):
            raw = m.group(0)
            if raw.count(":") < 2:
                continue
            for cand in dict.fromkeys((raw, raw.rstrip("."), raw.rstrip(".:"))):
                ip = _ipv6(cand)
                if ip is not None:
                    yield Selector("ipv6", cand, ip.compressed, m.start(),
                                   m.start() + len(cand), _ip_flags(6, int(ip)))
                    break


def _ipv6(cand: str):
    if len(cand) < 3 or not any(c.isdigit() for c in cand):
        return None  # "::" alone, "a::b", "dead::beef": C++ and prose, not addresses
    try:
        return ipaddress.IPv6Address(cand)
    except ValueError:
        return None


# --- base58check coins -----------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_VERSIONS = {0x00: "btc", 0x05: "btc", 0x30: "ltc", 0x32: "ltc", 0x1E: "doge", 0x16: "doge",
             0x41: "trx"}


def b58decode(s: str) -> bytes:
    n = 0
    for c in s:
        n = n * 58 + _B58_INDEX[c]
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


# --- bech32 / bech32m segwit (BIP-173, BIP-350) ----------------------------------------------

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3
_BECH32_HRP = {"bc": "btc", "ltc": "ltc"}


def bech32_polymod(values) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= gen[i]
    return chk


def bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data, frombits: int, tobits: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for v in data:
        acc = (acc << frombits) | v
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def segwit_decode(addr: str) -> tuple[str, int, bytes] | None:
    """(hrp, witness version, program) of a valid segwit address, else None."""
    if len(addr) > 90 or (addr != addr.lower() and addr != addr.upper()):
        return None
    addr = addr.lower()
    pos = addr.rfind("1")
    if pos < 1 or pos + 7 > len(addr):
        return None
    hrp = addr[:pos]
    data = [_BECH32_CHARSET.find(c) for c in addr[pos + 1:]]
    if -1 in data:
        return None
    const = bech32_polymod(bech32_hrp_expand(hrp) + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    data = data[:-6]
    if not data or data[0] > 16:
        return None
    version = data[0]
    prog = _convertbits(data[1:], 5, 8, False)
    if prog is None or not 2 <= len(prog) <= 40:
        return None
    if version == 0 and (len(prog) not in (20, 32) or const != _BECH32_CONST):
        return None
    if version != 0 and const != _BECH32M_CONST:
        return None
    return hrp, version, bytes(prog)


# --- ethereum, monero ------------------------------------------------------------------------


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def eip55(address_hex: str) -> str:
    """The EIP-55 mixed-case form of 40 hex digits (without 0x)."""
    low = address_hex.lower()
    digest = keccak256(low.encode("ascii")).hex()
    return "".join(c.upper() if int(d, 16) >= 8 else c
                   for c, d in zip(low, digest[:40], strict=True))


_XMR_BLOCK = {0: 0, 2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}  # chars -> bytes
_XMR_NET = {0x12: 69, 0x2A: 69, 0x13: 77}  # standard, subaddress, integrated -> decoded length


def xmr_b58decode(s: str) -> bytes | None:
    """Monero base58: blocks of 11 characters for 8 bytes, the last block shorter."""
    out = bytearray()
    for i in range(0, len(s), 11):
        block = s[i:i + 11]
        size = _XMR_BLOCK.get(len(block))
        if size is None:
            return None
        n = 0
        for c in block:
            n = n * 58 + _B58_INDEX[c]
        if n >> (8 * size):
            return None
        out += n.to_bytes(size, "big")
    return bytes(out)


# --- long alphanumeric tokens: addresses and digests ------------------------------------------

_LONG_RUN = re.compile(r"[0-9A-Za-z]{25,}")  # maximal, so each is a standalone token
_B58_SET = frozenset(_B58)
_HEX_SET = frozenset("0123456789abcdefABCDEF")


def _long_tokens(text: str, urls) -> Iterator[Selector]:
    """Crypto addresses and hex digests: one scan for the maximal alphanumeric runs, then each
    run of a possible length is checked by its format."""
    for m in _scan(_LONG_RUN, text):
        raw = m.group(0)
        n = len(raw)
        if n > 106:
            continue
        sel = None
        if n <= 35 and _B58_SET.issuperset(raw):
            sel = _base58(raw, m.start())
        elif n in (95, 106) and raw[0] in "48" and _B58_SET.issuperset(raw):
            sel = _xmr(raw, m.start())
        if sel is None and n <= 90 and (raw[:3].lower() == "bc1" or raw[:4].lower() == "ltc1"):
            sel = _bech32(raw, m.start())
        if sel is None and n == 42 and raw[:2] == "0x" and _HEX_SET.issuperset(raw[2:]):
            sel = _eth(raw, m.start())
        if sel is None and n in _HASH_KINDS and _HEX_SET.issuperset(raw):
            sel = _hash(raw, m.start(), text, urls)
        if sel is not None:
            yield sel


def _base58(raw: str, start: int) -> Selector | None:
    data = b58decode(raw)
    if len(data) != 25 or _sha256d(data[:21])[:4] != data[21:]:
        return None
    kind = _VERSIONS.get(data[0])
    return Selector(kind, raw, raw, start, start + len(raw)) if kind else None


def _bech32(raw: str, start: int) -> Selector | None:
    dec = segwit_decode(raw)
    if dec is None or dec[0] not in _BECH32_HRP:
        return None
    return Selector(_BECH32_HRP[dec[0]], raw, raw.lower(), start, start + len(raw))


def _eth(raw: str, start: int) -> Selector | None:
    hexpart = raw[2:]
    flags: tuple[str, ...] = ()
    if hexpart == hexpart.lower() or hexpart == hexpart.upper():
        flags = ("unchecked",)
    elif eip55(hexpart) != hexpart:
        return None
    return Selector("eth", raw, raw.lower(), start, start + len(raw), flags)


def _xmr(raw: str, start: int) -> Selector | None:
    data = xmr_b58decode(raw)
    if data is None or _XMR_NET.get(data[0]) != len(data):
        return None
    if keccak256(data[:-4])[:4] != data[-4:]:
        return None
    return Selector("xmr", raw, raw, start, start + len(raw))


_HASH_KINDS = {32: "md5", 40: "sha1", 64: "sha256"}


def _hash(raw: str, start: int, text: str, urls) -> Selector | None:
    end = start + len(raw)
    if raw.isdigit() or not any(c.isdigit() for c in raw):
        return None  # an id or a word, not a digest (2^-20 chance for a real one)
    if raw != raw.lower() and raw != raw.upper():
        return None
    if len(set(raw)) < 4 or _inside(urls, start, end):
        return None
    prev = text[start - 1:start]
    nxt = text[end:end + 2]
    if prev in ("/", "-", "_", ".", "%", "&") or nxt[:1] in ("-", "_", "/") or (
            nxt[:1] == "." and nxt[1:2].isalnum()):
        return None  # part of a path, a file name or a longer identifier
    return Selector(_HASH_KINDS[len(raw)], raw, raw.lower(), start, end)


# --- IBAN ------------------------------------------------------------------------------------

_IBAN_RUN = re.compile(r"[A-Za-z](?<![0-9A-Za-z].)[A-Za-z][0-9]{2}(?: ?[A-Za-z0-9]){11,30}"
                       r"(?![0-9A-Za-z])")


def _ibans(text: str, urls) -> Iterator[Selector]:
    for m in _scan(_IBAN_RUN, text):
        raw = m.group(0)
        want = _iban_length(raw[:2].upper())
        if want is None:
            continue
        # the run may have swallowed following words: try the cut with the country's length
        for cut in [len(raw)] + [i for i in range(len(raw) - 1, 14, -1) if raw[i] == " "]:
            cand = raw[:cut]
            compact = cand.replace(" ", "").upper()
            if len(compact) != want or not _iban_case_ok(cand) or not _mod97(compact):
                continue
            try:
                iban = IBAN(compact)
            except (SchwiftyException, ValueError):
                break
            yield Selector("iban", cand, iban.compact, m.start(), m.start() + cut)
            break


@lru_cache(maxsize=512)
def _iban_length(country: str) -> int | None:
    try:
        return get_iban_spec(country).iban_length
    except (SchwiftyException, ValueError, KeyError):
        return None


def _mod97(compact: str) -> bool:
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _iban_case_ok(cand: str) -> bool:
    letters = [c for c in cand if c.isalpha()]
    return all(c.isupper() for c in letters) or all(c.islower() for c in letters)


# --- CVE -------------------------------------------------------------------------------------

_DASH = "-\u2010\u2011\u2012\u2013\u2014"
_CVE = re.compile(rf"[Cc](?<![0-9A-Za-z\-].)[Vv][Ee][{_DASH}]((?:199|20[0-9])[0-9])[{_DASH}]"
                  r"([0-9]{4,7})(?![0-9])")


def _cves(text: str, urls) -> Iterator[Selector]:
    for m in _scan(_CVE, text):
        seq = m.group(2)
        if len(seq) > 4 and seq[0] == "0":
            continue
        yield Selector("cve", m.group(0), f"CVE-{m.group(1)}-{seq}", m.start(), m.end())


# --- onion -----------------------------------------------------------------------------------

_ONION = re.compile(r"([A-Za-z2-7](?<![0-9A-Za-z].)(?:[A-Za-z2-7]{55}|[A-Za-z2-7]{15}))"
                    r"\.onion(?![0-9A-Za-z\-])", re.I)


def onion_ok(label: str) -> tuple[str, ...] | None:
    """Flags for a valid onion service label (56: v3, checksum verified; 16: v2), else None."""
    label = label.lower()
    if len(label) == 16:
        return ("legacy",)
    if len(label) != 56:
        return None
    try:
        raw = base64.b32decode(label.upper())
    except ValueError:
        return None
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34:]
    if version != b"\x03":
        return None
    digest = hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()
    return () if digest[:2] == checksum else None


def _onions(text: str, urls) -> Iterator[Selector]:
    if ".onion" not in text.lower():
        return
    for m in _scan(_ONION, text):
        flags = onion_ok(m.group(1))
        if flags is not None:
            yield Selector("onion", m.group(0), m.group(0).lower(), m.start(), m.end(), flags)


# --- defanged URLs, domains, IPs, emails -----------------------------------------------------

# [.] (.) {.} [dot] (dot) {dot} [:] [://] [@] [at] and hxxp(s) before :// (written so that the
# scan starts on a bracket or an h: four times faster than alternation on plain text)
_MARK = re.compile(r"[\[({h](?:(?<=[\[({])(?:\.|dot)[\])}]|(?<=\[)(?::|://|@|at)\]|"
                   r"(?<=h)(?<![a-z].)xxps?(?=\[?:\]?//|\[://\]))", re.I)
_REFANG = {"[.]": ".", "(.)": ".", "{.}": ".", "[dot]": ".", "(dot)": ".", "{dot}": ".",
           "[:]": ":", "[://]": "://", "[@]": "@", "[at]": "@"}
_TOKEN_CHARS = r"[^\s<>\"'`,;|\u3000]"
_TOKEN_TAIL = re.compile(_TOKEN_CHARS + "{0,%d}" % _MAX_TOKEN)
_TOKEN_HEAD = re.compile(_TOKEN_CHARS + "{0,256}")  # matched on the reversed text before a marker
_DEFANGED = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]{0,15}://)?"
    r"(?P<userinfo>[A-Za-z0-9._%+\-]{1,64}@)?"
    r"(?P<host>[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]{2,45}\]|"
    r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,10})"
    r"(?P<port>:[0-9]{1,5})?(?P<rest>[/?#]\S*)?")
_SCHEME_BACK = re.compile(r"[A-Za-z0-9+.\-]{0,16}")  # matched on the reversed text before ://
_OPENERS, _CLOSERS = "([{<:/", ".,;:!?)]}>"


def _defanged(text: str, urls) -> Iterator[Selector]:
    done = 0  # end of the last token looked at: markers inside it are skipped
    for mark in _scan(_MARK, text):
        if mark.start() < done:
            continue
        lo = max(done, mark.start() - 256)
        start = mark.start() - _TOKEN_HEAD.match(text[lo:mark.start()][::-1]).end()
        end = _TOKEN_TAIL.match(text, mark.end()).end()
        # a comma or semicolon ends a token (a list of domains), except inside a URL's path
        while (text[end:end + 1] in (",", ";") and _TOKEN_TAIL.match(text, end + 1).end() > end + 1
               and _in_path(text[start:end]) and end - mark.end() < _MAX_TOKEN):
            end = _TOKEN_TAIL.match(text, end + 1).end()
        done = end
        if end - mark.end() >= _MAX_TOKEN:
            continue
        sel = _parse_defanged(text, start, end)
        if sel is not None:
            yield sel


def _in_path(token: str) -> bool:
    i = token.find("//")
    rest = token[i + 2:] if i >= 0 else token
    return "/" in rest or "?" in rest


class _Refanged:
    """A token with its markers replaced, and the way back to offsets in the token."""

    __slots__ = ("plain", "marks")

    def __init__(self, token: str):
        pieces: list[str] = []
        self.marks: list[tuple[int, int, int, int]] = []  # token start/end, plain start/end
        pos = out = 0
        for m in _MARK.finditer(token):
            pieces.append(token[pos:m.start()])
            out += m.start() - pos
            rep = _REFANG.get(m.group(0).lower()) or "http" + m.group(0)[4:].lower()  # hxxp(s)
            pieces.append(rep)
            self.marks.append((m.start(), m.end(), out, out + len(rep)))
            out += len(rep)
            pos = m.end()
        pieces.append(token[pos:])
        self.plain = "".join(pieces)

    def start(self, p: int) -> int:
        """The token offset where plain character p begins."""
        delta = 0
        for ts, te, ps, pe in self.marks:
            if p < ps:
                break
            if p < pe:
                return ts
            delta = te - pe
        return p + delta

    def end(self, p: int) -> int:
        """The token offset where plain text ending before p ends."""
        delta = 0
        for _ts, te, ps, pe in self.marks:
            if p <= ps:
                break
            if p <= pe:
                return te
            delta = te - pe
        return p + delta

    def in_marker(self, p: int) -> bool:
        return any(ps <= p < pe for _, _, ps, pe in self.marks)


def _parse_defanged(text: str, start: int, end: int) -> Selector | None:
    token = text[start:end]
    r = _Refanged(token)
    plain = r.plain
    # the selector starts at a scheme when there is one, else after leading brackets and quotes
    i = plain.find("://")
    if i >= 0:
        s = i - _SCHEME_BACK.match(plain[max(0, i - 16):i][::-1]).end()
    else:
        s = 0
        while s < len(plain) and plain[s] in _OPENERS and not r.in_marker(s):
            s += 1
    e = len(plain)
    while e > s and plain[e - 1] in _CLOSERS and not r.in_marker(e - 1):
        e -= 1
    m = _DEFANGED.fullmatch(plain, s, e)
    if m is None:
        return None
    o_start, o_end = r.start(s), r.end(e)
    if not any(o_start <= ts and te <= o_end for ts, te, _, _ in r.marks):
        return None  # the marker was in trimmed punctuation: nothing defanged is left
    value = token[o_start:o_end]
    scheme, userinfo, host, port, rest = m.group("scheme", "userinfo", "host", "port", "rest")
    host_l = host.lower()
    ip = _ip_host(host)
    onion = host_l.endswith(".onion")
    onion_flags = onion_ok(host_l[:-6].rsplit(".", 1)[-1]) if onion else None
    if ip is None and not (onion_flags is not None or (not onion and _is_domain(host_l))):
        return None
    a, b = start + o_start, start + o_end
    if not (scheme or port or rest):
        if userinfo:
            email = f"{userinfo}{host}".lower()
            return Selector("email", value, email, a, b, ("defanged",)) if ip is None else None
        if ip is not None:
            kind = "ipv4" if ip.version == 4 else "ipv6"
            return Selector(kind, value, ip.compressed, a, b,
                            _ip_flags(ip.version, int(ip)) + ("defanged",))
        if onion_flags is not None:
            return Selector("onion", value, host_l, a, b, onion_flags + ("defanged",))
        return Selector("domain", value, host_l, a, b, ("defanged",))
    normalized = f"{(scheme or '').lower()}{userinfo or ''}{host_l}{port or ''}{rest or ''}"
    return Selector("url", value, normalized, a, b, ("defanged",))


def _ip_host(host: str):
    h = host[1:-1] if host.startswith("[") else host
    if not h[:1].isdigit() and ":" not in h:
        return None
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        return None
