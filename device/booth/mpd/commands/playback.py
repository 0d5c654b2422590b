"""Playback and status: ``status``, ``currentsong``, ``play``, ``pause``, ``next``, seeking,
volume, and the options MPD has that Booth's DJ makes moot."""

from __future__ import annotations

from booth.mpd.commands.registry import command
from booth.mpd.context import Context, Session
from booth.mpd.format import Pairs, song
from booth.mpd.protocol import ERROR_ARG, ERROR_NO_EXIST, ERROR_SYSTEM, Ack, integer, number
from booth.station import commands as c
from booth.station.commands import VOLUME_MAX, CommandError

STATES = {"playing": "play", "paused": "pause"}
"""Booth's states as MPD's (anything else: ``stop``)."""
PERCENT_PER_STEP = 100 // VOLUME_MAX


def apply(context: Context, name: str, *commands: c.Command) -> None:
    """Hand commands to the speaker; its refusal becomes an ACK."""
    for one in commands:
        try:
            context.speaker.apply(one)
        except CommandError as err:
            raise Ack(ERROR_SYSTEM, str(err), name) from None


def volume_percent(context: Context) -> int:
    return int(context.snapshot()["volume"]) * PERCENT_PER_STEP


def set_volume_percent(context: Context, name: str, percent: int) -> None:
    """The nearest of Booth's steps; a change asked for moves at least one step (Home
    Assistant's volume up and down ask for five per cent more or less)."""
    now = volume_percent(context)
    level = round(percent / PERCENT_PER_STEP)
    if percent != now and level * PERCENT_PER_STEP == now:
        level += 1 if percent > now else -1
    level = min(max(level, 0), VOLUME_MAX)
    apply(context, name, c.Volume(level=level, origin="mpd"))


def queue_song(context: Context, position: int) -> Pairs:
    """The song at ``position`` of the queue, with its ``Pos`` and ``Id``."""
    entry = context.playlist.entries[position]
    found = context.library.by_id(entry.track_id)
    if found is None:
        return []
    return song(found.uri, found.track, found.mtime) + [("Pos", position), ("Id", entry.id)]


@command("status")
def status(context: Context, session: Session, args: list[str]) -> Pairs:
    snap = context.snapshot()
    context.refresh_playlist()
    playlist = context.playlist
    pairs: Pairs = [
        ("volume", int(snap["volume"]) * PERCENT_PER_STEP), ("repeat", 0), ("random", 0),
        ("single", 0), ("consume", 0), ("partition", "default"),
        ("playlist", playlist.version), ("playlistlength", len(playlist.entries)),
        ("mixrampdb", 0), ("state", STATES.get(snap["state"], "stop")),
    ]
    current, track = playlist.current, snap.get("track")
    if current is not None and track:
        position, duration = float(snap.get("position") or 0.0), float(track["duration"])
        pairs += [("song", current), ("songid", playlist.entries[current].id),
                  ("time", f"{int(position)}:{round(duration)}"),
                  ("elapsed", f"{position:.3f}"), ("bitrate", 0),
                  ("duration", f"{duration:.3f}"), ("audio", "48000:f:2")]
        if current + 1 < len(playlist.entries):
            pairs += [("nextsong", current + 1), ("nextsongid", playlist.entries[current + 1].id)]
    return pairs


@command("currentsong")
def currentsong(context: Context, session: Session, args: list[str]) -> Pairs:
    context.refresh_playlist()
    current = context.playlist.current
    return queue_song(context, current) if current is not None else []


def _play_at(context: Context, session: Session, name: str, position: int | None) -> None:
    playlist = context.playlist
    if session.cleared:  # clear; add; play: the added song plays now
        session.cleared = False
        apply(context, name, c.Next(origin="mpd"))
        return
    if position is None or position == playlist.current:
        apply(context, name, c.Resume(origin="mpd"))
        return
    if not 0 <= position < len(playlist.entries):
        raise Ack(ERROR_ARG, "Bad song index", name)
    current = -1 if playlist.current is None else playlist.current
    if position == current + 1:
        apply(context, name, c.Next(origin="mpd"))
    elif position == current - 1:
        apply(context, name, c.Previous(origin="mpd"))
    else:
        raise Ack(ERROR_ARG, "Booth plays its queue in order: only the song before or after "
                  "the current one can be played", name)


@command("play", 0, 1)
def play(context: Context, session: Session, args: list[str]) -> None:
    context.refresh_playlist()
    _play_at(context, session, "play", integer("play", args[0], 0) if args else None)


@command("playid", 0, 1)
def playid(context: Context, session: Session, args: list[str]) -> None:
    context.refresh_playlist()
    if not args:
        _play_at(context, session, "playid", None)
        return
    position = context.playlist.position(integer("playid", args[0], 0))
    if position is None:
        raise Ack(ERROR_NO_EXIST, "No such song", "playid")
    _play_at(context, session, "playid", position)


@command("pause", 0, 1)
def pause(context: Context, session: Session, args: list[str]) -> None:
    if not args:
        apply(context, "pause", c.Toggle(origin="mpd"))
        return
    on = integer("pause", args[0], 0, 1)
    apply(context, "pause", c.Pause(origin="mpd") if on else c.Resume(origin="mpd"))


@command("stop")
def stop(context: Context, session: Session, args: list[str]) -> None:
    apply(context, "stop", c.Pause(origin="mpd"))  # Booth holds its place; no "stopped"


@command("next")
def next_(context: Context, session: Session, args: list[str]) -> None:
    session.cleared = False
    apply(context, "next", c.Next(origin="mpd"))


@command("previous")
def previous(context: Context, session: Session, args: list[str]) -> None:
    apply(context, "previous", c.Previous(origin="mpd"))


def _seek(context: Context, name: str, position: int | None, time_text: str) -> None:
    """Seek in the current song (``position``: its place in the queue, None: the current)."""
    context.refresh_playlist()
    current = context.playlist.current
    if current is None or (position is not None and position != current):
        raise Ack(ERROR_ARG, "Booth seeks only in the song playing now", name)
    target = number(name, time_text.lstrip("+-"))
    if time_text[:1] in "+-":
        now = float(context.snapshot().get("position") or 0.0)
        target = max(0.0, now + target if time_text[0] == "+" else now - target)
    apply(context, name, c.Seek(position=target, origin="mpd"))


@command("seekcur", 1, 1)
def seekcur(context: Context, session: Session, args: list[str]) -> None:
    _seek(context, "seekcur", None, args[0])


@command("seek", 2, 2)
def seek(context: Context, session: Session, args: list[str]) -> None:
    _seek(context, "seek", integer("seek", args[0], 0), args[1])


@command("seekid", 2, 2)
def seekid(context: Context, session: Session, args: list[str]) -> None:
    context.refresh_playlist()
    position = context.playlist.position(integer("seekid", args[0], 0))
    if position is None:
        raise Ack(ERROR_NO_EXIST, "No such song", "seekid")
    _seek(context, "seekid", position, args[1])


@command("setvol", 1, 1)
def setvol(context: Context, session: Session, args: list[str]) -> None:
    set_volume_percent(context, "setvol", integer("setvol", args[0], 0, 100))


@command("volume", 1, 1)
def volume(context: Context, session: Session, args: list[str]) -> None:
    change = integer("volume", args[0], -100, 100)
    set_volume_percent(context, "volume", volume_percent(context) + change)


@command("getvol")
def getvol(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("volume", volume_percent(context))]


def _accept_off(name: str, low: int = 0, high: int = 1):
    """Options the DJ owns (it chooses the order, crossfades, never repeats): accepted, and
    left as they are."""
    def option(context: Context, session: Session, args: list[str]) -> None:
        integer(name, args[0], low, high)
    command(name, 1, 1)(option)


for _name in ("random", "repeat", "consume"):
    _accept_off(_name)
_accept_off("crossfade", 0, 3600)


@command("single", 1, 1)
def single(context: Context, session: Session, args: list[str]) -> None:
    if args[0] not in ("0", "1", "oneshot"):
        raise Ack(ERROR_ARG, f"Boolean (0/1) or 'oneshot' expected: {args[0]}", "single")


@command("replay_gain_status")
def replay_gain_status(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("replay_gain_mode", "off")]  # Booth levels every track itself (EBU R128)
