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

def cmd_mixtape(args: argparse.Namespace, config: Config) -> int:
    import tempfile

    from booth.roles.player import dry_run_copy, make_dj, make_picker
    from booth.station.mixtape import render_mixtape, write_report

    db = open_db(config)
    with tempfile.TemporaryDirectory(prefix="booth-mixtape-") as scratch:
        if args.record:
            picker = make_picker(config, db, args.seed)
            session_db = db
        else:
            session_db, recommender = dry_run_copy(config, db, Path(scratch))
            picker = recommender(args.seed)
        dj = None if args.no_voice else make_dj(config, session_db, seed=args.seed)
        try:
            result = render_mixtape(config, session_db, picker, args.minutes, args.out,
                                    stems=args.stems, dj=dj, record=args.record)
        finally:
            if dj is not None:
                dj.close()
    if args.report:
        write_report(result, args.report, minutes=args.minutes, seed=args.seed)
    print(f"wrote {result.path}: {result.seconds / 60:.1f} min in {result.cpu_seconds:.1f} "
          f"CPU s ({result.speed:.0f}× real time)", file=sys.stderr)
    return 0


# -- run ----------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from booth.audio.outputs import OutputError
    from booth.library.folders import default_music_dirs
    from booth.library.scan import scan
    from booth.roles.player import make_dj, make_picker, start_player
    from booth.roles.serve import serve
    from booth.station.mixtape import render_mixtape

    config = apply_mpd_flag(args, apply_mqtt_flags(args, config))
    output = args.output or config.audio.output
    db = open_db(config)
    dirs = default_music_dirs(config)
    if not dirs:
        raise SystemExit("booth: no music found: put some in ~/Music or set library.music_dirs")
    report = scan(db, dirs)
    print(f"booth: library: {report.tracks} tracks from {', '.join(dirs)}", file=sys.stderr)
    try:
        player = start_player(config, db, output, voice=not args.no_voice)
    except OutputError as err:
        if not output.startswith("device"):
            raise SystemExit(f"booth: {err}") from err
        path = config_mod.state_dir() / f"mixtape-{time.strftime('%Y%m%d-%H%M%S')}.wav"
        print(f"booth: {err}.\nNo audio device, so here is a 10-minute mixtape instead: "
              f"{path}", file=sys.stderr)
        dj = None if args.no_voice else make_dj(config, db)
        render_mixtape(config, db, make_picker(config, db), 10, path, dj=dj)
        print(path)
        return 0
    roles = [player, *companions(config, args, player)]
    print(f"booth: playing to {output}; MQTT site {config.mqtt.site!r}. Ctrl-C stops.",
          file=sys.stderr)
    return serve(roles, f"playing to {output}")


def companions(config: Config, args: argparse.Namespace, player) -> list:
    """The listen and buttons roles beside the player in `booth run`, where their hardware
    is there; each says why when it is not."""
    from booth.roles import create_role
    from booth.roles.base import RoleOptions

    made = []
    if (args.input or "") != "none":
        try:
            made.append(create_role("listen", config, RoleOptions(input=args.input)))
        except Exception as err:  # no microphone, a missing model: the music still plays
            print(f"booth: not listening ({err}); --input none silences this",
                  file=sys.stderr)
    try:  # the buttons hand each command to the player here at once...
        buttons = create_role("buttons", config, RoleOptions(local=player.speaker.apply))
    except Exception as err:  # GpioError and the back-ends' own errors off a Pi
        log.info("no buttons: %s", err)
    else:
        player.service.handler.ignore_origins.add(buttons.origin)  # ...not twice
        made.append(buttons)
    return made


def apply_mqtt_flags(args: argparse.Namespace, config: Config) -> Config:
    """--broker HOST:PORT and --site ID override the configuration."""
    mqtt = config.mqtt
    if getattr(args, "broker", None):
        host, _, port = args.broker.rpartition(":")
        if not host or not port.isdigit():
            raise SystemExit(f"booth: --broker wants HOST:PORT, not {args.broker!r}")
        mqtt = replace(mqtt, host=host, port=int(port))
    if getattr(args, "site", None):
        mqtt = replace(mqtt, site=args.site)
    return replace(config, mqtt=mqtt)


def apply_mpd_flag(args: argparse.Namespace, config: Config) -> Config:
    """--mpd HOST:PORT|off overrides mpd.bind."""
    if getattr(args, "mpd", None):
        return replace(config, mpd=replace(config.mpd, bind=args.mpd))
    return config


# -- serve --------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    """One role alone, as systemd runs it (and as a satellite Pi runs `listen`)."""
    from booth.buttons.panel import GpioError
    from booth.roles import create_role
    from booth.roles.base import RoleOptions
    from booth.roles.serve import serve

    config = apply_mpd_flag(args, apply_mqtt_flags(args, config))
    options = RoleOptions(output=args.output, voice=args.voice, input=args.input)
    try:
        role = create_role(args.role, config, options)
    except GpioError as err:
        raise SystemExit(f"booth: {err}") from err
    return serve([role], f"{args.role} for site {config.mqtt.site}")


# -- say ----------------------------------------------------------------------------------

def cmd_say(args: argparse.Namespace, config: Config) -> int:
    """Speak through the running Booth (over MQTT); without one, on this machine's output."""
    from booth.mqtt.broker import broker_answers
    from booth.station.commands import Say

    config = apply_mqtt_flags(args, config)
    host = config.mqtt.host or "127.0.0.1"
    if broker_answers(host, config.mqtt.port) and _running_booth(config, host):
        from booth.mqtt.oneshot import publish_once
        from booth.mqtt.runner import Connection
        from booth.mqtt.topics import SiteTopics

        publish_once(Connection.from_config(config.mqtt, host=host),
                     SiteTopics(config.mqtt.site).command, Say(text=args.text).to_json())
        print(f"sent to the Booth on {host}:{config.mqtt.port}", file=sys.stderr)
        return 0
    from booth.audio.outputs import open_output
    from booth.dj.host import level_voice
    from booth.roles.player import load_voice
    import numpy as np

    voice = load_voice(config)
    samples = level_voice(voice.synthesize(args.text), config.audio.sample_rate,
                          config.audio.loudness_target)
    sink = open_output(args.output or config.audio.output, config.audio.sample_rate)
    sink.write(np.repeat(samples[:, None], 2, axis=1))
    sink.write(np.zeros((config.audio.sample_rate // 2, 2), np.float32))
    sink.close()
    return 0


def _running_booth(config: Config, host: str) -> bool:
    from booth.mqtt.oneshot import read_retained
    from booth.mqtt.runner import Connection
    from booth.mqtt.topics import SiteTopics

    status = read_retained(Connection.from_config(config.mqtt, host=host),
                           SiteTopics(config.mqtt.site).availability, timeout=1.0)
    return status == "online"


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

    mqtt_opts = argparse.ArgumentParser(add_help=False)
    mqtt_opts.add_argument("--broker", metavar="HOST:PORT", help="MQTT broker (default: "
                           "localhost, or an embedded one when none answers)")
    mqtt_opts.add_argument("--site", metavar="ID", help="Hermes siteId (default: default)")

    p = sub.add_parser("run", parents=[common, mqtt_opts], help="run the speaker")
    p.add_argument("--output", metavar="SPEC",
                   help="device[:NAME] | file:PATH | snapcast:FIFO | null")
    p.add_argument("--input", metavar="SPEC", default=None,
                   help="microphone: device[:NAME] | none")
    p.add_argument("--no-voice", action="store_true", help="no DJ voice (saves memory)")
    p.add_argument("--mpd", metavar="HOST:PORT", help="serve MPD here, or off (default: "
                   "mpd.bind, 127.0.0.1:6600)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("serve", parents=[common, mqtt_opts],
                       help="run one role alone (systemd units, satellites)")
    p.add_argument("role", choices=["player", "dj", "listen", "buttons"])
    p.add_argument("--output", metavar="SPEC", help="player: where the audio goes")
    p.add_argument("--voice", choices=["local", "remote", "none"], default="remote",
                   help="player: the DJ's voice here, from the dj role, or none "
                        "(default: remote)")
    p.add_argument("--input", metavar="SPEC", default=None,
                   help="listen: microphone device[:NAME]")
    p.add_argument("--mpd", metavar="HOST:PORT", help="player: serve MPD here, or off "
                   "(default: mpd.bind)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("say", parents=[common, mqtt_opts],
                       help="speak now over whatever plays")
    p.add_argument("text")
    p.add_argument("--output", metavar="SPEC", help="when no Booth is running: where to speak")
    p.set_defaults(func=cmd_say)

    from booth.recommender.commands import register as register_dj
    register_dj(sub, common)
    from booth.doctor import register as register_doctor
    register_doctor(sub, common)
    from booth.listen.commands import register as register_hear
    register_hear(sub, common)
    from booth.models import register as register_models
    register_models(sub, common)

    p = sub.add_parser("settings", parents=[common], help="list every setting with its default")
    p.add_argument("--markdown", action="store_true")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # the embedded broker's own news: only its problems
        for chatty in ("amqtt", "transitions"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    if args.command in ("run", "serve"):
        from booth.roles.serve import catch_stop_signals

        catch_stop_signals()  # before anything starts: a stop during start-up is clean too
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
