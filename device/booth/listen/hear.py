"""`booth hear`: the listening pipeline on recordings, faster than real time.

Each file goes through the same Listener as the microphone: echo canceller (with the
recording's `--reference`), wake word (unless `--no-wake`, when the utterance starts at
`--press` seconds), end of speech and recognition. One result per file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import soundfile
import soxr

from booth.intents import IntentParser, Vocabulary, load_templates
from booth.intents.templates import Templates
from booth.listen.echo import make_echo_canceller
from booth.listen.endpoint import Endpointer, EndpointSettings, SpeechVad
from booth.listen.listener import Listener, Utterance
from booth.listen.recognizer import Recognizer, make_recognizer
from booth.listen.settings import ListenSettings
from booth.listen.wake import WakeWordDetector, make_wake_word_detector

T = TypeVar("T")
SAMPLE_RATE = 16000
BLOCK = 1024
"""Samples handed to the listener at a time (64 ms), as a microphone callback would."""


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


@dataclass
class Engines:
    """Models loaded once and shared by every recording (and by the live listener)."""

    settings: ListenSettings
    recognizer: Recognizer
    parser: IntentParser
    vad: SpeechVad
    wake: WakeWordDetector | None

    @classmethod
    def load(cls, settings: ListenSettings, vocabulary: Vocabulary, wake: bool = True,
             templates: Templates | None = None, cache_dir: Path | None = None) -> Engines:
        templates = templates or load_templates()
        recognizer = make_recognizer(settings.recognizer, templates, vocabulary,
                                     settings.vosk_model, cache_dir=cache_dir,
                                     acoustic_model=settings.acoustic_model)
        detector = make_wake_word_detector(settings.wake_engine, settings.wake_word,
                                           settings.wake_threshold,
                                           settings.wake_quick_ear) if wake else None
        return cls(settings, recognizer, IntentParser(vocabulary, templates), SpeechVad(),
                   detector)

    def listener(self, echo: bool = True, wake: bool = True, site_id: str = "default",
                 dialogue: str = "booth") -> Listener:
        """A fresh listener (its own echo canceller and state) on these models; without
        `wake` it hears only after `press()`; `dialogue` as `Listener`'s."""
        settings = self.settings
        endpointer = Endpointer(self.vad, EndpointSettings(
            end_silence=settings.end_silence, max_utterance=settings.max_utterance,
            no_speech_timeout=settings.no_speech_timeout, threshold=settings.speech_threshold))
        if self.wake is not None:
            self.wake.reset()
        return Listener(self.recognizer, self.parser, endpointer,
                        wake=self.wake if wake else None,
                        echo_canceller=make_echo_canceller(settings.echo_canceller if echo
                                                           else "none"),
                        site_id=site_id, pre_roll=settings.pre_roll,
                        min_confidence=settings.min_confidence,
                        min_intent_confidence=settings.min_intent_confidence, dialogue=dialogue)


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
