"""The language of a post's text, offline: an ISO 639-1 code, or "unknown".

    detect("Der Zug nach Berlin fällt heute aus")        -> "de"
    detect_many(["ok", "Это очень хороший день"])      -> ["unknown", "ru"]

How, and why so:

- What is not language is removed first: URLs (bare x.com/... ones too), e-mail addresses,
  @mentions, hashtags (the whole tag, word included), a leading "RT", numbers, emoji and
  punctuation. Hashtags go because on social media they are labels more than prose: English tags
  (#Brexit, #EXO, #BestFanArmy) sit in posts of every language, camel-cased compounds are words of
  no language, and a post made only of tags has no sentence to tell its language from. On the
  real posts of ../shared, dropping them agreed better with the platforms' labels than keeping
  their words (96.3% against 94.4%, with 8.7% and 8.1% "unknown").
- Too little text gets "unknown", never a guess: fewer than MIN_UNITS letter units after
  cleaning (a Latin, Cyrillic, Arabic... letter is one unit; a Han, kana or Hangul character,
  which carries a syllable or a word, is two). "Hello there" is unknown; so are most one-liners.
- A script that only one supported language is written in decides alone, exactly and cheaply,
  when it holds at least SCRIPT_SHARE of the letter units (Hangul -> ko, kana -> ja, Greek -> el,
  Hebrew -> he, Thai -> th, Armenian -> hy, Georgian -> ka, Bengali, Gujarati, Gurmukhi, Tamil,
  Telugu): a K-pop post in Korean with English names is Korean, as the platform says. Scripts
  that several languages share (Latin, Cyrillic, Arabic, Devanagari, Han) go to lingua.
- lingua runs in low-accuracy mode (trigrams only), on the first MAX_CHARS characters of the
  cleaned text, with a detector that knows only the languages of the text's script (LATIN,
  CYRILLIC...: same answers as one detector of all LANGUAGES, a quarter faster). All of it is a
  measured trade. lingua's cost is about 20 us per call plus, per character, about 0.07 us per
  candidate language (0.3 us in high-accuracy mode) on an idle core; real posts with their
  varied n-grams cost more than that. The 75-language high-accuracy detector costs 1-3 ms per
  post. The subset is the languages of social media that investigators meet; it leaves out
  languages that short noisy English is mistaken for (Latin, Esperanto, Tsonga, Yoruba...).
  lingua's low-accuracy answer is kept only when it is confident: top confidence at least
  MIN_CONFIDENCE, ahead of the second language by MIN_MARGIN; otherwise "unknown". On the real
  posts these thresholds take agreement with the platforms from 91.8% (always trust lingua) to
  96.3%, for 5 more points of "unknown" (8.7%). High-accuracy mode would agree more (97.6%, with
  3.4% "unknown" and no thresholds: its confidences are too flat to threshold) at four times
  the cost: set LOW_ACCURACY = False where language matters more than import speed.
- Results are cached per cleaned text (retweets and copy-paste campaigns repeat texts).

Detectors are built lazily, once per process (each import worker builds its own), and loading
lingua's models takes about a second on first use.

Limits: one language per post (a mixed post gets its main language, or "unknown"); a language
outside LANGUAGES gets "unknown" or, worse, the nearest language in the subset (Galician -> pt or
es, Malay -> id); Han-only text is told apart by lingua between Chinese and Japanese, which is
unreliable for short texts; dialects and scripts of one language (pt-BR, zh-Hant, sr-Latn) are
not told apart; informal spelling (pt "vc pq eh") is often "unknown".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

UNKNOWN = "unknown"

# The candidate languages for lingua (ISO 639-1). Every language here costs time on every Latin
# (or Cyrillic, Arabic...) post: lingua scores each candidate that the text's script allows.
LATIN = ("en", "es", "pt", "fr", "de", "it", "nl", "tr", "id", "tl", "pl", "sv", "da", "nb", "fi",
         "ro", "hu", "cs", "sk", "hr", "sl", "lt", "lv", "et", "sq", "az", "vi", "ca")
CYRILLIC = ("ru", "uk", "be", "bg", "mk", "sr", "kk", "mn")
ARABIC = ("ar", "fa", "ur")
DEVANAGARI = ("hi", "mr")
HAN = ("zh", "ja")
UNIQUE = ("ko", "el", "he", "th", "hy", "ka", "bn", "gu", "pa", "ta", "te")  # decided by script
LANGUAGES = LATIN + CYRILLIC + ARABIC + DEVANAGARI + HAN + UNIQUE
LOW_ACCURACY = True
MAX_CHARS = 80  # lingua reads at most this many characters of cleaned text (cut at a space)
MIN_UNITS = 10  # fewer letter units than this after cleaning: "unknown"
MIN_CONFIDENCE = 0.7  # low accuracy: lingua's top confidence must be at least this...
MIN_MARGIN = 0.4  # ...and ahead of the second language's by at least this
CACHE_SIZE = 1 << 15

# Noise: every alternative starts with a literal character, which keeps the scan fast. An
# e-mail address loses its domain with the "@"; the local part left is one word at most.
_NOISE = re.compile(r"(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://\S*|[wW][wW][wW]\.\S*"
                    r"|[@#＃][\w.@\-]*|\A\s*RT\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")  # only run when an "@" is in the text
_LINKISH = re.compile(r"\S*/\S*")  # a bare link (x.com/a, pin.it/b): only run when "/" is left


def _marks() -> str:
    """A character class body of the combining marks of the BMP (matras, harakat, accents...),
    which are part of words but are not letters to Python's regular expressions."""
    out, start, prev = [], None, None
    for i in range(0x300, 0x10000):
        if unicodedata.category(chr(i))[0] == "M":
            if start is None:
                start = i
            prev = i
        elif start is not None:
            out.append(f"{chr(start)}-{chr(prev)}" if prev > start else chr(start))
            start = None
    return "".join(re.escape(x) if len(x) == 1 else re.escape(x[0]) + "-" + re.escape(x[2])
                   for x in out) + "\u200c\u200d"


# A word: letters, with the combining marks and joiners that belong to them (Devanagari vowel
# signs, Arabic vowel marks, Persian half-spaces); digits, emoji and punctuation split it off.
WORD_MARKS = _marks()
_WORD = re.compile(f"[^\\W\\d_](?:[^\\W\\d_]|[{WORD_MARKS}])*")
RAW_CHARS = 2000  # only this much of a long text is cleaned: enough to fill MAX_CHARS

# Scripts that only one supported language is written in. A character class per script.
_UNIQUE_SCRIPTS = (
    ("ko", "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"),
    ("ja", "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9d"),  # kana
    ("el", "\u0370-\u03ff\u1f00-\u1fff"),
    ("he", "\u0590-\u05ff\ufb1d-\ufb4f"),
    ("th", "\u0e00-\u0e7f"),
    ("hy", "\u0530-\u058f\ufb13-\ufb17"),
    ("ka", "\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f"),
    ("bn", "\u0980-\u09ff"),
    ("gu", "\u0a80-\u0aff"),
    ("pa", "\u0a00-\u0a7f"),
    ("ta", "\u0b80-\u0bff"),
    ("te", "\u0c00-\u0c7f"),
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KANA = _UNIQUE_SCRIPTS[1][1]
_WIDE = re.compile(f"[{_HAN}{_UNIQUE_SCRIPTS[0][1]}{_KANA}]")  # a syllable or word: two units
_HAN_KANA = re.compile(f"[{_HAN}{_KANA}]")
_SCRIPTS = tuple((code, re.compile(f"[{chars}]")) for code, chars in _UNIQUE_SCRIPTS)
_KANA_RE = re.compile(f"[{_KANA}]")
_BEYOND_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff]")
SCRIPT_SHARE = 0.25  # a unique script with at least this share of letter units decides

_lock = threading.Lock()
_detectors: dict[str, object] = {}
_SCRIPT_OF = (("cyrillic", re.compile("[\u0400-\u052f\u1c80-\u1c8f\ua640-\ua69f]"), CYRILLIC),
              ("arabic", re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff"
                                    "\ufe70-\ufeff]"), ARABIC),
              ("devanagari", re.compile("[\u0900-\u097f]"), DEVANAGARI),
              ("han", re.compile(f"[{_HAN}]"), HAN))


def detector(script: str = "all"):
    """The process's lingua detector for a script ("latin", "cyrillic", "arabic", "devanagari",
    "han") or for all of LANGUAGES, built on first use. A detector that knows only the
    languages of the text's script gives the same answer as the full one ~25% faster."""
    d = _detectors.get(script)
    if d is None:
        with _lock:
            d = _detectors.get(script)
            if d is None:
                from lingua import IsoCode639_1, LanguageDetectorBuilder

                codes = {"latin": LATIN, **{s: c for s, _, c in _SCRIPT_OF}}.get(script,
                                                                                LANGUAGES)
                builder = LanguageDetectorBuilder.from_iso_codes_639_1(
                    *[getattr(IsoCode639_1, c.upper()) for c in codes])
                if LOW_ACCURACY:
                    builder = builder.with_low_accuracy_mode()
                d = _detectors[script] = builder.build()
    return d


def _script(words: str, letters: int) -> str:
    """The script of most of the letters, or "all" for a mixed text."""
    if not _BEYOND_LATIN.search(words):
        return "latin"
    for name, rx, _ in _SCRIPT_OF:
        if 2 * len(rx.findall(words)) > letters:
            return name
    return "all"


def clean(text: str) -> str:
    """The words of a text that tell its language: no links, handles, tags, numbers or emoji."""
    text = text[:RAW_CHARS]
    if "@" in text and _EMAIL.search(text):
        text = _EMAIL.sub(" ", text)
    text = _NOISE.sub(" ", text)
    if "/" in text:
        text = _LINKISH.sub(" ", text)
    return " ".join(_WORD.findall(text))


def detect(text: str) -> str:
    """ISO 639-1 code of the text's language, or "unknown" when too short or not clear."""
    if not isinstance(text, str) or not text:
        return UNKNOWN
    return _detect_clean(clean(text))


def detect_many(texts: list[str]) -> list[str]:
    """detect() of each text, in order; the call the pipeline makes once per chunk of posts.

    Sequential on purpose: the import already runs one worker process per core, and lingua's
    parallel calls would make each of them compete for all the cores."""
    return [detect(t) for t in texts]


@lru_cache(maxsize=CACHE_SIZE)
def _detect_clean(words: str) -> str:
    wide = len(_WIDE.findall(words)) if _BEYOND_LATIN.search(words) else 0
    units = len(words) - words.count(" ") + wide
    if units < MIN_UNITS:
        return UNKNOWN
    if wide or _BEYOND_LATIN.search(words):
        for code, rx in _SCRIPTS:
            n = len(rx.findall(words)) * (2 if code in ("ko", "ja") else 1)
            if n >= SCRIPT_SHARE * units:
                return code
        if _KANA_RE.search(words) and 2 * len(_HAN_KANA.findall(words)) >= SCRIPT_SHARE * units:
            return "ja"  # kana with Han: Japanese
    sample = words if len(words) <= MAX_CHARS else words[:MAX_CHARS].rsplit(" ", 1)[0]
    values = detector(_script(sample, len(sample))).compute_language_confidence_values(sample)
    if not values:
        return UNKNOWN
    top = values[0].value
    second = values[1].value if len(values) > 1 else 0.0
    if LOW_ACCURACY and (top < MIN_CONFIDENCE or top - second < MIN_MARGIN):
        return UNKNOWN
    return values[0].language.iso_code_639_1.name.lower()
