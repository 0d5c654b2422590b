"""The recogniser's grammar: a trigram language model of Booth's commands, compiled from the
sentence templates and the library's names, with a background of everyday English.

Why not a finite-state grammar (JSGF): the templates are rich ("<play> [<anything>] <by>
$artist", with dozens of ways to say "play"), and PocketSphinx's finite-state search, which
shares no prefixes, decoded them too slowly to keep up with speech on a small processor (even
as a minimal deterministic automaton), and its final-state check let partial sentences
through. Its n-gram search shares prefixes in a lexical tree and decodes the same words many
times faster (docs/performance.md, "How the recogniser is set up").

The model is trained on sentences sampled from the templates (every name of every list at
least twice) with filler phrases now and then, and its unigrams are mixed with the most
frequent words of the bundled US-English model. That background is the garbage model: speech
that is no command decodes into everyday words, which the intent parser then rejects, while a
command's n-grams keep it on the command path. `background_weight` trades one for the other.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from booth.intents.templates import (
    Alternatives,
    ListRef,
    Node,
    Range,
    RuleRef,
    Sequence,
    Tag,
    Templates,
    Word,
    range_forms,
)
from booth.intents.vocabulary import Vocabulary

START, END = "<s>", "</s>"
ORDER = 3


@dataclass(frozen=True)
class LanguageModelSettings:
    """How the command language model is built."""

    samples_per_template: int = 150
    """Random sentences drawn from each template (more for templates with long name lists)."""
    filler_rate: float = 0.15
    """Share of training sentences with a filler phrase before (and, as often, after) them."""
    background_words: int = 1000
    """Most frequent English words that form the garbage model (0: none)."""
    background_weight: float = 0.1
    """Unigram probability mass given to the background words."""
    order: int = 3
    """Longest n-gram: longer ones hold a sentence closer to the templates."""
    seed: int = 0
    """Sampling seed: the same templates and vocabulary always give the same model."""
    non_rhotic: bool = True
    """Also an r-less pronunciation of the words with an r before no vowel, for British and
    Australian speakers (`lexicon.non_rhotic`): more of their commands understood, none lost
    in other voices, rejection unchanged (docs/performance.md, "How the recogniser is set
    up")."""
    raised_mouth: bool = True
    """Also a pronunciation with the vowel of "out" raised, as Scots and many Canadians say it
    (`lexicon.raised_mouth`): a few more commands understood, rejection no worse
    (docs/performance.md, "How the recogniser is set up"). Tried and left out, as they cost
    more than they gained: the monophthongs of "play" and "go" that Scots, Irish and Northern
    English speakers use."""


class _Sampler:
    """Random paths through template trees; list values are dealt round-robin, so that every
    name appears once the list has been used as often as it has names."""

    def __init__(self, templates: Templates, vocabulary: Vocabulary, rng: random.Random):
        self.templates = templates
        self.rng = rng
        self.decks: dict[str, list[str]] = {}
        self.values: dict[str, list[str]] = {}
        for name in ("artist", "album", "title", "genre", "mood"):
            forms = sorted(vocabulary.values(name))
            self.values[name] = forms

    def list_sizes(self, node: Node, seen: tuple[str, ...] = ()) -> int:
        """The largest list a tree refers to (0 for none)."""
        if isinstance(node, ListRef):
            return len(self.values.get(node.name, ()))
        if isinstance(node, Sequence):
            return max((self.list_sizes(n, seen) for n in node.items), default=0)
        if isinstance(node, Alternatives):
            return max((self.list_sizes(n, seen) for n in node.options), default=0)
        if isinstance(node, Tag):
            return self.list_sizes(node.node, seen)
        if isinstance(node, RuleRef) and node.name not in seen:
            return self.list_sizes(self.templates.rules[node.name], seen + (node.name,))
        return 0

    def path(self, node: Node) -> list[str] | None:
        """The words of one random path, or None if it runs into an empty list."""
        if isinstance(node, Word):
            return [node.surface]
        if isinstance(node, Sequence):
            out: list[str] = []
            for item in node.items:
                part = self.path(item)
                if part is None:
                    return None
                out.extend(part)
            return out
        if isinstance(node, Alternatives):
            options = list(node.options)
            self.rng.shuffle(options)
            for option in options:
                part = self.path(option)
                if part is not None:
                    return part
            return None
        if isinstance(node, Tag):
            return self.path(node.node)
        if isinstance(node, RuleRef):
            return self.path(self.templates.rules[node.name])
        if isinstance(node, ListRef):
            return self._deal(node.name)
        if isinstance(node, Range):
            return self.rng.choice(sorted(range_forms(node.low, node.high))).split()
        raise TypeError(f"unknown template node {node!r}")

    def _deal(self, name: str) -> list[str] | None:
        if not self.values.get(name):
            return None
        deck = self.decks.setdefault(name, [])
        if not deck:
            deck.extend(self.values[name])
            self.rng.shuffle(deck)
        return deck.pop().split()


def training_sentences(templates: Templates, vocabulary: Vocabulary,
                       settings: LanguageModelSettings = LanguageModelSettings(),
                       intents: set[str] | None = None) -> Iterator[list[str]]:
    """Sentences (word lists) sampled from the templates, with fillers now and then."""
    rng = random.Random(settings.seed)
    sampler = _Sampler(templates, vocabulary, rng)
    fillers = [f.split() for f in templates.fillers]
    for template in templates.templates:
        if intents is not None and template.intent not in intents:
            continue
        count = max(settings.samples_per_template, 2 * sampler.list_sizes(template.tree))
        for _ in range(count):
            words = sampler.path(template.tree)
            if not words:
                break
            if fillers and rng.random() < settings.filler_rate:
                words = rng.choice(fillers) + words
            if fillers and rng.random() < settings.filler_rate:
                words = words + rng.choice(fillers)
            yield words


def count_ngrams(sentences: Iterable[list[str]], order: int = ORDER) -> list[Counter]:
    """counts[n-1][(w1..wn)] for n = 1..order, sentences padded with <s> and </s>."""
    counts = [Counter() for _ in range(order)]
    for words in sentences:
        padded = [START] + words + [END]
        for n in range(1, order + 1):
            for i in range(len(padded) - n + 1):
                gram = tuple(padded[i:i + n])
                if gram != (START,):
                    counts[n - 1][gram] += 1
    return counts


def _discount(counts: Counter) -> float:
    """Ney's absolute discount from the counts of counts."""
    ones = sum(1 for c in counts.values() if c == 1)
    twos = sum(1 for c in counts.values() if c == 2)
    return ones / (ones + 2 * twos) if ones and twos else 0.5


def build_arpa(counts: list[Counter], background: Mapping[str, float] = {},
               background_weight: float = 0.0) -> str:
    """An ARPA back-off model: absolute discounting over the counts, the unigrams mixed with
    `background` (word → probability, summing to 1) at `background_weight`."""
    order = len(counts)
    total = sum(counts[0].values())
    weight = background_weight if background else 0.0
    unigram: dict[str, float] = defaultdict(float)
    for (word,), c in counts[0].items():
        unigram[word] += (1 - weight) * c / total
    for word, p in background.items():
        unigram[word] += weight * p
    probs: list[dict[tuple[str, ...], float]] = [{(w,): p for w, p in unigram.items()}]

    def lower(gram: tuple[str, ...]) -> float:
        """The backed-off probability of the last word of gram given its shorter history."""
        for n in range(len(gram), 0, -1):
            tail = gram[-n:]
            if tail in probs[n - 1]:
                p = probs[n - 1][tail]
                for k in range(n, len(gram)):        # back-off weights of the skipped histories
                    p *= backoffs.get(gram[-k - 1:-1], 1.0)
                return p
        return 0.0

    backoffs: dict[tuple[str, ...], float] = {}
    for n in range(2, order + 1):
        discount = _discount(counts[n - 1])
        by_history: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
        for gram, c in counts[n - 1].items():
            by_history[gram[:-1]][gram[-1]] = c
        level: dict[tuple[str, ...], float] = {}
        for history, followers in by_history.items():
            seen_total = sum(followers.values())
            left = discount * len(followers) / seen_total
            lower_seen = 0.0
            for word, c in followers.items():
                level[history + (word,)] = (max(c - discount, 0.0) / seen_total
                                            + left * lower(history[1:] + (word,)))
                lower_seen += lower(history[1:] + (word,))
            # interpolated estimates above; what is left goes to unseen words via back-off
            seen_mass = sum(level[history + (w,)] for w in followers)
            backoffs[history] = max(1.0 - seen_mass, 1e-9) / max(1.0 - lower_seen, 1e-9)
        probs.append(level)

    lines = ["\\data\\"] + [f"ngram {n + 1}={len(probs[n]) + (1 if n == 0 else 0)}"
                            for n in range(order)]
    for n in range(order):
        lines += ["", f"\\{n + 1}-grams:"]
        if n == 0:
            lines.append(f"-99.0000 {START} {math.log10(backoffs.get((START,), 1.0)):.4f}")
        for gram, p in sorted(probs[n].items()):
            text = f"{math.log10(max(p, 1e-99)):.4f} {' '.join(gram)}"
            if n < order - 1:
                text += f" {math.log10(backoffs.get(gram, 1.0)):.4f}"
            lines.append(text)
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)
