"""MPD's commands, one module per group (playback, queue, database, art, connection), each
command a function registered with :func:`command`.

A handler takes the :class:`~booth.mpd.context.Context`, the client's
:class:`~booth.mpd.context.Session` and the arguments, and returns the response's
``key: value`` pairs; it raises :class:`~booth.mpd.protocol.Ack` to refuse.
"""


from booth.mpd.commands import art, connection, database, playback, queue
from booth.mpd.commands.registry import COMMANDS, run

__all__ = ["COMMANDS", "art", "connection", "database", "playback", "queue", "run"]
