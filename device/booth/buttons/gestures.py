"""The action button's gestures: press, double press and hold, told apart in time.

A pure state machine fed with timestamps (no threads, no clock of its own), so it is tested
without hardware or waiting:

- a **hold** (the button still down after the hold time) is recognised when gpiozero reports
  it, and carries the time of the press, where listening should start;
- a **double** press is recognised at the second press, at once;
- a single **press** can only be told from the first half of a double press once the
  double-press window after its release has passed: `deadline()` says when to call `tick()`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Gesture(enum.Enum):
    """What the listener did with the action button."""

    PRESS = "press"
    DOUBLE = "double"
    HOLD = "hold"


@dataclass(frozen=True)
class Stamp:
    """When something happened, on both clocks."""

    monotonic: float
    """`time.monotonic()`: for timing gestures."""
    wall: float
    """`time.time()`: for telling another process when (push-to-talk's start)."""


@dataclass(frozen=True)
class Recognized:
    """A gesture, with the press it began with."""

    gesture: Gesture
    pressed: Stamp
    """The press that started the gesture (for a double press: the second press)."""


class _State(enum.Enum):
    IDLE = "idle"
    DOWN = "down"          # pressed; not yet released or held
    HELD = "held"          # hold recognised; waiting for the release
    WAITING = "waiting"    # released after a short press; a second press would be a double
    SPENT = "spent"        # the second press of a double; waiting for its release


class ActionGestures:
    """Tells a press, a double press and a hold apart."""

    def __init__(self, double_press_seconds: float, bounce_seconds: float = 0.0) -> None:
        self.window = double_press_seconds
        self.bounce = bounce_seconds
        self._state = _State.IDLE
        self._pressed: Stamp | None = None
        self._released_at = 0.0

    def press(self, at: Stamp) -> list[Recognized]:
        """The button went down."""
        out = self.tick(at.monotonic)
        if self._state is _State.WAITING:
            if at.monotonic - self._released_at < self.bounce:
                self._state = _State.DOWN  # contact bounce after the release: same press
                return out
            self._state = _State.SPENT
            return out + [Recognized(Gesture.DOUBLE, at)]
        if self._state is _State.IDLE:
            self._state, self._pressed = _State.DOWN, at
        return out

    def held(self, at: Stamp) -> list[Recognized]:
        """gpiozero says the button has been down for the hold time."""
        if self._state is not _State.DOWN or self._pressed is None:
            return []
        self._state = _State.HELD
        return [Recognized(Gesture.HOLD, self._pressed)]

    def release(self, at: Stamp) -> list[Recognized]:
        """The button came up."""
        if self._state is _State.DOWN:
            self._state, self._released_at = _State.WAITING, at.monotonic
        elif self._state in (_State.HELD, _State.SPENT):
            self._state, self._pressed = _State.IDLE, None
        return []

    def deadline(self) -> float | None:
        """The monotonic time by which `tick` must be called, if any."""
        if self._state is _State.WAITING:
            return self._released_at + self.window
        return None

    def tick(self, now: float) -> list[Recognized]:
        """Recognise a single press whose double-press window has passed."""
        deadline = self.deadline()
        if deadline is None or now < deadline or self._pressed is None:
            return []
        pressed = self._pressed
        self._state, self._pressed = _State.IDLE, None
        return [Recognized(Gesture.PRESS, pressed)]
