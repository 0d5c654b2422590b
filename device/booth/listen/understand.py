"""From recognised words to an intent, forgiving what recognisers typically get wrong:
words that sound alike ("volume to" for "volume two", "for a five" for "forty five"), a stray
short word at either end, and a best guess that is no command where a close runner-up is.

Every step only ever accepts a text the intent parser accepts as a whole, so an ordinary
sentence is never forced into a command; each step away from the words as heard lowers the
intent's confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from booth.intents import Intent, IntentParser

HOMOPHONES: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("to",): (("two",), ("too",)), ("two",): (("to",),), ("too",): (("two",), ("to",)),
    ("for",): (("four",),), ("four",): (("for",),), ("won",): (("one",),),
    ("ate",): (("eight",),), ("by",): (("buy",), ("bye",)), ("know",): (("no",),),
    ("no",): (("know",),), ("right",): (("write",),), ("there",): (("their",),),
    # a number word a recogniser splits in two: "two" heard as "to you", a flapped "forty"
    # as "for a" ("sleep timer for a five minutes" is forty five)
    ("to", "you"): (("two",),), ("for", "a"): (("forty",),), ("for", "the"): (("forty",),),
}
"""Words (and two-word runs) a recogniser cannot tell apart by sound from others: tried in
turn when a text is no command."""
MAX_TRIM = 2
"""Stray words a recognised text may lose at its ends to become a command."""
SOUND_ALIKE_PENALTY = 0.9
"""Confidence kept when words had to be swapped for ones that sound alike."""
TRIM_PENALTY = 0.8
"""Confidence kept per stray word dropped."""
RANK_PENALTY = 0.85
"""Confidence kept per place a runner-up hypothesis stood behind the recogniser's best."""
MAX_VARIANTS = 8
"""Sound-alike variants tried per text (a limit on the work for long texts)."""


def understand(parser: IntentParser, text: str, max_trim: int = MAX_TRIM,
               alternatives: Sequence[str] = ()) -> Intent | None:
    """The intent of a recognised text. When the text is no command: the text with words that
    sound alike swapped, then the command left after dropping up to `max_trim` stray words at
    its ends (a recogniser often turns a breath or the music's tail into a short word there).
    Then, when none of that is a command, the same for each of the recogniser's runner-up
    `alternatives` in order. Every step lowers the intent's confidence."""
    for rank, candidate in enumerate([text, *alternatives]):
        intent = _understand_one(parser, candidate, max_trim)
        if intent is not None:
            return _lowered(intent, RANK_PENALTY ** rank) if rank else intent
    return None


def _understand_one(parser: IntentParser, text: str, max_trim: int) -> Intent | None:
    words = text.split()
    if not words:
        return None
    if (intent := parser.parse(text)) is not None:
        return intent
    for variant in sound_alike_variants(words):
        if (intent := parser.parse(" ".join(variant))) is not None:
            return _lowered(intent, SOUND_ALIKE_PENALTY)
    if len(words) < 2:
        return None
    for dropped in range(1, max_trim + 1):
        penalty = TRIM_PENALTY ** dropped
        for kept in _trimmed(words, dropped):
            if (intent := parser.parse(" ".join(kept))) is not None:
                return _lowered(intent, penalty)
            for variant in sound_alike_variants(kept):
                if (intent := parser.parse(" ".join(variant))) is not None:
                    return _lowered(intent, penalty * SOUND_ALIKE_PENALTY)
    return None


def _lowered(intent: Intent, factor: float) -> Intent:
    return replace(intent, confidence=round(intent.confidence * factor, 3))


def _trimmed(words: list[str], dropped: int) -> Iterator[list[str]]:
    """The words without `dropped` of them at the ends, in every split between the two ends."""
    for head in range(dropped + 1):
        kept = words[head:len(words) - (dropped - head)]
        if kept:
            yield kept


def sound_alike_variants(words: Sequence[str], limit: int = MAX_VARIANTS) -> list[list[str]]:
    """The text with words (or two-word runs) that sound alike swapped, one or more at a time,
    nearest first ("volume to you" → "volume two", "volume too you", ...); not the text itself."""
    variants: list[list[str]] = []
    seen = {tuple(words)}
    frontier: list[list[str]] = [list(words)]
    while frontier and len(variants) < limit:
        next_frontier: list[list[str]] = []
        for base in frontier:
            for variant in _one_swap(base):
                if tuple(variant) not in seen:
                    seen.add(tuple(variant))
                    variants.append(variant)
                    next_frontier.append(variant)
                    if len(variants) >= limit:
                        return variants
        frontier = next_frontier
    return variants


def _one_swap(words: list[str]) -> Iterable[list[str]]:
    for i in range(len(words)):
        for size in (2, 1):
            run = tuple(words[i:i + size])
            if len(run) == size:
                for alike in HOMOPHONES.get(run, ()):
                    yield words[:i] + list(alike) + words[i + size:]
