"""A track as MPD prints it: ``file``, the tags, ``Time`` and ``duration`` (then ``Pos`` and
``Id`` in the queue)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from booth.library.db import Track

Pairs = list[tuple[str, object]]
"""A response: ``key: value`` lines in order."""

TAG_TYPES = ("Artist", "AlbumArtist", "Album", "Title", "Track", "Genre", "Date", "Disc")
"""The tags Booth knows (``tagtypes``)."""


def iso_time(seconds: float) -> str:
    """MPD's ``Last-Modified`` form: UTC, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def tag_values(track: Track, tag: str) -> list[str]:
    """The values of one tag (lower-case name) of ``track``; several for multi-valued tags."""
    if tag == "artist":
        return list(track.artists) or ([track.artist] if track.artist else [])
    if tag == "genre":
        return list(track.genres) or ([track.genre] if track.genre else [])
    single = {
        "albumartist": track.albumartist, "album": track.album, "title": track.title,
        "date": str(track.year) if track.year else None,
        "track": str(track.track_no) if track.track_no else None,
        "disc": str(track.disc_no) if track.disc_no else None,
    }.get(tag)
    return [single] if single else []


def song(uri: str, track: Track, mtime: float | None = None) -> Pairs:
    """The fields of one song, as ``lsinfo``, ``find`` and ``currentsong`` print them."""
    pairs: Pairs = [("file", uri)]
    if mtime is not None:
        pairs.append(("Last-Modified", iso_time(mtime)))
    pairs.append(("Format", f"{track.sample_rate}:f:{track.channels}"))
    for name in TAG_TYPES:
        pairs += [(name, value) for value in tag_values(track, name.lower())]
    pairs += [("Time", round(track.duration)), ("duration", f"{track.duration:.3f}")]
    return pairs


def lines(pairs: Pairs) -> Iterator[bytes]:
    """The response's lines; a ``binary`` value (bytes) is sent as MPD's binary chunk."""
    for key, value in pairs:
        if isinstance(value, bytes):
            yield f"{key}: {len(value)}\n".encode() + value + b"\n"
        else:
            text = str(value).replace("\n", " ")  # one value, one line
            yield f"{key}: {text}\n".encode("utf-8")
