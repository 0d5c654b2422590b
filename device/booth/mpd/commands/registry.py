"""The table of commands: registering a handler, checking arguments and permission,
running one command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from booth.mpd.context import Context, Session
from booth.mpd.format import Pairs
from booth.mpd.protocol import ERROR_ARG, ERROR_PERMISSION, ERROR_UNKNOWN, Ack

Handler = Callable[[Context, Session, list[str]], Pairs | None]


@dataclass(frozen=True)
class Command:
    """A command's name, handler and how many arguments it takes."""

    name: str
    handler: Handler
    least: int
    most: int | None
    public: bool
    """Allowed before the password is given."""


COMMANDS: dict[str, Command] = {}


def command(name: str, least: int = 0, most: int | None = 0, *, public: bool = False
            ) -> Callable[[Handler], Handler]:
    """Register a handler for ``name`` taking ``least`` to ``most`` (None: any) arguments."""
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, handler, least, most, public)
        return handler
    return register


def run(context: Context, session: Session, words: list[str]) -> Pairs:
    """Carry out one command line, already split into words."""
    name, args = (words[0], words[1:]) if words else ("", [])
    found = COMMANDS.get(name)
    if found is None:
        raise Ack(ERROR_UNKNOWN, f'unknown command "{name}"')
    if not (found.public or session.authorized):
        raise Ack(ERROR_PERMISSION, f'you don\'t have permission for "{name}"', name)
    if len(args) < found.least or (found.most is not None and len(args) > found.most):
        if found.least == found.most:
            problem = "wrong number of arguments"
        else:
            problem = "too few arguments" if len(args) < found.least else "too many arguments"
        raise Ack(ERROR_ARG, f'{problem} for "{name}"', name)
    try:
        return list(found.handler(context, session, args) or ())
    except Ack as ack:
        ack.command = ack.command or name
        raise

