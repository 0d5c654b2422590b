"""The library's names for the grammar: from the database, or straight from music folders'
tags (no audio analysis: for a satellite, the evaluation and tests)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from booth.intents import Vocabulary
from booth.library.db import Database, Track


def vocabulary_from_db(path: str | Path) -> Vocabulary:
    """The vocabulary of a scanned library database."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no library database at {path}; run `booth scan DIR` first")
    db = Database(path)
    try:
        return Vocabulary.from_tracks(db.tracks())
    finally:
        db.close()


def tracks_from_tags(dirs: Iterable[str | Path]) -> list[Track]:
    """Track records carrying only what the files' tags (or names) say."""
    from booth.library.scan import find_audio_files
    from booth.library.tags import read_tags

    tracks = []
    for number, path in enumerate(find_audio_files(dirs), 1):
        tags = read_tags(path)
        tracks.append(Track(
            id=number, path=str(path), title=tags.title, artist=tags.artist, album=tags.album,
            albumartist=tags.albumartist, genre=tags.genre, year=tags.year,
            track_no=tags.track_no, disc_no=tags.disc_no, artists=tags.artists,
            genres=tags.genres, title_from_tags=tags.title_from_tags,
            duration=tags.length or 0.0, sample_rate=0, channels=0, lufs=0.0, true_peak=0.0,
            cue_in=0.0, cue_out=tags.length or 0.0, intro_end=0.0, outro_start=0.0))
    return tracks


def vocabulary_from_folders(dirs: Iterable[str | Path]) -> Vocabulary:
    """The vocabulary of the music in these folders, from tags alone."""
    return Vocabulary.from_tracks(tracks_from_tags(dirs))
