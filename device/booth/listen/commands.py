"""`booth hear`: run the listening pipeline on recordings (see booth.listen.hear)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

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


def listen_settings(config: Config) -> ListenSettings:
    """The `[listen]` settings (defaults until the configuration carries them)."""
    return getattr(config, "listen", None) or ListenSettings()


def library_vocabulary(config: Config, from_tags: bool = False) -> Vocabulary:
    """The names of the configured library. Without a database: with `from_tags` (for `booth
    hear`), those in the tags of the music `booth run` would play (the configured folders,
    else Debian's game music); else (the live listener) genres and moods only, until the
    player role publishes its library's names over MQTT."""
    from booth.listen.names import vocabulary_from_db, vocabulary_from_folders

    path = config.db_path()
    if path.exists():
        return vocabulary_from_db(path)
    if not from_tags:
        log.info("no library database at %s: artist, album and title names join the grammar "
                 "when the player role publishes them", path)
        return Vocabulary.empty()
    from booth.cli import default_music_dirs
    dirs = default_music_dirs(config)
    where = ", ".join(dirs) if dirs else "no music folder"
    print(f"booth hear: no library database at {path}: names from the tags in {where} "
          "(`booth scan` or --db for a scanned library)", file=sys.stderr)
    return vocabulary_from_folders(dirs) if dirs else Vocabulary.empty()


def open_live_listener(config: Config, publish, vocabulary: Vocabulary | None = None):
    """For `booth serve listen`: the microphone listener on this host, publishing Hermes
    messages through `publish`. Without `vocabulary`, the configured library's names (a
    satellite passes the vocabulary it received over MQTT, or Vocabulary.empty() until
    then, and later calls `set_vocabulary`). Call `.start()`, `.press()`, `.close()`."""
    from booth.listen.live import LiveListener

    return LiveListener.open(listen_settings(config),
                             vocabulary if vocabulary is not None else
                             library_vocabulary(config), publish, site_id=config.mqtt.site,
                             cache_dir=config_mod.state_dir() / "listen",
                             dialogue=config.mqtt.dialogue)


def cmd_hear(args: argparse.Namespace, config: Config | None = None) -> int:
    from booth.listen.hear import Engines, Recording, hear_all, read_manifest

    if config is None:
        config = config_mod.load(getattr(args, "config", None))
        if getattr(args, "db", None):
            config = replace(config, db=args.db)
    if bool(args.files) == bool(args.manifest):
        raise SystemExit("booth hear: give recordings (FILE...) or --manifest M.jsonl, "
                         "not both")
    if args.reference and len(args.files) != 1:
        raise SystemExit("booth hear: --reference goes with exactly one FILE")
    settings = listen_settings(config)
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
    engines = Engines.load(settings, library_vocabulary(config, from_tags=True),
                           wake=not args.no_wake,
                           cache_dir=config_mod.state_dir() / "listen")
    failed = 0
    for result in hear_all(engines, recordings, wake=not args.no_wake):
        failed += "error" in result
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0
