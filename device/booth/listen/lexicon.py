"""Pronunciations (CMU ARPAbet phones) for the words of the grammar.

Looked up in CMUdict (the copy the `pocketsphinx` package ships); a word it lacks is split into
dictionary words where it can be ("maxstack" → max + stack, "neoncorridor" → neon + corridor),
else spelled by espeak-ng (through Piper's bundled phonemizer) and mapped from IPA to ARPAbet.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

# IPA (as espeak-ng writes it for en-us) → ARPAbet; longest match first.
_IPA = {
    "tʃ": "CH", "dʒ": "JH", "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "oʊ": "OW", "ɔɪ": "OY",
    "ɑː": "AA", "ɔː": "AO", "iː": "IY", "uː": "UW", "ɜː": "ER", "ɚ": "ER", "ɝ": "ER",
    "ɪɹ": "IH R", "ɛɹ": "EH R", "ʊɹ": "UH R", "oːɹ": "AO R", "ɑːɹ": "AA R", "ɔːɹ": "AO R",
    "a": "AE", "æ": "AE", "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "ʌ": "AH", "ə": "AH", "ɐ": "AH",
    "ɛ": "EH", "e": "EH", "ɪ": "IH", "i": "IY", "ᵻ": "IH", "ʊ": "UH", "u": "UW", "o": "OW",
    "b": "B", "d": "D", "f": "F", "ɡ": "G", "g": "G", "h": "HH", "j": "Y", "k": "K", "l": "L",
    "m": "M", "n": "N", "ŋ": "NG", "p": "P", "ɹ": "R", "r": "R", "s": "S", "ʃ": "SH", "t": "T",
    "θ": "TH", "ð": "DH", "v": "V", "w": "W", "z": "Z", "ʒ": "ZH", "ɾ": "T", "ʔ": "T",
    "x": "K", "ç": "HH", "ɬ": "L", "n̩": "AH N", "l̩": "AH L", "ɫ": "L",
}
_IPA_KEYS = sorted(_IPA, key=len, reverse=True)
_IGNORED = set("ˈˌːʲ‿-. ")
MIN_PART = 3
"""A compound is split only into dictionary words of at least this many letters."""
VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
CENTRING = frozenset("IH IY EH UH UW".split())
"""Vowels that, losing the r after them, glide to a schwa ("here" → HH IH AH)."""


def cmudict_path() -> Path:
    """The US-English pronunciation dictionary bundled with the `pocketsphinx` package."""
    import pocketsphinx
    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


@functools.lru_cache(maxsize=2)
def _cmudict(path: str) -> Mapping[str, tuple[str, ...]]:
    entries: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            head, _, phones = line.partition(" ")
            word = head.split("(", 1)[0]
            entries.setdefault(word, []).append(phones.split("#", 1)[0].strip())
    return {word: tuple(prons) for word, prons in entries.items()}


def ipa_to_arpabet(ipa: str) -> str:
    """An espeak-ng IPA string as ARPAbet phones ("mˈæksstæk" → "M AE K S S T AE K")."""
    phones: list[str] = []
    i = 0
    while i < len(ipa):
        if ipa[i] in _IGNORED:
            i += 1
            continue
        match = next((k for k in _IPA_KEYS if ipa.startswith(k, i)), None)
        if match is None:
            i += 1                      # a mark we have no phone for: skip it
            continue
        phones.extend(_IPA[match].split())
        i += len(match)
    deduplicated = [p for n, p in enumerate(phones) if n == 0 or p != phones[n - 1]]
    return " ".join(deduplicated)


@functools.lru_cache(maxsize=1)
def _espeak():
    try:
        from piper.phonemize_espeak import EspeakPhonemizer
    except ImportError:
        return None
    return EspeakPhonemizer()


def espeak_pronunciation(word: str) -> str | None:
    """ARPAbet for any word, from espeak-ng's letter-to-sound rules (None without Piper)."""
    phonemizer = _espeak()
    if phonemizer is None:
        return None
    ipa = "".join("".join(s) for s in phonemizer.phonemize("en-us", word.replace("'", "")))
    return ipa_to_arpabet(ipa) or None


def non_rhotic(phones: str) -> str:
    """A US pronunciation as most of England, Wales and Australia say it: a final ER as a schwa
    ("louder" L AW D ER → L AW D AH), and no r after a vowel unless a vowel follows ("more"
    M AO R → M AO, "here" HH IY R → HH IY AH). An r after AA stays: "start" without it is
    S T AA T, which the US model hears as "stop" (measured: Piper's "stop the music" became
    "start the music")."""
    old = phones.split()
    new: list[str] = []
    for n, phone in enumerate(old):
        follows = old[n + 1] if n + 1 < len(old) else None
        if phone == "ER" and follows is None:
            new.append("AH")
        elif (phone == "R" and new and new[-1] in VOWELS and new[-1] != "AA"
              and follows not in VOWELS):
            if new[-1] in CENTRING:
                new.append("AH")
        else:
            new.append(phone)
    return " ".join(new)


def raised_mouth(phones: str) -> str:
    """A US pronunciation with the MOUTH vowel as Scots and many Canadians say it, starting
    from a central vowel ("down" D AW N → D AH UW N; espeak-ng's Scottish voice says dʌʉn)."""
    return " ".join("AH UW" if phone == "AW" else phone for phone in phones.split())


class Lexicon:
    """Pronunciations for a set of words."""

    def __init__(self, dictionary: str | Path | None = None, non_rhotic: bool = False,
                 raised_mouth: bool = False):
        """`non_rhotic`: give every word with an r before no vowel a second, r-less
        pronunciation as well (`non_rhotic()`); `raised_mouth`: every word with the vowel of
        "out", one with that vowel raised as well (`raised_mouth()`)."""
        self.dictionary = _cmudict(str(dictionary or cmudict_path()))
        self.non_rhotic = non_rhotic
        self.raised_mouth = raised_mouth

    def pronunciations(self, word: str) -> tuple[str, ...]:
        """Every known pronunciation of a word (with the accents' variants when asked); a
        guessed one if it is not in the dictionary."""
        found = self._us_pronunciations(word)
        accents = ([non_rhotic] if self.non_rhotic else []) + (
            [raised_mouth] if self.raised_mouth else [])
        for accent in accents:
            found += tuple(dict.fromkeys(v for v in map(accent, found) if v not in found))
        return found

    def _us_pronunciations(self, word: str) -> tuple[str, ...]:
        word = word.lower()
        if word in self.dictionary:
            return self.dictionary[word]
        if "'" in word and word.replace("'", "") in self.dictionary:
            return self.dictionary[word.replace("'", "")]
        split = self._compound(word)
        if split:
            phones = " ".join(self.dictionary[part][0] for part in split).split()
            joined = [p for n, p in enumerate(phones) if n == 0 or p != phones[n - 1]]
            return (" ".join(joined),)
        guessed = espeak_pronunciation(word)
        if guessed:
            return (guessed,)
        raise LookupError(f"no pronunciation for {word!r}: not in CMUdict and espeak-ng "
                          "(piper-tts) is not installed")

    def _compound(self, word: str) -> list[str] | None:
        """The split of a word into two or three dictionary words, fewest parts first."""
        letters = re.sub(r"[^a-z]", "", word)
        for parts in (2, 3):
            found = self._split(letters, parts)
            if found:
                return found
        return None

    def _split(self, letters: str, parts: int) -> list[str] | None:
        if parts == 1:
            return [letters] if len(letters) >= MIN_PART and letters in self.dictionary else None
        for cut in range(len(letters) - MIN_PART, MIN_PART - 1, -1):   # longest head first
            head = letters[:cut]
            if head in self.dictionary:
                rest = self._split(letters[cut:], parts - 1)
                if rest:
                    return [head] + rest
        return None

    def dictionary_text(self, words: Iterable[str]) -> str:
        """A pronunciation dictionary for these words in CMUdict format."""
        lines = []
        for word in sorted(set(words)):
            for n, phones in enumerate(self.pronunciations(word)):
                lines.append(f"{word} {phones}" if n == 0 else f"{word}({n + 1}) {phones}")
        return "\n".join(lines) + "\n"
