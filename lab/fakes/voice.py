"""Small working stand-ins for slow or heavy parts, for tests that inject faults.

Import from a test module as ``from lab.fakes.voice import ToneVoice, SlowVoice`` (pytest puts
``tests/`` on the import path).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Protocol

import numpy as np


class Speaks(Protocol):
    """What the DJ needs of a voice (`booth.dj.voice.Voice` has it)."""

    sample_rate: int
    name: str

    def synthesize(self, text: str) -> np.ndarray: ...

    def stream(self, text: str) -> Iterator[np.ndarray]: ...


class ToneVoice:
    """A voice without a model: each sentence is a quiet tone as long as its words take.

    Durations follow ``words_per_second``, so fitting a link into an intro can be tested
    without Piper.
    """

    def __init__(self, sample_rate: int = 48000, words_per_second: float = 3.0, hz: float = 220.0) -> None:
        self.sample_rate = sample_rate
        self.name = "tone"
        self.words_per_second = words_per_second
        self.hz = hz

    def synthesize(self, text: str) -> np.ndarray:
        chunks = list(self.stream(text))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def stream(self, text: str) -> Iterator[np.ndarray]:
        for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
            words = len(sentence.split())
            if words:
                t = np.arange(round(words / self.words_per_second * self.sample_rate)) / self.sample_rate
                yield (0.3 * np.sin(2 * np.pi * self.hz * t)).astype(np.float32)


class SlowVoice:
    """Wraps a voice and waits ``delay`` seconds before its first audio, then maybe fails.

    ``started`` is set when a synthesis begins; ``calls`` counts them. With ``error`` set,
    that exception is raised after the delay instead of returning audio.
    """

    def __init__(self, voice: Speaks | None = None, delay: float = 1.0, error: Exception | None = None) -> None:
        self.voice: Speaks = voice if voice is not None else ToneVoice()
        self.sample_rate = self.voice.sample_rate
        self.name = f"slow {self.voice.name}"
        self.delay = delay
        self.error = error
        self.started = threading.Event()
        self.calls = 0

    def synthesize(self, text: str) -> np.ndarray:
        self._wait()
        return self.voice.synthesize(text)

    def stream(self, text: str) -> Iterator[np.ndarray]:
        self._wait()
        yield from self.voice.stream(text)

    def _wait(self) -> None:
        self.calls += 1
        self.started.set()
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
