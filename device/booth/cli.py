"""The `booth` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from booth import __version__, config as config_mod
from booth.config import Config, ConfigError
from booth.library.db import Database

log = logging.getLogger("booth")


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="PATH", help="library database (default: booth.db "
                        "in the state directory)")
    parent.add_argument("--config", metavar="PATH", help="extra TOML configuration file, "
                        "read after /etc/booth/booth.toml and ~/.config/booth/booth.toml")
    parent.add_argument("-v", "--verbose", action="store_true", help="log more")
    return parent


def load_config(args: argparse.Namespace) -> Config:
    """The configuration files, then the command line."""
    config = config_mod.load(args.config)
    if getattr(args, "db", None):
        config = replace(config, db=args.db)
    return config


def open_db(config: Config) -> Database:
    return Database(config.db_path())


# -- scan ---------------------------------------------------------------------------------

def cmd_scan(args: argparse.Namespace, config: Config) -> int:
    from booth.library.scan import scan

    db = open_db(config)
    report = scan(db, args.dirs, jobs=args.jobs)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print(f"{report.tracks} tracks: {report.added} added, {report.updated} updated, "
              f"{report.removed} removed, {report.unchanged} unchanged")
        for item in report.skipped:
            print(f"skipped {item['path']}: {item['error']}")
    return 0


# -- mixtape ------------------------------------------------------------------------------

def make_picker(config: Config, db: Database, seed: int | None):
    """The track picker: the recommender when its model is available."""
    from booth.station.picker import ShufflePicker

    tracks = db.tracks()
    if not tracks:
        raise SystemExit("booth: the library is empty — run `booth scan DIR` first "
                         f"(database {db.path})")
    return ShufflePicker(tracks, seed=seed, min_seconds=config.library.min_track_seconds)


def cmd_mixtape(args: argparse.Namespace, config: Config) -> int:
    from booth.station.mixtape import render_mixtape, write_report

    db = open_db(config)
    picker = make_picker(config, db, args.seed)
    result = render_mixtape(config, db, picker, args.minutes, args.out, stems=args.stems,
                            record=args.record)
    if args.report:
        write_report(result, args.report, minutes=args.minutes, seed=args.seed)
    print(f"wrote {result.path}: {result.seconds / 60:.1f} min in {result.cpu_seconds:.1f} "
          f"CPU s ({result.speed:.0f}× real time)", file=sys.stderr)
    return 0


# -- run ----------------------------------------------------------------------------------

def default_music_dirs(config: Config) -> list[str]:
    """The configured music folders, or Debian's free game music when they are empty."""
    from booth.library.scan import find_audio_files

    dirs = [str(Path(d).expanduser()) for d in config.library.music_dirs]
    if any(True for _ in find_audio_files(d for d in dirs if Path(d).exists())):
        return dirs
    return [d for d in config_mod.DEBIAN_MUSIC if Path(d).exists()]


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from booth.audio.outputs import OutputError, open_output
    from booth.library.scan import scan
    from booth.station.mixtape import render_mixtape
    from booth.station.player import Player

    output = args.output or config.audio.output
    db = open_db(config)
    dirs = default_music_dirs(config)
    if not dirs:
        raise SystemExit("booth: no music found: put some in ~/Music or set library.music_dirs")
    report = scan(db, dirs)
    print(f"library: {report.tracks} tracks from {', '.join(dirs)}", file=sys.stderr)
    picker = make_picker(config, db, None)
    try:
        sink = open_output(output, config.audio.sample_rate, config.audio.buffer_seconds)
    except OutputError as err:
        if not output.startswith("device"):
            raise SystemExit(f"booth: {err}") from err
        path = config_mod.state_dir() / f"mixtape-{time.strftime('%Y%m%d-%H%M%S')}.wav"
        print(f"booth: {err}. No audio device, so here is a 10-minute mixtape instead: "
              f"{path}", file=sys.stderr)
        render_mixtape(config, db, picker, 10, path)
        print(path)
        return 0
    player = Player(config, db, picker, sink)
    player.run_forever()
    return 0


# -- settings -----------------------------------------------------------------------------

def cmd_settings(args: argparse.Namespace, config: Config) -> int:
    rows = config_mod.settings_table()
    if args.markdown:
        print("| setting | default | meaning |\n|---|---|---|")
        for key, default, doc in rows:
            print(f"| `{key}` | `{default}` | {doc} |")
    else:
        for key, default, doc in rows:
            print(f"{key} = {default}    # {doc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(prog="booth", description="An offline AI-DJ speaker.")
    parser.add_argument("--version", action="version", version=f"booth {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("scan", parents=[common], help="index music into the library")
    p.add_argument("dirs", nargs="+", metavar="DIR")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--jobs", type=int, default=None, help="parallel decoders (default: cores)")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("mixtape", parents=[common], help="render a DJ session to a file")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--out", required=True, metavar="FILE", help=".wav or .flac")
    p.add_argument("--report", metavar="FILE.json", help="write the segment report here")
    p.add_argument("--stems", metavar="DIR", help="also write music.wav and voice.wav here")
    p.add_argument("--seed", type=int, default=None, help="make the session reproducible")
    p.add_argument("--no-voice", action="store_true", help="no DJ links")
    p.add_argument("--record", action="store_true", help="record the plays in the history")
    p.set_defaults(func=cmd_mixtape)

    p = sub.add_parser("run", parents=[common], help="run the speaker")
    p.add_argument("--output", metavar="SPEC",
                   help="device[:NAME] | file:PATH | snapcast:FIFO | null")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("settings", parents=[common], help="list every setting with its default")
    p.add_argument("--markdown", action="store_true")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args)
        return args.func(args, config)
    except ConfigError as err:
        print(f"booth: configuration: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
