"""The library as arrays, cached in memory and rebuilt only when the tracks table changes."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from booth.library.db import Database
from booth.recommender import space

_COLUMNS = ("id, title, artist, artists, album, albumartist, genre, genres, year, track_no, "
            "disc_no, duration, features")


@dataclass
class Catalogue:
    """Every track's model inputs and the tags the chooser matches requests against."""

    ids: np.ndarray                    # int64 [N], track ids in id order
    audio: np.ndarray                  # float32 [N, A], standardised audio features
    sound: np.ndarray                  # float32 [N, SOUND_DIM], the model's input (space.model_rows)
    artist_bucket: np.ndarray          # int64 [N]
    album_bucket: np.ndarray           # int64 [N]
    genre_bucket: np.ndarray           # int64 [N]
    decade_bucket: np.ndarray          # int64 [N]
    artist_code: np.ndarray            # int64 [N], index into artist_names, -1 when untagged
    duration: np.ndarray               # float64 [N]
    has_features: np.ndarray           # bool [N]
    titles: list[str]
    artists: list[tuple[str, ...]]     # normalised names of every tagged artist
    artist_names: list[str]            # display name per artist_code
    albums: list[str | None]
    genres: list[tuple[str, ...]]      # normalised genres
    order: list[tuple[int, int, str]]  # (disc, track, title) for album order
    spread: np.ndarray                 # float32 [A], per-feature variance over the library
    signature: tuple = ()
    row_of: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.size)

    def row(self, track_id: int) -> int | None:
        return self.row_of.get(int(track_id))

    @classmethod
    def load(cls, db: Database) -> "Catalogue":
        rows = db.conn.execute(f"SELECT {_COLUMNS} FROM tracks ORDER BY id").fetchall()
        return cls.from_rows(rows, signature(db))

    @classmethod
    def from_rows(cls, rows: list[sqlite3.Row], sig: tuple = ()) -> "Catalogue":
        n = len(rows)
        features = [np.frombuffer(r["features"], np.float32) if r["features"] else None for r in rows]
        audio = space.audio_rows(features)
        has = np.array([f is not None and f.shape == (space.AUDIO_DIM,) for f in features], bool)
        parsed: dict[tuple[str, str | None], tuple[str, ...]] = {}

        def names_of(listed: str | None, single: str | None) -> tuple[str, ...]:
            """Normalised names from a JSON list column, else the single column (memoised)."""
            key = (listed or "[]", single)
            if key not in parsed:
                tagged = tuple(json.loads(key[0])) or ((single,) if single else ())
                parsed[key] = tuple(space.normalise_name(t) for t in tagged)
            return parsed[key]

        artist_lists, names, codes, name_index = [], [], np.full(n, -1, np.int64), {}
        for i, r in enumerate(rows):
            artist_lists.append(names_of(r["artists"], r["artist"]))
            if r["artist"]:
                key = space.normalise_name(r["artist"])
                if key not in name_index:
                    name_index[key] = len(names)
                    names.append(r["artist"])
                codes[i] = name_index[key]
        genres = [names_of(r["genres"], r["genre"]) for r in rows]
        spread = audio[has].var(axis=0) if has.sum() >= 2 else np.ones(space.AUDIO_DIM, np.float32)
        ids = np.array([r["id"] for r in rows], np.int64)
        return cls(
            ids=ids, audio=audio, sound=space.model_rows(audio),
            artist_bucket=np.array([space.bucket(r["artist"], space.ARTIST_BUCKETS) for r in rows], np.int64),
            album_bucket=np.array([space.bucket(_album_key(r), space.ALBUM_BUCKETS) for r in rows], np.int64),
            genre_bucket=np.array([space.bucket(r["genre"], space.GENRE_BUCKETS) for r in rows], np.int64),
            decade_bucket=np.array([space.decade_bucket(r["year"]) for r in rows], np.int64),
            artist_code=codes, duration=np.array([r["duration"] for r in rows], np.float64),
            has_features=has, titles=[r["title"] for r in rows], artists=artist_lists,
            artist_names=names, albums=[r["album"] for r in rows], genres=genres,
            order=[(r["disc_no"] or 1, r["track_no"] or 9999, r["title"]) for r in rows],
            spread=np.maximum(spread, 0.05).astype(np.float32), signature=sig,
            row_of={int(t): i for i, t in enumerate(ids)},
        )

    def metric(self, feature_weights: np.ndarray) -> np.ndarray:
        """The model's ``metric`` input (one weight per metric group): the learned weights
        over this library's spread, so that two random tracks sit about 2 apart."""
        group_spread = self.spread @ space.GROUP_MATRIX
        return (feature_weights / (group_spread * space.GROUPS)).astype(np.float32)

    def artist_of(self, row: int) -> str | None:
        code = int(self.artist_code[row])
        return self.artist_names[code] if code >= 0 else None


def _album_key(row: sqlite3.Row) -> str | None:
    if not row["album"]:
        return None
    return f"{row['albumartist'] or row['artist'] or ''}/{row['album']}"


def signature(db: Database) -> tuple:
    """Changes whenever a track is added, removed or rescanned."""
    row = db.conn.execute("SELECT count(*), max(id), max(scanned_at), sum(id) FROM tracks").fetchone()
    return tuple(row)
