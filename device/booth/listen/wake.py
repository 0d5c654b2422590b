"""Wake word detection on 16 kHz int16 blocks.

`MicroWakeWordDetector` (default): microWakeWord through `pymicro-wakeword`, models bundled
(hey_jarvis, okay_nabu, hey_mycroft, alexa), two ears (QUICK_EAR_SPEED); the lighter engine.
`OpenWakeWordDetector`: openWakeWord through `pyopen-wakeword` (its bundled models are licensed
for non-commercial use only); costs several times as much CPU.
What each costs: docs/performance.md, "Listening" and "Wake word".
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import soxr

MICRO_CUTOFF = 0.9
"""Highest microWakeWord cutoff Booth uses (on the mean of the model's last five scores).
hey_jarvis ships with a stricter cutoff, at which the wake word said in voices the model knows
less well is missed, while speech without the wake word, the DJ's voice and music score far
below 0.9; 0.9 sits near the moderate setting of Home Assistant Voice PE's firmware, a little
keener. The scores and the missed wake words: docs/performance.md, "Wake word"."""
QUICK_EAR_SPEED = 1.15
"""The second microWakeWord ear hears the microphone 15 % faster and higher, where voices the
model was not trained on come closer to those it was: it hears the wake word in more of
espeak's voices (its male voices above all) without adding a false wake, and hears Piper's
voice as well as one ear does. It listens at the model's own cutoff (hey_jarvis: 0.97), and
costs as much CPU again as the first ear. 1.15 heard the most of the speeds tried with a clear
margin against speech without the wake word; a third ear, or a keener cutoff on this one,
gained little for their cost or margin. The figures: docs/performance.md, "Wake word"."""
SAMPLE_RATE = 16000
OPEN_THRESHOLD = 0.5
"""openWakeWord's usual threshold on a single score."""


class WakeWordDetector(Protocol):
    """Says when the wake word has just been heard."""

    name: str
    """The model's id, e.g. "hey_jarvis" (Hermes `modelId`)."""

    def process(self, block: np.ndarray) -> bool:
        """Feed int16 samples; True once when the wake word ends in them."""

    def reset(self) -> None:
        """Forget what was heard (after a detection or an utterance)."""


class _MicroEar:
    """One microWakeWord model listening to the microphone, at its speed or played faster."""

    def __init__(self, model, speed: float = 1.0):
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures
        self._model = MicroWakeWord.from_builtin(model)
        self._features = MicroWakeWordFeatures()
        self.speed = speed
        self._resampler = None
        self.reset()

    @property
    def cutoff(self) -> float:
        """The score above which it hears the wake word (at first, the model's own)."""
        return float(self._model.probability_cutoff)

    @cutoff.setter
    def cutoff(self, value: float) -> None:
        self._model.probability_cutoff = value

    def hears(self, block: np.ndarray) -> bool:
        samples = block.astype(np.int16)
        if self._resampler is not None:       # fewer samples at the model's 16 kHz: faster
            samples = self._resampler.resample_chunk(samples)
        heard = False
        for features in self._features.process_streaming(samples.tobytes()):
            if self._model.process_streaming(features):
                heard = True
        return heard

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()
        if self.speed != 1.0:
            self._resampler = soxr.ResampleStream(SAMPLE_RATE, SAMPLE_RATE / self.speed, 1,
                                                  dtype="int16")


class MicroWakeWordDetector:
    """microWakeWord (TFLite micro models bundled with pymicro-wakeword), with a second ear on
    the same sound played QUICK_EAR_SPEED times faster."""

    def __init__(self, wake_word: str = "hey_jarvis", cutoff: float = 0.0,
                 quick_ear: bool = True):
        """`cutoff`: the score above which the wake word counts; 0: the model's own, at most
        MICRO_CUTOFF. `quick_ear`: also listen at QUICK_EAR_SPEED (at the model's own cutoff,
        or `cutoff` if higher)."""
        from pymicro_wakeword import Model
        try:
            model = Model(wake_word)
        except ValueError:
            raise ValueError(f"no bundled microWakeWord model {wake_word!r}; choose one of "
                             + ", ".join(m.value for m in Model)) from None
        self.name = wake_word
        ear = _MicroEar(model)
        own = ear.cutoff
        ear.cutoff = _checked(cutoff) or min(own, MICRO_CUTOFF)
        self._ears = [ear]
        if quick_ear:
            quick = _MicroEar(model, QUICK_EAR_SPEED)
            quick.cutoff = max(own, ear.cutoff)
            self._ears.append(quick)

    @property
    def cutoff(self) -> float:
        """The score (mean of the model's last few) above which the wake word counts."""
        return self._ears[0].cutoff

    def process(self, block: np.ndarray) -> bool:
        heard = False
        for ear in self._ears:
            heard = ear.hears(block) or heard
        if heard:
            self.reset()
        return heard

    def reset(self) -> None:
        for ear in self._ears:
            ear.reset()


class OpenWakeWordDetector:
    """openWakeWord (TFLite models bundled with pyopen-wakeword)."""

    def __init__(self, wake_word: str = "hey_jarvis", threshold: float = OPEN_THRESHOLD):
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures
        try:
            model = Model(wake_word)
        except ValueError:
            raise ValueError(f"no bundled openWakeWord model {wake_word!r}; choose one of "
                             + ", ".join(m.value for m in Model)) from None
        self.name = wake_word
        self.threshold = _checked(threshold) or OPEN_THRESHOLD
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


def _checked(threshold: float) -> float:
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"wake word threshold {threshold} is outside 0–1 (0: the default)")
    return threshold


def make_wake_word_detector(engine: str, wake_word: str, threshold: float = 0.0,
                            quick_ear: bool = True) -> WakeWordDetector:
    """The detector a setting names: `micro` or `open`; `threshold` 0 is the engine's default
    (micro: the model's own cutoff, at most MICRO_CUTOFF; open: OPEN_THRESHOLD); `quick_ear`
    (micro only): a second ear at QUICK_EAR_SPEED."""
    if engine == "micro":
        return MicroWakeWordDetector(wake_word, threshold, quick_ear)
    if engine == "open":
        return OpenWakeWordDetector(wake_word, threshold)
    raise ValueError(f"unknown wake word engine {engine!r}: use micro or open")
