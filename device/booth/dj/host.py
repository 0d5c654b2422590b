"""The DJ at work: decides when to talk, writes the link from real facts and voices it,
in a worker thread, ahead of the transition it belongs to (`booth.station.LinkMaker`)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Callable

import numpy as np

from booth.config import Config
from booth.dj.talk import TalkPolicy
from booth.dj.writer import REASON_KINDS, LinkFacts, LinkWriter, TrackFacts
from booth.library.analysis import integrated_loudness
from booth.library.db import Database, Track

log = logging.getLogger(__name__)

VOICE_ABOVE_MUSIC_DB = 2.0
"""The voice's loudness relative to the music's target (the music is ducked under it)."""


def level_voice(samples: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    """Scale speech to ``target_lufs`` (integrated), never above −1 dBFS sample peak."""
    if samples.size == 0:
        return samples
    current = integrated_loudness(samples[:, None], rate)
    gain = 10 ** ((target_lufs - current) / 20) if current > -70 else 1.0
    peak = float(np.abs(samples).max()) * gain
    if peak > 0.89:
        gain *= 0.89 / peak
    return (samples * gain).astype(np.float32)


class DJHost:
    """Prepares the DJ's links for the station."""

    def __init__(self, config: Config, db: Database, voice, seed: int | None = None,
                 clock: Callable[[], datetime] = datetime.now):
        self.config = config
        self.db = db
        self.voice = voice
        self.rate = config.audio.sample_rate
        self.policy = TalkPolicy(config.dj.talk)
        self.writer = LinkWriter(seed=seed)
        self.clock = clock
        self.transitions = 0
        self.links = 0
        self.last_link: str | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="booth-dj")
        self.voice_target = config.audio.loudness_target + VOICE_ABOVE_MUSIC_DB

    @property
    def talk(self) -> str:
        return self.policy.level

    def set_talk(self, level: str) -> None:
        """Change how often the DJ talks, from the next transition on."""
        self.policy = TalkPolicy(level)

    def prepare(self, pick, previous: Track | None, budget: float,
                session_start: bool) -> Future | None:
        """Start writing and voicing the link before ``pick``, if the DJ talks there."""
        index = self.transitions
        self.transitions += 1
        kind = pick.reason_kind if pick.reason_kind in REASON_KINDS else None
        if not self.policy.should_talk(self.links, index, session_start, kind == "request"):
            return None
        self.links += 1
        # A learning picker logs its pick as it makes it: the history is what came before.
        last = self.db.last_event()
        before = last["at"] if last and last["track_id"] == pick.track.id \
            and last["kind"] == "play" else None
        facts = LinkFacts(
            next=TrackFacts.from_track(pick.track, self.db.history(pick.track.id, before)),
            previous=TrackFacts.from_track(previous) if previous else None,
            reason=pick.reason or None, reason_kind=kind, now=self.clock(),
            session_start=session_start)
        return self._pool.submit(self._make, facts, budget)

    def _make(self, facts: LinkFacts, budget: float) -> tuple[np.ndarray, str] | None:
        text = self.writer.write(facts, max_seconds=budget,
                                 words_per_second=self.config.dj.words_per_second)
        if not text:
            return None
        return self.speak(text), text

    def speak(self, text: str) -> np.ndarray:
        """Synthesise ``text`` at the mixer's rate and the voice's level (worker threads)."""
        samples = self.voice.synthesize(text)
        with self._lock:
            self.last_link = text
        return level_voice(samples, self.rate, self.voice_target)

    def speak_later(self, text: str) -> Future:
        """`speak` in the DJ's worker thread; the future's result is the samples."""
        return self._pool.submit(self.speak, text)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if hasattr(self.voice, "close"):  # a remote voice holds a broker connection
            self.voice.close()
