"""What every recogniser offers: it is fed one utterance as it is spoken (so little work is
left when the speaker stops) and returns a `Transcript`. The engines are `booth.listen.sphinx`
and `booth.listen.vosk`; `booth.listen.engines` picks one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard."""

    text: str
    """Words, lowercase, separated by single spaces; empty when nothing was recognised."""
    confidence: float
    """0–1; 1.0 when the engine gives no score."""
    alternatives: tuple[str, ...] = ()
    """The engine's runner-up texts, best first (none when it gives no N-best list)."""
    word_confidence: float = 1.0
    """0–1: the mean of the engine's posterior for each word heard (fillers aside), how sure
    it is of the words one by one; 1.0 when the engine gives none."""


class Recognizer(Protocol):
    """Recognises one utterance at a time."""

    name: str
    """Engine name for reports ("pocketsphinx", "vosk")."""

    def start(self) -> None:
        """Begin an utterance."""

    def feed(self, block: np.ndarray) -> None:
        """More int16 16 kHz samples of the utterance."""

    def finish(self) -> Transcript:
        """End the utterance and return what was said."""
