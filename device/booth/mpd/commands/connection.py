"""The connection: ``ping``, ``close``, ``password``, ``commands``, ``notcommands``,
``outputs``, ``decoders``, ``urlhandlers``. (``idle``, ``noidle`` and command lists are the
server's.)"""

from __future__ import annotations

from booth.mpd.commands.registry import COMMANDS, command
from booth.mpd.context import Context, Session
from booth.mpd.format import Pairs
from booth.mpd.protocol import ERROR_PASSWORD, Ack

SERVER_COMMANDS = ("idle",)
"""Handled by the server itself and listed by ``commands`` all the same (MPD leaves
``noidle`` and the command-list words out)."""


@command("ping", public=True)
def ping(context: Context, session: Session, args: list[str]) -> None:
    """Nothing to do: the OK is the answer."""


@command("close", public=True)
def close(context: Context, session: Session, args: list[str]) -> None:
    session.closing = True


@command("password", 1, 1, public=True)
def password(context: Context, session: Session, args: list[str]) -> None:
    if not context.password or args[0] != context.password:
        raise Ack(ERROR_PASSWORD, "incorrect password", "password")
    session.authorized = True


@command("commands", public=True)
def commands(context: Context, session: Session, args: list[str]) -> Pairs:
    allowed = [c.name for c in COMMANDS.values() if c.public or session.authorized]
    return [("command", name) for name in sorted([*allowed, *SERVER_COMMANDS])]


@command("notcommands", public=True)
def notcommands(context: Context, session: Session, args: list[str]) -> Pairs:
    if session.authorized:
        return []
    return [("command", c.name) for c in sorted(COMMANDS.values(), key=lambda c: c.name)
            if not c.public]


@command("outputs")
def outputs(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("outputid", 0), ("outputname", "Booth"), ("plugin", "booth"),
            ("outputenabled", 1)]


@command("decoders")
def decoders(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("plugin", "booth"), *(("suffix", s) for s in ("mp3", "ogg", "opus", "flac", "wav"))]


@command("urlhandlers")
def urlhandlers(context: Context, session: Session, args: list[str]) -> None:
    """Booth plays its own library only: no streams."""
