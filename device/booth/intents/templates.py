"""Sentence templates: the Rhasspy-like `sentences.ini` parsed into a tree per sentence line.

Syntax (see the head of booth/data/sentences.ini):

    [IntentName]        sentences for one intent     [rules] name = expr   [fillers] phrases
    (a | b c)           alternatives                 [a | b]   optional
    <rule>              a rule from [rules]          $list     a vocabulary list
    (0..10)             a number range, in words     {slot}    tag the part before it
    {slot:value}        tag with a fixed value (digits become an int)

The same tree is matched by the parser, expanded into every sentence for a recogniser's
grammar (`expand`, `count`, `words`) and can be turned into JSGF rule by rule.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterator, Mapping, Union

from booth.intents.names import SLOTS, IntentName
from booth.intents.numbers import LARGEST, spoken_forms
from booth.intents.text import key
from booth.intents.vocabulary import LISTS, Vocabulary

# -- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One word as the recogniser says it; matched by its key (without apostrophes)."""

    surface: str
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", key(self.surface))


@dataclass(frozen=True)
class Sequence:
    """Parts one after another."""

    items: tuple["Node", ...]


@dataclass(frozen=True)
class Alternatives:
    """One of several parts; an optional part is alternatives with an empty Sequence."""

    options: tuple["Node", ...]


@dataclass(frozen=True)
class RuleRef:
    """<name>: a rule from the [rules] section."""

    name: str


@dataclass(frozen=True)
class ListRef:
    """$name: a vocabulary list (artist, album, title, genre, mood); its value is canonical."""

    name: str


@dataclass(frozen=True)
class Range:
    """(low..high): an integer said in words; its value is the int."""

    low: int
    high: int


@dataclass(frozen=True)
class Tag:
    """part{slot} or part{slot:value}: puts a value into a slot when the part matches."""

    node: "Node"
    slot: str
    value: str | int | None = None


Node = Union[Word, Sequence, Alternatives, RuleRef, ListRef, Range, Tag]
EMPTY = Sequence(())


@dataclass(frozen=True)
class Template:
    """One sentence line of an intent."""

    intent: str
    tree: Node
    source: str
    line: int


@dataclass(frozen=True)
class Sentence:
    """One sentence a template can produce, with what it means."""

    text: str
    intent: str
    slots: Mapping[str, str | int] = field(default_factory=dict)


class TemplateError(ValueError):
    """A mistake in a sentences file; the message names the file and line."""


@functools.lru_cache(maxsize=64)
def range_forms(low: int, high: int) -> Mapping[str, int]:
    """Spoken form → int for every number in low..high."""
    return {form: n for n in range(low, high + 1) for form in spoken_forms(n)}


# -- parsing ---------------------------------------------------------------------------------

_SECTION = re.compile(r"^\[([A-Za-z_][A-Za-z0-9_]*)\]$")
_RULE = re.compile(r"^([a-z_][a-z0-9_]*)\s*=\s*(.*)$")
_TOKEN = re.compile(r"\s*(?:(?P<range>\(\s*\d+\s*\.\.\s*\d+\s*\))|(?P<open>[(\[])"
                    r"|(?P<close>[)\]])|(?P<bar>\|)|(?P<rule><[a-z_][a-z0-9_]*>)"
                    r"|(?P<list>\$[a-z_]+)|(?P<tag>\{[^}]*\})|(?P<word>[a-z]+(?:'[a-z]+)*))")
_SPECIAL_SECTIONS = ("rules", "fillers")


class _ExpressionParser:
    """Recursive descent over one line."""

    def __init__(self, text: str, where: str):
        self.where = where
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match:
                raise TemplateError(f"{where}: cannot read {text[pos:].strip()[:20]!r} "
                                    f"(column {pos + 1}); words are lowercase letters")
            self.tokens.append((match.lastgroup or "", match.group(match.lastgroup), pos + 1))
            pos = match.end()
        self.index = 0

    def parse(self) -> Node:
        node = self._alternatives()
        if self.index < len(self.tokens):
            _, value, column = self.tokens[self.index]
            raise TemplateError(f"{self.where}: unexpected {value!r} at column {column}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def _alternatives(self) -> Node:
        options = [self._sequence()]
        while self._peek() == "bar":
            self.index += 1
            options.append(self._sequence())
        return options[0] if len(options) == 1 else Alternatives(tuple(options))

    def _sequence(self) -> Node:
        items = []
        while self._peek() not in (None, "bar", "close"):
            items.append(self._item())
        return items[0] if len(items) == 1 else Sequence(tuple(items))

    def _item(self) -> Node:
        kind, value, column = self.tokens[self.index]
        self.index += 1
        if kind == "word":
            node: Node = Word(value)
        elif kind == "rule":
            node = RuleRef(value[1:-1])
        elif kind == "list":
            if value[1:] not in LISTS:
                raise TemplateError(f"{self.where}: unknown list {value}; lists are "
                                    + ", ".join("$" + n for n in LISTS))
            node = ListRef(value[1:])
        elif kind == "range":
            low, high = (int(v) for v in value.strip("() ").split(".."))
            if not 0 <= low <= high <= LARGEST:
                raise TemplateError(f"{self.where}: bad range {value}")
            node = Range(low, high)
        elif kind == "open":
            inner = self._alternatives()
            closer = ")" if value == "(" else "]"
            if self._peek() != "close" or self.tokens[self.index][1] != closer:
                raise TemplateError(f"{self.where}: {value!r} at column {column} is not "
                                    f"closed by {closer!r}")
            self.index += 1
            if value == "[":
                options = inner.options if isinstance(inner, Alternatives) else (inner,)
                node = Alternatives(options + (EMPTY,))
            else:
                node = inner
        else:
            raise TemplateError(f"{self.where}: unexpected {value!r} at column {column}")
        while self._peek() == "tag":
            node = self._tag(node, self.tokens[self.index][1])
            self.index += 1
        return node

    def _tag(self, node: Node, text: str) -> Tag:
        slot, colon, value = text[1:-1].strip().partition(":")
        slot, value = slot.strip(), value.strip()
        if not re.fullmatch(r"[a-z_]+", slot) or (colon and not value):
            raise TemplateError(f"{self.where}: bad tag {text}; write {{slot}} or {{slot:value}}")
        fixed: str | int | None = (int(value) if value.isdigit() else value) if colon else None
        return Tag(node, slot, fixed)


def _walk(node: Node, rules: Mapping[str, Node], seen: tuple[str, ...] = ()) -> Iterator[Node]:
    """Every node reachable from node, following rule references (rules expanded once)."""
    yield node
    if isinstance(node, Sequence):
        children: tuple[Node, ...] = node.items
    elif isinstance(node, Alternatives):
        children = node.options
    elif isinstance(node, Tag):
        children = (node.node,)
    elif isinstance(node, RuleRef) and node.name not in seen:
        children = (rules[node.name],)
        seen = seen + (node.name,)
    else:
        children = ()
    for child in children:
        yield from _walk(child, rules, seen)


def _can_be_empty(node: Node, rules: Mapping[str, Node]) -> bool:
    if isinstance(node, Sequence):
        return all(_can_be_empty(n, rules) for n in node.items)
    if isinstance(node, Alternatives):
        return any(_can_be_empty(n, rules) for n in node.options)
    if isinstance(node, Tag):
        return _can_be_empty(node.node, rules)
    if isinstance(node, RuleRef):
        return _can_be_empty(rules[node.name], rules)
    return False


def _check_rules(rules: Mapping[str, Node], where: Mapping[str, str]) -> None:
    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise TemplateError(f"{where.get(name, '[rules]')}: rule <{name}> refers to itself "
                                "through " + " → ".join(f"<{n}>" for n in path + (name,)))
        for node in _walk(rules[name], rules, seen=tuple(rules)):   # direct references only
            if isinstance(node, RuleRef):
                visit(node.name, path + (name,))
    for name in rules:
        visit(name, ())


def parse_templates(text: str, source: str = "<sentences>") -> "Templates":
    """Parse the text of a sentences file; raises TemplateError naming the line."""
    section: str | None = None
    rules: dict[str, Node] = {}
    rule_where: dict[str, str] = {}
    fillers: list[str] = []
    templates: list[Template] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        where = f"{source}:{number}"
        if not line:
            continue
        if header := _SECTION.match(line):
            section = header.group(1)
            if section not in _SPECIAL_SECTIONS and section not in IntentName.__members__.values():
                raise TemplateError(f"{where}: unknown intent [{section}]; intents are "
                                    + ", ".join(IntentName))
            continue
        if section is None:
            raise TemplateError(f"{where}: a sentence before any [Intent] section")
        if section == "rules":
            match = _RULE.match(line)
            if not match:
                raise TemplateError(f"{where}: rules are written 'name = expression'")
            if match.group(1) in rules:
                raise TemplateError(f"{where}: rule <{match.group(1)}> is defined twice")
            rules[match.group(1)] = _ExpressionParser(match.group(2), where).parse()
            rule_where[match.group(1)] = where
        elif section == "fillers":
            tokens = line.split()
            if not all(re.fullmatch(r"[a-z]+(?:'[a-z]+)*", t) for t in tokens):
                raise TemplateError(f"{where}: a filler is plain lowercase words")
            fillers.append(" ".join(tokens))
        else:
            templates.append(Template(section, _ExpressionParser(line, where).parse(),
                                      line, number))
    result = Templates(tuple(templates), rules, tuple(fillers), source)
    result.check(rule_where)
    return result


def load_templates(path: str | Path | None = None) -> "Templates":
    """Load a sentences file; Booth's own (booth/data/sentences.ini) by default."""
    if path is None:
        return _default_templates()
    path = Path(path)
    return parse_templates(path.read_text(encoding="utf-8"), str(path))


@functools.lru_cache(maxsize=1)
def _default_templates() -> "Templates":
    text = resources.files("booth").joinpath("data/sentences.ini").read_text(encoding="utf-8")
    return parse_templates(text, "booth/data/sentences.ini")


# -- the templates ---------------------------------------------------------------------------

_Path = tuple[tuple[str, ...], tuple[tuple[str, str | int], ...], str | int | None]


@dataclass(frozen=True)
class Templates:
    """Every sentence template, in file order (earlier templates win ties when parsing)."""

    templates: tuple[Template, ...]
    rules: Mapping[str, Node]
    fillers: tuple[str, ...]
    source: str = "<sentences>"

    @property
    def intents(self) -> tuple[str, ...]:
        """Intent names in file order."""
        return tuple(dict.fromkeys(t.intent for t in self.templates))

    def check(self, rule_where: Mapping[str, str] | None = None) -> None:
        """Raise TemplateError for unknown rules, cycles, bad slots or missing intents."""
        where = dict(rule_where or {})
        for name, rule in self.rules.items():
            list(_walk(rule, _KnownRules(self.rules, where.get(name, self.source))))
        _check_rules(self.rules, where)
        for template in self.templates:
            here = f"{self.source}:{template.line}"
            for node in _walk(template.tree, _KnownRules(self.rules, here)):
                if isinstance(node, Tag) and node.slot not in SLOTS[IntentName(template.intent)]:
                    allowed = sorted(SLOTS[IntentName(template.intent)]) or "none"
                    raise TemplateError(f"{here}: {template.intent} has no slot "
                                        f"{node.slot!r} (its slots: {allowed})")
            if _can_be_empty(template.tree, self.rules):
                raise TemplateError(f"{here}: this sentence can be empty")
        missing = [n for n in IntentName if n not in self.intents]
        if missing:
            raise TemplateError(f"{self.source}: no sentences for " + ", ".join(missing))

    # -- expansion -----------------------------------------------------------------------

    def expand(self, vocabulary: Vocabulary, limit: int | None = None,
               intents: set[str] | None = None) -> Iterator[Sentence]:
        """Every sentence the templates produce with this vocabulary, lazily, in file order.

        `limit` stops after that many; `count()` says how many there are without expanding.
        """
        sentences = (
            Sentence(" ".join(words), template.intent, dict(slots))
            for template in self.templates if intents is None or template.intent in intents
            for words, slots, _ in self._expand(template.tree, vocabulary))
        return itertools.islice(sentences, limit)

    def _expand(self, node: Node, vocabulary: Vocabulary) -> Iterator[_Path]:
        if isinstance(node, Word):
            yield (node.surface,), (), None
        elif isinstance(node, Sequence):
            for parts in itertools.product(*(list(self._expand(n, vocabulary))
                                             for n in node.items)):
                yield (tuple(w for p in parts for w in p[0]),
                       tuple(s for p in parts for s in p[1]), None)
        elif isinstance(node, Alternatives):
            for option in node.options:
                yield from self._expand(option, vocabulary)
        elif isinstance(node, RuleRef):
            yield from self._expand(self.rules[node.name], vocabulary)
        elif isinstance(node, ListRef):
            for form, value in vocabulary.values(node.name).items():
                yield tuple(form.split()), (), value
        elif isinstance(node, Range):
            for form, number in range_forms(node.low, node.high).items():
                yield tuple(form.split()), (), number
        elif isinstance(node, Tag):
            for words, slots, value in self._expand(node.node, vocabulary):
                yield words, slots + ((node.slot, _tag_value(node, words, value)),), None

    def count(self, vocabulary: Vocabulary, intent: str | None = None) -> int:
        """How many sentences `expand` would produce (computed, not expanded)."""
        return sum(self._count(t.tree, vocabulary) for t in self.templates
                   if intent is None or t.intent == intent)

    def _count(self, node: Node, vocabulary: Vocabulary) -> int:
        if isinstance(node, Word):
            return 1
        if isinstance(node, Sequence):
            total = 1
            for item in node.items:
                total *= self._count(item, vocabulary)
            return total
        if isinstance(node, Alternatives):
            return sum(self._count(option, vocabulary) for option in node.options)
        if isinstance(node, RuleRef):
            return self._count(self.rules[node.name], vocabulary)
        if isinstance(node, ListRef):
            return len(vocabulary.values(node.name))
        if isinstance(node, Range):
            return len(range_forms(node.low, node.high))
        return self._count(node.node, vocabulary)

    def sample(self, vocabulary: Vocabulary, count: int, seed: int = 0) -> list[Sentence]:
        """`count` random sentences: a template chosen uniformly, then a random path through
        it; for checking the grammar without expanding it all."""
        rng = random.Random(seed)
        out = []
        for _ in range(count):
            template = rng.choice(self.templates)
            words, slots, _ = self._random(template.tree, vocabulary, rng)
            out.append(Sentence(" ".join(words), template.intent, dict(slots)))
        return out

    def _random(self, node: Node, vocabulary: Vocabulary, rng: random.Random) -> _Path:
        if isinstance(node, Sequence):
            parts = [self._random(n, vocabulary, rng) for n in node.items]
            return (tuple(w for p in parts for w in p[0]),
                    tuple(s for p in parts for s in p[1]), None)
        if isinstance(node, Alternatives):
            options = [o for o in node.options if self._count(o, vocabulary)]
            return self._random(rng.choice(options), vocabulary, rng)
        if isinstance(node, RuleRef):
            return self._random(self.rules[node.name], vocabulary, rng)
        if isinstance(node, ListRef):
            form, value = rng.choice(list(vocabulary.values(node.name).items()))
            return tuple(form.split()), (), value
        if isinstance(node, Range):
            form, number = rng.choice(list(range_forms(node.low, node.high).items()))
            return tuple(form.split()), (), number
        if isinstance(node, Tag):
            words, slots, value = self._random(node.node, vocabulary, rng)
            return words, slots + ((node.slot, _tag_value(node, words, value)),), None
        return (node.surface,), (), None

    def words(self, vocabulary: Vocabulary) -> set[str]:
        """Every word a recogniser needs: template words, list and number forms, fillers."""
        out = {w for filler in self.fillers for w in filler.split()}
        roots = [t.tree for t in self.templates]
        for node in (n for root in roots for n in _walk(root, self.rules)):
            if isinstance(node, Word):
                out.add(node.surface)
            elif isinstance(node, ListRef):
                out.update(w for form in vocabulary.values(node.name) for w in form.split())
            elif isinstance(node, Range):
                out.update(w for form in range_forms(node.low, node.high) for w in form.split())
        return out


def _tag_value(tag: Tag, words: tuple[str, ...], value: str | int | None) -> str | int:
    if tag.value is not None:
        return tag.value
    return value if value is not None else " ".join(words)


class _KnownRules(dict):
    """Rules for walking that name the template line when a reference is unknown."""

    def __init__(self, rules: Mapping[str, Node], where: str):
        super().__init__(rules)
        self.where = where

    def __missing__(self, name: str) -> Node:
        raise TemplateError(f"{self.where}: unknown rule <{name}>; rules: "
                            + ", ".join(f"<{n}>" for n in sorted(self)))
