"""The listening models, loaded once: which recogniser (Vosk when an English Vosk model is
installed, else PocketSphinx), the wake word, the speech detector and the intent parser;
`Engines.listener()` makes a listener on them (for the microphone and for `booth hear`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from booth.intents import IntentParser, Vocabulary, load_templates
from booth.intents.templates import Templates
from booth.listen.echo import make_echo_canceller
from booth.listen.endpoint import Endpointer, EndpointSettings, SpeechVad
from booth.listen.listener import Listener
from booth.listen.settings import ListenSettings
from booth.listen.transcript import Recognizer
from booth.listen.wake import WakeWordDetector, make_wake_word_detector

MODELS_DIR = Path(__file__).resolve().parents[3] / "models"
"""The repository's models/ folder, where an English Vosk model may be unpacked."""


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
        from booth.listen.vosk import VoskRecognizer  # noqa: PLC0415  (loads Vosk)
        return VoskRecognizer.for_commands(model, templates, vocabulary)
    from booth.listen.adapt import adapted_model  # noqa: PLC0415
    from booth.listen.sphinx import PocketSphinxRecognizer  # noqa: PLC0415  (loads PocketSphinx)
    return PocketSphinxRecognizer.build(templates, vocabulary, cache_dir=cache_dir,
                                        acoustic_model=adapted_model(acoustic_model, cache_dir))


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
