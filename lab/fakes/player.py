"""A working stand-in for the player, for tests, benchmarks and trying the MQTT side alone.

It keeps a tiny state over a few made-up tracks, records every command and every piece of
speech, and announces events like the real player. Speech "plays" at once, on another thread,
unless ``hold_speech`` is set: then it waits for :meth:`FakeController.finish_speech`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from booth.station import commands as c
from booth.station.api import PlayerEvent, PlayerListener, Reply

TRACKS: tuple[dict[str, Any], ...] = (
    {"id": 1, "path": "/music/maxstack/nebula.ogg", "title": "Nebula", "artist": "Maxstack",
     "album": "Singularity", "duration": 192.0},
    {"id": 2, "path": "/music/maxstack/outer-rim.ogg", "title": "Outer Rim", "artist": "Maxstack",
     "album": "Singularity", "duration": 241.5},
    {"id": 3, "path": "/music/hyperrogue/ocean.ogg", "title": "Ocean", "artist": "Savino",
     "album": "HyperRogue", "duration": 180.0},
)


class FakeController:
    """Implements :class:`booth.station.api.Controller` without any audio."""

    def __init__(self, *, hold_speech: bool = False, tracks: tuple[dict[str, Any], ...] = TRACKS) -> None:
        self.tracks = tracks
        self.hold_speech = hold_speech
        self.commands: list[c.Command] = []
        self.said: list[str] = []
        self.played: list[bytes] = []
        self._lock = threading.Lock()
        self._listeners: list[PlayerListener] = []
        self._pending: list[Callable[[], None]] = []
        self._index = 0
        self._state = "paused"
        self._offset = 0.0
        self._since = time.monotonic()
        self._volume = 7
        self._talk = "normal"
        self._mic_muted = False
        self._sleep = 0

    # -- Controller -----------------------------------------------------------------------------

    def add_listener(self, listener: PlayerListener) -> None:
        self._listeners.append(listener)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "state": self._state,
                "track": dict(self.tracks[self._index]),
                "position": round(self._position(), 3),
                "volume": self._volume,
                "talk": self._talk,
                "last_link": None,
                "mic_muted": self._mic_muted,
            }

    def apply(self, command: c.Command) -> Reply | None:
        with self._lock:
            self.commands.append(command)
            events = self._apply(command)
            speech = None
            if isinstance(command, c.WhatIsPlaying):
                track = self.tracks[self._index]
                speech = f"This is {track['title']} by {track['artist']}"
        for event in events:
            for listener in self._listeners:
                listener.event(event)
        return Reply(speech) if speech else None

    def say(self, text: str, on_done: Callable[[], None]) -> None:
        self.said.append(text)
        self._finish(on_done)

    def play_wav(self, wav: bytes, on_done: Callable[[], None]) -> None:
        self.played.append(wav)
        self._finish(on_done)

    # -- for tests ------------------------------------------------------------------------------

    def finish_speech(self) -> int:
        """Let held speech and sounds end (their ``on_done`` run here); how many ended."""
        with self._lock:
            pending, self._pending = self._pending, []
        for on_done in pending:
            on_done()
        return len(pending)

    def announce(self, event: PlayerEvent) -> None:
        """Announce an event as the player would."""
        for listener in self._listeners:
            listener.event(event)

    def set_state(self, state: str) -> None:
        """Change the play state as if from outside (a button on the player)."""
        with self._lock:
            self._offset, self._since, self._state = self._position(), time.monotonic(), state
        for listener in self._listeners:
            listener.state_changed()

    # -- inside ---------------------------------------------------------------------------------

    def _finish(self, on_done: Callable[[], None]) -> None:
        if self.hold_speech:
            with self._lock:
                self._pending.append(on_done)
        else:
            threading.Thread(target=on_done, daemon=True).start()

    def _position(self) -> float:
        if self._state != "playing":
            return self._offset
        return self._offset + time.monotonic() - self._since

    def _play_state(self, state: str) -> None:
        self._offset, self._since, self._state = self._position(), time.monotonic(), state

    def _change_track(self, step: int, origin: str | None) -> list[PlayerEvent]:
        skipped = PlayerEvent("skipped", self.tracks[self._index], self._position(), origin)
        self._index = (self._index + step) % len(self.tracks)
        self._offset, self._since = 0.0, time.monotonic()
        return [skipped, PlayerEvent("track_changed", self.tracks[self._index], 0.0, origin)]

    def _apply(self, command: c.Command) -> list[PlayerEvent]:
        origin = command.origin
        track = self.tracks[self._index]
        match command:
            case c.Next():
                return self._change_track(+1, origin)
            case c.Previous():
                return self._change_track(-1, origin)
            case c.Pause():
                self._play_state("paused")
            case c.Resume() | c.StartDj():
                self._play_state("playing")
            case c.Toggle():
                self._play_state("paused" if self._state == "playing" else "playing")
            case c.Volume(level=level):
                self._volume = level
            case c.VolumeStep(delta=delta):
                self._volume = min(max(self._volume + delta, 0), c.VOLUME_MAX)
            case c.Like():
                return [PlayerEvent("liked", track, self._position(), origin)]
            case c.Dislike():
                disliked = PlayerEvent("disliked", track, self._position(), origin)
                return [disliked, *self._change_track(+1, origin)]
            case c.Talk(level=level):
                self._talk = level
            case c.Sleep(minutes=minutes):
                self._sleep = minutes
            case c.MuteMic(on=on):
                self._mic_muted = on
            case c.Play():
                return self._play(command)
        return []

    def _play(self, command: c.Play) -> list[PlayerEvent]:
        criteria = command.criteria
        for index, track in enumerate(self.tracks):
            if all(str(track.get(key, "")).lower() == value.lower() for key, value in criteria.items()):
                events = []
                if index != self._index:
                    self._index = index
                    self._offset, self._since = 0.0, time.monotonic()
                    events.append(PlayerEvent("track_changed", track, 0.0, command.origin))
                self._play_state("playing")
                return events
        wanted = ", ".join(f"{key} {value!r}" for key, value in criteria.items())
        raise c.CommandError(f"nothing in the library has the {wanted}")
