"""What every command handler is given: the speaker, the library, the queue, the server's
news; and what one client's connection remembers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from booth.mpd.library import Library
from booth.mpd.playlist import Playlist
from booth.station.api import Controller

BINARY_LIMIT = 8192
"""Bytes of a picture per ``albumart``/``readpicture`` answer, unless ``binarylimit`` says."""


@dataclass
class Context:
    """Shared by all connections; used only on the server's thread."""

    speaker: Controller
    library: Library
    playlist: Playlist = field(default_factory=Playlist)
    rescan: Callable[[], None] | None = None
    """Runs a library scan (``update``); blocking, so called off the server's loop."""
    password: str = ""
    started: float = field(default_factory=time.monotonic)
    updating: bool = False
    announce: Callable[[set[str]], None] = lambda subsystems: None
    """Tells idle clients what changed (set by the server)."""
    run_blocking: Callable[[Callable[[], None], Callable[[], None]], None] = \
        lambda work, then: (work(), then())
    """Runs ``work`` off the loop, then ``then`` back on it (set by the server)."""

    def snapshot(self) -> dict[str, Any]:
        return self.speaker.snapshot()

    def refresh_playlist(self) -> bool:
        """Bring the queue up to date with the speaker; True if it changed."""
        track = self.snapshot().get("track")
        upcoming = getattr(self.speaker, "upcoming", lambda: [])()
        return self.playlist.update(track["id"] if track else None,
                                    [t["id"] for t in upcoming])


@dataclass
class Session:
    """One client's connection."""

    authorized: bool
    binary_limit: int = BINARY_LIMIT
    cleared: bool = False
    """``clear`` came last: the song playing is no longer in the client's queue, so ``play``
    starts the next one."""
    closing: bool = False
