"""Commands to the player: typed, validated, and read from JSON or from an intent.

Every command that reaches the player is one of the frozen dataclasses below. JSON payloads on
``booth/<site>/command`` are checked strictly by :func:`parse_command` (unknown keys, wrong
types and out-of-range values are errors that say what was wrong); intents, from Hermes or
from :mod:`booth.intents`, become commands through :func:`command_from_intent`.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

TALK_LEVELS = ("off", "less", "normal", "more")
"""How often the DJ talks, least to most."""
VOLUME_MAX = 10
SLEEP_MAX_MINUTES = 600
TEXT_MAX_CHARS = 1000
PLAY_NAMES = ("artist", "album", "title")
"""Names a `play` command may give (at most one, and then no genre or mood)."""
PLAY_KEYS = (*PLAY_NAMES, "genre", "mood")
"""Every key of a `play` command besides `action` and `origin`."""


class CommandError(ValueError):
    """A command was rejected; the message says what was wrong, in words a user understands."""


@dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every command. ``action`` is the JSON name of the command."""

    action: ClassVar[str] = ""
    origin: str | None = None
    """Who sent it (a role or device id), so a role can recognise its own echo."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for ``booth/<site>/command`` (keys left at None are omitted)."""
        body = {"action": self.action, **asdict(self)}
        body["origin"] = body.pop("origin")  # last, after the command's own keys
        return {key: value for key, value in body.items() if value is not None}

    def to_json(self) -> str:
        """The payload for ``booth/<site>/command``."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _int_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise CommandError(f"{name} must be from {low} to {high}, not {value}")


def _text(name: str, value: str) -> None:
    if not value.strip():
        raise CommandError(f"{name} must not be empty")
    if len(value) > TEXT_MAX_CHARS:
        raise CommandError(f"{name} is {len(value)} characters long; the limit is {TEXT_MAX_CHARS}")


@dataclass(frozen=True, kw_only=True)
class Next(Command):
    """Skip to the next track."""

    action: ClassVar[str] = "next"


@dataclass(frozen=True, kw_only=True)
class Previous(Command):
    """Go back to the previous track."""

    action: ClassVar[str] = "previous"


@dataclass(frozen=True, kw_only=True)
class Pause(Command):
    """Pause the music."""

    action: ClassVar[str] = "pause"


@dataclass(frozen=True, kw_only=True)
class Resume(Command):
    """Resume the music."""

    action: ClassVar[str] = "resume"


@dataclass(frozen=True, kw_only=True)
class Toggle(Command):
    """Pause when playing, resume otherwise."""

    action: ClassVar[str] = "toggle"


@dataclass(frozen=True, kw_only=True)
class Volume(Command):
    """Set the volume."""

    action: ClassVar[str] = "volume"
    level: int
    """0 (silent) to 10 (full scale)."""

    def __post_init__(self) -> None:
        _int_range("level", self.level, 0, VOLUME_MAX)


@dataclass(frozen=True, kw_only=True)
class VolumeStep(Command):
    """Turn the volume up (positive) or down (negative) by some steps."""

    action: ClassVar[str] = "volume_step"
    delta: int
    """-10 to 10, not 0."""

    def __post_init__(self) -> None:
        _int_range("delta", self.delta, -VOLUME_MAX, VOLUME_MAX)
        if self.delta == 0:
            raise CommandError("delta must not be 0")


@dataclass(frozen=True, kw_only=True)
class Like(Command):
    """The listener likes the current track."""

    action: ClassVar[str] = "like"


@dataclass(frozen=True, kw_only=True)
class Dislike(Command):
    """The listener dislikes the current track (it is skipped)."""

    action: ClassVar[str] = "dislike"


@dataclass(frozen=True, kw_only=True)
class WhatIsPlaying(Command):
    """Say what is playing."""

    action: ClassVar[str] = "what_is_playing"


@dataclass(frozen=True, kw_only=True)
class MoreLikeThis(Command):
    """Steer the DJ towards the current track."""

    action: ClassVar[str] = "more_like_this"


@dataclass(frozen=True, kw_only=True)
class SwitchItUp(Command):
    """Steer the DJ away from what has been playing."""

    action: ClassVar[str] = "switch_it_up"


@dataclass(frozen=True, kw_only=True)
class StartDj(Command):
    """Start the DJ's own programme."""

    action: ClassVar[str] = "start_dj"


@dataclass(frozen=True, kw_only=True)
class Play(Command):
    """Play something: one name (artist, album or title), or a genre and/or a mood, or, with
    none of them, anything."""

    action: ClassVar[str] = "play"
    artist: str | None = None
    album: str | None = None
    title: str | None = None
    genre: str | None = None
    mood: str | None = None

    def __post_init__(self) -> None:
        given = [key for key in PLAY_KEYS if getattr(self, key) is not None]
        names = [key for key in given if key in PLAY_NAMES]
        if len(names) > 1 or (names and len(given) > 1):
            raise CommandError(
                f"play takes one of {', '.join(PLAY_NAMES)}, or a genre and/or a mood; "
                f"got {', '.join(given)}"
            )
        for key in given:
            _text(key, getattr(self, key))

    @property
    def criteria(self) -> dict[str, str]:
        """What to play, e.g. ``{"artist": "Maxstack"}`` or ``{"genre": "jazz", "mood":
        "relaxing"}``; empty: anything."""
        return {key: getattr(self, key) for key in PLAY_KEYS if getattr(self, key) is not None}


@dataclass(frozen=True, kw_only=True)
class Talk(Command):
    """Set how often the DJ talks."""

    action: ClassVar[str] = "talk"
    level: str
    """``off``, ``less``, ``normal`` or ``more``."""

    def __post_init__(self) -> None:
        if self.level not in TALK_LEVELS:
            raise CommandError(f"level must be one of {', '.join(TALK_LEVELS)}, not {self.level!r}")


@dataclass(frozen=True, kw_only=True)
class Sleep(Command):
    """Stop the music after some minutes; 0 cancels the sleep timer."""

    action: ClassVar[str] = "sleep"
    minutes: int
    """1 to 600, or 0 to cancel."""

    def __post_init__(self) -> None:
        _int_range("minutes", self.minutes, 0, SLEEP_MAX_MINUTES)


@dataclass(frozen=True, kw_only=True)
class Cancel(Command):
    """Stop what the speaker is doing for the listener (speech, a request)."""

    action: ClassVar[str] = "cancel"


@dataclass(frozen=True, kw_only=True)
class MuteMic(Command):
    """Mute or unmute the microphone."""

    action: ClassVar[str] = "mute_mic"
    on: bool
    """True mutes, False unmutes."""


@dataclass(frozen=True, kw_only=True)
class Listen(Command):
    """Push-to-talk: listen for a request now, without the wake word."""

    action: ClassVar[str] = "listen"
    at: float | None = None
    """Unix time (s) of the press; the utterance starts there, within the listener's
    pre-roll (so the first word is not lost while the message travels)."""


@dataclass(frozen=True, kw_only=True)
class Request(Command):
    """A request in words, understood by the intent parser (``"play something by Maxstack"``)."""

    action: ClassVar[str] = "request"
    text: str

    def __post_init__(self) -> None:
        _text("text", self.text)


@dataclass(frozen=True, kw_only=True)
class Say(Command):
    """Speak this text now, over the music."""

    action: ClassVar[str] = "say"
    text: str

    def __post_init__(self) -> None:
        _text("text", self.text)


@dataclass(frozen=True, kw_only=True)
class ForgetHistory(Command):
    """Forget what was played, liked and disliked."""

    action: ClassVar[str] = "forget_history"


@dataclass(frozen=True, kw_only=True)
class Enqueue(Command):
    """Play a track next: after the current one and after those enqueued before it, ahead of
    the DJ's own picks. In-process only (the MPD frontend's ``add``): not in :data:`COMMANDS`."""

    action: ClassVar[str] = "enqueue"
    track_id: int
    """The library's id of the track."""

    def __post_init__(self) -> None:
        if self.track_id < 1:
            raise CommandError(f"track_id must be a track's id (1 or more), not {self.track_id}")


@dataclass(frozen=True, kw_only=True)
class Seek(Command):
    """Play the current track from a position. In-process only, like :class:`Enqueue`."""

    action: ClassVar[str] = "seek"
    position: float
    """Seconds into the track, 0 or more."""

    def __post_init__(self) -> None:
        if not self.position >= 0:
            raise CommandError(f"position must be 0 s or more, not {self.position}")


@dataclass(frozen=True, kw_only=True)
class ClearQueue(Command):
    """Forget the enqueued tracks not yet heard. In-process only, like :class:`Enqueue`."""

    action: ClassVar[str] = "clear_queue"


COMMANDS: dict[str, type[Command]] = {
    cls.action: cls
    for cls in (
        Next, Previous, Pause, Resume, Toggle, Volume, VolumeStep, Like, Dislike, WhatIsPlaying,
        MoreLikeThis, SwitchItUp, StartDj, Play, Talk, Sleep, Cancel, MuteMic, Listen, Request,
        Say, ForgetHistory,
    )
}
"""Every command class by its ``action``."""

_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _expected(hint: Any) -> tuple[type, bool]:
    """(base type, optional) of a field's annotation."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _field_types(cls: type[Command]) -> dict[str, tuple[type, bool]]:
    hints = typing.get_type_hints(cls)
    return {f.name: _expected(hints[f.name]) for f in fields(cls)}


_FIELD_TYPES = {action: _field_types(cls) for action, cls in COMMANDS.items()}


def _type_ok(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected)


def command_from_dict(body: Mapping[str, Any]) -> Command:
    """Build a command from a decoded JSON object, or raise CommandError saying what is wrong."""
    action = body.get("action")
    if action is None:
        raise CommandError(f'missing "action"; one of: {", ".join(COMMANDS)}')
    if not isinstance(action, str) or action not in COMMANDS:
        raise CommandError(f"unknown action {action!r}; known actions: {', '.join(COMMANDS)}")
    cls = COMMANDS[action]
    types_ = _FIELD_TYPES[action]
    unknown = sorted(set(body) - set(types_) - {"action"})
    if unknown:
        allowed = [name for name in types_ if name != "origin"] + ["origin"]
        raise CommandError(
            f"unknown key(s) {', '.join(map(repr, unknown))} for action {action!r}; "
            f"it takes: {', '.join(allowed)}"
        )
    values: dict[str, Any] = {}
    for name, (expected, optional) in types_.items():
        if name not in body or (optional and body[name] is None):
            if not optional and name not in body:
                raise CommandError(f"action {action!r} needs {name!r} ({_TYPE_NAMES[expected]})")
            continue
        value = body[name]
        if not _type_ok(value, expected):
            raise CommandError(
                f"{name!r} must be {_TYPE_NAMES[expected]}, not {json.dumps(value)}"
            )
        values[name] = value
    return cls(**values)


def parse_command(payload: bytes | str) -> Command:
    """Read a ``booth/<site>/command`` payload, or raise CommandError saying what is wrong."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as err:
            raise CommandError(f"payload is not UTF-8 text ({err.reason} at byte {err.start})") from None
    try:
        body = json.loads(payload)
    except json.JSONDecodeError as err:
        raise CommandError(f'payload is not JSON ({err.msg}); send e.g. {{"action": "next"}}') from None
    if not isinstance(body, dict):
        raise CommandError(
            f'payload must be a JSON object like {{"action": "next"}}, not {type(body).__name__}'
        )
    return command_from_dict(body)


# ---------------------------------------------------------------------------------------------
# Intents

def _slot_int(slots: Mapping[str, Any], name: str, intent: str) -> int:
    if name not in slots or slots[name] is None:
        raise CommandError(f"intent {intent} needs the slot {name!r}")
    value = slots[name]
    if isinstance(value, bool):
        raise CommandError(f"slot {name!r} of {intent} must be a whole number, not {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise CommandError(f"slot {name!r} of {intent} must be a whole number, not {value!r}")


def _slot_bool(slots: Mapping[str, Any], name: str, default: bool) -> bool:
    value = slots.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "yes", "mute", "muted", "1"):
        return True
    if text in ("off", "false", "no", "unmute", "unmuted", "0"):
        return False
    raise CommandError(f"slot {name!r} must be on or off, not {value!r}")


def _talk_step(current: str | None, step: int) -> str:
    if current not in TALK_LEVELS:
        return "less" if step < 0 else "more"
    index = TALK_LEVELS.index(current) + step
    return TALK_LEVELS[min(max(index, 0), len(TALK_LEVELS) - 1)]


def _play(slots: Mapping[str, Any], origin: str | None) -> Play:
    # One name, the most specific ("Nebula by Maxstack" plays the title, not all of Maxstack);
    # else genre and mood together ("some relaxing jazz").
    present = {key: str(slots[key]) for key in PLAY_KEYS
               if slots.get(key) is not None and str(slots[key]).strip()}
    for key in ("title", "album", "artist"):
        if key in present:
            return Play(origin=origin, **{key: present[key]})
    return Play(origin=origin, **present)


INTENT_NAMES = (
    "NextTrack", "PreviousTrack", "Pause", "Resume", "VolumeUp", "VolumeDown", "SetVolume",
    "Like", "Dislike", "WhatIsPlaying", "MoreLikeThis", "SwitchItUp", "StartDJ", "PlayMusic",
    "DJTalkLess", "DJTalkMore", "SleepTimer", "Cancel", "MuteMicrophone",
)
"""Intent names the player acts on (Hermes ``hermes/intent/<name>`` and booth.intents alike)."""

_SIMPLE_INTENTS: dict[str, type[Command]] = {
    "NextTrack": Next, "PreviousTrack": Previous, "Pause": Pause, "Resume": Resume,
    "Like": Like, "Dislike": Dislike, "WhatIsPlaying": WhatIsPlaying,
    "MoreLikeThis": MoreLikeThis, "SwitchItUp": SwitchItUp, "StartDJ": StartDj, "Cancel": Cancel,
}


def command_from_intent(
    name: str,
    slots: Mapping[str, Any],
    *,
    origin: str | None = None,
    talk_level: str | None = None,
) -> Command | None:
    """The command an intent asks for; None when the intent is not the player's.

    ``slots`` maps slot names to values (``{"level": 5}``). ``talk_level`` is the DJ's current
    talk level: "talk less"/"talk more" step from it. Bad slot values raise CommandError.
    """
    if name in _SIMPLE_INTENTS:
        return _SIMPLE_INTENTS[name](origin=origin)
    if name == "VolumeUp":
        return VolumeStep(delta=1, origin=origin)
    if name == "VolumeDown":
        return VolumeStep(delta=-1, origin=origin)
    if name == "SetVolume":
        return Volume(level=_slot_int(slots, "level", name), origin=origin)
    if name == "PlayMusic":
        return _play(slots, origin)
    if name == "DJTalkLess":
        return Talk(level=_talk_step(talk_level, -1), origin=origin)
    if name == "DJTalkMore":
        return Talk(level=_talk_step(talk_level, +1), origin=origin)
    if name == "SleepTimer":
        return Sleep(minutes=_slot_int(slots, "minutes", name), origin=origin)
    if name == "MuteMicrophone":
        return MuteMic(on=_slot_bool(slots, "on", True), origin=origin)
    return None
