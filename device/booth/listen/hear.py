"""`booth hear`: the listening pipeline on recordings, faster than real time.

Each file goes through the same Listener as the microphone: echo canceller (with the
recording's `--reference`), wake word (unless `--no-wake`, when the utterance starts at
`--press` seconds), end of speech and recognition. One result per file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from booth.listen.audiofile import SAMPLE_RATE, AudioFileError, read_audio, read_jsonl
from booth.listen.engines import Engines
from booth.listen.listener import Listener, Utterance

BLOCK = 1024
"""Samples handed to the listener at a time (64 ms), as a microphone callback would."""


@dataclass(frozen=True)
class Recording:
    """One recording to hear."""

    file: Path
    reference: Path | None = None
    press: float = 0.0


def hear(engines: Engines, recording: Recording, wake: bool = True,
         learner: Callable[[np.ndarray, str], None] | None = None) -> tuple[dict[str, Any],
                                                                           Listener]:
    """Run one recording through a fresh listener; returns the result line and the listener
    (its `utterances` carry timings). `learner`: as the listener's."""
    mic = read_audio(recording.file)
    reference = read_audio(recording.reference) if recording.reference else None
    if reference is not None:
        if len(reference) < len(mic):
            reference = np.concatenate([reference, np.zeros(len(mic) - len(reference),
                                                            np.int16)])
        reference = reference[:len(mic)]
    listener = engines.listener(echo=reference is not None, wake=wake)
    listener.learner = learner
    press_at = None if wake else max(0, round(recording.press * SAMPLE_RATE))
    woke = False
    for start in range(0, len(mic), BLOCK):
        stop = min(start + BLOCK, len(mic))
        if press_at is not None and start <= press_at < stop:
            # split the block so the press falls exactly at its time
            for a, b in ((start, press_at), (press_at, stop)):
                if a == press_at:
                    listener.press()
                if b > a:
                    _feed(listener, mic, reference, a, b)
            continue
        messages = _feed(listener, mic, reference, start, stop)
        woke = woke or any(type(m).__name__ == "HotwordDetected" for m in messages)
        if listener.utterances and not listener.listening:
            break
    listener.end_of_audio()                 # the recording ends the utterance, as it ends
    first: Utterance | None = listener.utterances[0] if listener.utterances else None
    result = {"file": str(recording.file), "wake": woke or bool(first and first.wake),
              "text": first.text if first else "",
              "intent": first.intent if first else None,
              "slots": dict(first.slots) if first else {}}
    return result, listener


def _feed(listener: Listener, mic: np.ndarray, reference: np.ndarray | None, a: int, b: int):
    return listener.process(mic[a:b], None if reference is None else reference[a:b])


def read_manifest(path: str | Path) -> Iterator[Recording]:
    """Recordings listed in a JSON-lines manifest ({"file", "reference"?, "press"?} per line,
    paths relative to the manifest)."""
    return read_jsonl(path, '"file" (and optional "reference", "press")', lambda base, row:
                      Recording(base / row["file"],
                                base / row["reference"] if row.get("reference") else None,
                                float(row.get("press") or 0.0)))


def hear_all(engines: Engines, recordings: Iterable[Recording], wake: bool = True
             ) -> Iterator[dict[str, Any]]:
    """One result per recording; an unreadable one gives a line with its "error"."""
    for recording in recordings:
        try:
            yield hear(engines, recording, wake)[0]
        except AudioFileError as error:
            yield {"file": str(recording.file), "error": str(error)}
