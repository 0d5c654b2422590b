"""Text as the parser compares it.

Two forms of every word: the *surface* word a recogniser emits (lowercase ASCII letters and
apostrophes: "don't", "what's") and its *key*, the surface word without apostrophes ("dont"),
which is what matching compares, so typed "dont" and "whats" work as well as "don't".
"""

from __future__ import annotations

import re
import unicodedata

from booth.intents.numbers import UNITS, digit_forms

# Letters that Unicode does not decompose into a base letter plus accents.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o",
                          "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th",
                          "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i",
                          "‘": "'", "’": "'", "ʼ": "'", "`": "'", "´": "'"})

# Symbols that are said as words.
SYMBOL_WORDS = {"&": "and", "+": "plus", "@": "at", "%": "percent", "#": "number"}

_DECIMAL = re.compile(r"(\d+)\.(\d+)")
_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^a-z' ]+")
_STRAY_APOSTROPHE = re.compile(r"(?<![a-z])'|'(?![a-z])")


def fold(text: str) -> str:
    """Accents and special letters to plain ASCII letters, case kept: "Sigur Rós" → "Sigur Ros"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _spell_decimal(match: re.Match[str]) -> str:
    fraction = " ".join(UNITS[int(d)] for d in match.group(2))
    return f" {digit_forms(match.group(1))[0]} point {fraction} "


def words(text: str) -> list[str]:
    """Free text → surface words: "Volume 4, please!" → ["volume", "four", "please"].

    Lowercase ASCII, digits spelled out (canonical spelling), symbols said as words, other
    punctuation dropped, apostrophes kept only inside words.
    """
    text = fold(text).lower()
    for symbol, word in SYMBOL_WORDS.items():
        text = text.replace(symbol, f" {word} ")
    text = _DECIMAL.sub(_spell_decimal, text)
    text = _DIGITS.sub(lambda m: f" {digit_forms(m.group())[0]} ", text)
    text = _STRAY_APOSTROPHE.sub(" ", _NOT_WORD.sub(" ", text))
    return text.split()


def key(word: str) -> str:
    """The form matching compares: a surface word without apostrophes."""
    return word.replace("'", "")


def keys(text: str) -> tuple[str, ...]:
    """Free text → the keys of its words."""
    return tuple(k for k in (key(w) for w in words(text)) if k)
