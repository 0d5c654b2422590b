"""The recognisers' grammar, compiled from Booth's sentence templates and the library's names.

`compile_jsgf(templates, vocabulary)` writes the templates as one JSGF grammar, rule by rule
(never sentence by sentence: with a real library the templates produce millions of sentences).
The public rule `<utterance>` is one command with optional filler words ("please", "can you")
before and after it. Slot tags are left out: the recogniser returns words, and
`booth.intents.IntentParser` reads intent and slots from them.

`grammar_words(templates, vocabulary)` is the word list a Vosk recogniser is constrained to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from booth.intents.templates import (EMPTY, Alternatives, ListRef, Node, Range, RuleRef,
                                     Sequence, Tag, Templates, Word, range_forms)
from booth.intents.vocabulary import Vocabulary

ROOT_RULE = "utterance"
COMMAND_RULE = "command"
FILLER_RULE = "filler"
MAX_FILLERS = 2
"""Filler phrases allowed before and after the command, each."""


@dataclass(frozen=True)
class Grammar:
    """A compiled grammar: JSGF text and every word it uses."""

    jsgf: str
    words: frozenset[str]


def compile_jsgf(templates: Templates, vocabulary: Vocabulary,
                 intents: set[str] | None = None) -> Grammar:
    """The templates (optionally only some intents) as a JSGF grammar with the vocabulary's
    names, numbers in words and filler phrases."""
    writer = _JsgfWriter(templates, vocabulary)
    per_intent: dict[str, list[str]] = {}
    for template in templates.templates:
        if intents is None or template.intent in intents:
            per_intent.setdefault(template.intent, []).append(writer.expression(template.tree))
    if not per_intent:
        raise ValueError("no sentence templates for the requested intents")
    lines = ["#JSGF V1.0;", "grammar booth;", ""]
    fillers = " | ".join(sorted(set(templates.fillers))) or "<VOID>"
    before = " ".join(f"[<{FILLER_RULE}>]" for _ in range(MAX_FILLERS))
    lines.append(f"public <{ROOT_RULE}> = {before} <{COMMAND_RULE}> {before};")
    lines.append(f"<{COMMAND_RULE}> = " + " | ".join(f"<{_rule_name('intent', n)}>"
                                                     for n in per_intent) + ";")
    lines.append(f"<{FILLER_RULE}> = {fillers};")
    for name, alternatives in per_intent.items():
        lines.append(f"<{_rule_name('intent', name)}> = " + " | ".join(alternatives) + ";")
    lines.extend(writer.definitions())
    words = writer.words | {w for f in templates.fillers for w in f.split()}
    return Grammar("\n".join(lines) + "\n", frozenset(words))


def grammar_words(templates: Templates, vocabulary: Vocabulary) -> list[str]:
    """Every word the templates, fillers and vocabulary can produce, sorted."""
    return sorted(templates.words(vocabulary))


def _rule_name(kind: str, name: str) -> str:
    return f"{kind}_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


class _JsgfWriter:
    """Turns template trees into JSGF expressions, defining each rule, list and range once."""

    def __init__(self, templates: Templates, vocabulary: Vocabulary):
        self.templates = templates
        self.vocabulary = vocabulary
        self.defined: dict[str, str] = {}
        self.words: set[str] = set()

    def definitions(self) -> list[str]:
        return [f"<{name}> = {body};" for name, body in self.defined.items()]

    def expression(self, node: Node) -> str:
        if isinstance(node, Word):
            self.words.add(node.surface)
            return node.surface
        if isinstance(node, Sequence):
            parts = [self.expression(item) for item in node.items]
            return "(" + " ".join(p for p in parts if p) + ")" if parts else "<NULL>"
        if isinstance(node, Alternatives):
            options = [o for o in node.options if o != EMPTY]
            body = " | ".join(self.expression(o) for o in options) or "<NULL>"
            return f"[{body}]" if len(options) < len(node.options) else f"({body})"
        if isinstance(node, Tag):
            return self.expression(node.node)
        if isinstance(node, RuleRef):
            return self._define(_rule_name("rule", node.name),
                                lambda: self.expression(self.templates.rules[node.name]))
        if isinstance(node, ListRef):
            return self._define(_rule_name("list", node.name),
                                lambda: self._phrases(self.vocabulary.values(node.name)))
        if isinstance(node, Range):
            return self._define(f"range_{node.low}_{node.high}",
                                lambda: self._phrases(range_forms(node.low, node.high)))
        raise TypeError(f"unknown template node {node!r}")

    def _phrases(self, forms) -> str:
        phrases = sorted(forms)
        for phrase in phrases:
            self.words.update(phrase.split())
        return " | ".join(phrases) or "<VOID>"

    def _define(self, name: str, body) -> str:
        if name not in self.defined:
            self.defined[name] = "<VOID>"      # placeholder: a rule is written once
            self.defined[name] = body()
        return f"<{name}>"
