"""The library as MPD sees it: a tree of files under one root, their tags, and covers.

A song's ``file`` is its path relative to the folder common to all scanned tracks (one music
folder: that folder, as MPD's ``music_directory``). The view is re-read when the database
changes (a scan, here or in another process).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from booth.library.db import Database, Track
from booth.mpd.format import tag_values

TAGS = ("artist", "albumartist", "album", "title", "track", "genre", "date", "disc")
"""Tags a filter may name, besides ``any``, ``file`` and ``base``."""
COVER_NAMES = ("cover", "folder", "front", "album", "albumart")
COVER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class Song:
    """One file of the library."""

    uri: str
    track: Track
    mtime: float


Filter = Callable[[Song], bool]


class Library:
    """The songs of one database, by ``file``. Use from one thread."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._version: int | None = None
        self._signature: tuple | None = None
        self._songs: dict[str, Song] = {}
        self._by_id: dict[int, Song] = {}
        self.root = "/"
        self.updated_at = 0.0

    def _fresh(self) -> None:
        # data_version moves with every write of another connection (the player saves its
        # state every few seconds): only a change of the tracks themselves re-reads them.
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return
        self._version = version
        signature = tuple(self.db.conn.execute(
            "SELECT count(*), max(id), max(scanned_at), sum(mtime) FROM tracks").fetchone())
        if signature == self._signature:
            return
        self._signature = signature
        stamps = dict(self.db.conn.execute("SELECT id, mtime FROM tracks"))
        tracks = self.db.tracks()
        folders = [os.path.dirname(t.path) for t in tracks]
        self.root = os.path.commonpath(folders) if folders else "/"
        songs = [Song(posixpath.relpath(t.path, self.root), t, stamps.get(t.id, 0.0))
                 for t in tracks]
        self._songs = {s.uri: s for s in sorted(songs, key=lambda s: s.uri)}
        self._by_id = {s.track.id: s for s in songs}
        row = self.db.conn.execute("SELECT max(scanned_at) FROM tracks").fetchone()
        self.updated_at = float(row[0] or 0.0)

    @property
    def songs(self) -> list[Song]:
        """Every song, by ``file``."""
        self._fresh()
        return list(self._songs.values())

    def song(self, uri: str) -> Song | None:
        self._fresh()
        return self._songs.get(uri)

    def by_id(self, track_id: int) -> Song | None:
        self._fresh()
        return self._by_id.get(track_id)

    def find(self, match: Filter) -> list[Song]:
        return [s for s in self.songs if match(s)]

    def folder(self, uri: str) -> tuple[list[str], list[Song]] | None:
        """The sub-folders and songs right inside ``uri`` ("" is the root); None: no such."""
        uri = uri.strip("/")
        prefix = uri + "/" if uri else ""
        folders: set[str] = set()
        songs: list[Song] = []
        for s in self.songs:
            if not s.uri.startswith(prefix):
                continue
            rest = s.uri[len(prefix):]
            if "/" in rest:
                folders.add(prefix + rest.split("/", 1)[0])
            else:
                songs.append(s)
        if uri and not folders and not songs:
            return None
        return sorted(folders), songs

    def under(self, uri: str) -> list[Song]:
        """Every song in ``uri`` and below, or the one song ``uri`` names."""
        uri = uri.strip("/")
        if not uri:
            return self.songs
        exact = self.song(uri)
        if exact is not None:
            return [exact]
        return [s for s in self.songs if s.uri.startswith(uri + "/")]


def value_matches(values: Iterable[str], wanted: str, exact: bool) -> bool:
    """``find`` compares whole values (case-sensitively, as MPD); ``search`` finds a
    substring, ignoring case."""
    if exact:
        return wanted in values
    wanted = wanted.casefold()
    return any(wanted in v.casefold() for v in values)


def song_values(song: Song, tag: str) -> list[str]:
    """The values a filter on ``tag`` compares: ``file``, ``base`` (a folder), ``any``."""
    if tag == "file":
        return [song.uri]
    if tag == "any":
        return [song.uri, *(v for t in TAGS for v in tag_values(song.track, t))]
    return tag_values(song.track, tag)


def cover(song: Song, embedded_first: bool) -> bytes | None:
    """The song's cover: a picture in its tags, or an image file in its folder (``cover.jpg``,
    ``folder.png``, ...), the one asked first."""
    ways = (embedded, folder_image) if embedded_first else (folder_image, embedded)
    for way in ways:
        found = way(Path(song.track.path))
        if found:
            return found
    return None


def folder_image(path: Path) -> bytes | None:
    try:
        names = {p.name.lower(): p for p in path.parent.iterdir() if p.is_file()}
    except OSError:
        return None
    for stem in COVER_NAMES:
        for suffix in COVER_SUFFIXES:
            if stem + suffix in names:
                try:
                    return names[stem + suffix].read_bytes()
                except OSError:
                    return None
    return None


def embedded(path: Path) -> bytes | None:
    """The first picture in the file's tags (ID3 APIC, FLAC and Vorbis pictures, MP4 covr)."""
    import base64  # noqa: PLC0415

    import mutagen  # noqa: PLC0415
    from mutagen.flac import Picture  # noqa: PLC0415

    try:
        audio = mutagen.File(path)
    except Exception:  # an unreadable file has no cover, it is not an error here
        return None
    if audio is None:
        return None
    pictures = getattr(audio, "pictures", None)
    if pictures:
        return pictures[0].data
    tags = audio.tags or {}
    for key in list(getattr(tags, "keys", lambda: [])()):
        if key.startswith("APIC"):
            return tags[key].data
    if "covr" in tags and tags["covr"]:
        return bytes(tags["covr"][0])
    for block in (tags.get("metadata_block_picture") or []) if hasattr(tags, "get") else []:
        try:
            return Picture(base64.b64decode(block)).data
        except Exception:  # a broken block: look at the next
            continue
    return None
