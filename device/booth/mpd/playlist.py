"""MPD's queue, made of what the speaker has played, what plays now and what it will play
next (songs added over MPD first, then the DJ's own picks as far as they are known).

Every entry keeps its ``Id`` while it stays in the queue; ``playlist`` (the version) goes up
whenever the queue changes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

HISTORY = 20
"""Songs kept in the queue after they played."""


@dataclass(frozen=True)
class Entry:
    """One song in the queue."""

    id: int
    track_id: int


class Playlist:
    """The queue as MPD clients see it. Use from the server's thread."""

    def __init__(self) -> None:
        self.version = 1
        self.current: int | None = None
        """Position of the song playing now (None: nothing)."""
        self._ids = itertools.count(1)
        self._played: list[Entry] = []
        self._added: list[Entry] = []
        self._planned: dict[int, int] = {}
        self.entries: list[Entry] = []

    def add(self, track_id: int) -> int:
        """A song added with ``add``/``addid``: its ``Id``."""
        entry = Entry(next(self._ids), track_id)
        self._added.append(entry)
        return entry.id

    def clear(self) -> None:
        """``clear``: forget what played and what was added."""
        self._added.clear()
        self._played = self._played[-1:] if self.current is not None else []
        self.entries = []  # the next update counts as a change

    def update(self, now: int | None, upcoming: list[int]) -> bool:
        """Rebuild from the track playing now and the tracks to come; True if it changed."""
        if now is not None and (not self._played or self._played[-1].track_id != now):
            added = self._added_entry(now, self._added)
            if added is not None:
                self._added.remove(added)
            self._played.append(added or Entry(self._planned.get(now) or next(self._ids), now))
            del self._played[:-HISTORY]
        waiting = list(self._added)  # added: shown until they play, even before the speaker
        later = []                   # has lined them up
        for track_id in upcoming:
            added = self._added_entry(track_id, waiting)
            if added is not None:
                waiting.remove(added)
            later.append(added or Entry(self._planned.get(track_id) or next(self._ids), track_id))
        later += waiting
        self._planned = {e.track_id: e.id for e in later if e not in self._added}
        entries = self._played + later
        self.current = len(self._played) - 1 if now is not None else None
        if entries != self.entries:
            self.entries = entries
            self.version += 1
            return True
        return False

    @staticmethod
    def _added_entry(track_id: int, entries: list[Entry]) -> Entry | None:
        return next((e for e in entries if e.track_id == track_id), None)

    def position(self, entry_id: int) -> int | None:
        for i, entry in enumerate(self.entries):
            if entry.id == entry_id:
                return i
        return None
