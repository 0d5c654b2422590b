"""From recognised words to an intent, forgiving what recognisers typically get wrong:
words that sound alike ("volume to" for "volume two") and a stray short word at either end."""

from __future__ import annotations

from dataclasses import replace

from booth.intents import Intent, IntentParser

HOMOPHONES = {"to": ("two", "too"), "two": ("to",), "too": ("two", "to"), "for": ("four",),
              "four": ("for",), "won": ("one",), "ate": ("eight",), "by": ("buy", "bye"),
              "know": ("no",), "no": ("know",), "right": ("write",), "there": ("their",)}
"""Words a recogniser cannot tell apart by sound: tried in turn when a text is no command."""
MAX_TRIM = 2
"""Stray words a recognised text may lose at its ends to become a command."""


def understand(parser: IntentParser, text: str, max_trim: int = MAX_TRIM) -> Intent | None:
    """The intent of a recognised text; when the whole text is no command, the command left
    after dropping up to `max_trim` stray words at its ends (a recogniser often turns a breath
    or the music's tail into a short word there), with its confidence lowered."""
    intent = parser.parse(text)
    words = text.split()
    if intent is not None:
        return intent
    for variant in _homophone_variants(words):
        if (intent := parser.parse(" ".join(variant))) is not None:
            return replace(intent, confidence=round(intent.confidence * 0.9, 3))
    if len(words) < 2:
        return None
    for dropped in range(1, max_trim + 1):
        for head in range(dropped + 1):
            tail = dropped - head
            kept = words[head:len(words) - tail]
            if kept and (intent := parser.parse(" ".join(kept))) is not None:
                return replace(intent, confidence=round(intent.confidence * 0.8 ** dropped, 3))
    return None


def _homophone_variants(words: list[str], limit: int = 8) -> list[list[str]]:
    """The text with words that sound alike swapped ("volume to" → "volume two")."""
    spots = [i for i, w in enumerate(words) if w in HOMOPHONES]
    variants: list[list[str]] = [list(words)]
    for i in spots:
        variants += [v[:i] + [alt] + v[i + 1:] for v in variants for alt in HOMOPHONES[words[i]]]
        if len(variants) > limit:
            break
    return variants[1:limit + 1]
