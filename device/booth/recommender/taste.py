"""The listener's model: the adapted inputs of the ranking graph, learned on the device.

Adapted parameters (kept in ``recommender.npz``):
- ``taste_audio`` (A) and ``taste_daypart`` (4 × A): a direction in sound space that the
  listener keeps playing, overall and per time of day;
- ``taste_artist`` / ``taste_album`` / ``taste_genre`` / ``taste_decade``: one weight per
  hashed tag bucket (decade: of the year tag);
- ``feature_weights`` (one per ``space.METRIC_GROUPS``: each scalar feature, and the
  chroma, MFCC and embedding blocks): how much each counts when the model compares
  tracks; aspects that separate kept from skipped tracks weigh more.

Learning: each finished track is one step of online logistic regression on "kept or
skipped" (targets and weights in ``OUTCOME_TARGETS``) over the taste part of the score.
Rates: an early skip moves an artist's weight by about −0.5 (two skips ≈ −1, enough to
make it rare: the graph's score differences of ~1 cut a track's chance by about 15×); a
like by about +1. The sound taste moves by ~1/A per feature per event, so it needs a
handful of events. Everything decays by 0.2 % per event (half-life ~350 events), so old
tastes fade. Feature weights follow exponential averages (rate 0.1) of the kept and
skipped tracks' features.

Events are read from the database (``events`` table) after the last one learned, so
feedback given by any process (``booth dj feedback``, the station) is learned exactly
once; the file is updated under a lock and replaced atomically.
"""

from __future__ import annotations

import fcntl
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from booth.library.db import Database
from booth.recommender import space
from booth.recommender.catalogue import Catalogue

STATE_VERSION = 3
OUTCOME_TARGETS = {
    "complete": (1.0, 0.3),
    "like": (1.0, 2.0),
    "skip_late": (0.0, 0.5),
    "skip_early": (0.0, 1.0),
    "dislike": (0.0, 2.0),
}
"""Event → (target: kept = 1, weight of the step)."""
EARLY_SKIP_FRACTION = 1 / 3
"""A skip before this fraction of the track is an early skip (a clear "not this")."""
RATE_AUDIO = 1.0
RATE_DAYPART = 0.5
RATE_ARTIST = 1.0
RATE_ALBUM = 0.5
RATE_GENRE = 0.3
RATE_DECADE = 0.2
RATE_BIAS = 0.1
RATE_WEIGHTS = 0.1
DECAY = 0.002
LEARNED_KINDS = ("complete", "skip", "like", "dislike")


def daypart_membership(hour: float, sharpness: float = 2.0) -> np.ndarray:
    """Soft membership of an hour in the 4 dayparts (same formula as the graph)."""
    centres = np.array([3.0, 9.0, 15.0, 21.0]) * 2 * math.pi / 24
    logits = sharpness * (np.cos(hour * 2 * math.pi / 24 - centres) - 1)
    weights = np.exp(logits - logits.max())
    return weights / weights.sum()


def skip_kind(position: float | None, duration: float) -> str:
    """``skip_early`` or ``skip_late``: an unknown position counts as early."""
    if position is None or duration <= 0 or position < EARLY_SKIP_FRACTION * duration:
        return "skip_early"
    return "skip_late"


@dataclass
class TasteState:
    """The adapted parameters and the learning bookkeeping."""

    taste_audio: np.ndarray
    taste_daypart: np.ndarray
    taste_artist: np.ndarray
    taste_album: np.ndarray
    taste_genre: np.ndarray
    taste_decade: np.ndarray
    bias: float
    kept_mean: np.ndarray
    skipped_mean: np.ndarray
    feature_weights: np.ndarray
    last_event_id: int = 0
    events_learned: int = 0

    @classmethod
    def fresh(cls) -> "TasteState":
        a = space.AUDIO_DIM
        return cls(np.zeros(a, np.float32), np.zeros((space.DAYPARTS, a), np.float32),
                   np.zeros(space.ARTIST_BUCKETS, np.float32), np.zeros(space.ALBUM_BUCKETS, np.float32),
                   np.zeros(space.GENRE_BUCKETS, np.float32), np.zeros(space.DECADE_BUCKETS, np.float32),
                   0.0, np.zeros(a, np.float32),
                   np.zeros(a, np.float32), np.ones(space.GROUPS, np.float32))

    def feeds(self) -> dict[str, np.ndarray]:
        """The adapted inputs of the graph, except ``metric`` (which needs the library)."""
        return {"taste_audio": self.taste_audio, "taste_daypart": self.taste_daypart,
                "taste_artist": self.taste_artist, "taste_album": self.taste_album,
                "taste_genre": self.taste_genre, "taste_decade": self.taste_decade}

    # -- learning ------------------------------------------------------------------------

    def learn(self, outcome: str, audio: np.ndarray, artist: int, album: int, genre: int,
              decade: int, hour: float) -> None:
        """One step on one finished track; ``outcome`` is a key of ``OUTCOME_TARGETS``."""
        target, weight = OUTCOME_TARGETS[outcome]
        day = daypart_membership(hour)
        taste_now = self.taste_audio + day @ self.taste_daypart
        logit = (self.bias + float(audio @ taste_now) + self.taste_artist[artist]
                 + self.taste_album[album] + self.taste_genre[genre] + self.taste_decade[decade])
        step = weight * (target - 1 / (1 + math.exp(-max(-30.0, min(30.0, logit)))))
        keep = 1 - DECAY
        for array in (self.taste_audio, self.taste_daypart, self.taste_artist, self.taste_album,
                      self.taste_genre, self.taste_decade):
            array *= keep
        a = space.AUDIO_DIM
        self.taste_audio += (RATE_AUDIO / a) * step * audio
        self.taste_daypart += (RATE_DAYPART / a) * step * day[:, None] * audio[None, :]
        if artist:
            self.taste_artist[artist] += RATE_ARTIST * step
        if album:
            self.taste_album[album] += RATE_ALBUM * step
        if genre:
            self.taste_genre[genre] += RATE_GENRE * step
        if decade:
            self.taste_decade[decade] += RATE_DECADE * step
        self.bias = self.bias * keep + RATE_BIAS * step
        mean = self.kept_mean if target > 0.5 else self.skipped_mean
        mean += RATE_WEIGHTS * (audio - mean)
        contrast = ((self.kept_mean - self.skipped_mean) ** 2) @ space.GROUP_MATRIX
        contrast /= space.GROUP_MATRIX.sum(axis=0)
        weights = np.clip(1 + contrast, 0.5, 4.0)
        self.feature_weights = (weights / weights.mean()).astype(np.float32)
        self.events_learned += 1

    def learn_events(self, db: Database, catalogue: Catalogue, hour_of) -> int:
        """Learn every event after ``last_event_id``; returns how many were learned."""
        rows = db.conn.execute(
            "SELECT id, track_id, at, kind, position FROM events WHERE id > ? ORDER BY id",
            (self.last_event_id,)).fetchall()
        learned = 0
        for row in rows:
            self.last_event_id = int(row["id"])
            if row["kind"] not in LEARNED_KINDS:
                continue
            index = catalogue.row(row["track_id"])
            if index is None:
                continue
            outcome = row["kind"]
            if outcome == "skip":
                outcome = skip_kind(row["position"], float(catalogue.duration[index]))
            self.learn(outcome, catalogue.audio[index], int(catalogue.artist_bucket[index]),
                       int(catalogue.album_bucket[index]), int(catalogue.genre_bucket[index]),
                       int(catalogue.decade_bucket[index]), hour_of(row["at"]))
            learned += 1
        return learned

    # -- storage -------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename): readers never see half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, version=STATE_VERSION, taste_audio=self.taste_audio,
                     taste_daypart=self.taste_daypart, taste_artist=self.taste_artist,
                     taste_album=self.taste_album, taste_genre=self.taste_genre,
                     taste_decade=self.taste_decade,
                     bias=self.bias, kept_mean=self.kept_mean, skipped_mean=self.skipped_mean,
                     feature_weights=self.feature_weights, last_event_id=self.last_event_id,
                     events_learned=self.events_learned)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "TasteState":
        """The saved state; a fresh one when the file is missing, unreadable or outdated."""
        fresh = cls.fresh()
        try:
            with np.load(path) as data:
                if int(data["version"]) != STATE_VERSION:
                    return fresh
                state = cls(**{name: data[name].astype(np.float32) for name in
                               ("taste_audio", "taste_daypart", "taste_artist", "taste_album",
                                "taste_genre", "taste_decade", "kept_mean", "skipped_mean",
                                "feature_weights")},
                            bias=float(data["bias"]), last_event_id=int(data["last_event_id"]),
                            events_learned=int(data["events_learned"]))
        except (OSError, KeyError, ValueError):
            return fresh
        shapes_ok = all(getattr(state, k).shape == getattr(fresh, k).shape for k in
                        ("taste_audio", "taste_daypart", "taste_artist", "taste_album", "taste_genre",
                         "taste_decade", "feature_weights"))
        return state if shapes_ok else fresh


class TasteFile:
    """``recommender.npz`` shared by processes: reload when changed, update under a lock."""

    def __init__(self, path: Path):
        self.path = path
        self.state = TasteState.load(path)
        self._stamp = self._mtime()

    def _mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def refresh(self) -> None:
        """Re-read the file if another process has written it."""
        if self._mtime() != self._stamp:
            self.state = TasteState.load(self.path)
            self._stamp = self._mtime()

    def catch_up(self, db: Database, catalogue: Catalogue, hour_of) -> int:
        """Learn pending events and save; cheap when there are none."""
        newest = db.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        self.refresh()
        if newest <= self.state.last_event_id:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.state = TasteState.load(self.path)   # another process may have learned first
            learned = self.state.learn_events(db, catalogue, hour_of)
            self.state.save(self.path)
            self._stamp = self._mtime()
        return learned

    def reset(self) -> None:
        """Forget the learned taste ("forget my history")."""
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            last = self.state.last_event_id
            self.state = TasteState.fresh()
            self.state.last_event_id = last
            self.state.save(self.path)
            self._stamp = self._mtime()
