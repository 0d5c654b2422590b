"""Reading recordings and their JSON-lines manifests (`booth hear`, `booth adapt`, file
microphones)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile
import soxr

T = TypeVar("T")
SAMPLE_RATE = 16000


class AudioFileError(ValueError):
    """A recording cannot be read; the message names it."""


def read_audio(path: str | Path) -> np.ndarray:
    """A recording as 16 kHz mono int16 (mixed down and resampled as needed)."""
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError, soundfile.LibsndfileError) as error:
        raise AudioFileError(f"{path}: cannot read audio ({error})") from None
    mono = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE)
    return (np.clip(mono, -1.0, 1.0) * 32767).astype(np.int16)


def read_jsonl(path: str | Path, expected: str, build: Callable[[Path, dict], T]) -> Iterator[T]:
    """`build(manifest folder, row)` for each JSON object of a JSON-lines manifest; a line that
    is not one, or lacks what `build` needs, is a ValueError naming the line and `expected`."""
    path = Path(path)
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = build(path.parent, json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: expected a JSON object with {expected}: "
                                 f"{error}") from None
            yield item
