"""A look-ahead true-peak limiter: the output never clips and stays under the ceiling.

The gain for each sample is the minimum of the gains needed over a window around it,
smoothed by a moving average of the look-ahead length; because every sample of the average
is itself at most the gain that sample needs, the smoothed gain never lets a peak through
(see `_smoothed_gain`). Peaks are estimated between samples by 4× oversampling, only in
blocks loud enough to need it, so quiet music costs almost nothing.
"""

from __future__ import annotations

import numpy as np
from booth.audio.peaks import CONTEXT, sliding_min, true_peaks


class Limiter:
    """Streams stereo blocks through; output is delayed by ``lookahead`` frames."""

    def __init__(self, rate: int, ceiling_db: float = -1.0, lookahead: float = 0.005,
                 hold: float = 0.05, margin_db: float = 0.3):
        self.ceiling = 10 ** ((ceiling_db - margin_db) / 20)
        self.lookahead = max(2, int(rate * lookahead))
        self.hold = int(rate * hold)
        self.history = self.lookahead + self.hold
        self._x = np.zeros((self.lookahead, 2), np.float32)        # delayed input
        self._need = np.ones(self.history + self.lookahead, np.float32)  # gain needed, past
        self._ctx = np.zeros((CONTEXT, 2), np.float32)              # for oversampling edges
        self.reduction_db = 0.0
        """Deepest gain reduction of the last block (dB, ≤ 0); for meters and tests."""

    @property
    def latency(self) -> int:
        return self.lookahead

    def _peaks(self, block: np.ndarray) -> np.ndarray:
        # Points between samples matter only next to samples within 6 dB of the ceiling.
        return true_peaks(block, before=self._ctx, floor=self.ceiling / 2)

    def _smoothed_gain(self, need: np.ndarray, n: int) -> np.ndarray:
        # need covers [t0 - history - L, t0 + n); output samples are [t0 - L, t0 - L + n).
        # hold: min over [j - hold, j + L); then a moving average over [j - L + 1, j].
        L = self.lookahead
        mins = np.empty_like(need)
        mins[self.hold:] = sliding_min(need, L + self.hold)[:need.shape[0] - self.hold]
        mins[:self.hold] = mins[self.hold]
        csum = np.concatenate([[0.0], np.cumsum(mins, dtype=np.float64)])
        start = self.history  # index in `need` of the first output sample (t0 - L)
        idx = np.arange(start, start + n)
        return ((csum[idx + 1] - csum[idx + 1 - L]) / L).astype(np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Limit one block (frames × 2, float32); returns the same number of frames."""
        n = block.shape[0]
        peaks = self._peaks(block)
        need = np.minimum(1.0, self.ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
        self._ctx = block[-CONTEXT:].copy() if n >= CONTEXT else self._ctx
        all_need = np.concatenate([self._need, need])
        delayed = np.concatenate([self._x, block])
        if all_need.min() >= 1.0:
            gain = None
            self.reduction_db = 0.0
        else:
            gain = self._smoothed_gain(all_need, n)
            self.reduction_db = float(20 * np.log10(max(gain.min(), 1e-6)))
        out = delayed[:n] if gain is None else delayed[:n] * gain[:, None]
        self._x = delayed[n:]
        self._need = all_need[-(self.history + self.lookahead):]
        return out
