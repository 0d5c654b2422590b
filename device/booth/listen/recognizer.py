"""Speech to text for one utterance, constrained to Booth's commands.

A recogniser is fed the utterance as it is spoken (so little work is left when the speaker
stops) and returns a `Transcript`. Two engines:
- `booth.listen.sphinx.PocketSphinxRecognizer`: the US-English model bundled with the
  `pocketsphinx` package and a command language model built from the templates;
- `booth.listen.vosk.VoskRecognizer`: any Vosk model, constrained to the grammar's words.

`make_recognizer` picks Vosk when an English Vosk model is installed, else PocketSphinx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from booth.intents.templates import Templates
from booth.intents.vocabulary import Vocabulary

MODELS_DIR = Path(__file__).resolve().parents[3] / "models"
"""The repository's models/ folder, where an English Vosk model may be unpacked."""


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard."""

    text: str
    """Words, lowercase, separated by single spaces; empty when nothing was recognised."""
    confidence: float
    """0–1; 1.0 when the engine gives no score."""
    alternatives: tuple[str, ...] = ()
    """The engine's runner-up texts, best first (none when it gives no N-best list)."""
    word_confidence: float = 1.0
    """0–1: the mean of the engine's posterior for each word heard (fillers aside), how sure
    it is of the words one by one; 1.0 when the engine gives none."""


class Recognizer(Protocol):
    """Recognises one utterance at a time."""

    name: str
    """Engine name for reports ("pocketsphinx", "vosk")."""

    def start(self) -> None:
        """Begin an utterance."""

    def feed(self, block: np.ndarray) -> None:
        """More int16 16 kHz samples of the utterance."""

    def finish(self) -> Transcript:
        """End the utterance and return what was said."""


def find_vosk_model(configured: str = "", models_dir: Path = MODELS_DIR) -> Path | None:
    """The configured Vosk model folder, or the first English `vosk-model*` under models/."""
    if configured:
        path = Path(configured).expanduser()
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise FileNotFoundError(f"{path} is not a Vosk model folder (no am/ inside)")
        return path
    if models_dir.is_dir():
        for candidate in sorted(models_dir.glob("vosk-model*")):
            if candidate.is_dir() and "-en" in candidate.name:
                return candidate
    return None


def make_recognizer(engine: str, templates: Templates, vocabulary: Vocabulary,
                    vosk_model: str = "", cache_dir: Path | None = None,
                    acoustic_model: str = "") -> Recognizer:
    """The recogniser a setting names: `auto`, `vosk` or `pocketsphinx` (PocketSphinx with
    the acoustic model `listen.acoustic_model` names; its default is the one `booth adapt`
    made in `cache_dir`, the listener's state folder, if there is one)."""
    if engine not in ("auto", "vosk", "pocketsphinx"):
        raise ValueError(f"unknown recogniser {engine!r}: use auto, vosk or pocketsphinx")
    model = find_vosk_model(vosk_model) if engine in ("auto", "vosk") else None
    if engine == "vosk" and model is None:
        raise FileNotFoundError("no Vosk model: unpack an English vosk-model-* folder into "
                                f"{MODELS_DIR} or set listen.vosk_model")
    if model is not None:
        from booth.listen.vosk import VoskRecognizer
        return VoskRecognizer.for_commands(model, templates, vocabulary)
    from booth.listen.adapt import adapted_model
    from booth.listen.sphinx import PocketSphinxRecognizer
    return PocketSphinxRecognizer.build(templates, vocabulary, cache_dir=cache_dir,
                                        acoustic_model=adapted_model(acoustic_model, cache_dir))
