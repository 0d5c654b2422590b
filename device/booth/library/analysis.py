"""Measurements taken from the audio at scan time: loudness, true peak and cue points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyebur128
import soxr

from booth.audio.peaks import true_peaks

SILENCE_DBFS = -50.0
"""Frames quieter than this (RMS) at the start and end are silence, not music."""
ANALYSIS_RATE = 22050


@dataclass(frozen=True)
class Analysis:
    """What the mixer and the DJ need to know about a track's audio."""

    duration: float
    lufs: float
    true_peak: float
    cue_in: float
    cue_out: float
    intro_end: float
    outro_start: float


def integrated_loudness(frames: np.ndarray, rate: int) -> float:
    """EBU R128 integrated loudness (LUFS) of frames × channels; -70 for silence."""
    state = pyebur128.R128State(frames.shape[1], rate, pyebur128.MeasurementMode.MODE_I)
    state.add_frames(np.ascontiguousarray(frames, dtype=np.float32).ravel(), frames.shape[0])
    value = pyebur128.get_loudness_global(state)
    return float(value) if np.isfinite(value) else -70.0


def true_peak_db(frames: np.ndarray, rate: int) -> float:
    """True peak (dBTP), 4× oversampled next to the samples within 3 dB of the sample peak
    (inter-sample peaks of real music rarely exceed the sample peak by more than that)."""
    sample_peak = float(np.abs(frames).max()) if frames.size else 0.0
    if sample_peak <= 0:
        return -120.0
    peaks = true_peaks(frames, floor=sample_peak / 1.4125)
    return float(20 * np.log10(max(float(peaks.max()), sample_peak)))


def _levels(mono: np.ndarray, rate: int, window: float) -> np.ndarray:
    size = max(1, int(rate * window))
    n = mono.shape[0] // size * size
    if n == 0:
        return np.array([-120.0])
    rms = np.sqrt(np.mean(mono[:n].reshape(-1, size) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms)


def cue_points(mono: np.ndarray, rate: int) -> tuple[float, float, float, float]:
    """(cue_in, cue_out, intro_end, outro_start) in seconds.

    cue_in/out skip leading and trailing silence. intro_end (the "post") is where the
    energy first comes within 4 dB of the track's typical level; outro_start is where it
    last was: the DJ talks over the intro and the crossfade sits in the outro.
    """
    duration = mono.shape[0] / rate
    step = 0.05
    fine = _levels(mono, rate, step)
    loud = np.flatnonzero(fine > SILENCE_DBFS)
    if loud.size == 0:
        return 0.0, duration, 0.0, duration
    cue_in = float(loud[0] * step)
    cue_out = float(min(duration, (loud[-1] + 1) * step))
    coarse = _levels(mono, rate, 1.0)
    body = coarse[(coarse > SILENCE_DBFS)]
    typical = float(np.median(body)) if body.size else SILENCE_DBFS
    rising = np.flatnonzero(coarse >= typical - 4.0)
    intro_end = float(rising[0]) if rising.size else cue_in
    outro_start = float(rising[-1] + 1) if rising.size else cue_out
    intro_end = min(max(intro_end, cue_in), cue_in + 60.0, cue_out)
    outro_start = max(min(outro_start, cue_out), intro_end)
    return cue_in, cue_out, intro_end, outro_start


def to_mono(frames: np.ndarray, rate: int, target: int = ANALYSIS_RATE) -> np.ndarray:
    """Mono float32 at the analysis rate (22.05 kHz), for cue points and features."""
    mono = frames.mean(axis=1).astype(np.float32)
    return soxr.resample(mono, rate, target, quality="MQ") if rate != target else mono


def analyse(frames: np.ndarray, rate: int, mono: np.ndarray | None = None) -> Analysis:
    """Measure a whole decoded track."""
    mono = to_mono(frames, rate) if mono is None else mono
    cue_in, cue_out, intro_end, outro_start = cue_points(mono, ANALYSIS_RATE)
    return Analysis(
        duration=frames.shape[0] / rate,
        lufs=integrated_loudness(frames, rate),
        true_peak=true_peak_db(frames, rate),
        cue_in=cue_in, cue_out=cue_out, intro_end=intro_end, outro_start=outro_start,
    )
