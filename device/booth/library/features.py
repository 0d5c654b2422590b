"""What a track sounds like, as a fixed-length float32 vector computed at scan time.

Only numpy and scipy: short-time spectra (1024-point frames, hop 512 at 22.05 kHz), a
mel filterbank and a chroma map built here. The vector holds physical values (bpm, dB,
Hz, ratios) so that the DJ can read them by name; the recommender standardises them with
``FEATURE_CENTER`` and ``FEATURE_SCALE``.

Groups, in order (see ``FEATURE_NAMES``):
- rhythm: tempo (bpm), pulse clarity, onsets per second;
- energy: mean and spread of the frame level (dBFS), an ``energy`` score in 0..1;
- brightness and texture: spectral centroid, spread, roll-off, flatness, zero crossings,
  bass/mid/treble shares;
- harmony: key on the circle of fifths (sin, cos), major-ness, key clarity, and the 12-bin
  chroma profile rotated so the tonic comes first (comparable across keys);
- timbre: 13 MFCC means and 13 MFCC standard deviations;
- embedding: 12 low-order 2-D DCT coefficients of the log mel modulation spectrum (how
  each frequency region moves at 0.5–10 Hz): a fixed projection, no learned weights.

Long tracks are analysed in evenly spaced excerpts totalling ``MAX_ANALYSED_SECONDS``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.ndimage
import soxr

RATE = 22050
"""The rate the analysis is designed for; other rates are resampled to it first."""
N_FFT = 1024
HOP = 512
N_MELS = 40
N_MFCC = 13
MAX_ANALYSED_SECONDS = 240.0
EXCERPTS = 8

_MODULATION_BANDS = 8
_MODULATION_WINDOW = 256  # frames (about 6 s) per modulation spectrum
_EMBED_SHAPE = (4, 3)

_RHYTHM = ("tempo_bpm", "pulse_clarity", "onset_rate")
_ENERGY = ("level_db", "level_spread_db", "energy")
_SPECTRUM = ("centroid_hz", "spread_hz", "rolloff_hz", "flatness", "zero_crossing_rate",
             "bass_share", "mid_share", "treble_share")
_HARMONY = ("key_sin", "key_cos", "major", "key_clarity")
_CHROMA = tuple(f"chroma_{i}" for i in range(12))
_MFCC = tuple(f"mfcc_mean_{i}" for i in range(N_MFCC)) + tuple(f"mfcc_std_{i}" for i in range(N_MFCC))
_EMBED = tuple(f"embed_{i}" for i in range(_EMBED_SHAPE[0] * _EMBED_SHAPE[1]))

FEATURE_NAMES: tuple[str, ...] = _RHYTHM + _ENERGY + _SPECTRUM + _HARMONY + _CHROMA + _MFCC + _EMBED
"""Name of each position of the vector."""
FEATURE_DIM = len(FEATURE_NAMES)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}

# Typical value and spread of each feature: standardising with fixed constants (not the
# library's own statistics) keeps learned tastes valid when the library changes. Medians
# and spreads measured on the Debian game music (36 tracks), rounded.
_TYPICAL = {
    "tempo_bpm": (110.0, 30.0), "pulse_clarity": (0.5, 0.15), "onset_rate": (3.0, 1.0),
    "level_db": (-19.0, 4.0), "level_spread_db": (14.0, 5.0), "energy": (0.55, 0.2),
    "centroid_hz": (1400.0, 500.0), "spread_hz": (1800.0, 500.0), "rolloff_hz": (2800.0, 1100.0),
    "flatness": (0.12, 0.07), "zero_crossing_rate": (0.06, 0.025), "bass_share": (0.65, 0.2),
    "mid_share": (0.3, 0.2), "treble_share": (0.02, 0.02), "key_sin": (0.0, 0.7),
    "key_cos": (0.0, 0.7), "major": (0.5, 0.12), "key_clarity": (0.55, 0.13),
}
_TYPICAL.update({f"chroma_{i}": (1 / 12, 0.012) for i in range(12)})
_MFCC_MEAN = ((-160, 45), (80, 22), (0, 14), (0, 8), (0, 6), (0, 5), (0, 3.5), (0, 4), (0, 4),
              (0, 3), (0, 2.5), (0, 2.5), (0, 2.2))
_MFCC_STD = ((49, 15), (24.5, 7), (17, 5.5), (12, 4), (9, 3), (8, 2.5), (7.5, 2), (7.4, 2),
             (7, 2), (7.4, 2), (7, 2), (7, 2), (6.8, 2))
_EMBED_TYPICAL = ((-6, 11), (17, 7), (0.7, 3), (2.9, 0.9), (0.7, 0.65), (-0.2, 0.5), (-0.4, 0.45),
                  (0, 0.3), (-0.15, 0.35), (0.6, 0.4), (0.1, 0.22), (0, 0.18))
_TYPICAL.update({f"mfcc_mean_{i}": v for i, v in enumerate(_MFCC_MEAN)})
_TYPICAL.update({f"mfcc_std_{i}": v for i, v in enumerate(_MFCC_STD)})
_TYPICAL.update({f"embed_{i}": v for i, v in enumerate(_EMBED_TYPICAL)})


def _constants() -> tuple[np.ndarray, np.ndarray]:
    center = np.array([_TYPICAL[name][0] for name in FEATURE_NAMES], np.float32)
    scale = np.array([_TYPICAL[name][1] for name in FEATURE_NAMES], np.float32)
    return center, scale


FEATURE_CENTER, FEATURE_SCALE = _constants()
"""Typical value and spread of each feature: ``(v - FEATURE_CENTER) / FEATURE_SCALE`` ~ N(0, 1)."""


def standardise(features: np.ndarray) -> np.ndarray:
    """Features (one vector or rows of them) on a common scale, clipped to ±4."""
    z = (np.asarray(features, np.float32) - FEATURE_CENTER) / FEATURE_SCALE
    return np.clip(np.nan_to_num(z), -4.0, 4.0).astype(np.float32)


def feature(vector: np.ndarray, name: str) -> float:
    """One named value of a feature vector, e.g. ``feature(v, "tempo_bpm")``."""
    return float(vector[FEATURE_INDEX[name]])


def tempo_and_energy(vector: np.ndarray) -> tuple[float, float]:
    """(tempo in bpm, energy in 0..1) of a feature vector, for the DJ's patter and mixing."""
    return feature(vector, "tempo_bpm"), feature(vector, "energy")


def compute_features(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    """The feature vector (float32, ``FEATURE_DIM`` long) of a whole track in mono.

    ``mono`` is float samples in -1..1; the scanner passes 22.05 kHz. Silence and very
    short input give a valid vector (quiet, no tempo), never an error.
    """
    mono = np.asarray(mono)
    if mono.ndim != 1:
        raise ValueError(f"compute_features wants mono samples (1-D), got shape {mono.shape}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    mono = mono.astype(np.float32, copy=False)
    if not np.isfinite(mono).all():
        mono = np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)
    if sample_rate != RATE:
        mono = soxr.resample(mono, sample_rate, RATE).astype(np.float32)
    mono = _excerpts(mono)
    if mono.size < N_FFT * 4:
        mono = np.pad(mono, (0, N_FFT * 4 - mono.size))

    mel, frame_power, power = _spectrogram_summaries(mono)
    log_mel = 10 * np.log10(mel + 1e-10)
    frame_db = 10 * np.log10(frame_power * 2 / (N_FFT * _window_power()) + 1e-10)

    onset = _onset_envelope(log_mel)
    values = {}
    values.update(_rhythm(onset))
    values.update(_energy(frame_db, onset))
    values.update(_spectrum(power, mono))
    values.update(_harmony(mono))
    out = np.zeros(FEATURE_DIM, np.float32)
    for name, value in values.items():
        out[FEATURE_INDEX[name]] = value
    mfcc = scipy.fft.dct(np.maximum(log_mel, frame_db.max() - 80), type=2, norm="ortho", axis=1)[:, :N_MFCC]
    audible = frame_db > frame_db.max() - 50
    mfcc = mfcc[audible] if audible.sum() > 8 else mfcc
    out[FEATURE_INDEX["mfcc_mean_0"]:FEATURE_INDEX["mfcc_mean_0"] + N_MFCC] = mfcc.mean(axis=0)
    out[FEATURE_INDEX["mfcc_std_0"]:FEATURE_INDEX["mfcc_std_0"] + N_MFCC] = mfcc.std(axis=0)
    out[FEATURE_INDEX["embed_0"]:] = _modulation_embedding(mel)
    return np.nan_to_num(out).astype(np.float32)


# -- framing -----------------------------------------------------------------------------


def excerpt_spans(length: int) -> list[tuple[int, int]]:
    """(start, stop) of the parts of a ``length``-sample track (at ``RATE``) that are analysed:
    all of it, or ``EXCERPTS`` evenly spaced excerpts totalling ``MAX_ANALYSED_SECONDS``."""
    limit = int(MAX_ANALYSED_SECONDS * RATE)
    if length <= limit:
        return [(0, length)]
    size = limit // EXCERPTS
    starts = np.linspace(0, length - size, EXCERPTS).astype(int)
    return [(int(s), int(s) + size) for s in starts]


def _excerpts(mono: np.ndarray) -> np.ndarray:
    spans = excerpt_spans(mono.size)
    if len(spans) == 1:
        return mono
    return np.concatenate([mono[a:b] for a, b in spans])


class ExcerptKeeper:
    """Keeps, from mono samples at ``RATE`` arriving block by block, only what
    `compute_features` analyses, so a long track never has to be held whole.

    ``expected`` is the track's length in samples as announced before decoding (an MP3's
    header can be off by a fraction of a second). Each excerpt is kept with
    ``MARGIN`` samples either side, so the excerpts of the length actually decoded are cut
    exactly as from the whole track unless the announcement was off by more than that; then
    the parts that were kept are used.
    """

    MARGIN = 3 * RATE

    def __init__(self, expected: int):
        limit = int(MAX_ANALYSED_SECONDS * RATE)
        wanted = []
        if expected <= limit + self.MARGIN:
            wanted.append((0, limit))  # pages past the track's end are never touched
        if expected > limit - self.MARGIN:
            wanted += [(max(0, a - self.MARGIN), b + self.MARGIN)
                       for a, b in excerpt_spans(max(expected, limit + 1))]
        self._spans: list[tuple[int, int]] = []
        for a, b in sorted(wanted):
            if self._spans and a <= self._spans[-1][1]:
                self._spans[-1] = (self._spans[-1][0], max(b, self._spans[-1][1]))
            else:
                self._spans.append((a, b))
        self._parts = [np.empty(b - a, np.float32) for a, b in self._spans]
        self._position = 0

    def add(self, mono: np.ndarray) -> None:
        """The next samples of the track."""
        first, last = self._position, self._position + mono.size
        for (a, b), part in zip(self._spans, self._parts):
            lo, hi = max(a, first), min(b, last)
            if lo < hi:
                part[lo - a:hi - a] = mono[lo - first:hi - first]
        self._position = last

    def samples(self) -> np.ndarray:
        """The excerpts of the track as decoded, in order, as `compute_features` would cut
        them from the whole track. Call once: the kept samples are released."""
        pieces = []
        for start, stop in excerpt_spans(self._position):
            for (a, b), part in zip(self._spans, self._parts):
                lo, hi = max(a, start), min(b, stop, self._position)
                if lo < hi:
                    pieces.append(part[lo - a:hi - a])
        self._parts = []
        if len(pieces) == 1:
            return pieces[0]
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1].astype(np.float32)


def _window_power() -> float:
    return float((_window() ** 2).sum())


def _frames(mono: np.ndarray, size: int, hop: int) -> np.ndarray:
    count = 1 + (mono.size - size) // hop
    return np.lib.stride_tricks.as_strided(mono, (count, size), (mono.strides[0] * hop, mono.strides[0]))


def _spectrogram_summaries(mono: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mel power: frames × mels, total power per frame, the power spectrum of every 4th
    frame), computed 512 frames at a time so the whole spectrogram is never held."""
    frames = _frames(mono, N_FFT, HOP)
    count = frames.shape[0]
    bank = _mel_filterbank().T
    mel = np.empty((count, N_MELS), np.float32)
    total = np.empty(count, np.float32)
    every_4th = np.empty(((count + 3) // 4, N_FFT // 2 + 1), np.float32)
    window = _window()
    step = 512  # a multiple of 4, so every block's [::4] continues the whole one
    for start in range(0, count, step):
        block = scipy.fft.rfft(frames[start:start + step] * window, axis=1)
        power = block.real ** 2 + block.imag ** 2
        mel[start:start + step] = power @ bank
        total[start:start + step] = power.sum(axis=1)
        every_4th[start // 4:(start + step) // 4] = power[::4]
    return mel, total, every_4th


@lru_cache(maxsize=1)
def _mel_filterbank() -> np.ndarray:
    """Triangular filters, equally spaced on the HTK mel scale, 30 Hz – 10 kHz."""
    def mel(hz):
        return 2595 * np.log10(1 + np.asarray(hz) / 700)

    def hz(m):
        return 700 * (10 ** (np.asarray(m) / 2595) - 1)

    edges = hz(np.linspace(mel(30.0), mel(10000.0), N_MELS + 2))
    freqs = np.fft.rfftfreq(N_FFT, 1 / RATE)
    bank = np.zeros((N_MELS, freqs.size), np.float32)
    for i in range(N_MELS):
        lo, mid, hi = edges[i:i + 3]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        bank[i] = np.maximum(0, np.minimum(rising, falling)) * 2 / (hi - lo)
    return bank


# -- rhythm and energy -------------------------------------------------------------------


def _onset_envelope(log_mel: np.ndarray) -> np.ndarray:
    """Spectral flux: summed rise of the log-mel bands, with the slow trend removed."""
    floor = log_mel.max() - 70
    flux = np.maximum(0, np.diff(np.maximum(log_mel, floor), axis=0)).mean(axis=1)
    if flux.size < 3:
        return np.zeros(3, np.float32)
    trend = scipy.ndimage.uniform_filter1d(flux, 16, mode="nearest")
    return np.maximum(0, flux - trend).astype(np.float32)


def _rhythm(onset: np.ndarray) -> dict[str, float]:
    fps = RATE / HOP
    seconds = max(onset.size / fps, 1e-3)
    # a little smoothing keeps a beat that falls between two frame lags from losing to
    # its double period
    env = scipy.ndimage.convolve1d(onset, [0.25, 0.5, 0.25], mode="nearest")
    env = env - env.mean()
    n = 1 << int(np.ceil(np.log2(2 * env.size)))
    spectrum = np.fft.rfft(env, n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), n)[: env.size]
    lags = np.arange(int(fps * 60 / 220), min(int(fps * 60 / 50) + 1, ac.size - 1))
    if ac[0] <= 0 or lags.size < 3:
        return {"tempo_bpm": 0.0, "pulse_clarity": 0.0, "onset_rate": 0.0}
    bpm = 60 * fps / lags
    prior = np.exp(-0.5 * (np.log2(bpm / 120.0)) ** 2)  # log-normal, one octave wide
    weighted = ac[lags] * prior
    best = int(np.argmax(weighted))
    lag = float(lags[best])
    if 0 < best < lags.size - 1:  # parabolic refinement between lag bins
        a, b, c = weighted[best - 1:best + 2]
        denom = a - 2 * b + c
        if denom < 0:
            lag += 0.5 * (a - c) / denom
    clarity = float(np.clip(ac[lags[best]] / ac[0], 0, 1))
    threshold = onset.mean() + onset.std()
    peaks = (onset[1:-1] > onset[:-2]) & (onset[1:-1] >= onset[2:]) & (onset[1:-1] > threshold)
    return {"tempo_bpm": 60 * fps / lag, "pulse_clarity": clarity,
            "onset_rate": float(peaks.sum() / seconds)}


def _energy(frame_db: np.ndarray, onset: np.ndarray) -> dict[str, float]:
    audible = frame_db[frame_db > frame_db.max() - 50]
    if audible.size == 0:
        audible = frame_db
    level = float(np.mean(audible))
    spread = float(np.percentile(audible, 95) - np.percentile(audible, 10))
    activity = float(np.log10(onset.mean() + 1e-4))  # about -1 (still) .. 0.3 (busy)
    energy = 1 / (1 + np.exp(-((level + 20) / 5 + (activity + 0.4) * 2.5)))
    return {"level_db": level, "level_spread_db": spread, "energy": float(energy)}


def _spectrum(power: np.ndarray, mono: np.ndarray) -> dict[str, float]:
    """Spectral shape from magnitudes (every 4th frame is plenty for averages), 512 frames
    at a time (bounded memory on a Pi)."""
    freqs = np.fft.rfftfreq(N_FFT, 1 / RATE).astype(np.float32)
    loud = power.sum(axis=1) > power.sum(axis=1).max() * 1e-4
    rows = np.flatnonzero(loud) if loud.sum() > 4 else np.arange(power.shape[0])
    shape = {"centroid": [], "spread": [], "rolloff": [], "flatness": []}
    masks = (freqs < 250, (freqs >= 250) & (freqs < 4000), freqs >= 4000)
    bands = np.zeros(3)
    for start in range(0, rows.size, 512):
        chunk = power[rows[start:start + 512]]
        p = np.sqrt(chunk)
        total = p.sum(axis=1) + 1e-12
        centroid = (p @ freqs) / total
        shape["centroid"].append(centroid)
        shape["spread"].append(np.sqrt(np.maximum(0, (p @ freqs ** 2) / total - centroid ** 2)))
        cumulative = np.cumsum(p, axis=1)
        shape["rolloff"].append(freqs[np.argmax(cumulative >= 0.85 * total[:, None], axis=1)])
        log_p = np.log(p[:, 1:] + 1e-12)
        shape["flatness"].append(np.exp(log_p.mean(axis=1)) / (p[:, 1:].mean(axis=1) + 1e-12))
        bands += [chunk[:, mask].sum() for mask in masks]
    bands = bands / max(bands.sum(), 1e-12)
    mean = {name: float(np.mean(np.concatenate(parts))) for name, parts in shape.items()}
    crossings = 0
    for start in range(0, mono.size, 1 << 20):
        signs = np.signbit(mono[start:start + (1 << 20) + 1])
        crossings += np.count_nonzero(signs[1:] != signs[:-1])
    zcr = float(crossings / max(mono.size - 1, 1))
    return {"centroid_hz": mean["centroid"], "spread_hz": mean["spread"],
            "rolloff_hz": mean["rolloff"], "flatness": mean["flatness"],
            "zero_crossing_rate": zcr, "bass_share": float(bands[0]),
            "mid_share": float(bands[1]), "treble_share": float(bands[2])}


# -- harmony -----------------------------------------------------------------------------

_CHROMA_FFT = 4096
# Krumhansl–Kessler key profiles, tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@lru_cache(maxsize=1)
def _chroma_map() -> np.ndarray:
    """bins × 12: each FFT bin between 55 Hz and 5 kHz to its pitch class (C = 0)."""
    freqs = np.fft.rfftfreq(_CHROMA_FFT, 1 / RATE)
    out = np.zeros((freqs.size, 12), np.float32)
    valid = (freqs >= 55) & (freqs <= 5000)
    midi = 69 + 12 * np.log2(freqs[valid] / 440.0)
    out[np.flatnonzero(valid), np.round(midi).astype(int) % 12] = 1.0
    return out


def _harmony(mono: np.ndarray) -> dict[str, float]:
    if mono.size < _CHROMA_FFT:
        mono = np.pad(mono, (0, _CHROMA_FFT - mono.size))
    frames = _frames(mono, _CHROMA_FFT, _CHROMA_FFT)
    window = np.hanning(_CHROMA_FFT).astype(np.float32)
    profile = np.zeros(12)
    for start in range(0, frames.shape[0], 256):  # bounded memory on a Pi
        spectrum = np.abs(scipy.fft.rfft(frames[start:start + 256] * window, axis=1))
        chroma = np.sqrt(spectrum) @ _chroma_map()           # compressed magnitudes
        chroma /= chroma.sum(axis=1, keepdims=True) + 1e-9
        profile += chroma.sum(axis=0)
    profile /= frames.shape[0]
    profile = profile / max(profile.sum(), 1e-9)
    scores = []
    for template in (_MAJOR, _MINOR):
        for tonic in range(12):
            scores.append(np.corrcoef(profile, np.roll(template, tonic))[0, 1] if profile.std() > 0 else 0.0)
    scores = np.nan_to_num(np.array(scores))
    best = int(np.argmax(scores))
    tonic = best % 12
    fifths = (tonic * 7) % 12                            # position on the circle of fifths
    values = {"key_sin": float(np.sin(2 * np.pi * fifths / 12)),
              "key_cos": float(np.cos(2 * np.pi * fifths / 12)),
              "major": float(scores[:12].max() - scores[12:].max() + 0.5),
              "key_clarity": float(scores[best])}
    for i, value in enumerate(np.roll(profile, -tonic)):
        values[f"chroma_{i}"] = float(value)
    return values


# -- embedding ---------------------------------------------------------------------------


def _modulation_embedding(mel: np.ndarray) -> np.ndarray:
    """Low 2-D DCT coefficients of log(mel band × modulation rate energy)."""
    bands = mel.reshape(mel.shape[0], 8, N_MELS // 8).sum(axis=2)   # 8 broad bands
    envelope = np.log1p(bands / (bands.mean() + 1e-12))
    win = _MODULATION_WINDOW
    if envelope.shape[0] < win:
        envelope = np.pad(envelope, ((0, win - envelope.shape[0]), (0, 0)))
    blocks = _frames_2d(envelope, win)                      # blocks × win × bands
    blocks = blocks - blocks.mean(axis=1, keepdims=True)
    spec = np.abs(np.fft.rfft(blocks * np.hanning(win)[None, :, None], axis=1)).mean(axis=0)
    rates = np.fft.rfftfreq(win, HOP / RATE)
    edges = np.geomspace(0.5, 10.0, _MODULATION_BANDS + 1)
    modulation = np.stack([spec[(rates >= lo) & (rates < hi)].mean(axis=0)
                           for lo, hi in zip(edges[:-1], edges[1:])])   # rates × bands
    coeffs = scipy.fft.dctn(np.log(modulation + 1e-6), type=2, norm="ortho")
    return coeffs[:_EMBED_SHAPE[0], :_EMBED_SHAPE[1]].ravel().astype(np.float32)


def _frames_2d(x: np.ndarray, win: int) -> np.ndarray:
    hop = win // 2
    count = 1 + (x.shape[0] - win) // hop
    return np.stack([x[i * hop:i * hop + win] for i in range(count)])
