"""The DJ's link writer: what it says between two tracks, built only from facts Booth has.

A link is one to three parts: an opening (a greeting at the start of a session, or a
back-announce of the track that just played), a middle that says something true about the
next track (why it was picked, or its listening history) and an intro that names it.
Templates come from `booth.dj.templates`; one is used only when every fact it names is known.

One `LinkWriter` lives for one listening session and remembers what it said: no sentence is
said twice, no template comes back within `memory` links, and links do not open the same way
as the last few. Every link fits the time it is given, at the given speaking pace.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from booth.dj.spoken import (count_words, speak_clock, speak_number, speak_time_since,
                             speak_year, speakable, spoken_seconds)
from booth.dj.templates import (HISTORY_SITUATIONS, MIDDLE_FOR_KIND, NEXT_NAME_SLOTS,
                                TEMPLATES)

if TYPE_CHECKING:
    from booth.library.db import Track

REASON_KINDS = ("request", "more_like_this", "switch_it_up", "liked_artist", "taste", "album")
"""Structured reasons a picker may give (`LinkFacts.reason_kind`)."""

MIN_LINK_SECONDS = 2.0
"""Below this budget the DJ stays quiet."""
OFTEN_PLAYS = 8
"""Plays before this one from which a track counts as played often."""
LONG_GAP_SECONDS = 60 * 86400.0
"""A track last played longer ago than this has not been heard "for months"."""
OPENER_MEMORY = 3
"""Links whose first two words the next link may not start with."""
MAX_COMBINATIONS = 4000
"""Combinations of templates tried per plan before giving up on it."""

_SLOT = re.compile(r"\{(\w+)\}")
_NAMES = frozenset({"title", "file", "artist", "album",
                    "prev_title", "prev_file", "prev_artist", "prev_album"})
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HISTORY_CHANCE = {"liked": 0.8, "long_time": 0.9, "played_often": 0.6, "first_time": 0.35}


@dataclass(frozen=True)
class TrackFacts:
    """What Booth knows about one track: its tags and this listener's history with it."""

    title: str
    """The title tag, or a name made from the file name when `title_from_tags` is false."""
    title_from_tags: bool
    """False when the file had no title tag: the DJ then says "filed as ..."."""
    artist: str | None = None
    """The artist tag; None when untagged (never invented)."""
    album: str | None = None
    year: int | None = None
    genre: str | None = None
    track_no: int | None = None
    plays: int = 0
    """Times played before this one."""
    likes: int = 0
    last_played: float | None = None
    """Unix time of the last play, None if never played."""

    @classmethod
    def from_track(cls, track: Track, history: dict[str, Any] | None = None) -> TrackFacts:
        """From a `booth.library.db.Track` and its `Database.history()`, taken before it plays."""
        history = history or {}
        year = track.year if track.year and 1000 <= track.year <= 2999 else None
        return cls(title=track.title, title_from_tags=bool(track.title_from_tags),
                   artist=track.artist or None, album=track.album or None, year=year,
                   genre=track.genre or None, track_no=track.track_no or None,
                   plays=int(history.get("plays") or 0), likes=int(history.get("likes") or 0),
                   last_played=history.get("last_played"))


@dataclass(frozen=True)
class LinkFacts:
    """Everything one link may talk about."""

    next: TrackFacts
    """The track the link introduces."""
    previous: TrackFacts | None = None
    """The track that just played, for a back-announce."""
    reason: str | None = None
    """The picker's short phrase for this pick, e.g. "more of the ambient you asked for"."""
    reason_kind: str | None = None
    """One of `REASON_KINDS`, or None."""
    now: datetime = field(default_factory=datetime.now)
    """Local time the link will be spoken."""
    session_start: bool = False
    """The first link of a session: the DJ greets."""
    closing: bool = False
    """The next track is the last of the session."""

    def __post_init__(self) -> None:
        if self.reason_kind is not None and self.reason_kind not in REASON_KINDS:
            raise ValueError(f"unknown reason_kind {self.reason_kind!r}; "
                             f"expected one of {', '.join(REASON_KINDS)} or None")


@dataclass(frozen=True)
class LinkPart:
    """One sentence or two of a link, and where they came from."""

    situation: str
    template: str
    text: str


@dataclass(frozen=True)
class Link:
    """A link ready to be spoken."""

    text: str
    parts: tuple[LinkPart, ...]
    words: int
    """Words a voice will say, numbers spelled out."""
    seconds: float
    """Estimated speaking time (`booth.dj.spoken.spoken_seconds`) at the pace asked for."""


@dataclass(frozen=True)
class _Budget:
    seconds: float
    words_per_second: float

    @property
    def words(self) -> int:
        """Words that fit at this pace: a quick bound before the finer estimate."""
        return int(self.seconds * self.words_per_second + 1e-9)


@dataclass(frozen=True)
class _Option:
    template: str
    text: str
    words: int
    names: frozenset[str]
    """The slots the template uses."""
    said_names: frozenset[str]
    """The titles, artists and albums it says, as said."""


class LinkWriter:
    """Writes the links of one session, never repeating itself."""

    def __init__(self, seed: int | None = None, memory: int = 6):
        """``seed`` makes the choices repeatable; ``memory`` is how many links pass before a
        template may be used again."""
        if memory < 0:
            raise ValueError(f"memory must be 0 or more, got {memory}")
        self.memory = memory
        self._rng = random.Random(seed)
        self._recent_templates: deque[frozenset[str]] = deque(maxlen=max(memory, 1))
        self._openers: deque[tuple[str, ...]] = deque(maxlen=OPENER_MEMORY)
        self._said: set[str] = set()
        self._last_history: str | None = None

    def write(self, facts: LinkFacts, max_seconds: float = 10.0,
              words_per_second: float = 3.0) -> str | None:
        """The text of the next link, or None when nothing fits ``max_seconds``."""
        link = self.write_link(facts, max_seconds, words_per_second)
        return link.text if link else None

    def write_link(self, facts: LinkFacts, max_seconds: float = 10.0,
                   words_per_second: float = 3.0) -> Link | None:
        """Like `write`, with the parts and templates used (for logs and tests)."""
        if words_per_second <= 0:
            raise ValueError(f"words_per_second must be positive, got {words_per_second}")
        if max_seconds < MIN_LINK_SECONDS:
            return None
        budget = _Budget(max_seconds, words_per_second)
        slots = _slots(facts)
        history = self._pick_history(facts, slots)
        plans = self._plans(facts, slots, history)
        rendered: dict[str, list[_Option]] = {}
        # Strict first; then allow a first word used recently; then older templates.
        for template_memory, opener_memory in ((self.memory, OPENER_MEMORY), (self.memory, 1),
                                               (min(self.memory, 2), 1)):
            for plan in plans:
                link = self._realise(plan, slots, rendered, budget, template_memory,
                                     opener_memory)
                if link:
                    self._remember(link, history)
                    return link
        return None

    # -- choosing what to say -----------------------------------------------------------

    def _pick_history(self, facts: LinkFacts, slots: dict[str, str]) -> str | None:
        track = facts.next
        applies = {
            "liked": track.likes > 0,
            "long_time": bool(slots["since"]),
            "played_often": track.plays >= OFTEN_PLAYS,
            "first_time": track.plays == 0 and track.last_played is None,
        }
        for situation in HISTORY_SITUATIONS:
            chance = _HISTORY_CHANCE[situation]
            if situation == self._last_history:
                chance *= 0.3
            if applies[situation] and self._rng.random() < chance:
                return situation
        return None

    def _middle(self, facts: LinkFacts, slots: dict[str, str], history: str | None) -> str | None:
        if facts.closing:
            return "closing"
        if slots["reason"]:
            return "reason"
        kind = MIDDLE_FOR_KIND.get(facts.reason_kind or "")
        if kind in ("more_like_this", "switch_it_up") and facts.previous is None:
            kind = None  # "the last one" would be nothing
        return kind or history

    def _plans(self, facts: LinkFacts, slots: dict[str, str],
               history: str | None) -> list[list[tuple[str, str]]]:
        """Ways to say this link, richest first; each part is (situation, mode)."""
        untagged = not slots["title"]
        if untagged:
            intro = "untagged" if slots["file"] else "nameless"
        elif facts.reason_kind == "album":
            same_album = facts.previous is not None and facts.previous.album == facts.next.album
            intro = "album_continues" if same_album and not facts.session_start else "album_start"
        else:
            intro = "intro"
        short = "short_untagged" if untagged else "short"
        if not slots["title"] and not slots["file"]:
            short = "nameless"
        middle = self._middle(facts, slots, history)

        cores: list[list[tuple[str, str]]] = []
        if middle:
            plain = [(middle, "plain"), (intro, "any")]
            if middle == "closing" or self._rng.random() < 0.4:
                plain.reverse()  # a farewell comes after the last track is named
            if intro in ("intro", "untagged", "nameless"):
                fused = [(middle, "fused")]  # it names the track, so an album intro would go
                cores += [fused, plain] if self._rng.random() < 0.35 else [plain, fused]
            else:
                cores.append(plain)
        bare = [[(intro, "any")], [(short, "any")]]

        if facts.session_start:
            greet = ("greeting", "any")
            return ([[greet] + core for core in cores] + [[greet, (intro, "any")]] + cores
                    + [[greet, (short, "any")]] + bare)
        if facts.previous is None:
            return cores + bare
        back = ("back_untagged" if not facts.previous.title_from_tags else "back", "any")
        with_back = [[back] + core for core in cores]
        if self._rng.random() < 0.3:  # not every link needs a back-announce
            return cores + with_back + [[back, (intro, "any")]] + bare
        return with_back + cores + [[back, (intro, "any")]] + bare

    # -- turning a plan into words ------------------------------------------------------

    def _realise(self, plan: list[tuple[str, str]], slots: dict[str, str],
                 rendered: dict[str, list[_Option]], budget: _Budget, template_memory: int,
                 opener_memory: int) -> Link | None:
        recent = set().union(*itertools.islice(reversed(self._recent_templates), template_memory))
        options = [self._options(situation, mode, slots, recent, rendered)
                   for situation, mode in plan]
        if not all(options):
            return None
        shortest = [min(o.words for o in part) for part in options]
        spare = budget.words - sum(shortest)
        if spare < 0:
            return None
        options = [[o for o in part if o.words - least <= spare]
                   for part, least in zip(options, shortest, strict=True)]
        blocked = set(itertools.islice(reversed(self._openers), opener_memory))
        last_first_word = self._openers[-1][:1] if self._openers and opener_memory > 1 else None
        options[0] = [o for o in options[0] if _opener(o.text) not in blocked
                      and _opener(o.text)[:1] != last_first_word]
        for combo in itertools.islice(itertools.product(*options), MAX_COMBINATIONS):
            if sum(o.words for o in combo) > budget.words:
                continue
            if len({_opener(o.text)[:1] for o in combo}) < len(combo):
                continue  # two parts of one link starting alike sounds clumsy
            named = [n.casefold() for o in combo for n in o.said_names]
            if len(named) > len(set(named)):
                continue  # "That was Nebula by Maxstack. Here's Coherence by Maxstack"
            text = " ".join(o.text for o in combo)
            seconds = spoken_seconds(text, budget.words_per_second)
            if seconds > budget.seconds:
                continue
            parts = tuple(LinkPart(situation, o.template, o.text)
                          for (situation, _), o in zip(plan, combo, strict=True))
            return Link(text=text, parts=parts, words=count_words(text), seconds=seconds)
        return None

    def _options(self, situation: str, mode: str, slots: dict[str, str], recent: set[str],
                 rendered: dict[str, list[_Option]]) -> list[_Option]:
        """Templates of a situation that may be said now, in a weighted random order."""
        if situation not in rendered:
            keyed = []
            for template in TEMPLATES[situation]:
                names = _slot_names(template)
                if not all(slots.get(name) for name in names):
                    continue
                text = _render(template, slots)
                if any(sentence in self._said for sentence in _sentences(text)):
                    continue  # no sentence is said twice in a session
                weight = 1.0 + len(names)  # templates that say more come up more often
                key = self._rng.random() ** (1.0 / weight)
                said_names = frozenset(slots[n] for n in names & _NAMES)
                keyed.append((key, _Option(template, text, count_words(text), names, said_names)))
            keyed.sort(key=lambda pair: pair[0], reverse=True)
            rendered[situation] = [option for _, option in keyed]
        return [o for o in rendered[situation] if o.template not in recent
                and (mode == "any" or (mode == "fused") == bool(o.names & NEXT_NAME_SLOTS))]

    def _remember(self, link: Link, history: str | None) -> None:
        self._recent_templates.append(frozenset(part.template for part in link.parts))
        self._said.update(sentence for part in link.parts for sentence in _sentences(part.text))
        self._openers.append(_opener(link.text))
        used = {part.situation for part in link.parts}
        self._last_history = history if history in used else None


def _slots(facts: LinkFacts) -> dict[str, str]:
    """Every slot's spoken value for these facts; "" where the fact is unknown."""
    track, now = facts.next, facts.now
    slots = _track_slots(track)
    slots.update({f"prev_{k}": v for k, v in _track_slots(facts.previous).items()})
    gap = now.timestamp() - track.last_played if track.last_played is not None else 0.0
    slots["since"] = speak_time_since(gap) if gap >= LONG_GAP_SECONDS else ""
    slots["plays"] = speak_number(track.plays) if track.plays > 0 else ""
    slots["reason"] = speakable(facts.reason) if facts.reason else ""
    slots.update(_clock_slots(now))
    return slots


def _track_slots(track: TrackFacts | None) -> dict[str, str]:
    if track is None:
        return dict.fromkeys(("title", "file", "artist", "album", "year", "genre", "track_no"), "")
    title = speakable(track.title) if track.title_from_tags else ""
    file = "" if track.title_from_tags else speakable(track.title, from_file=True)
    album = speakable(track.album)
    if album and album.casefold() == (title or file).casefold():
        album = ""  # "Nebula, from the album Nebula" says nothing
    genre = speakable(track.genre)
    if genre and not genre.isupper():
        genre = genre.lower()
    return {
        "title": title,
        "file": file,
        "artist": speakable(track.artist),
        "album": album,
        "year": speak_year(track.year) if track.year else "",
        "genre": genre,
        "track_no": speak_number(track.track_no) if track.track_no and track.track_no > 0 else "",
    }


def _clock_slots(now: datetime) -> dict[str, str]:
    hour = now.hour
    if 5 <= hour < 12:
        part, hello, daypart, farewell = ("morning", "Good morning", "this morning",
                                          "Have a good morning")
    elif 12 <= hour < 17:
        part, hello, daypart, farewell = ("afternoon", "Good afternoon", "this afternoon",
                                          "Enjoy the rest of your afternoon")
    elif 17 <= hour < 22:
        part, hello, daypart, farewell = ("evening", "Good evening", "this evening",
                                          "Have a lovely evening")
    else:
        part, hello, daypart, farewell = "night", "Hello, night owl", "tonight", "Sleep well"
    return {"part_of_day": part, "hello": hello, "daypart": daypart, "farewell": farewell,
            "weekday": WEEKDAYS[now.weekday()], "clock": speak_clock(now)}


@functools.cache
def _slot_names(template: str) -> frozenset[str]:
    return frozenset(name.lower() for name in _SLOT.findall(template))


def _render(template: str, slots: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = slots[name.lower()]
        return value[:1].upper() + value[1:] if name[:1].isupper() else value

    return _SLOT.sub(fill, template)


def _sentences(text: str) -> list[str]:
    """The normalised sentences of ``text``."""
    return [_normalise(part) for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def _opener(text: str) -> tuple[str, ...]:
    return tuple(_normalise(text).split()[:2])
