"""Names and numbers as the DJ's voice should say them.

`speakable(text)` turns a tag or a file name into words a text-to-speech voice reads well:
numbers become words ("2012" as a year: "twenty twelve"), "feat." becomes "featuring", "&"
becomes "and", shouted ALL-CAPS words become Title case (short acronyms such as "BBC" stay,
Piper's espeak front end spells them), file-name leftovers ("01 - ", ".ogg", "hr3-",
"[Remastered]") go, and control characters are dropped. Other Unicode is kept: Piper says it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from num2words import num2words

AUDIO_EXTENSIONS = ("ogg", "oga", "opus", "mp3", "flac", "wav", "m4a", "aac", "wma", "aif",
                    "aiff", "ape", "wv", "mpc", "mka")

KNOWN_ACRONYMS = frozenset({"USA", "UK", "EU", "OK", "UFO", "AI", "DNA", "NASA"})
"""Short words kept in capitals inside a shouted ALL-CAPS title (so are all vowel-less ones)."""

COMMON_SHORT_WORDS = frozenset({
    "a", "an", "i", "my", "me", "to", "in", "on", "of", "the", "we", "you", "he", "she", "it",
    "is", "be", "do", "go", "no", "so", "up", "us", "oh", "and", "for", "not", "all", "one",
    "two", "big", "new", "old", "red", "sad", "sun", "day", "boy", "man", "our", "out", "hey",
})
"""First words of a file name that are words, not a collection prefix like "hr-"."""

_NOISE_WORDS = (r"remaster(?:ed)?|bonus|deluxe|explicit|clean|mono|stereo|official|audio|video"
                r"|lyrics?|hq|hd|\d+\s*kbps|album version|single version|digital")

_EXTENSION = re.compile(rf"\.(?:{'|'.join(AUDIO_EXTENSIONS)})$", re.IGNORECASE)
_LEADING_TRACK_NUMBER = re.compile(
    r"^\s*(?:(?:cd|disc)\s*\d+\s*[-_.]\s*)?(?:0\d{0,2}\s*[-_.]?\s*|\d{1,3}\s*(?:\.|\s-)\s+)"
    r"(?=[^\W\d_])", re.IGNORECASE)
_FILE_TRACK_NUMBER = re.compile(r"^\s*\d{1,3}\s*[-_.]+\s*(?=[^\W\d_])")
_CODE_PREFIX = re.compile(r"^[a-z]{1,4}\d+[-_](?=[^\W\d_])")
_SHORT_PREFIX = re.compile(r"^([a-z]{1,3})[-_](?=[^\W\d_]{2,})")
_TRAILING_REMASTER = re.compile(
    r"\s+[-–—]\s+(?:\d{4}\s+)?(?:digital\s+)?remaster(?:ed)?(?:\s+\d{4})?(?:\s+version)?\s*$",
    re.IGNORECASE)
_SQUARE_OR_CURLY = re.compile(r"\[[^\]]*\]|\{[^}]*\}")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_NOISE = re.compile(rf"^\s*(?:[\d\s]*)(?:{_NOISE_WORDS})\b", re.IGNORECASE)
_NOISE_ANYWHERE = re.compile(r"\b(?:remaster(?:ed)?|bonus track|deluxe|explicit|\d+\s*kbps)\b",
                             re.IGNORECASE)

_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement) for pattern, replacement in (
        (r"\b(?i:feat|ft)\.|\b(?i:feat|ft)\b(?=\s+[A-Z0-9])", "featuring"),
        (r"\bDr\.(?=\s+[A-Z])", "Doctor"),
        (r"\bDr\.", "Drive"),
        (r"\bSt\.(?=\s+[A-Z])", "Saint"),
        (r"\bSt\.", "Street"),
        (r"\bMt\.", "Mount"),
        (r"\bMr\.", "Mister"),
        (r"\bMrs\.", "Missus"),
        (r"\bMs\.", "Miz"),
        (r"\bJr\.", "Junior"),
        (r"\bSr\.", "Senior"),
        (r"\b[Vv][Ss]\b\.?", "versus"),
        (r"\b[Vv]ol\.\s*(?=\d)", "Volume "),
        (r"\b[Pp]t\.\s*(?=\d)", "Part "),
        (r"\b(?:[Nn]o|[Nn]r)\.\s*(?=\d)", "Number "),
        (r"\b[Oo]p\.\s*(?=\d)", "Opus "),
        (r"#\s*(?=\d)", "number "),
        (r"(?<=\d)\s*%", " percent"),
        (r"\s*&\s*", " and "),
        (r"\bw/\s*", "with "),
        (r"(?:\.{3}|…)", ", "),
    ))

_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_GROUPED = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_DECIMAL = re.compile(r"\b\d+\.\d+\b")
_INTEGER = re.compile(r"\b\d+\b")
_SPOKEN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_ROMAN = re.compile(r"^M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")


def speakable(text: str | None, *, from_file: bool = False) -> str:
    """``text`` as words a TTS voice says well; "" when nothing sayable is left.

    ``from_file``: the text is a file name, not a tag; also strips a leading track number
    ("03_"), a collection prefix ("hr-") and capitalises an all-lowercase name.
    """
    if not text:
        return ""
    s = _drop_unspeakable(unicodedata.normalize("NFC", text))
    s = _strip_file_leftovers(s, from_file)
    s = _brackets(s)
    for pattern, replacement in _ABBREVIATIONS:
        s = pattern.sub(replacement, s)
    s = _separators(s)
    s = _numbers(s)
    s = _capitals(s)
    s = _tidy(s)
    if from_file and s == s.lower():
        s = " ".join(word[:1].upper() + word[1:] for word in s.split(" "))
    return s


def speak_number(n: int) -> str:
    """A count or a track number in words: 7 → "seven", 182 → "one hundred and eighty-two"."""
    return num2words(int(n)).replace(",", "")


def speak_year(year: int) -> str:
    """A year as people say it: 2012 → "twenty twelve", 1905 → "nineteen oh-five"."""
    return num2words(int(year), to="year").replace(",", "")


def speak_clock(moment: datetime) -> str:
    """The time to the nearest five minutes: "ten past seven", "half past eleven"."""
    minutes = round(moment.minute / 5) * 5
    hour = moment.hour + (1 if minutes > 30 else 0)
    name = _hour_name(hour)
    if minutes in (0, 60):
        return name if name in ("midnight", "noon") else f"{name} o'clock"
    if minutes == 30:
        return f"half past {_hour_name(moment.hour)}"
    if minutes == 15:
        return f"a quarter past {name}"
    if minutes == 45:
        return f"a quarter to {name}"
    if minutes < 30:
        return f"{speak_number(minutes)} past {name}"
    return f"{speak_number(60 - minutes)} to {name}"


def speak_time_since(seconds: float) -> str:
    """A long gap, roughly: "two months", "over a year", "about three years"."""
    days = seconds / 86400
    if days < 45:
        weeks = max(1, round(days / 7))
        return "a week" if weeks == 1 else f"{speak_number(weeks)} weeks"
    if days < 365:
        months = max(2, round(days / 30.4))
        return f"{speak_number(months)} months" if months < 12 else "about a year"
    years = days / 365.25
    if years < 1.5:
        return "over a year"
    return f"about {speak_number(round(years))} years"


SECONDS_PER_SYLLABLE = 0.163
SECONDS_PER_SENTENCE = 0.505
SECONDS_PER_COMMA = 0.317
"""Speaking time of Piper's `joe` voice, fitted on 70 links (rms error 0.4 s, worst 1.0 s short)."""
MODEL_WORDS_PER_SECOND = 3.0
"""The pace at which the syllable model above is taken as is; other paces scale it."""


def spoken_seconds(text: str, words_per_second: float = 3.0) -> float:
    """How long a voice takes to say ``text``, erring long.

    The larger of the plain word count at ``words_per_second`` and a syllable-and-pause
    model measured on Piper's voice: names like "NeonCorridor" take longer than one word.
    """
    model = (SECONDS_PER_SYLLABLE * count_syllables(text)
             + SECONDS_PER_SENTENCE * len(re.findall(r"[.!?](?:\s|$)", text))
             + SECONDS_PER_COMMA * len(re.findall(r"[,:;](?:\s|$)", text)))
    return max(count_words(text) / words_per_second,
               model * MODEL_WORDS_PER_SECOND / words_per_second)


def count_syllables(text: str) -> int:
    """Syllables, roughly: groups of vowels per word, a silent final "e" left out."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text.lower())
                    if not unicodedata.combining(c))
    total = 0
    for word in _SPOKEN_WORD.findall(plain):
        groups = len(re.findall(r"[aeiouy]+", word))
        if groups > 1 and word.endswith("e") and not word.endswith(("le", "ee")):
            groups -= 1
        total += max(1, groups)
    return total


def count_words(text: str) -> int:
    """Words a voice will say, counting hyphenated parts ("sixty-nine") separately."""
    return len(_SPOKEN_WORD.findall(text))


def _hour_name(hour: int) -> str:
    hour %= 24
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "noon"
    return speak_number(hour % 12)


def _drop_unspeakable(s: str) -> str:
    out = []
    for ch in s:
        category = unicodedata.category(ch)
        if category in ("Cc", "Zs", "Zl", "Zp"):
            out.append(" ")  # a control character may separate two tag values (ID3 uses NUL)
        elif category in ("Cf", "Cs", "Co", "Cn", "So"):
            continue  # format characters, private use, emoji and other symbols
        else:
            out.append(ch)
    return "".join(out)


def _strip_file_leftovers(s: str, from_file: bool) -> str:
    s = _EXTENSION.sub("", s.strip())
    s = _TRAILING_REMASTER.sub("", s)
    s = _CODE_PREFIX.sub("", s)
    s = _LEADING_TRACK_NUMBER.sub("", s)
    if from_file:
        s = _FILE_TRACK_NUMBER.sub("", s)
        prefix = _SHORT_PREFIX.match(s)
        if prefix and prefix.group(1) not in COMMON_SHORT_WORDS:
            s = s[prefix.end():]
        s = re.sub(r"^track[\s_-]*0*(?=\d)", "Track ", s, flags=re.IGNORECASE)
    return s


def _brackets(s: str) -> str:
    s = _SQUARE_OR_CURLY.sub(" ", s)

    def paren(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if not inner or _NOISE.match(inner) or _NOISE_ANYWHERE.search(inner):
            return " "
        return f", {inner},"

    s = _PARENTHESES.sub(paren, s)
    return s.replace("(", ", ").replace(")", ", ")


def _separators(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'")
    s = re.sub(r"[\"“”„«»]", "", s)
    s = re.sub(r"\s+[-–—]+\s+|\s*[|;]\s*", ", ", s)
    s = re.sub(r"[_/\\*~^=<>]+", " ", s)
    return re.sub(r"[-–—]+", " ", s)


def _numbers(s: str) -> str:
    s = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), s)
    s = _ORDINAL.sub(lambda m: num2words(int(m.group(1)), to="ordinal"), s)
    s = _DECIMAL.sub(lambda m: num2words(float(m.group(0))).replace(",", ""), s)

    def integer(match: re.Match[str]) -> str:
        digits = match.group(0)
        n = int(digits)
        if len(digits) == 4 and not digits.startswith("0") and 1100 <= n <= 2099:
            return speak_year(n)
        return speak_number(n)

    return _INTEGER.sub(integer, s)


def _capitals(s: str) -> str:
    words = _WORD.findall(s)
    shouting = (len(words) >= 2 and not any(c.islower() for c in s)
                and any(len(word) > 4 for word in words))

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        letters = re.sub(r"['’]", "", word)
        if len(letters) < 2 or not letters.isupper():
            return word
        if len(letters) > 4:
            return word if _ROMAN.match(letters) else _title(word)
        vowelless = not re.search(r"[AEIOUY]", letters)
        if not shouting or vowelless or letters in KNOWN_ACRONYMS:
            return word
        return _title(word)

    return _WORD.sub(fix, s)


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _tidy(s: str) -> str:
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\s+([,.:!?])", r"\1", s)
    s = re.sub(r"(?:,\s*){2,}", ", ", s)
    s = re.sub(r",(?=[^\s])", ", ", s)
    s = s.strip(" ,;:")
    return re.sub(r"[\s.,;:!?]+$", "", s)
