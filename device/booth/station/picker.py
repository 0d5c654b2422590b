"""Choosing the next track. The recommender implements the same `Picker` protocol."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from booth.library.db import Track


@dataclass(frozen=True)
class Pick:
    """A chosen track and why it was chosen, in words the DJ can say."""

    track: Track
    reason: str = ""
    reason_kind: str = ""


class Picker(Protocol):
    """Anything that can choose what plays next."""

    def next(self, now_playing: Track | None = None) -> Pick: ...


class ShufflePicker:
    """Shuffle without repeats (until everything has played), spreading artists.

    An album request plays that album in track order.
    """

    def __init__(self, tracks: list[Track], seed: int | None = None, min_seconds: float = 30.0):
        if not tracks:
            raise ValueError("the library is empty: run `booth scan DIR` first")
        self.pool = [t for t in tracks if t.duration >= min_seconds] or list(tracks)
        self.rng = random.Random(seed)
        self.recent: deque[int] = deque(maxlen=max(1, len(self.pool) - 1))
        self.queue: deque[Pick] = deque()

    def play_album(self, tracks: list[Track]) -> None:
        """Queue an album, in order (the caller sorts by disc and track)."""
        self.queue = deque(Pick(t, f"the album {t.album}", "album") for t in tracks)

    def next(self, now_playing: Track | None = None) -> Pick:
        if self.queue:
            pick = self.queue.popleft()
            self.recent.append(pick.track.id)
            return pick
        fresh = [t for t in self.pool if t.id not in self.recent] or self.pool
        last_artist = now_playing.artist if now_playing else None
        other = [t for t in fresh if t.artist is None or t.artist != last_artist] or fresh
        track = self.rng.choice(other)
        self.recent.append(track.id)
        return Pick(track, "shuffled from your library", "shuffle")
