"""A noise floor under what PocketSphinx hears.

PocketSphinx's model learnt from recordings that always carry some room and microphone noise.
Stretches of exact or near digital silence (a synthetic voice, a microphone's noise gate, a
sound server's noise suppression, a recording trimmed in an editor) give features no room
gives: their energy is far below anything it learnt, they drag its running cepstral mean
down, and the words around them are misheard. Lifting every frame quieter than a real room to
a faint hiss fixes that and leaves every louder frame exactly as it was.

It helps most where the silence is exact (clean synthetic clips), whatever the noise's seed,
and more than ±1 bit of noise, which removes the exact zeros but stays as quiet. Louder
floors help as much there but, like noise added to every frame, touch a real microphone's own
noise and change how real recordings are heard; the floor is set below any microphone's
noise, so they are heard exactly as without it. The figures: docs/performance.md, "The noise
floor".
"""

from __future__ import annotations

import numpy as np

FLOOR_DBFS = -78.0
"""Level quieter frames are lifted to (RMS, dB below full scale): under any microphone's own
noise, so a real room passes untouched."""
FRAME = 160
"""Samples per frame whose level is checked (10 ms at 16 kHz, PocketSphinx's frame step)."""
FULL_SCALE = 32768.0


class NoiseFloor:
    """Lifts 16-bit-scale audio frames quieter than `dbfs` to that level with white noise.

    The noise is seeded: after `reset()` the same audio always comes out the same."""

    def __init__(self, dbfs: float = FLOOR_DBFS, seed: int = 0):
        self.dbfs = dbfs
        self._power = (FULL_SCALE * 10 ** (dbfs / 20)) ** 2
        self._seed = seed
        self._random = np.random.default_rng(seed)

    def reset(self) -> None:
        """Start the noise again, as for a new utterance."""
        self._random = np.random.default_rng(self._seed)

    def lift(self, block: np.ndarray) -> np.ndarray:
        """`block` (samples on the 16-bit scale) as int16, each frame quieter than the floor
        topped up to it; louder frames unchanged."""
        samples = block.astype(np.float64)
        if samples.size == 0:
            return samples.astype(np.int16)
        starts = np.arange(0, samples.size, FRAME)
        power = np.add.reduceat(samples ** 2, starts) / np.diff(np.append(starts, samples.size))
        missing = np.maximum(self._power - power, 0.0)
        if not missing.any():
            return np.clip(np.round(samples), -32768, 32767).astype(np.int16)
        level = np.repeat(np.sqrt(missing), FRAME)[:samples.size]
        noise = self._random.standard_normal(samples.size) * level
        return np.clip(np.round(samples + noise), -32768, 32767).astype(np.int16)
