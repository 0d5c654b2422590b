"""Word automata: the sentence templates as a minimal deterministic finite-state grammar.

PocketSphinx's finite-state search shares no prefixes: a grammar written as JSGF (every rule
inlined wherever it is used, every alternative its own branch) put hundreds of copies of the
same words in parallel and decoded Booth's templates at 0.5–1.2× real time. The same language
as a *minimal deterministic* automaton has one arc per distinct next word, and decodes many
times faster. `command_automaton` builds it (Thompson construction, then Brzozowski's
minimisation: determinise the reverse, twice); `to_fsg` writes PocketSphinx's FSG format.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping

from booth.intents.templates import (EMPTY, Alternatives, ListRef, Node, Range, RuleRef,
                                     Sequence, Tag, Templates, Word, range_forms)
from booth.intents.vocabulary import Vocabulary


@dataclass(frozen=True)
class Automaton:
    """A deterministic word automaton: arcs[state] maps a word to the next state."""

    start: int
    finals: frozenset[int]
    arcs: tuple[Mapping[str, int], ...]

    @property
    def states(self) -> int:
        return len(self.arcs)

    def words(self) -> set[str]:
        return {word for arcs in self.arcs for word in arcs}

    def accepts(self, words: Iterable[str]) -> bool:
        """Whether this word sequence is a sentence of the language."""
        state: int | None = self.start
        for word in words:
            state = self.arcs[state].get(word)
            if state is None:
                return False
        return state in self.finals


class _Nfa:
    """A word automaton with empty (None) arcs, built by Thompson's construction."""

    def __init__(self) -> None:
        self.arcs: list[list[tuple[str | None, int]]] = []

    def state(self) -> int:
        self.arcs.append([])
        return len(self.arcs) - 1

    def arc(self, source: int, word: str | None, target: int) -> None:
        self.arcs[source].append((word, target))

    def phrase(self, start: int, end: int, words: list[str]) -> None:
        state = start
        for word in words[:-1]:
            nxt = self.state()
            self.arc(state, word, nxt)
            state = nxt
        if words:
            self.arc(state, words[-1], end)
        else:
            self.arc(state, None, end)


class _Builder:
    def __init__(self, templates: Templates, vocabulary: Vocabulary):
        self.templates = templates
        self.vocabulary = vocabulary
        self.nfa = _Nfa()

    def build(self, node: Node, start: int) -> int:
        """Add node's paths from start; return the state where they end."""
        nfa = self.nfa
        if isinstance(node, Word):
            end = nfa.state()
            nfa.arc(start, node.surface, end)
            return end
        if isinstance(node, Sequence):
            state = start
            for item in node.items:
                state = self.build(item, state)
            return state
        if isinstance(node, Alternatives):
            end = nfa.state()
            for option in node.options:
                if option == EMPTY:
                    nfa.arc(start, None, end)
                else:
                    nfa.arc(self.build(option, start), None, end)
            return end
        if isinstance(node, Tag):
            return self.build(node.node, start)
        if isinstance(node, RuleRef):
            return self.build(self.templates.rules[node.name], start)
        if isinstance(node, (ListRef, Range)):
            forms = (self.vocabulary.values(node.name) if isinstance(node, ListRef)
                     else range_forms(node.low, node.high))
            end = nfa.state()
            for form in sorted(forms):
                nfa.phrase(start, end, form.split())
            return end
        raise TypeError(f"unknown template node {node!r}")


def _determinize(arcs: list[list[tuple[str | None, int]]], starts: Iterable[int],
                 finals: set[int]) -> tuple[list[dict[str, int]], set[int]]:
    """Subset construction; state 0 of the result is the start."""

    def closure(states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(seen)
        while stack:
            for word, target in arcs[stack.pop()]:
                if word is None and target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    first = closure(starts)
    index = {first: 0}
    out: list[dict[str, int]] = [{}]
    accepting: set[int] = set()
    queue = [first]
    while queue:
        subset = queue.pop()
        number = index[subset]
        if subset & finals:
            accepting.add(number)
        moves: dict[str, set[int]] = defaultdict(set)
        for state in subset:
            for word, target in arcs[state]:
                if word is not None:
                    moves[word].add(target)
        for word, targets in moves.items():
            nxt = closure(targets)
            if nxt not in index:
                index[nxt] = len(out)
                out.append({})
                queue.append(nxt)
            out[number][word] = index[nxt]
    return out, accepting


def _reverse(arcs: list[dict[str, int]] | list[list[tuple[str | None, int]]]
             ) -> list[list[tuple[str | None, int]]]:
    reverse: list[list[tuple[str | None, int]]] = [[] for _ in arcs]
    for source, moves in enumerate(arcs):
        items = moves.items() if isinstance(moves, dict) else moves
        for word, target in items:
            reverse[target].append((word, source))
    return reverse


def minimal_automaton(nfa_arcs: list[list[tuple[str | None, int]]], start: int,
                      finals: set[int]) -> Automaton:
    """The minimal deterministic automaton of an automaton with empty arcs (Brzozowski)."""
    reversed_dfa, reversed_finals = _determinize(_reverse(nfa_arcs), finals, {start})
    dfa, dfa_finals = _determinize(_reverse(reversed_dfa), reversed_finals, {0})
    return Automaton(0, frozenset(dfa_finals), tuple(dfa))


def command_automaton(templates: Templates, vocabulary: Vocabulary,
                      intents: set[str] | None = None, fillers: int = 1) -> Automaton:
    """Every command of the templates, with up to `fillers` filler phrases before and after."""
    builder = _Builder(templates, vocabulary)
    nfa = builder.nfa
    start = nfa.state()
    state = start
    for _ in range(fillers):
        state = _optional_fillers(nfa, state, templates.fillers)
    command_start, command_end = state, nfa.state()
    chosen = [t for t in templates.templates if intents is None or t.intent in intents]
    if not chosen:
        raise ValueError("no sentence templates for the requested intents")
    for template in chosen:
        nfa.arc(builder.build(template.tree, command_start), None, command_end)
    state = command_end
    for _ in range(fillers):
        state = _optional_fillers(nfa, state, templates.fillers)
    return minimal_automaton(nfa.arcs, start, {state})


def _optional_fillers(nfa: _Nfa, start: int, fillers: Iterable[str]) -> int:
    end = nfa.state()
    nfa.arc(start, None, end)
    for filler in fillers:
        nfa.phrase(start, end, filler.split())
    return end


def to_fsg(automaton: Automaton, name: str = "booth", garbage: Mapping[str, float] = {},
           garbage_entry: float = 0.0) -> str:
    """PocketSphinx FSG text. Each state's arcs share its probability equally.

    `garbage` (word → probability per word) adds a loop of those words in parallel with the
    commands, entered with probability `garbage_entry`: speech that fits no command takes it.
    """
    states = automaton.states
    final = states                      # one extra state: FSG allows one final state
    entry = states + 1                  # and one to choose between commands and garbage
    loop = states + 2
    lines = []
    # PocketSphinx's search did not reliably end through empty arcs into the one final
    # state, so an arc into a final state is doubled by the same word into FINAL_STATE.
    for source, moves in enumerate(automaton.arcs):
        exits = len(moves) + sum(1 for target in moves.values() if target in automaton.finals)
        for word, target in sorted(moves.items()):
            lines.append(f"TRANSITION {source} {target} {1 / exits:.6g} {word}")
            if target in automaton.finals:
                lines.append(f"TRANSITION {source} {final} {1 / exits:.6g} {word}")
    start = automaton.start
    total = states + 1
    if garbage and garbage_entry > 0:
        total = states + 3
        lines.append(f"TRANSITION {entry} {automaton.start} {1 - garbage_entry:.6g}")
        lines.append(f"TRANSITION {entry} {loop} {garbage_entry:.6g}")
        for word, probability in sorted(garbage.items()):
            lines.append(f"TRANSITION {loop} {loop} {probability:.6g} {word}")
        lines.append(f"TRANSITION {loop} {final} {max(1 - sum(garbage.values()), 1e-6):.6g}")
        start = entry
    head = [f"FSG_BEGIN {name}", f"NUM_STATES {total}", f"START_STATE {start}",
            f"FINAL_STATE {final}"]
    return "\n".join(head + lines + ["FSG_END", ""])


def log_probability(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf
