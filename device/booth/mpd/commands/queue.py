"""The queue: ``add``/``addid`` (songs that play next, in the order added), ``clear``,
``playlistinfo``, ``playlistid``, ``plchanges`` and the stored playlists Booth does not
have (albums stand in for them)."""

from __future__ import annotations

from booth.mpd.commands.playback import apply, queue_song
from booth.mpd.commands.registry import command
from booth.mpd.context import Context, Session
from booth.mpd.format import Pairs, iso_time, song
from booth.mpd.library import Song
from booth.mpd.protocol import ERROR_ARG, ERROR_NO_EXIST, Ack, integer
from booth.station import commands as c


def _songs(context: Context, name: str, uri: str) -> list[Song]:
    songs = context.library.under(uri)
    if not songs:
        raise Ack(ERROR_NO_EXIST, "No such directory", name)  # MPD's words for any URI
    return songs


def _enqueue(context: Context, name: str, found: Song) -> int:
    apply(context, name, c.Enqueue(track_id=found.track.id, origin="mpd"))
    entry_id = context.playlist.add(found.track.id)
    context.refresh_playlist()
    context.announce({"playlist"})
    return entry_id


@command("add", 1, 2)
def add(context: Context, session: Session, args: list[str]) -> None:
    for found in _songs(context, "add", args[0]):
        _enqueue(context, "add", found)


@command("addid", 1, 2)
def addid(context: Context, session: Session, args: list[str]) -> Pairs:
    found = context.library.song(args[0].strip("/"))
    if found is None:
        raise Ack(ERROR_NO_EXIST, "No such song", "addid")
    return [("Id", _enqueue(context, "addid", found))]


@command("clear")
def clear(context: Context, session: Session, args: list[str]) -> None:
    apply(context, "clear", c.ClearQueue(origin="mpd"))
    context.playlist.clear()
    session.cleared = True
    context.refresh_playlist()
    context.announce({"playlist"})


def _range(context: Context, name: str, arg: str | None) -> range:
    """A ``POS`` or ``START:END`` argument (all of the queue when absent)."""
    length = len(context.playlist.entries)
    if arg is None:
        return range(length)
    if ":" in arg:
        start_text, end_text = arg.split(":", 1)
        start = integer(name, start_text, 0)
        end = integer(name, end_text, 0) if end_text else length
        return range(start, min(end, length))
    position = integer(name, arg, 0)
    if position >= length:
        raise Ack(ERROR_ARG, "Bad song index", name)
    return range(position, position + 1)


@command("playlistinfo", 0, 1)
def playlistinfo(context: Context, session: Session, args: list[str]) -> Pairs:
    context.refresh_playlist()
    pairs: Pairs = []
    for position in _range(context, "playlistinfo", args[0] if args else None):
        pairs += queue_song(context, position)
    return pairs


@command("playlistid", 0, 1)
def playlistid(context: Context, session: Session, args: list[str]) -> Pairs:
    context.refresh_playlist()
    if not args:
        return playlistinfo(context, session, [])
    position = context.playlist.position(integer("playlistid", args[0], 0))
    if position is None:
        raise Ack(ERROR_NO_EXIST, "No such song", "playlistid")
    return queue_song(context, position)


@command("plchanges", 1, 2)
def plchanges(context: Context, session: Session, args: list[str]) -> Pairs:
    integer("plchanges", args[0])
    return playlistinfo(context, session, [])  # the whole queue: always a correct answer


@command("plchangesposid", 1, 2)
def plchangesposid(context: Context, session: Session, args: list[str]) -> Pairs:
    integer("plchangesposid", args[0])
    context.refresh_playlist()
    return [pair for position, entry in enumerate(context.playlist.entries)
            for pair in (("cpos", position), ("Id", entry.id))]


def _album(context: Context, name: str, album: str) -> list[Song]:
    songs = [s for s in context.library.songs if s.track.album == album]
    if not songs:
        raise Ack(ERROR_NO_EXIST, "No such playlist", name)
    return sorted(songs, key=lambda s: (s.track.disc_no or 1, s.track.track_no or 9999, s.uri))


@command("listplaylists")
def listplaylists(context: Context, session: Session, args: list[str]) -> Pairs:
    """Booth keeps no playlists of its own: its albums stand in for them, so that a client's
    list of sources (Home Assistant's) plays an album."""
    albums: dict[str, float] = {}
    for s in context.library.songs:
        if s.track.album:
            albums[s.track.album] = max(albums.get(s.track.album, 0.0), s.mtime)
    return [pair for album in sorted(albums)
            for pair in (("playlist", album), ("Last-Modified", iso_time(albums[album])))]


@command("listplaylist", 1, 2)
def listplaylist(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("file", s.uri) for s in _album(context, "listplaylist", args[0])]


@command("listplaylistinfo", 1, 2)
def listplaylistinfo(context: Context, session: Session, args: list[str]) -> Pairs:
    return [pair for s in _album(context, "listplaylistinfo", args[0])
            for pair in song(s.uri, s.track, s.mtime)]


@command("load", 1, 3)
def load(context: Context, session: Session, args: list[str]) -> None:
    """An album's songs play next, in order."""
    for found in _album(context, "load", args[0]):
        _enqueue(context, "load", found)
