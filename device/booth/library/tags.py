"""Tags through mutagen, with fallbacks from file and folder names when tags are missing.

Real files are messy: multi-valued tags, a whole album's titles in one file's TITLE tag,
track numbers like "3/12", dates like "2012-12-15", no tags at all.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import mutagen

# Folder names that say nothing about the album or artist.
GENERIC_FOLDERS = frozenset({
    "music", "audio", "mp3", "mp3s", "ogg", "flac", "songs", "tracks", "downloads", "sounds",
    "my music", "misc", "various", "unknown", "lose", "win", "sfx", "data", "media",
})


@dataclass(frozen=True)
class Tags:
    """What Booth knows about a file from its tags and, failing that, its name."""

    title: str
    title_from_tags: bool
    artist: str | None = None
    artists: tuple[str, ...] = ()
    album: str | None = None
    albumartist: str | None = None
    genre: str | None = None
    genres: tuple[str, ...] = ()
    year: int | None = None
    track_no: int | None = None
    disc_no: int | None = None
    length: float | None = field(default=None, compare=False)
    ends_early: bool = field(default=False, compare=False)
    """The container says the stream stops before its end (an Ogg file cut short)."""


def _values(tags, key: str) -> list[str]:
    try:
        raw = tags.get(key) if tags is not None else None
    except (KeyError, ValueError):
        raw = None
    if not raw:
        return []
    out = []
    for value in raw if isinstance(raw, list) else [raw]:
        for part in str(value).split("\x00"):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def _number(text: str | None) -> int | None:
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else None


def _year(text: str | None) -> int | None:
    match = re.search(r"(1[89]\d\d|20\d\d)", text or "")
    return int(match.group(1)) if match else None


def title_from_filename(path: Path) -> str:
    """"03 - my_song-name.ogg" → "My Song Name"."""
    stem = re.sub(r"^[\s\d._-]*(?:-\s+)?", "", path.stem) or path.stem
    words = re.sub(r"[_\s]+", " ", stem.replace("-", " ")).strip()
    return words.title() if words == words.lower() else words


def _meaningful_folder(folder: Path) -> str | None:
    name = folder.name.strip()
    if not name or name.lower() in GENERIC_FOLDERS or name.startswith("."):
        return None
    return name


def _ogg_cut_short(audio, path: Path) -> bool:
    """True when an Ogg stream's last page is not marked end-of-stream: a cut file."""
    import mutagen.ogg

    serial = getattr(getattr(audio, "info", None), "serial", None)
    if serial is None:
        return False
    with open(path, "rb") as f:
        try:
            page = mutagen.ogg.OggPage.find_last(f, serial)
        except Exception:  # damaged pages: the decoder will say more
            return False
    return page is not None and not page.last


def read_tags(path: str | Path) -> Tags:
    """Read the tags of one audio file; never raises for missing or odd tags."""
    path = Path(path)
    try:
        audio = mutagen.File(path, easy=True)
    except Exception:  # mutagen raises many kinds for damaged headers; tags are optional
        audio = None
    tags = audio.tags if audio is not None else None
    length = getattr(getattr(audio, "info", None), "length", None)

    titles = _values(tags, "title")
    numbers = _values(tags, "tracknumber")
    track_no = _number(numbers[0]) if numbers else None
    if len(titles) > 1:
        # Some files carry the whole album's titles; keep the one the file is named after.
        stem = title_from_filename(path).lower()
        scores = [difflib.SequenceMatcher(None, stem, t.lower()).ratio()
                  + (1.0 if t.lower() in stem else 0.0) for t in titles]
        best = max(range(len(titles)), key=scores.__getitem__)
        titles = [titles[best]]
        if len(numbers) > best:
            track_no = _number(numbers[best])
    title_from_tags = bool(titles)
    title = titles[0] if titles else title_from_filename(path)

    artists = tuple(_values(tags, "artist"))
    album = next(iter(_values(tags, "album")), None)
    albumartist = next(iter(_values(tags, "albumartist")), None)
    if album is None and not title_from_tags:
        album = _meaningful_folder(path.parent)
    genres = tuple(_values(tags, "genre"))
    return Tags(
        title=title,
        title_from_tags=title_from_tags,
        artist=" & ".join(artists) if artists else None,
        artists=artists,
        album=album,
        albumartist=albumartist,
        genre=genres[0] if genres else None,
        genres=genres,
        year=_year(next(iter(_values(tags, "date") + _values(tags, "originaldate")), None)),
        track_no=track_no,
        disc_no=_number(next(iter(_values(tags, "discnumber")), None)),
        length=length,
        ends_early=_ogg_cut_short(audio, path),
    )
