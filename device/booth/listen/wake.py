"""Wake word detection on 16 kHz int16 blocks.

`MicroWakeWordDetector` (default): microWakeWord through `pymicro-wakeword`, models bundled
(hey_jarvis, okay_nabu, hey_mycroft, alexa), about 0.4 % of one core.
`OpenWakeWordDetector`: openWakeWord through `pyopen-wakeword` (its bundled models are licensed
for non-commercial use only), about 5 % of one core.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class WakeWordDetector(Protocol):
    """Says when the wake word has just been heard."""

    name: str
    """The model's id, e.g. "hey_jarvis" (Hermes `modelId`)."""

    def process(self, block: np.ndarray) -> bool:
        """Feed int16 samples; True once when the wake word ends in them."""

    def reset(self) -> None:
        """Forget what was heard (after a detection or an utterance)."""


class MicroWakeWordDetector:
    """microWakeWord (TFLite micro models bundled with pymicro-wakeword)."""

    def __init__(self, wake_word: str = "hey_jarvis"):
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        try:
            model = Model(wake_word)
        except ValueError:
            raise ValueError(f"no bundled microWakeWord model {wake_word!r}; choose one of "
                             + ", ".join(m.value for m in Model)) from None
        self.name = wake_word
        self._model = MicroWakeWord.from_builtin(model)
        self._features = MicroWakeWordFeatures()

    def process(self, block: np.ndarray) -> bool:
        heard = False
        for features in self._features.process_streaming(block.astype(np.int16).tobytes()):
            if self._model.process_streaming(features):
                heard = True
        if heard:
            self.reset()
        return heard

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()


class OpenWakeWordDetector:
    """openWakeWord (TFLite models bundled with pyopen-wakeword)."""

    def __init__(self, wake_word: str = "hey_jarvis", threshold: float = 0.5):
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures
        try:
            model = Model(wake_word)
        except ValueError:
            raise ValueError(f"no bundled openWakeWord model {wake_word!r}; choose one of "
                             + ", ".join(m.value for m in Model)) from None
        self.name = wake_word
        self.threshold = threshold
        self._model = OpenWakeWord.from_builtin(model)
        self._features = OpenWakeWordFeatures.from_builtin()

    def process(self, block: np.ndarray) -> bool:
        heard = False
        for features in self._features.process_streaming(block.astype(np.int16).tobytes()):
            for probability in self._model.process_streaming(features):
                heard = heard or probability > self.threshold
        if heard:
            self.reset()
        return heard

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()


def make_wake_word_detector(engine: str, wake_word: str) -> WakeWordDetector:
    """The detector a setting names: `micro` or `open`."""
    if engine == "micro":
        return MicroWakeWordDetector(wake_word)
    if engine == "open":
        return OpenWakeWordDetector(wake_word)
    raise ValueError(f"unknown wake word engine {engine!r}: use micro or open")
