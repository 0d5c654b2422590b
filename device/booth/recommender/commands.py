"""`booth dj next|feedback|request`: drive the recommender from the command line.

Each command opens the database, acts, and exits; the session it builds lives in the
database, so a running `booth run` sees it and continues it (and vice versa).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from booth import config as config_mod
from booth.config import Config
from booth.library.db import Database
from booth.recommender.recommender import OUTCOMES, NoTracks, Recommender


def register(subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser) -> None:
    """Add the `dj` command group; handlers are called as ``args.func(args, config)``."""
    # common options go on each command only: argparse would let a command's default
    # overwrite a value given before it (`booth dj --db X next`)
    dj = subparsers.add_parser("dj", help="ask the DJ for the next track, give feedback, make requests")
    sub = dj.add_subparsers(dest="dj_command", metavar="COMMAND", required=True)

    p = sub.add_parser("next", parents=[common_parent],
                       help="pick the next track and record it as playing now")
    p.add_argument("--json", action="store_true", help="print the pick as JSON")
    p.set_defaults(func=cmd_next)

    p = sub.add_parser("feedback", parents=[common_parent], help="record how a track ended")
    p.add_argument("track_id", type=int, metavar="ID", help="track id (from `booth dj next`)")
    p.add_argument("outcome", choices=OUTCOMES, help="what happened")
    p.add_argument("--at", type=float, metavar="SECONDS", dest="position",
                   help="how far into the track it was skipped")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("request", parents=[common_parent],
                       help='ask for music in words: "play some jazz", "more like this"')
    p.add_argument("text", metavar="TEXT", help="what you would say to the speaker")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_request)


def _open(args: argparse.Namespace, config: Config | None) -> tuple[Database, Recommender]:
    if config is None:
        config = config_mod.load(getattr(args, "config", None))
    if getattr(args, "db", None):
        config = replace(config, db=args.db)
    if not config.db_path().exists():
        raise SystemExit(f"booth: no library database at {config.db_path()}; "
                         "run `booth scan DIR` first")
    db = Database(config.db_path())
    return db, Recommender.open(db, config)


def cmd_next(args: argparse.Namespace, config: Config | None = None) -> int:
    db, recommender = _open(args, config)
    try:
        pick = recommender.next()
    except NoTracks as err:
        raise SystemExit(f"booth: {err}") from err
    if args.json:
        print(json.dumps(pick.to_dict(), ensure_ascii=False))
    else:
        by = f" — {pick.track.artist}" if pick.track.artist else ""
        print(f"{pick.track.id}: {pick.track.title}{by} ({pick.reason})")
    db.close()
    return 0


def cmd_feedback(args: argparse.Namespace, config: Config | None = None) -> int:
    db, recommender = _open(args, config)
    try:
        recommender.feedback(args.track_id, args.outcome, args.position)
    except ValueError as err:
        raise SystemExit(f"booth: {err}") from err
    track = db.track(args.track_id)
    if args.json:
        print(json.dumps({"id": track.id, "title": track.title, "outcome": args.outcome,
                          "position": args.position}, ensure_ascii=False))
    else:
        at = f" at {args.position:g} s" if args.position is not None else ""
        print(f"recorded {args.outcome} of {track.title}{at}")
    db.close()
    return 0


def cmd_request(args: argparse.Namespace, config: Config | None = None) -> int:
    from booth.intents import IntentParser, Vocabulary  # noqa: PLC0415  (heavy: only here)

    db, recommender = _open(args, config)
    intent = IntentParser(Vocabulary.from_tracks(db.tracks())).parse(args.text)
    if intent is None:
        raise SystemExit(f"booth: I didn't understand {args.text!r} as a music request")
    name = str(intent.name)
    if name == "PlayMusic":
        result = recommender.request(dict(intent.slots)).to_dict()
    elif name == "MoreLikeThis":
        result = recommender.more_like_this().to_dict()
    elif name == "SwitchItUp":
        result = recommender.switch_it_up().to_dict()
    elif name in ("Like", "Dislike"):
        playing = recommender.sessions.now_playing()
        if playing is None:
            raise SystemExit("booth: nothing is playing, so there is nothing to "
                             f"{name.lower()}")
        recommender.feedback(playing, name.lower())
        result = {"kind": name.lower(), "matched": True,
                  "message": f"Noted: you {name.lower()}d {db.track(playing).title}."}
    else:
        raise SystemExit(f"booth: {args.text!r} is a {name} command, not a music request; "
                         "the DJ only takes PlayMusic, MoreLikeThis, SwitchItUp, Like, Dislike here")
    if args.json:
        print(json.dumps({"intent": name, "slots": dict(intent.slots), **result}, ensure_ascii=False))
    else:
        print(result["message"])
    db.close()
    return 0
