"""Covers: ``albumart`` (a folder image first, as MPD) and ``readpicture`` (the file's own
picture first), sent in chunks of at most the client's ``binarylimit``."""

from __future__ import annotations

from collections import OrderedDict

from booth.mpd.commands.registry import command
from booth.mpd.context import Context, Session
from booth.mpd.format import Pairs
from booth.mpd.library import cover
from booth.mpd.protocol import ERROR_NO_EXIST, Ack, integer

_CACHE: OrderedDict[tuple[str, bool], bytes | None] = OrderedDict()
_CACHE_SIZE = 4
"""Covers kept: a client reads one in many chunks."""


def _cover(context: Context, name: str, uri: str, embedded_first: bool) -> bytes | None:
    found = context.library.song(uri.strip("/"))
    if found is None:
        raise Ack(ERROR_NO_EXIST, "No file exists", name)
    key = (found.track.path, embedded_first)
    if key not in _CACHE:
        _CACHE[key] = cover(found, embedded_first)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return _CACHE[key]


def _chunk(session: Session, name: str, data: bytes, offset_text: str) -> Pairs:
    offset = integer(name, offset_text, 0)
    if offset > len(data):
        raise Ack(ERROR_NO_EXIST, "Offset too large", name)
    piece = data[offset:offset + session.binary_limit]
    pairs: Pairs = [("size", len(data))]
    if name == "readpicture":
        pairs.append(("type", _mime(data)))
    return pairs + [("binary", piece)]


def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


@command("albumart", 2, 2)
def albumart(context: Context, session: Session, args: list[str]) -> Pairs:
    data = _cover(context, "albumart", args[0], embedded_first=False)
    if data is None:
        raise Ack(ERROR_NO_EXIST, "No file exists", "albumart")
    return _chunk(session, "albumart", data, args[1])


@command("readpicture", 2, 2)
def readpicture(context: Context, session: Session, args: list[str]) -> Pairs:
    data = _cover(context, "readpicture", args[0], embedded_first=True)
    if data is None:
        return []  # MPD's answer for a file without a picture: just OK
    return _chunk(session, "readpicture", data, args[1])


@command("binarylimit", 1, 1)
def binarylimit(context: Context, session: Session, args: list[str]) -> None:
    session.binary_limit = integer("binarylimit", args[0], 64, 1 << 24)
