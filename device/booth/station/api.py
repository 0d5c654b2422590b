"""The boundary between the MQTT side and the player: what each must offer the other.

The player (``booth.station``) implements :class:`Controller`; the MQTT service calls it from
its one loop thread and registers a :class:`PlayerListener` through which the player announces
state changes and events, from any thread, without ever blocking.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from booth.station.commands import Command

EventKind = Literal["track_changed", "skipped", "liked", "disliked"]


@dataclass(frozen=True)
class Reply:
    """What the player answers to a command."""

    speech: str | None = None
    """Words to say in answer ("This is Nebula by Maxstack"): sent as the Hermes session's
    closing text when the command came from a dialogue session, else spoken with ``say``."""


@dataclass(frozen=True)
class PlayerEvent:
    """Something that happened, for ``booth/<site>/event``."""

    kind: EventKind
    """``track_changed``, ``skipped``, ``liked`` or ``disliked``."""
    track: Mapping[str, Any] | None = None
    """The track concerned, as in the state's ``track``."""
    position: float | None = None
    """Seconds into the track (for ``skipped``: where it was skipped)."""
    origin: str | None = None
    """``origin`` of the command that caused it, if any."""

    def to_json(self) -> str:
        """The ``booth/<site>/event`` payload."""
        body: dict[str, Any] = {"event": self.kind, "track": dict(self.track) if self.track else None}
        if self.position is not None:
            body["position"] = round(self.position, 3)
        if self.origin is not None:
            body["origin"] = self.origin
        return json.dumps(body, ensure_ascii=False)


class PlayerListener(Protocol):
    """Given to the player by the MQTT service. Safe to call from any thread; never blocks."""

    def state_changed(self) -> None:
        """Something in ``snapshot()`` changed; the service publishes the new state."""

    def event(self, event: PlayerEvent) -> None:
        """Publish an event."""


class Controller(Protocol):
    """What the MQTT service needs from the player. Called from the service's loop thread."""

    def apply(self, command: Command) -> Reply | None:
        """Carry out a validated command (never ``Request`` or ``Say``: those come as intents
        and ``say``). Raise :class:`booth.station.commands.CommandError` to refuse one."""

    def snapshot(self) -> dict[str, Any]:
        """The ``booth/<site>/state`` payload: state, track, position, volume, talk, last_link,
        mic_muted (see TOPICS.md). Must be cheap and thread-safe."""

    def say(self, text: str, on_done: Callable[[], None]) -> None:
        """Speak ``text`` over the ducked music; call ``on_done`` (from any thread) once it has
        been heard, or could not be."""

    def play_wav(self, wav: bytes, on_done: Callable[[], None]) -> None:
        """Play a WAV file over the ducked music; call ``on_done`` (from any thread) after."""

    def add_listener(self, listener: PlayerListener) -> None:
        """Announce state changes and events to ``listener`` from now on."""

    def upcoming(self) -> list[dict[str, Any]]:
        """The tracks known to play after the current one, in order, each as in the state's
        ``track`` (the MPD frontend's queue). Cheap and thread-safe."""
