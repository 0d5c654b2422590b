"""`booth hear` (the listening pipeline on recordings, see booth.listen.hear) and `booth adapt`
(teach the recogniser a voice, see booth.listen.adapt)."""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from booth import config as config_mod
from booth.config import Config
from booth.intents import Vocabulary
from booth.listen.settings import ListenSettings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction,
             common_parent: argparse.ArgumentParser) -> None:
    """Add `hear`; its handler is called as ``args.func(args, config)``."""
    p = subparsers.add_parser(
        "hear", parents=[common_parent],
        help="understand spoken commands in recordings (wake word, end of speech, intent)",
        description="Runs the listening pipeline on recordings, faster than real time, and "
                    "prints one JSON line per file: file, wake, text, intent, slots.")
    p.add_argument("files", nargs="*", metavar="FILE", help="16 kHz (or any rate) recordings")
    p.add_argument("--manifest", metavar="M.jsonl",
                   help='JSON lines {"file", "reference"?, "press"?}, paths relative to it')
    p.add_argument("--no-wake", action="store_true",
                   help="no wake word: the utterance starts at --press (push-to-talk)")
    p.add_argument("--press", type=float, default=0.0, metavar="SECONDS",
                   help="with --no-wake: when the button is pressed (default 0)")
    p.add_argument("--reference", metavar="REF",
                   help="what the speaker played meanwhile, for echo cancellation "
                        "(sample-aligned with FILE)")
    p.add_argument("--json", action="store_true",
                   help="JSON lines (the default output; kept for scripts)")
    p.add_argument("--recognizer", choices=("auto", "vosk", "pocketsphinx"),
                   help="override listen.recognizer")
    p.add_argument("--echo-canceller", choices=("speex", "webrtc", "none"),
                   help="override listen.echo_canceller")
    p.set_defaults(func=cmd_hear)

    p = subparsers.add_parser(
        "adapt", parents=[common_parent],
        help="teach the recogniser your voice: read some commands aloud",
        description="Adapts PocketSphinx's acoustic model to one voice (yours, or one accent) "
                    "from recordings of it reading commands, together with the commands the "
                    "listener kept from use (listen.learn_voice); the listener uses the "
                    "adapted model from its next start. Needs Debian's sphinxtrain, "
                    "sphinxbase-utils and pocketsphinx packages (tools/install-deps installs "
                    "them).")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--record", action="store_true",
                     help="show sentences one by one and record you reading each "
                          "(microphone: listen.source)")
    how.add_argument("--manifest", metavar="M.jsonl",
                     help='recordings made elsewhere: JSON lines {"file", "text"}, paths '
                          "relative to the manifest")
    how.add_argument("--sentences", action="store_true",
                     help="print the sentences to read, one per line")
    how.add_argument("--reset", action="store_true",
                     help="forget every voice (the adapted model, the recordings and the "
                          "commands kept from use): back to the bundled model")
    p.add_argument("--reader", default="me", metavar="NAME",
                   help="--record: whose voice this is (default: me). The model is adapted to "
                        "every reader's recordings together, so each person in the house can "
                        "read; reading again replaces only that reader's recordings")
    p.add_argument("--count", type=int, default=None, metavar="N",
                   help="--record / --sentences: how many sentences (default 60, about three "
                        "minutes; at least 10)")
    p.set_defaults(func=cmd_adapt)


def library_vocabulary(config: Config) -> Vocabulary:
    """The names of the configured library; without a database, those in the tags of the
    music `booth run` would play (the configured folders, else Debian's game music)."""
    from booth.library.folders import default_music_dirs
    from booth.listen.names import vocabulary_from_db, vocabulary_from_folders

    path = config.db_path()
    if path.exists():
        return vocabulary_from_db(path)
    dirs = default_music_dirs(config)
    where = ", ".join(dirs) if dirs else "no music folder"
    print(f"booth hear: no library database at {path}: names from the tags in {where} "
          "(`booth scan` or --db for a scanned library)", file=sys.stderr)
    return vocabulary_from_folders(dirs) if dirs else Vocabulary.empty()


def cmd_hear(args: argparse.Namespace, config: Config | None = None) -> int:
    from booth.listen.engines import Engines
    from booth.listen.hear import Recording, hear_all, read_manifest

    if config is None:
        config = config_mod.load(getattr(args, "config", None))
        if getattr(args, "db", None):
            config = replace(config, db=args.db)
    if bool(args.files) == bool(args.manifest):
        raise SystemExit("booth hear: give recordings (FILE...) or --manifest M.jsonl, "
                         "not both")
    if args.reference and len(args.files) != 1:
        raise SystemExit("booth hear: --reference goes with exactly one FILE")
    settings = config.listen
    if args.recognizer:
        settings = replace(settings, recognizer=args.recognizer)
    if args.echo_canceller:
        settings = replace(settings, echo_canceller=args.echo_canceller)
    if args.manifest:
        try:
            recordings = list(read_manifest(args.manifest))
        except (OSError, ValueError) as error:
            raise SystemExit(f"booth hear: {error}") from None
    else:
        recordings = [Recording(Path(f), Path(args.reference) if args.reference else None,
                                args.press) for f in args.files]
    missing = [str(r.file) for r in recordings if not r.file.exists()] + \
              [str(r.reference) for r in recordings if r.reference and not r.reference.exists()]
    if missing:
        raise SystemExit("booth hear: no such file: " + ", ".join(missing))
    engines = Engines.load(settings, library_vocabulary(config),
                           wake=not args.no_wake,
                           cache_dir=config_mod.state_dir() / "listen")
    failed = 0
    for result in hear_all(engines, recordings, wake=not args.no_wake):
        failed += "error" in result
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def cmd_adapt(args: argparse.Namespace, config: Config | None = None) -> int:
    from booth.intents import load_templates
    from booth.listen import adapt
    from booth.listen.learn import HEARD, VoiceLearner

    config = config or config_mod.load(getattr(args, "config", None))
    state = config_mod.state_dir() / "listen"
    target, recordings = state / adapt.ADAPTED_MODEL, state / adapt.RECORDINGS
    count = args.count if args.count is not None else adapt.SENTENCES
    if count < adapt.MIN_RECORDINGS:
        raise SystemExit(f"booth adapt: --count is at least {adapt.MIN_RECORDINGS}")
    if args.reset:
        found = [path for path in (target, recordings, state / HEARD) if path.exists()]
        for path in found:
            shutil.rmtree(path)
        print("booth adapt: " + (f"removed {' and '.join(map(str, found))}; the listener uses "
                                 "the bundled model from its next start" if found else
                                 "no adapted voice model: the bundled one is in use"))
        return 0
    if args.sentences:
        for sentence in adapt.enrolment_sentences(load_templates(), count):
            print(sentence)
        return 0
    if args.manifest:
        try:
            readings = adapt.read_readings(args.manifest)
        except (OSError, ValueError) as error:
            raise SystemExit(f"booth adapt: {error}") from None
    else:
        if not re.fullmatch(r"[\w.-]+", args.reader) or args.reader.startswith("."):
            raise SystemExit("booth adapt: --reader is a name of letters, digits, '.', '-' "
                             "and '_'")
        folder = recordings / args.reader
        shutil.rmtree(folder, ignore_errors=True)
        record_readings(config.listen,
                        adapt.enrolment_sentences(load_templates(), count), folder)
        readers = adapt.readers(state)
        readings = adapt.enrolled_readings(state)
        if len(readers) > 1:
            print(f"booth adapt: adapting to {len(readers)} readers together: "
                  + ", ".join(readers))
    learner = VoiceLearner(state)
    if heard := learner.kept():
        print(f"booth adapt: and to {len(heard)} commands the listener kept from use")
    try:
        result = learner.adapt_to(readings)
    except adapt.AdaptationError as error:
        raise SystemExit(f"booth adapt: {error}") from None
    print(f"booth adapt: adapted to {result.used} recordings ({result.seconds / 60:.1f} min "
          f"of speech) in {result.model}")
    for file, why in result.skipped.items():
        print(f"  left out {file}: {why}")
    if config.listen.acoustic_model:
        print("  listen.acoustic_model is set, so the listener does not use it: empty that "
              "setting to use it")
    else:
        print("  the listener uses it from its next start (sudo systemctl restart "
              "booth-listen, or restart booth run)")
    return 0


def record_readings(settings: ListenSettings, sentences: list[str], folder: Path,
                    source=None) -> list:
    """Show each sentence, record it from the microphone until the reader stops (end of
    speech as the listener hears it), and keep the recordings in `folder`."""
    import soundfile

    from booth.listen.adapt import Reading
    from booth.listen.endpoint import Endpointer, EndpointSettings, SpeechVad
    from booth.listen.sources import open_source

    source = source or open_source(settings.source)
    endpointer = Endpointer(SpeechVad(), EndpointSettings(
        end_silence=RECORD_END_SILENCE, max_utterance=RECORD_MAX_SECONDS,
        no_speech_timeout=RECORD_NO_SPEECH, threshold=settings.speech_threshold))
    folder.mkdir(parents=True, exist_ok=True)
    readings = []
    print(f"Read each sentence aloud as it appears, in your usual voice; {len(sentences)} "
          "sentences. Pause the music first. Ctrl-C stops (what is recorded so far is used).")
    try:
        for number, sentence in enumerate(sentences, 1):
            print(f"[{number}/{len(sentences)}]  {sentence}", flush=True)
            audio = _record_one(source, endpointer)
            if audio is None:
                print("  (nothing heard: skipped)")
                continue
            file = folder / f"{number:03d}.wav"
            soundfile.write(str(file), np.concatenate(audio), 16000, subtype="PCM_16")
            readings.append(Reading(file, sentence))
    except KeyboardInterrupt:
        print()
    finally:
        source.close()
    (folder / "manifest.jsonl").write_text("".join(
        json.dumps({"file": r.file.name, "text": r.text}) + "\n" for r in readings))
    return readings


RECORD_END_SILENCE = 0.8
"""Seconds of silence that end a reading (longer than a command's, for a reader's pauses)."""
RECORD_MAX_SECONDS = 10.0
RECORD_NO_SPEECH = 6.0


def _record_one(source, endpointer) -> list | None:
    from booth.listen.endpoint import Chunker, Endpoint

    endpointer.reset()
    audio, chunker = [], Chunker()
    while True:
        block = source.read()
        if block is None:
            return None
        for chunk in chunker.split(block.samples):
            audio.append(chunk)
            state = endpointer.process(chunk)
            if state is Endpoint.SPOKEN:
                return audio
            if state is Endpoint.TIMEOUT:
                return None
