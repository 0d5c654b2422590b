"""The library database (SQLite, WAL mode): tracks, listening history and saved state.

Track ids are stable: one row per path, never reused (AUTOINCREMENT), kept across rescans.
Several processes may use one database at once (a running player and `booth dj ...`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS tracks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    path         TEXT NOT NULL UNIQUE,
    mtime        REAL NOT NULL,
    size         INTEGER NOT NULL,
    title        TEXT NOT NULL,
    artist       TEXT,            -- NULL when the file has no artist tag: never invented
    album        TEXT,
    albumartist  TEXT,
    genre        TEXT,
    year         INTEGER,
    track_no     INTEGER,
    disc_no      INTEGER,
    artists      TEXT NOT NULL DEFAULT '[]',   -- JSON list, every artist tagged
    genres       TEXT NOT NULL DEFAULT '[]',   -- JSON list
    title_from_tags INTEGER NOT NULL DEFAULT 1,
    duration     REAL NOT NULL,
    sample_rate  INTEGER NOT NULL,
    channels     INTEGER NOT NULL,
    lufs         REAL NOT NULL,   -- integrated loudness, EBU R128
    true_peak    REAL NOT NULL,   -- dBTP, 4x oversampled
    cue_in       REAL NOT NULL,   -- where the music starts (s), leading silence skipped
    cue_out      REAL NOT NULL,   -- where it ends (s), trailing silence skipped
    intro_end    REAL NOT NULL,   -- the "post": where the energy first rises (s)
    outro_start  REAL NOT NULL,   -- where the energy falls away at the end (s)
    features     BLOB,            -- float32 vector from booth.library.features
    scanned_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tracks_artist ON tracks(artist);
CREATE INDEX IF NOT EXISTS tracks_album ON tracks(album, disc_no, track_no);

CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    track_id  INTEGER NOT NULL,
    at        REAL NOT NULL,       -- unix time
    kind      TEXT NOT NULL,       -- play, complete, skip, like, dislike
    position  REAL,                -- seconds into the track, for skips
    session   TEXT
);
CREATE INDEX IF NOT EXISTS events_track ON events(track_id, kind);

CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL             -- JSON
);
"""

EVENT_KINDS = ("play", "complete", "skip", "like", "dislike")


@dataclass(frozen=True)
class Track:
    """One indexed audio file, as the player and the DJ see it."""

    id: int
    path: str
    title: str
    artist: str | None
    album: str | None
    albumartist: str | None
    genre: str | None
    year: int | None
    track_no: int | None
    disc_no: int | None
    artists: tuple[str, ...]
    genres: tuple[str, ...]
    title_from_tags: bool
    duration: float
    sample_rate: int
    channels: int
    lufs: float
    true_peak: float
    cue_in: float
    cue_out: float
    intro_end: float
    outro_start: float
    features: np.ndarray | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Track":
        """Build from a `tracks` row."""
        blob = row["features"]
        return cls(
            id=row["id"], path=row["path"], title=row["title"], artist=row["artist"],
            album=row["album"], albumartist=row["albumartist"], genre=row["genre"],
            year=row["year"], track_no=row["track_no"], disc_no=row["disc_no"],
            artists=tuple(json.loads(row["artists"])), genres=tuple(json.loads(row["genres"])),
            title_from_tags=bool(row["title_from_tags"]), duration=row["duration"],
            sample_rate=row["sample_rate"], channels=row["channels"], lufs=row["lufs"],
            true_peak=row["true_peak"], cue_in=row["cue_in"], cue_out=row["cue_out"],
            intro_end=row["intro_end"], outro_start=row["outro_start"],
            features=np.frombuffer(blob, dtype=np.float32) if blob else None,
        )

    def summary(self) -> dict[str, Any]:
        """The public description used in JSON output, MQTT state and reports."""
        return {"id": self.id, "path": self.path, "title": self.title, "artist": self.artist,
                "album": self.album, "genre": self.genre, "duration": round(self.duration, 3)}


class Database:
    """A connection to the library database; create one per thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                    check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def copy_to(self, path: str | Path) -> "Database":
        """A private copy of the whole database at ``path`` (e.g. for a dry-run mixtape)."""
        self.conn.execute("VACUUM INTO ?", (str(path),))
        return Database(path)

    # -- tracks -------------------------------------------------------------------------

    def tracks(self, min_seconds: float = 0.0) -> list[Track]:
        """Every track at least ``min_seconds`` long, in id order."""
        rows = self.conn.execute("SELECT * FROM tracks WHERE duration >= ? ORDER BY id",
                                 (min_seconds,))
        return [Track.from_row(r) for r in rows]

    def track(self, track_id: int) -> Track | None:
        row = self.conn.execute("SELECT * FROM tracks WHERE id = ?", (track_id,)).fetchone()
        return Track.from_row(row) if row else None

    def track_by_path(self, path: str) -> Track | None:
        row = self.conn.execute("SELECT * FROM tracks WHERE path = ?", (path,)).fetchone()
        return Track.from_row(row) if row else None

    def album_tracks(self, album: str) -> list[Track]:
        """An album's tracks in disc and track order."""
        rows = self.conn.execute(
            "SELECT * FROM tracks WHERE album = ? ORDER BY coalesce(disc_no, 1), "
            "coalesce(track_no, 9999), path", (album,))
        return [Track.from_row(r) for r in rows]

    def file_stamps(self) -> dict[str, tuple[float, int]]:
        """path → (mtime, size) of every indexed file, for incremental rescans."""
        return {r["path"]: (r["mtime"], r["size"])
                for r in self.conn.execute("SELECT path, mtime, size FROM tracks")}

    def upsert_track(self, values: dict[str, Any]) -> bool:
        """Insert or update by path, keeping the id. Returns True when the row is new."""
        values = dict(values)
        for key in ("artists", "genres"):
            values[key] = json.dumps(list(values.get(key) or []), ensure_ascii=False)
        feats = values.get("features")
        if isinstance(feats, np.ndarray):
            values["features"] = feats.astype(np.float32).tobytes()
        values.setdefault("scanned_at", time.time())
        existed = self.conn.execute("SELECT 1 FROM tracks WHERE path = ?",
                                    (values["path"],)).fetchone() is not None
        cols = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "path")
        self.conn.execute(f"INSERT INTO tracks ({cols}) VALUES ({marks}) "
                          f"ON CONFLICT(path) DO UPDATE SET {updates}", values)
        return not existed

    def remove_paths(self, paths: Iterable[str]) -> int:
        paths = list(paths)
        self.conn.executemany("DELETE FROM tracks WHERE path = ?", [(p,) for p in paths])
        return len(paths)

    # -- history ------------------------------------------------------------------------

    def record(self, track_id: int, kind: str, position: float | None = None,
               session: str | None = None, at: float | None = None) -> None:
        """Append one listening event (play, complete, skip, like, dislike)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}; expected one of {EVENT_KINDS}")
        self.conn.execute("INSERT INTO events (track_id, at, kind, position, session) "
                          "VALUES (?, ?, ?, ?, ?)",
                          (track_id, time.time() if at is None else at, kind, position, session))

    def last_event(self) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM events ORDER BY id DESC LIMIT 1").fetchone()

    def events(self, since_id: int = 0) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT * FROM events WHERE id > ? ORDER BY id", (since_id,)))

    def history(self, track_id: int, before: float | None = None) -> dict[str, Any]:
        """How this listener has met a track: plays, skips, likes, last played (unix time),
        counting only events before ``before`` (unix time) when given."""
        row = self.conn.execute(
            "SELECT sum(kind='play') plays, sum(kind='skip') skips, sum(kind='like') likes, "
            "sum(kind='dislike') dislikes, max(CASE WHEN kind='play' THEN at END) last_played "
            "FROM events WHERE track_id = ? AND at < ?",
            (track_id, float("inf") if before is None else before)).fetchone()
        return {k: (row[k] or 0) if k != "last_played" else row[k] for k in row.keys()}

    def forget_history(self) -> None:
        """Delete the listening history ("forget my history")."""
        self.conn.execute("DELETE FROM events")

    # -- saved state --------------------------------------------------------------------

    def get_state(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def set_state(self, key: str, value: Any) -> None:
        self.conn.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", (key, json.dumps(value)))

    def transaction(self) -> "_Transaction":
        return _Transaction(self.conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

