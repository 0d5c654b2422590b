"""Measurements taken from the audio at scan time: loudness, true peak and cue points."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
import pyebur128
import soxr

from booth.audio.peaks import CONTEXT, true_peaks

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
    return _lufs(state)


def _lufs(state: pyebur128.R128State) -> float:
    value = pyebur128.get_loudness_global(state)
    return float(value) if np.isfinite(value) else -70.0


TRUE_PEAK_RANGE = 1.4125
"""Points between samples are computed next to samples within 3 dB of the sample peak
(inter-sample peaks of real music rarely exceed the sample peak by more than that)."""


class _Levels:
    """RMS level (dBFS) of consecutive windows of ``size`` samples, fed block by block; a
    last partial window is left out."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._sums: list[np.ndarray] = []
        self._rest = np.zeros(0, np.float64)

    def add(self, mono: np.ndarray) -> None:
        squares = np.concatenate([self._rest, np.square(mono, dtype=np.float64)])
        n = squares.size // self.size * self.size
        if n:
            self._sums.append(squares[:n].reshape(-1, self.size).sum(axis=1))
        self._rest = squares[n:]

    def db(self) -> np.ndarray:
        if not self._sums:
            return np.array([-120.0])
        rms = np.sqrt(np.concatenate(self._sums) / self.size + 1e-12)
        return 20 * np.log10(rms)


CUE_STEP = 0.05
"""Seconds per level window when looking for the start and end of the music."""


def _cues(fine: np.ndarray, coarse: np.ndarray, duration: float) -> tuple[float, float, float, float]:
    """(cue_in, cue_out, intro_end, outro_start) from the levels of 50 ms and 1 s windows.

    cue_in/out skip leading and trailing silence. intro_end (the "post") is where the
    energy first comes within 4 dB of the track's typical level; outro_start is where it
    last was: the DJ talks over the intro and the crossfade sits in the outro.
    """
    step = CUE_STEP
    loud = np.flatnonzero(fine > SILENCE_DBFS)
    if loud.size == 0:
        return 0.0, duration, 0.0, duration
    cue_in = float(loud[0] * step)
    cue_out = float(min(duration, (loud[-1] + 1) * step))
    body = coarse[(coarse > SILENCE_DBFS)]
    typical = float(np.median(body)) if body.size else SILENCE_DBFS
    rising = np.flatnonzero(coarse >= typical - 4.0)
    intro_end = float(rising[0]) if rising.size else cue_in
    outro_start = float(rising[-1] + 1) if rising.size else cue_out
    intro_end = min(max(intro_end, cue_in), cue_in + 60.0, cue_out)
    outro_start = max(min(outro_start, cue_out), intro_end)
    return cue_in, cue_out, intro_end, outro_start


class TrackMeter:
    """Measures a track from its frames × channels, added block by block as they are decoded.
    What it holds is a block or two, the per-window levels and libebur128's list of 100 ms
    gating blocks: only those last two grow with the track's length.

    Loudness is libebur128's integrated loudness; the true peak is 4× oversampled next to the
    samples within 3 dB of the sample peak so far; cue points come from the RMS level of a
    mono mix at ``ANALYSIS_RATE``. ``on_mono`` receives that mono mix as it is made (the
    scanner keeps the parts the sound features need).
    """

    def __init__(self, rate: int, channels: int,
                 on_mono: Callable[[np.ndarray], None] | None = None):
        self.rate, self.channels = rate, channels
        self._frames = 0
        self._loudness = pyebur128.R128State(channels, rate, pyebur128.MeasurementMode.MODE_I)
        self._sample_peak = 0.0
        self._true_peak = 0.0
        self._held: np.ndarray | None = None  # the block waiting for its next neighbours
        self._before = np.zeros((CONTEXT, channels), np.float32)
        self._on_mono = on_mono
        self._resampler = (soxr.ResampleStream(rate, ANALYSIS_RATE, 1, dtype="float32", quality="MQ")
                           if rate != ANALYSIS_RATE else None)
        self._mono_samples = 0
        self._fine = _Levels(int(ANALYSIS_RATE * CUE_STEP))
        self._coarse = _Levels(ANALYSIS_RATE)

    def add(self, frames: np.ndarray) -> None:
        """The next frames × channels of the track (float, -1..1)."""
        frames = np.ascontiguousarray(frames, dtype=np.float32)
        if frames.shape[0] == 0:
            return
        self._frames += frames.shape[0]
        self._loudness.add_frames(frames.ravel(), frames.shape[0])
        self._sample_peak = max(self._sample_peak, float(np.abs(frames).max()))
        self._peak_of_held(after=frames)
        self._held = frames
        mono = frames.mean(axis=1).astype(np.float32)
        self._add_mono(mono if self._resampler is None
                       else self._resampler.resample_chunk(mono, last=False))

    def finish(self) -> Analysis:
        """The measurements of everything added."""
        self._peak_of_held(after=np.zeros((0, self.channels), np.float32))
        if self._resampler is not None:
            self._add_mono(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        mono_seconds = self._mono_samples / ANALYSIS_RATE
        cue_in, cue_out, intro_end, outro_start = _cues(self._fine.db(), self._coarse.db(),
                                                        mono_seconds)
        peak = max(self._true_peak, self._sample_peak)
        return Analysis(
            duration=self._frames / self.rate,
            lufs=_lufs(self._loudness),
            true_peak=float(20 * np.log10(peak)) if peak > 0 else -120.0,
            cue_in=cue_in, cue_out=cue_out, intro_end=intro_end, outro_start=outro_start,
        )

    def _peak_of_held(self, after: np.ndarray) -> None:
        held = self._held
        if held is None:
            return
        if after.shape[0] < CONTEXT:
            after = np.concatenate([after, np.zeros((CONTEXT - after.shape[0], self.channels),
                                                    np.float32)])
        floor = self._sample_peak / TRUE_PEAK_RANGE
        if self._sample_peak > 0 and float(np.abs(held).max()) > floor:
            peaks = true_peaks(held, before=self._before, after=after[:CONTEXT], floor=floor)
            self._true_peak = max(self._true_peak, float(peaks.max()))
        self._before = np.concatenate([self._before, held])[-CONTEXT:]
        self._held = None

    def _add_mono(self, mono: np.ndarray) -> None:
        self._mono_samples += mono.size
        self._fine.add(mono)
        self._coarse.add(mono)
        if self._on_mono is not None:
            self._on_mono(mono)


def analyse(frames: np.ndarray, rate: int) -> Analysis:
    """Measure a whole decoded track (the scanner measures blocks with `TrackMeter`)."""
    meter = TrackMeter(rate, frames.shape[1])
    meter.add(frames)
    return meter.finish()
