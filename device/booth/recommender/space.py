"""How tracks enter the ranking model: standardised audio features plus hashed tag ids.

Audio: ``booth.library.features`` vectors standardised with fixed constants (a track
without features sits at the typical point, all zeros). Tags: the primary artist, the
album (with its album artist) and the primary genre, each hashed (CRC-32, stable across
runs and machines) to a bucket; bucket 0 means "not tagged". The model keeps one learned
weight per bucket, so a library can hold far more artists than buckets at a small cost in
collisions. The year tag becomes a decade.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np

from booth.library.features import FEATURE_DIM, FEATURE_INDEX, FEATURE_NAMES, standardise

AUDIO_DIM = FEATURE_DIM
ARTIST_BUCKETS = 4096
ALBUM_BUCKETS = 4096
GENRE_BUCKETS = 512
DECADE_BUCKETS = 16
"""Decades of the year tag: 1 = before 1910 … 15 = 2040s; 0 = no year."""
NO_ARTIST = ARTIST_BUCKETS
"""``recent_artist`` of padding rows and untagged tracks: matches no candidate."""
DAYPARTS = 4
"""Night, morning, afternoon, evening: centred on 3, 9, 15 and 21 h."""
CONTINUITY_FEATURES = ("tempo_bpm", "energy", "level_db", "centroid_hz")
"""What a smooth transition keeps close: tempo, energy, loudness and brightness."""
CONTINUITY_COLUMNS = tuple(FEATURE_INDEX[name] for name in CONTINUITY_FEATURES)


def _groups() -> tuple[tuple[str, tuple[int, ...]], ...]:
    blocks = ("chroma_", "mfcc_mean_", "mfcc_std_", "embed_")
    out = [(name, (i,)) for i, name in enumerate(FEATURE_NAMES) if not name.startswith(blocks)]
    for prefix in blocks:
        columns = tuple(i for i, n in enumerate(FEATURE_NAMES) if n.startswith(prefix))
        out.append((prefix.rstrip("_"), columns))
    return tuple(out)


METRIC_GROUPS = _groups()
"""Aspects of the sound the learned metric weighs: each scalar feature on its own, and the
chroma profile, MFCC means, MFCC spreads and embedding as blocks."""
GROUPS = len(METRIC_GROUPS)
GROUP_MATRIX = np.zeros((AUDIO_DIM, GROUPS), np.float32)
"""A × G one-hot: which group each audio feature belongs to."""
for _g, (_name, _columns) in enumerate(METRIC_GROUPS):
    GROUP_MATRIX[list(_columns), _g] = 1.0
SOUND_DIM = AUDIO_DIM + GROUPS + 1


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str | None) -> str:
    """Case- and space-insensitive form of a tag value, for matching and hashing."""
    return " ".join((name or "").casefold().split())


@lru_cache(maxsize=1 << 16)
def bucket(name: str | None, buckets: int) -> int:
    """Stable bucket (1..buckets-1) of a tag value; 0 when the tag is missing."""
    key = normalise_name(name)
    if not key:
        return 0
    return 1 + zlib.crc32(key.encode("utf-8")) % (buckets - 1)


def decade_bucket(year: int | None) -> int:
    """The decade bucket of a year tag (0 when missing or implausible)."""
    if not year or year < 1000:
        return 0
    return 1 + min(DECADE_BUCKETS - 2, max(0, (int(year) - 1900) // 10))


def audio_rows(features: list[np.ndarray | None]) -> np.ndarray:
    """Standardised audio rows (n × AUDIO_DIM, float32); missing vectors become zeros."""
    out = np.zeros((len(features), AUDIO_DIM), np.float32)
    present = [i for i, v in enumerate(features) if v is not None and v.shape == (AUDIO_DIM,)]
    if present:
        out[present] = standardise(np.stack([features[i] for i in present]))
    return out


def model_rows(audio: np.ndarray) -> np.ndarray:
    """The model's ``sound`` input per track: [audio (A), squared norm of each metric
    group (G), 1] (N × SOUND_DIM, float32)."""
    out = np.empty((audio.shape[0], SOUND_DIM), np.float32)
    out[:, :AUDIO_DIM] = audio
    out[:, AUDIO_DIM:AUDIO_DIM + GROUPS] = (audio * audio) @ GROUP_MATRIX
    out[:, -1] = 1.0
    return out
