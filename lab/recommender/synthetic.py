"""Synthetic libraries with realistic tags and feature vectors, for tests and evaluation.

Sound is clustered the way real music is: genres sit in regions of feature space,
artists in sub-regions of their genre, tracks around their artist. The vectors are
physical values (bpm, dB, Hz...) made from standardised points, so they go through the
same standardisation as scanned tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from booth.library.db import Database
from booth.library.features import FEATURE_CENTER, FEATURE_DIM, FEATURE_SCALE

GENRE_NAMES = ("ambient", "rock", "electronic", "folk", "hip hop", "classical", "metal", "pop",
               "soul", "techno", "blues", "reggae")


@dataclass(frozen=True)
class SyntheticLibrary:
    """What was generated: per row (in track id order) the standardised sound and tags."""

    ids: np.ndarray
    sound: np.ndarray      # standardised feature vectors (rows × FEATURE_DIM)
    artist: np.ndarray     # artist index per row
    genre: np.ndarray      # genre index per row
    duration: np.ndarray


def track_rows(count: int, seed: int = 0, artists: int | None = None,
               genres: int = 8, short_fraction: float = 0.0) -> tuple[list[dict], SyntheticLibrary]:
    """``count`` track dicts for ``Database.upsert_track`` and what they contain."""
    rng = np.random.default_rng(seed)
    genres = min(genres, len(GENRE_NAMES))
    artists = artists or max(2, count // 12)
    genre_centre = rng.normal(0, 1.0, (genres, FEATURE_DIM))
    artist_genre = rng.integers(0, genres, artists)
    artist_centre = genre_centre[artist_genre] + rng.normal(0, 0.6, (artists, FEATURE_DIM))
    track_artist = np.sort(rng.integers(0, artists, count))
    sound = np.clip(artist_centre[track_artist] + rng.normal(0, 0.5, (count, FEATURE_DIM)), -3.5, 3.5)
    raw = (FEATURE_CENTER + sound * FEATURE_SCALE).astype(np.float32)
    duration = rng.uniform(150, 360, count)
    short = rng.random(count) < short_fraction
    duration[short] = rng.uniform(5, 25, short.sum())
    rows, per_album = [], {}
    for i in range(count):
        a = int(track_artist[i])
        album = f"Album {a}-{(per_album.get(a, 0) // 10) + 1}"
        per_album[a] = per_album.get(a, 0) + 1
        genre = GENRE_NAMES[int(artist_genre[a])]
        rows.append({
            "path": f"/music/artist{a:04d}/track{i:06d}.ogg", "mtime": 0.0, "size": 1000,
            "title": f"Song {i}", "title_from_tags": 1, "artist": f"Artist {a}",
            "artists": [f"Artist {a}"], "album": album, "albumartist": f"Artist {a}",
            "genre": genre, "genres": [genre], "year": 1970 + (a % 50),
            "track_no": (per_album[a] - 1) % 10 + 1, "disc_no": 1,
            "duration": float(duration[i]), "sample_rate": 44100, "channels": 2,
            "lufs": -14.0, "true_peak": -1.0, "cue_in": 0.0, "cue_out": float(duration[i]),
            "intro_end": 5.0, "outro_start": float(duration[i]) - 8.0, "features": raw[i],
        })
    info = SyntheticLibrary(np.arange(1, count + 1), sound.astype(np.float32), track_artist,
                            artist_genre[track_artist], duration)
    return rows, info


def fill(db: Database, rows: list[dict]) -> None:
    """Insert track dicts in one transaction (fast enough for 50,000)."""
    db.conn.execute("BEGIN")
    try:
        for row in rows:
            db.upsert_track(row)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
