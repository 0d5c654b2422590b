"""Choosing the next track: the ranking model's scores, a few house rules, and a reason.

Rules beside the model (the *learning* is all in the model's adapted inputs):
- no track again within a window sized to the library (``window_size``);
- no artist twice in a row unless asked for;
- tracks shorter than ``config.library.min_track_seconds`` only when asked for by title or
  album;
- an active request narrows the pool (``booth.recommender.requests``).
Each rule gives way, in that order, only when nothing else is left.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from booth.config import Config, state_dir
from booth.library.db import Database, Track
from booth.recommender import requests as rq
from booth.recommender import space
from booth.recommender.catalogue import Catalogue, signature
from booth.recommender.model import RankingModel, Scores, shared_model
from booth.recommender.session import RecentTrack, SessionStore, SessionView
from booth.recommender.taste import TasteFile, skip_kind

REASON_KINDS = ("request", "more_like_this", "switch_it_up", "liked_artist", "taste", "album",
                "fallback", "explore")
OUTCOMES = ("complete", "skip", "like", "dislike")
TOP_K = 25
"""Sampling considers only the best-scored candidates..."""
TEMPERATURE = 0.5
"""...with probabilities ∝ exp(score / TEMPERATURE)."""
EXPLORATION = 0.08
"""Chance of a wild card: any candidate scored above the median."""
WINDOW_FRACTION = 0.6
WINDOW_MAX = 250


class NoTracks(RuntimeError):
    """The library has nothing to play."""


@dataclass(frozen=True)
class Pick:
    """The next track and why, in words the DJ can say."""

    track: Track
    reason: str
    reason_kind: str

    def to_dict(self) -> dict[str, Any]:
        t = self.track
        return {"id": t.id, "path": t.path, "title": t.title, "artist": t.artist,
                "album": t.album, "genre": t.genre, "reason": self.reason,
                "reason_kind": self.reason_kind}


def default_state_path(db: Database) -> Path:
    """Where the learned taste lives, in the state directory: ``recommender.npz`` for the
    default database, ``recommender-NAME-HASH.npz`` for any other (libraries never mix)."""
    default = state_dir() / "booth.db"
    if db.path.resolve() == default.resolve():
        return state_dir() / "recommender.npz"
    digest = hashlib.sha1(str(db.path.resolve()).encode("utf-8")).hexdigest()[:8]
    return state_dir() / f"recommender-{db.path.stem}-{digest}.npz"


def local_hour(at: float) -> float:
    t = time.localtime(at)
    return t.tm_hour + t.tm_min / 60


class Recommender:
    """Picks tracks for one database; cheap to call per pick (the library is cached)."""

    def __init__(self, db: Database, config: Config, *, model: RankingModel | None = None,
                 state_path: Path | None = None, adapt: bool = True, seed: int | None = None,
                 clock=time.time, exploration: float = EXPLORATION):
        self.db = db
        self.config = config
        self.model = model or shared_model()
        self.taste = TasteFile(state_path or default_state_path(db))
        self.adapt = adapt
        self.rng = np.random.default_rng(seed)
        self.clock = clock
        self.exploration = exploration
        self.sessions = SessionStore(db, clock)
        self._catalogue: Catalogue | None = None
        self._data_version: int | None = None
        self._pools: dict[tuple, rq.Pool] = {}
        self._liked: set[int] = set()
        self._liked_upto = 0

    @classmethod
    def open(cls, db: Database, config: Config, **options: Any) -> "Recommender":
        """A recommender for ``db``; ``options`` as in the constructor (tests, evaluation)."""
        return cls(db, config, **options)

    # -- keeping up with the database ----------------------------------------------------

    def reload(self) -> None:
        """Forget the cached library and re-read the learned state (after a rescan)."""
        self._catalogue = None
        self._pools.clear()
        self.taste.refresh()

    def catalogue(self) -> Catalogue:
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._catalogue is None or version != self._data_version:
            self._data_version = version
            sig = signature(self.db)
            if self._catalogue is None or sig != self._catalogue.signature:
                self._catalogue = Catalogue.load(self.db)
                self._pools.clear()
        return self._catalogue

    def _learn(self, catalogue: Catalogue) -> None:
        if self.adapt:
            self.taste.catch_up(self.db, catalogue, local_hour)

    def forget(self) -> None:
        """Reset the learned taste (the history itself is the database's)."""
        self.taste.reset()
        self._liked, self._liked_upto = set(), self.sessions.newest_event()

    def window_size(self, catalogue: Catalogue | None = None) -> int:
        """How many recent picks may not be repeated: 60 % of the pickable tracks
        (rounded up, less than all of them), at most 250."""
        catalogue = catalogue or self.catalogue()
        pickable = int((catalogue.duration >= self.config.library.min_track_seconds).sum())
        return min(WINDOW_MAX, max(1, min(pickable - 1, math.ceil(WINDOW_FRACTION * pickable))))

    # -- the station's calls -------------------------------------------------------------

    def next(self, now_playing: Track | None = None, *, record: bool = True) -> Pick:
        """Choose the next track; with ``record`` it is logged as playing now."""
        cat = self.catalogue()
        if len(cat) == 0:
            raise NoTracks("the library is empty: scan some music first (booth scan)")
        self._learn(cat)
        view = self.sessions.read()
        current_id = now_playing.id if now_playing else view.now_playing
        current = cat.row(current_id) if current_id is not None else None
        chosen = None
        if view.request:
            chosen = self._from_request(cat, view, view.request, current, record)
        if chosen is None:
            chosen = self._choose(cat, view, current, self._base_mask(cat, current))
        row, reason, kind = chosen
        track = self.db.track(int(cat.ids[row]))
        if record:
            self.sessions.record_play(track.id, reason, kind)
        return Pick(track, reason, kind)

    def feedback(self, track_id: int, outcome: str, position: float | None = None) -> None:
        """Record how a track ended (complete, skip, like, dislike) and learn from it."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        if self.db.track(int(track_id)) is None:
            raise ValueError(f"no track with id {track_id}")
        if position is not None and (not math.isfinite(position) or position < 0):
            raise ValueError(f"position must be a number of seconds ≥ 0, got {position}")
        self.sessions.record(int(track_id), outcome, position)
        self._learn(self.catalogue())

    def request(self, slots: dict[str, Any]) -> rq.RequestResult:
        """Apply a request (slots artist, album, title, genre, mood) to the next picks."""
        request, result = rq.resolve(self.catalogue(), slots)
        self.sessions.set_request(request)
        return result

    def more_like_this(self, track_id: int | None = None) -> rq.RequestResult:
        """Anchor the next picks on a track (default: the one playing)."""
        track_id = track_id if track_id is not None else self.sessions.now_playing()
        request, result = rq.more_like_this(self.catalogue(), track_id)
        if request:
            self.sessions.set_request(request)
        return result

    def switch_it_up(self) -> rq.RequestResult:
        """Move to a clearly different region of the library for the next picks."""
        cat = self.catalogue()
        view = self.sessions.read()
        ids = [r.track_id for r in view.recent] + ([view.now_playing] if view.now_playing else [])
        request, result = rq.switch_it_up(cat, ids)
        self.sessions.restart_floor()   # the old mood stops steering the session
        self.sessions.set_request(request)
        return result

    # -- requests ------------------------------------------------------------------------

    def _pool(self, cat: Catalogue, req: dict[str, Any]) -> rq.Pool:
        key = (req.get("id"), cat.signature)
        if key not in self._pools:
            self._pools[key] = rq.pool(cat, req)
        return self._pools[key]

    def _from_request(self, cat: Catalogue, view: SessionView, req: dict[str, Any],
                      current: int | None, record: bool) -> tuple[int, str, str] | None:
        kind = req["kind"]
        given = int(req.get("given", 0))
        if kind in ("album", "title"):
            queue = [t for t in req.get("queue", []) if cat.row(t) is not None]
            if not queue:
                self.sessions.set_request(None)
                return None
            row = cat.row(queue[0])
            if record:
                self._advance(req, queue=queue[1:])
            return row, rq.reason(req, given), rq.reason_kind(req)
        pool, anchor, weight = self._pool(cat, req)
        asked_artist = kind == "artist" and req.get("matched")
        base = self._base_mask(cat, current, allow_same_artist=bool(asked_artist))
        if pool is not None:
            mask = base & pool
            if not mask.any():
                mask = self._base_mask(cat, current, allow_same_artist=True, window=False) & pool
            if not mask.any():   # the pool is used up: the request ends here
                self.sessions.set_request(None)
                return None
        else:
            mask = base
        row, _, _ = self._sample(cat, view, current, (anchor, weight), mask, explore=False)
        if record:
            self._advance(req)
        return row, rq.reason(req, given), rq.reason_kind(req)

    def _advance(self, req: dict[str, Any], queue: list[int] | None = None) -> None:
        req = {**req, "given": int(req.get("given", 0)) + 1, "remaining": int(req["remaining"]) - 1}
        if queue is not None:
            req["queue"] = queue
            req["remaining"] = len(queue)
        self.sessions.set_request(req if req["remaining"] > 0 else None)

    # -- choosing ------------------------------------------------------------------------

    def _base_mask(self, cat: Catalogue, current: int | None, allow_same_artist: bool = False,
                   window: bool = True) -> np.ndarray:
        """Long enough, not played within the window, not the same artist as now."""
        mask = cat.duration >= self.config.library.min_track_seconds
        if not mask.any():
            mask = np.ones(len(cat), bool)
        relaxed = mask.copy()
        if window:
            for track_id in self.sessions.played_lately(self.window_size(cat)):
                row = cat.row(track_id)
                if row is not None:
                    mask[row] = False
        if current is not None:
            mask[current] = False
            if not allow_same_artist and cat.artist_code[current] >= 0:
                same = cat.artist_code == cat.artist_code[current]
                if (mask & ~same).any():
                    mask &= ~same
        if not mask.any():  # everything was played lately: allow repeats rather than stop
            mask = relaxed
            if current is not None and mask.sum() > 1:
                mask[current] = False
        return mask

    def feeds(self, cat: Catalogue, view: SessionView, current: int | None,
              anchor: tuple[np.ndarray | None, float]) -> dict[str, np.ndarray]:
        """The model's inputs for one pick."""
        a = space.AUDIO_DIM
        recent = [(cat.row(r.track_id), r) for r in view.recent]
        recent = [(row, r) for row, r in recent if row is not None]
        if recent:
            rows = [row for row, _ in recent]
            recent_audio = cat.audio[rows]
            recent_artist = np.array([cat.artist_bucket[row] or space.NO_ARTIST for row in rows], np.int64)
            outcome = np.array([_outcome_code(r, float(cat.duration[row])) for row, r in recent], np.int64)
            age = np.arange(len(recent), dtype=np.float32)
        else:
            recent_audio = np.zeros((1, a), np.float32)
            recent_artist = np.array([space.NO_ARTIST], np.int64)
            outcome = np.zeros(1, np.int64)
            age = np.zeros(1, np.float32)
        point, weight = anchor
        state = self.taste.state
        return {
            "sound": cat.sound, "artist": cat.artist_bucket,
            "album": cat.album_bucket, "genre": cat.genre_bucket, "decade": cat.decade_bucket,
            "recent_audio": np.ascontiguousarray(recent_audio), "recent_artist": recent_artist,
            "recent_outcome": outcome, "recent_age": age,
            "current_audio": (cat.audio[[current]] if current is not None else np.zeros((1, a), np.float32)),
            "has_current": np.array([1.0 if current is not None else 0.0], np.float32),
            "anchor_audio": (np.asarray(point, np.float32).reshape(1, a) if point is not None
                             else np.zeros((1, a), np.float32)),
            "anchor_weight": np.array([weight if point is not None else 0.0], np.float32),
            "hour": np.array([local_hour(self.clock())], np.float32),
            **state.feeds(), "metric": cat.metric(state.feature_weights),
        }

    def scores(self, cat: Catalogue, view: SessionView, current: int | None,
               anchor: tuple[np.ndarray | None, float] = (None, 0.0)) -> Scores:
        return self.model.score(self.feeds(cat, view, current, anchor))

    def _sample(self, cat: Catalogue, view: SessionView, current: int | None,
                anchor: tuple[np.ndarray | None, float], mask: np.ndarray,
                explore: bool) -> tuple[int, Scores, bool]:
        scores = self.scores(cat, view, current, anchor)
        candidates = np.flatnonzero(mask)
        values = scores.score[candidates]
        if explore and candidates.size > 2 and self.rng.random() < self.exploration:
            upper = candidates[values >= np.median(values)]
            return int(self.rng.choice(upper)), scores, True
        k = min(TOP_K, candidates.size)
        top = np.argpartition(-values, k - 1)[:k]
        logits = (values[top] - values[top].max()) / TEMPERATURE
        p = np.exp(logits)
        choice = self.rng.choice(k, p=p / p.sum())
        return int(candidates[top[choice]]), scores, False

    def _choose(self, cat: Catalogue, view: SessionView, current: int | None,
                mask: np.ndarray) -> tuple[int, str, str]:
        row, scores, explored = self._sample(cat, view, current, (None, 0.0), mask, explore=True)
        if explored:
            return row, "a wild card — something a bit different", "explore"
        return (row, *self._taste_reason(cat, view, current, row, scores))

    def _taste_reason(self, cat: Catalogue, view: SessionView, current: int | None, row: int,
                      scores: Scores) -> tuple[str, str]:
        artist = cat.artist_of(row)
        bucket = int(cat.artist_bucket[row])
        if artist and bucket and self.taste.state.taste_artist[bucket] > 0.2:
            liked_artists = {int(cat.artist_code[r]) for r in map(cat.row, self._liked_tracks())
                             if r is not None}
            if int(cat.artist_code[row]) in liked_artists:
                return f"because you liked {artist}", "liked_artist"
        kept = [(cat.row(r.track_id), r) for r in view.recent if r.ending in ("like", "complete")]
        kept = [(k, r) for k, r in kept if k is not None and k != row]
        if kept:
            metric = space.GROUP_MATRIX @ cat.metric(self.taste.state.feature_weights)
            d = np.array([float((((cat.audio[k] - cat.audio[row]) ** 2) * metric).sum()) for k, _ in kept])
            best = int(np.argmin(d))
            k, r = kept[best]
            if d[best] < 1.5:
                if r.ending == "like":
                    return f"because you liked {cat.titles[k]}", "taste"
                return f"in the same vein as {cat.titles[k]}", "taste"
        if float(scores.taste[row]) > 0.5:
            return "it's the kind of thing you usually enjoy", "taste"
        if current is not None and float(scores.flow[row]) > 0.5:
            return f"it follows on nicely from {cat.titles[current]}", "taste"
        return "something to get us going", "explore"

    def _liked_tracks(self) -> set[int]:
        rows = self.db.conn.execute(
            "SELECT id, track_id FROM events WHERE id > ? AND kind = 'like'", (self._liked_upto,))
        for row in rows:
            self._liked.add(int(row["track_id"]))
            self._liked_upto = max(self._liked_upto, int(row["id"]))
        return self._liked


def _outcome_code(recent: RecentTrack, duration: float) -> int:
    """Index into ``graph.OUTCOMES`` of how a recent track ended."""
    if recent.ending == "skip":
        return 3 if skip_kind(recent.position, duration) == "skip_early" else 4
    return {"unknown": 1, "complete": 2, "like": 5, "dislike": 6}[recent.ending]
