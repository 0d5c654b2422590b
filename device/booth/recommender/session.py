"""The listening session, kept in the database so every process sees the same one.

- ``events`` (kind ``play``) are the picks, in order; later ``complete``/``skip``/``like``/
  ``dislike`` events on the same track say how each ended.
- ``state['dj.session']``: ``{"id", "floor", "last_active"}``; plays after event ``floor``
  belong to the session. A new session starts after ``SESSION_GAP`` seconds of silence,
  and "switch it up" moves the floor so the old mood stops steering.
- ``state['dj.request']``: the active request (see ``booth.recommender.requests``).
- ``state['dj.now_playing']``: the last pick with its reason.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from booth.library.db import Database

SESSION_GAP = 2 * 3600.0
RECENT = 12
"""How many of the session's latest tracks the model sees."""

SESSION_KEY = "dj.session"
REQUEST_KEY = "dj.request"
NOW_PLAYING_KEY = "dj.now_playing"


@dataclass(frozen=True)
class RecentTrack:
    """One play of the session, newest first in ``SessionView.recent``."""

    event_id: int
    track_id: int
    ending: str          # unknown, complete, skip, like, dislike
    position: float | None


@dataclass(frozen=True)
class SessionView:
    """What the chooser needs to know about the session, read fresh for each pick."""

    session_id: str
    recent: tuple[RecentTrack, ...]
    now_playing: int | None
    request: dict[str, Any] | None


class SessionStore:
    """Reads and writes the session state of one database."""

    def __init__(self, db: Database, clock=time.time):
        self.db = db
        self.clock = clock

    def session(self, touch: bool = True) -> dict[str, Any]:
        """The current session, starting a new one after a long silence."""
        now = self.clock()
        current = self.db.get_state(SESSION_KEY)
        if not current or now - float(current.get("last_active", 0)) > SESSION_GAP:
            current = {"id": uuid.uuid4().hex[:12], "floor": self.newest_event(), "last_active": now}
            self.db.set_state(SESSION_KEY, current)
        elif touch:
            current = {**current, "last_active": now}
            self.db.set_state(SESSION_KEY, current)
        return current

    def newest_event(self) -> int:
        return int(self.db.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def restart_floor(self) -> None:
        """Older plays stop counting as this session's (after "switch it up")."""
        current = self.session()
        self.db.set_state(SESSION_KEY, {**current, "floor": self.newest_event()})

    def read(self) -> SessionView:
        session = self.session(touch=False)
        plays = self.db.conn.execute(
            "SELECT id, track_id FROM events WHERE kind = 'play' AND id > ? ORDER BY id DESC LIMIT ?",
            (int(session["floor"]), RECENT)).fetchall()
        endings: dict[int, list] = {}
        if plays:
            rows = self.db.conn.execute(
                "SELECT id, track_id, kind, position FROM events WHERE id > ? AND kind != 'play' "
                "ORDER BY id", (int(plays[-1]["id"]),)).fetchall()
            for row in rows:
                endings.setdefault(int(row["track_id"]), []).append(row)
        recent = []
        later_play: dict[int, int] = {}
        for play in plays:  # newest first
            track, pid = int(play["track_id"]), int(play["id"])
            upto = later_play.get(track, 1 << 62)
            ends = [e for e in endings.get(track, []) if pid < e["id"] < upto]
            recent.append(_ending(pid, track, ends))
            later_play[track] = pid
        return SessionView(session_id=session["id"], recent=tuple(recent),
                           now_playing=self.now_playing(), request=self.db.get_state(REQUEST_KEY))

    def now_playing(self) -> int | None:
        row = self.db.conn.execute(
            "SELECT track_id FROM events WHERE kind = 'play' ORDER BY id DESC LIMIT 1").fetchone()
        return int(row["track_id"]) if row else None

    def played_lately(self, count: int) -> list[int]:
        """Track ids of the last ``count`` plays, newest first (across sessions)."""
        rows = self.db.conn.execute(
            "SELECT track_id FROM events WHERE kind = 'play' ORDER BY id DESC LIMIT ?", (count,))
        return [int(r["track_id"]) for r in rows]

    def liked_tracks(self) -> set[int]:
        rows = self.db.conn.execute("SELECT DISTINCT track_id FROM events WHERE kind = 'like'")
        return {int(r["track_id"]) for r in rows}

    def record_play(self, track_id: int, reason: str, reason_kind: str) -> None:
        session = self.session()
        self.db.record(track_id, "play", session=session["id"], at=self.clock())
        self.db.set_state(NOW_PLAYING_KEY, {"id": track_id, "reason": reason,
                                            "reason_kind": reason_kind, "at": self.clock()})

    def record(self, track_id: int, kind: str, position: float | None) -> None:
        session = self.session()
        self.db.record(track_id, kind, position=position, session=session["id"], at=self.clock())

    def set_request(self, request: dict[str, Any] | None) -> None:
        if request is None:
            self.db.conn.execute("DELETE FROM state WHERE key = ?", (REQUEST_KEY,))
        else:
            self.db.set_state(REQUEST_KEY, request)


def _ending(event_id: int, track_id: int, events: list) -> RecentTrack:
    kinds = [e["kind"] for e in events]
    for kind in ("dislike", "like", "skip", "complete"):
        if kind in kinds:
            position = next((e["position"] for e in events if e["kind"] == kind), None)
            return RecentTrack(event_id, track_id, kind, position)
    return RecentTrack(event_id, track_id, "unknown", None)
