"""Peak meters for the limiter and the scanner, in plain numpy (no SciPy in the player:
importing it doubles the player's memory).

`true_peaks` estimates the peak between samples by 4× oversampling with a windowed-sinc
interpolator, as ITU-R BS.1770's true-peak meter does. `sliding_min` is the van Herk /
Gil-Werman running minimum, O(n) whatever the window.
"""

from __future__ import annotations

import numpy as np

OVERSAMPLE = 4
TAPS_PER_PHASE = 12


def _interpolator() -> np.ndarray:
    """(phases, taps): Kaiser-windowed sinc taps giving x(i + p/4) from x[i-5 .. i+6]."""
    j = np.arange(TAPS_PER_PHASE) - (TAPS_PER_PHASE // 2 - 1)
    half = TAPS_PER_PHASE / 2
    rows = []
    for p in range(1, OVERSAMPLE):  # phase 0 is the sample itself
        x = j - p / OVERSAMPLE
        window = np.i0(8.0 * np.sqrt(np.clip(1 - (x / half) ** 2, 0, 1))) / np.i0(8.0)
        taps = np.sinc(x) * window
        rows.append(taps / taps.sum())
    return np.array(rows, dtype=np.float32)


_PHASES = _interpolator()
CONTEXT = TAPS_PER_PHASE
"""Frames of neighbours the oversampler needs on each side of a block."""


def true_peaks(frames: np.ndarray, before: np.ndarray | None = None,
               after: np.ndarray | None = None, floor: float = 0.0) -> np.ndarray:
    """Per-frame peak (max over channels, the sample and 3 points after it) of
    frames × channels. ``before``/``after``: neighbouring frames so block edges are exact.

    Points between samples are computed only next to samples above ``floor``: where both
    neighbours are far under the level of interest, the result is the sample peak.
    """
    n, channels = frames.shape
    peak = np.abs(frames[:, 0])
    for c in range(1, channels):
        np.maximum(peak, np.abs(frames[:, c]), out=peak)
    near = np.maximum(peak, np.concatenate([peak[1:], peak[-1:]]))
    idx = np.flatnonzero(near > floor)
    if idx.size == 0:
        return peak
    pad_before = before if before is not None else np.zeros((CONTEXT, channels), frames.dtype)
    pad_after = after if after is not None else np.zeros((CONTEXT, channels), frames.dtype)
    padded = np.concatenate([pad_before[-CONTEXT:], frames, pad_after[:CONTEXT]])
    lo = CONTEXT - (TAPS_PER_PHASE // 2 - 1)  # padded index of frames[i - 5] for i = 0
    if idx.size > n // 8:  # many loud samples: whole-array multiply-adds are cheaper
        return np.maximum(peak, _between_all(padded, lo, n))
    windows = padded[idx[:, None] + lo + np.arange(TAPS_PER_PHASE)]  # (k, taps, channels)
    between = np.abs(np.einsum("ktc,pt->kpc", windows, _PHASES, optimize=False))
    peak[idx] = np.maximum(peak[idx], between.reshape(idx.size, -1).max(axis=1))
    return peak


def _between_all(padded: np.ndarray, lo: int, n: int) -> np.ndarray:
    """Peak of the interpolated points after every frame (max over phases and channels)."""
    out = np.zeros(n, np.float32)
    acc = np.empty((n, padded.shape[1]), np.float32)
    for taps in _PHASES:
        # x(i + p/4) = sum_t taps[t] * frames[i - 5 + t]
        np.multiply(padded[lo:lo + n], taps[0], out=acc)
        for t in range(1, TAPS_PER_PHASE):
            acc += taps[t] * padded[lo + t:lo + t + n]
        np.abs(acc, out=acc)
        for c in range(acc.shape[1]):
            np.maximum(out, acc[:, c], out=out)
    return out


def sliding_min(values: np.ndarray, window: int) -> np.ndarray:
    """out[i] = min(values[i : i + window]) (the last ones over what is left)."""
    n = values.shape[0]
    if window <= 1 or n == 0:
        return values.copy()
    pad = (-n) % window + window
    padded = np.concatenate([values, np.full(pad, values[-1], values.dtype)])
    blocks = padded.reshape(-1, window)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    idx = np.arange(n)
    return np.minimum(suffix[idx], prefix[idx + window - 1])
