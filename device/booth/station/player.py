"""Live playback: a render thread that feeds the station's mix to an output sink, and
records what was played in the listening history."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, Callable

import numpy as np

from booth.audio.outputs import Sink
from booth.config import Config
from booth.library.db import Database
from booth.station.picker import Picker
from booth.station.station import LinkMaker, Station

log = logging.getLogger(__name__)


class Player:
    """Plays a station to a sink until stopped."""

    def __init__(self, config: Config, db: Database, picker: Picker, sink: Sink,
                 dj: LinkMaker | None = None, heartbeat: Callable[[], None] = lambda: None):
        """``heartbeat`` is called after every block written (feeds systemd's watchdog)."""
        self.config = config
        self.db = db
        self.sink = sink
        self.station = Station(config, picker, dj=dj)
        self.session = uuid.uuid4().hex[:12]
        self.station.listeners.append(self._record)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cpu_seconds = 0.0
        self.heartbeat = heartbeat

    def _record(self, kind: str, data: dict[str, Any]) -> None:
        # A learning picker (the recommender) records plays itself and learns from endings.
        learns = hasattr(self.station.picker, "feedback")
        if kind == "track_started":
            if not learns:
                self.db.record(data["track"].id, "play", session=self.session)
            log.info("now playing: %s — %s", data["track"].artist or "unknown artist",
                     data["track"].title)
        elif kind == "track_ended" and data["outcome"] in ("complete", "skip"):
            if learns:
                self.station.picker.feedback(data["track"].id, data["outcome"],
                                             data.get("position"))
            else:
                self.db.record(data["track"].id, data["outcome"], data.get("position"),
                               session=self.session)

    def _loop(self) -> None:
        block = self.config.audio.block_frames
        cpu = time.thread_time()
        silence = np.zeros((block, 2), np.float32)
        while not self._stop.is_set() and not self.station.stopped:
            try:
                mix, _, _ = self.station.render(block)
            except Exception:  # never let one bad block end the music for good
                log.exception("render failed; playing silence for one block")
                mix = silence
            self.sink.write(mix)
            self.heartbeat()
        self.cpu_seconds = time.thread_time() - cpu

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="booth-render", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.sink.close()
        self.station.mixer.close()

    def run_forever(self) -> None:
        self.start()
        try:
            while self._thread and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()
