"""Measurements for tests, benchmarks and evaluations: libebur128's loudness and true peak,
silences, peak memory, percentiles."""

from __future__ import annotations

import resource

import numpy as np
import pyebur128


def loudness(frames: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) by libebur128."""
    frames = np.ascontiguousarray(frames, dtype=np.float32)
    state = pyebur128.R128State(frames.shape[1], rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(frames.ravel(), frames.shape[0])
    return float(pyebur128.get_loudness_global(state))


def true_peak(frames: np.ndarray, rate: int) -> float:
    """True peak (dBTP) by libebur128's own oversampling meter."""
    frames = np.ascontiguousarray(frames, dtype=np.float32)
    state = pyebur128.R128State(frames.shape[1], rate, pyebur128.MeasurementMode.MODE_TRUE_PEAK)
    state.add_frames(frames.ravel(), frames.shape[0])
    peak = max(pyebur128.get_true_peak(state, c) for c in range(frames.shape[1]))
    return float(20 * np.log10(max(peak, 1e-12)))


def rms_db(frames: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(frames, dtype=np.float64)) + 1e-20))


def longest_silence(frames: np.ndarray, rate: int, threshold_db: float = -60.0,
                    window: float = 0.05) -> float:
    """The longest run (s) of windows whose peak is under ``threshold_db``."""
    size = int(rate * window)
    n = frames.shape[0] // size * size
    peaks = np.abs(frames[:n]).reshape(-1, size * frames.shape[1]).max(axis=1)
    quiet = 20 * np.log10(peaks + 1e-12) < threshold_db
    longest = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        longest = max(longest, run)
    return longest * window


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (MB) of this process, or with ``RUSAGE_CHILDREN`` of its
    largest waited-for child."""
    return resource.getrusage(who).ru_maxrss / 1024


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank, no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
