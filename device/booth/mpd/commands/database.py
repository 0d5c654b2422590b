"""The music database: ``find`` (exact), ``search`` (any case, substrings), ``list``,
``lsinfo``, ``listall``, ``listallinfo``, ``count``, ``stats``, ``update`` and
``tagtypes``. Filters come in both of MPD's forms: ``TAG VALUE ...`` and expressions such as
``((artist == 'Maxstack') AND (album contains 'Endgame'))``."""

from __future__ import annotations

import time

from booth.mpd.commands.registry import command
from booth.mpd.context import Context, Session
from booth.mpd.format import TAG_TYPES, Pairs, iso_time, song
from booth.mpd.library import TAGS, Filter, Song, song_values, value_matches
from booth.mpd.protocol import ERROR_ARG, ERROR_NO_EXIST, ERROR_UPDATE_ALREADY, Ack

FILTER_TAGS = (*TAGS, "any", "file", "base")
OPTIONS = ("sort", "window", "position")
"""Trailing options of find/search (sorting and windows are the client's business here)."""


def _tag(name: str, text: str) -> str:
    tag = text.lower()
    if tag not in FILTER_TAGS:
        raise Ack(ERROR_ARG, f"Unknown tag type: {text}", name)
    return tag


def _compare(tag: str, op: str, value: str, exact: bool) -> Filter:
    if tag == "base":
        prefix = value.strip("/") + "/"
        return lambda s: s.uri.startswith(prefix) or not prefix.strip("/")
    if op == "==":
        return lambda s: value_matches(song_values(s, tag), value, exact)
    if op == "!=":
        return lambda s: not value_matches(song_values(s, tag), value, exact)
    if op == "contains":
        return lambda s: value_matches(song_values(s, tag), value, False)
    if op == "starts_with":
        folded = value.casefold()
        return lambda s: any(v.casefold().startswith(folded) for v in song_values(s, tag))
    raise ValueError(op)


class _Expression:
    """MPD's filter expressions: ``(TAG OP 'VALUE')``, ``(base 'DIR')``, ``(!EXPR)`` and
    ``(EXPR AND EXPR ...)``."""

    OPS = ("==", "!=", "contains", "starts_with")

    def __init__(self, name: str, text: str, exact: bool) -> None:
        self.name, self.text, self.i, self.exact = name, text, 0, exact

    def fail(self) -> Ack:
        return Ack(ERROR_ARG, f"Bad filter expression: {self.text}", self.name)

    def blank(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def take(self, token: str) -> bool:
        self.blank()
        if self.text.startswith(token, self.i):
            self.i += len(token)
            return True
        return False

    def word(self) -> str:
        self.blank()
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in " ()'\"":
            self.i += 1
        return self.text[start:self.i]

    def string(self) -> str:
        self.blank()
        if self.i >= len(self.text) or self.text[self.i] not in "'\"":
            raise self.fail()
        mark, self.i, out = self.text[self.i], self.i + 1, []
        while self.i < len(self.text) and self.text[self.i] != mark:
            if self.text[self.i] == "\\":
                self.i += 1
            if self.i < len(self.text):
                out.append(self.text[self.i])
            self.i += 1
        if self.i >= len(self.text):
            raise self.fail()
        self.i += 1
        return "".join(out)

    def parse(self) -> Filter:
        found = self.expression()
        self.blank()
        if self.i != len(self.text):
            raise self.fail()
        return found

    def expression(self) -> Filter:
        if not self.take("("):
            raise self.fail()
        if self.take("!"):
            inner = self.expression()
            found: Filter = lambda s: not inner(s)  # noqa: E731
        elif self.text[self.i:].lstrip().startswith("("):
            parts = [self.expression()]
            while self.take("AND"):
                parts.append(self.expression())
            found = lambda s: all(p(s) for p in parts)  # noqa: E731
        else:
            tag = _tag(self.name, self.word())
            if tag == "base":
                found = _compare(tag, "", self.string(), self.exact)
            else:
                op = self.word()
                if op not in self.OPS:
                    raise self.fail()
                found = _compare(tag, op, self.string(), self.exact)
        if not self.take(")"):
            raise self.fail()
        return found


def parse_filter(name: str, args: list[str], exact: bool) -> Filter:
    """A filter from a command's arguments (either form); trailing options are dropped."""
    while len(args) >= 3 and args[-2] in OPTIONS:
        args = args[:-2]
    if len(args) == 1 and args[0].startswith("("):
        return _Expression(name, args[0], exact).parse()
    if not args or len(args) % 2:
        raise Ack(ERROR_ARG, "Incorrect number of filter arguments", name)
    parts = [_compare(_tag(name, args[i]), "==", args[i + 1], exact)
             for i in range(0, len(args), 2)]
    return lambda s: all(p(s) for p in parts)


def _songs(songs: list[Song]) -> Pairs:
    return [pair for s in songs for pair in song(s.uri, s.track, s.mtime)]


@command("find", 1, None)
def find(context: Context, session: Session, args: list[str]) -> Pairs:
    return _songs(context.library.find(parse_filter("find", args, exact=True)))


@command("search", 1, None)
def search(context: Context, session: Session, args: list[str]) -> Pairs:
    return _songs(context.library.find(parse_filter("search", args, exact=False)))


@command("count", 1, None)
def count(context: Context, session: Session, args: list[str]) -> Pairs:
    found = context.library.find(parse_filter("count", args, exact=True))
    return [("songs", len(found)), ("playtime", round(sum(s.track.duration for s in found)))]


@command("list", 1, None)
def list_(context: Context, session: Session, args: list[str]) -> Pairs:
    tag = _tag("list", args[0])
    rest = args[1:]
    if "group" in rest:
        rest = rest[:rest.index("group")]  # grouping is left out: the values, once each
    if len(rest) == 1 and not rest[0].startswith("("):
        rest = ["artist", rest[0]]  # the old `list album ARTIST`
    songs = context.library.find(parse_filter("list", rest, exact=True)) if rest \
        else context.library.songs
    values = sorted({v for s in songs for v in song_values(s, tag)})
    key = next((t for t in TAG_TYPES if t.lower() == tag), tag)
    return [(key, v) for v in values]


def _folder_pairs(context: Context, uri: str) -> Pairs:
    songs = context.library.under(uri)
    newest = max((s.mtime for s in songs), default=0.0)
    return [("directory", uri), ("Last-Modified", iso_time(newest))]


@command("lsinfo", 0, 1)
def lsinfo(context: Context, session: Session, args: list[str]) -> Pairs:
    uri = args[0].strip("/") if args else ""
    single = context.library.song(uri) if uri else None
    if single is not None:
        return song(single.uri, single.track, single.mtime)
    listing = context.library.folder(uri)
    if listing is None:
        raise Ack(ERROR_NO_EXIST, "Not found", "lsinfo")
    folders, songs = listing
    pairs: Pairs = []
    for folder in folders:
        pairs += _folder_pairs(context, folder)
    return pairs + _songs(songs)


def _listall(context: Context, name: str, uri: str, info: bool) -> Pairs:
    songs = context.library.under(uri)
    if uri.strip("/") and not songs:
        raise Ack(ERROR_NO_EXIST, "Not found", name)
    pairs: Pairs = []
    seen: set[str] = set()
    for s in songs:
        parts = s.uri.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in seen and folder.startswith(uri.strip("/")):
                seen.add(folder)
                pairs += _folder_pairs(context, folder) if info else [("directory", folder)]
        pairs += song(s.uri, s.track, s.mtime) if info else [("file", s.uri)]
    return pairs


@command("listall", 0, 1)
def listall(context: Context, session: Session, args: list[str]) -> Pairs:
    return _listall(context, "listall", args[0] if args else "", info=False)


@command("listallinfo", 0, 1)
def listallinfo(context: Context, session: Session, args: list[str]) -> Pairs:
    return _listall(context, "listallinfo", args[0] if args else "", info=True)


@command("stats")
def stats(context: Context, session: Session, args: list[str]) -> Pairs:
    songs = context.library.songs
    artists = {v for s in songs for v in song_values(s, "artist")}
    albums = {s.track.album for s in songs if s.track.album}
    return [("uptime", int(time.monotonic() - context.started)), ("playtime", 0),
            ("artists", len(artists)), ("albums", len(albums)), ("songs", len(songs)),
            ("db_playtime", round(sum(s.track.duration for s in songs))),
            ("db_update", int(context.library.updated_at))]


@command("update", 0, 1)
def update(context: Context, session: Session, args: list[str]) -> Pairs:
    if context.rescan is None:
        raise Ack(ERROR_ARG, "this Booth has no music folders to scan", "update")
    if context.updating:
        raise Ack(ERROR_UPDATE_ALREADY, "Already updating", "update")
    context.updating = True

    def done() -> None:
        context.updating = False
        context.announce({"database", "update"})

    context.run_blocking(context.rescan, done)
    context.announce({"update"})
    return [("updating_db", 1)]


command("rescan", 0, 1)(update)


@command("tagtypes", 0, None)
def tagtypes(context: Context, session: Session, args: list[str]) -> Pairs:
    return [("tagtype", name) for name in TAG_TYPES]  # `tagtypes enable ...`: all are sent
