"""Text → intent and slots, by matching the sentence templates.

`IntentParser(vocabulary).parse("play some jazz please")` → Intent("PlayMusic", {"genre": "jazz"}).

Three tries, each only if the one before found nothing:
1. the whole sentence matches a template exactly (confidence 1.0);
2. the same after dropping filler words around the command ("hey booth", "can you", "please");
3. as 1–2, but a library name may be misheard (difflib similarity ≥ `fuzzy_threshold`); the rest
   of the sentence must still match exactly, so an ordinary sentence is never forced into a command.
Anything else is not a command: `parse` returns None.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from booth.intents.templates import (Alternatives, ListRef, Node, Range, RuleRef, Sequence, Tag,
                                     Templates, Word, load_templates, range_forms)
from booth.intents.text import key, keys, words
from booth.intents.vocabulary import Vocabulary

# Lists whose values a recogniser may mishear: the library's own names.
FUZZY_LISTS = frozenset({"artist", "album", "title"})
FILLER_CONFIDENCE = 0.9       # a command wrapped in filler words
MIN_FUZZY_CHARACTERS = 4      # shorter spans are too easy to mistake for a name


@dataclass(frozen=True)
class Intent:
    """What a listener asked for."""

    name: str
    """Intent name, one of booth.intents.IntentName."""
    slots: Mapping[str, str | int] = field(default_factory=dict)
    """Slot values: names exactly as tagged, genres and moods lowercase, numbers as int."""
    text: str = ""
    """The sentence as understood (normalised words)."""
    confidence: float = 1.0
    """1.0 for an exact match; lower when fillers were dropped or a name was misheard."""


_Match = tuple[int, tuple[tuple[str, str | int], ...], "str | int | None", float]


class _Index:
    """Key-token lookups for one vocabulary list or number range."""

    def __init__(self, spoken: Mapping[str, str | int]):
        self.exact: dict[tuple[str, ...], str | int] = {}
        for form, value in spoken.items():
            self.exact.setdefault(tuple(key(w) for w in form.split()), value)
        self.longest = max((len(k) for k in self.exact), default=0)
        self.joined = {" ".join(k): v for k, v in self.exact.items()}

    @functools.lru_cache(maxsize=4096)
    def closest(self, span: str, threshold: float) -> tuple[str | int, float] | None:
        """The value whose spoken form is most like `span`, if similar enough."""
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(span)
        best: tuple[str | int, float] | None = None
        for form, value in self.joined.items():
            matcher.set_seq1(form)
            if (matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold
                    and (score := matcher.ratio()) >= threshold
                    and (best is None or score > best[1])):
                best = (value, score)
        return best


class IntentParser:
    """Parses sentences against the templates with one vocabulary; build one per vocabulary."""

    def __init__(self, vocabulary: Vocabulary | None = None, templates: Templates | None = None,
                 fuzzy_threshold: float = 0.8):
        self.vocabulary = vocabulary or Vocabulary.empty()
        self.templates = templates or load_templates()
        self.fuzzy_threshold = fuzzy_threshold
        self._lists = {name: _Index(self.vocabulary.values(name))
                       for name in self.vocabulary.lists}
        self._ranges: dict[tuple[int, int], _Index] = {}
        self._fillers: dict[str, list[tuple[str, ...]]] = {}   # first word → fillers, longest first
        for filler in sorted({tuple(key(w) for w in f.split()) for f in self.templates.fillers},
                             key=len, reverse=True):
            self._fillers.setdefault(filler[0], []).append(filler)
        # The words each template can start with, so most templates are skipped at once.
        self._openings = [(template, self._first_words(template.tree)[0])
                          for template in self.templates.templates]

    def parse(self, text: str) -> Intent | None:
        """The intent a sentence expresses, or None when it is not a command."""
        original = keys(text)
        if not original:
            return None
        said = " ".join(words(text))
        stripped = self._without_fillers(original)
        tries = [(original, 1.0)] + ([(stripped, FILLER_CONFIDENCE)]
                                     if stripped and stripped != original else [])
        for fuzzy in (False, True):
            for tokens, confidence in tries:
                found = self._best(tokens, fuzzy)
                if found:
                    name, slots, score = found
                    return Intent(name, slots, said, round(confidence * score, 3))
        return None

    def _without_fillers(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        out, i = [], 0
        while i < len(tokens):
            filler = next((f for f in self._fillers.get(tokens[i], ())
                           if tokens[i:i + len(f)] == f), None)
            if filler:
                i += len(filler)
            else:
                out.append(tokens[i])
                i += 1
        return tuple(out)

    def _best(self, tokens: tuple[str, ...], fuzzy: bool) -> tuple[str, dict, float] | None:
        """The first template (in file order) that matches the whole sentence; when names may
        be misheard, the most similar match, earlier templates winning ties."""
        best: tuple[str, dict, float] | None = None
        for template, opening in self._openings:
            if opening is not None and tokens[0] not in opening:
                continue
            for end, slots, _, score in _Matcher(self, tokens, fuzzy).match(template.tree, 0):
                if end == len(tokens):
                    if not fuzzy or score == 1.0:
                        return template.intent, dict(slots), score
                    if best is None or score > best[2]:
                        best = (template.intent, dict(slots), score)
                    break
        return best

    def _first_words(self, node: Node) -> tuple[frozenset[str] | None, bool]:
        """(keys a match of node can start with, None for any word; whether it can be empty)."""
        if isinstance(node, Word):
            return frozenset({node.key}), False
        if isinstance(node, (Sequence, Alternatives)):
            parts = node.items if isinstance(node, Sequence) else node.options
            words: set[str] = set()
            for part in parts:
                first, empty = self._first_words(part)
                if first is None:
                    return None, False
                words |= first
                if isinstance(node, Sequence) and not empty:
                    return frozenset(words), False
            return frozenset(words), isinstance(node, Sequence) or any(
                self._first_words(p)[1] for p in parts)
        if isinstance(node, RuleRef):
            return self._first_words(self.templates.rules[node.name])
        if isinstance(node, Tag):
            return self._first_words(node.node)
        if isinstance(node, ListRef) and node.name in FUZZY_LISTS:
            return None, False
        index = (self._range(node.low, node.high) if isinstance(node, Range)
                 else self._lists.get(node.name) or _Index({}))
        return frozenset(k[0] for k in index.exact), False

    def _range(self, low: int, high: int) -> _Index:
        if (low, high) not in self._ranges:
            self._ranges[low, high] = _Index(range_forms(low, high))
        return self._ranges[low, high]


class _Matcher:
    """Depth-first matching of one token sequence against template trees."""

    def __init__(self, parser: IntentParser, tokens: tuple[str, ...], fuzzy: bool):
        self.parser = parser
        self.tokens = tokens
        self.fuzzy = fuzzy

    def match(self, node: Node, pos: int) -> Iterator[_Match]:
        """Every way node can match tokens from pos: (end, slots, value, score)."""
        tokens = self.tokens
        if isinstance(node, Word):
            if pos < len(tokens) and tokens[pos] == node.key:
                yield pos + 1, (), None, 1.0
        elif isinstance(node, Sequence):
            yield from self._sequence(node.items, 0, pos, (), 1.0)
        elif isinstance(node, Alternatives):
            for option in node.options:
                yield from self.match(option, pos)
        elif isinstance(node, RuleRef):
            yield from self.match(self.parser.templates.rules[node.name], pos)
        elif isinstance(node, ListRef):
            index = self.parser._lists.get(node.name)
            if index is not None:
                yield from self._lookup(index, pos, self.fuzzy and node.name in FUZZY_LISTS)
        elif isinstance(node, Range):
            yield from self._lookup(self.parser._range(node.low, node.high), pos, False)
        elif isinstance(node, Tag):
            for end, slots, value, score in self.match(node.node, pos):
                tagged = node.value if node.value is not None else (
                    value if value is not None else " ".join(tokens[pos:end]))
                yield end, slots + ((node.slot, tagged),), None, score

    def _sequence(self, items: tuple[Node, ...], i: int, pos: int,
                  slots: tuple, score: float) -> Iterator[_Match]:
        if i == len(items):
            yield pos, slots, None, score
            return
        for end, more, _, part_score in self.match(items[i], pos):
            yield from self._sequence(items, i + 1, end, slots + more, min(score, part_score))

    def _lookup(self, index: _Index, pos: int, fuzzy: bool) -> Iterator[_Match]:
        available = len(self.tokens) - pos
        for length in range(min(index.longest, available), 0, -1):   # longest name first
            value = index.exact.get(self.tokens[pos:pos + length])
            if value is not None:
                yield pos + length, (), value, 1.0
        if not fuzzy:
            return
        for length in range(min(index.longest + 1, available), 0, -1):
            span = " ".join(self.tokens[pos:pos + length])
            if len(span.replace(" ", "")) < MIN_FUZZY_CHARACTERS or \
                    self.tokens[pos:pos + length] in index.exact:
                continue
            found = index.closest(span, self.parser.fuzzy_threshold)
            if found:
                yield pos + length, (), found[0], found[1]
