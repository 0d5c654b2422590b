"""How often the DJ talks: the `dj.talk` setting, as a rule the scheduler can ask.

The rule is fixed, not random, so a listener can learn it: ``more`` talks at every
transition, ``normal`` at the start and on every third transition (plus after a request),
``less`` at the start and on every sixth, ``off`` never.
"""

from __future__ import annotations

from dataclasses import dataclass

TALK_LEVELS = ("off", "less", "normal", "more")
"""The values of `dj.talk`, quietest first."""

EVERY: dict[str, int] = {"less": 6, "normal": 3, "more": 1}
"""Each talking level speaks on every n-th transition."""

ANSWERS_REQUESTS = frozenset({"normal", "more"})
"""Levels that also talk when the next track is one the listener asked for."""


def _check(level: str) -> None:
    if level not in TALK_LEVELS:
        raise ValueError(f"unknown talk level {level!r}; expected one of {', '.join(TALK_LEVELS)}")


@dataclass(frozen=True)
class TalkPolicy:
    """When the DJ speaks a link; one level for a whole session."""

    level: str = "normal"
    """One of `TALK_LEVELS`."""

    def __post_init__(self) -> None:
        _check(self.level)

    def should_talk(self, link_index: int, track_index: int, is_session_start: bool = False,
                    is_request: bool = False) -> bool:
        """Whether to speak before track ``track_index`` (0 is the session's first track).

        ``link_index`` (links spoken so far) is part of the scheduler's call; the fixed
        levels do not depend on it, so a skipped link never shifts the rhythm.
        """
        if self.level == "off":
            return False
        if is_session_start or track_index == 0:
            return True
        if is_request and self.level in ANSWERS_REQUESTS:
            return True
        return track_index % EVERY[self.level] == 0


def expected_links(n_transitions: int, level: str) -> int:
    """Links in a session of ``n_transitions`` track changes after the first track, no requests."""
    _check(level)
    if n_transitions < 0:
        raise ValueError(f"n_transitions must be 0 or more, got {n_transitions}")
    if level == "off":
        return 0
    return 1 + n_transitions // EVERY[level]
