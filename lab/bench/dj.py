"""How far ahead of its transition each DJ link is ready, live, at real-time pace.

Plays the short HyperRogue tracks (about a minute each) to the null output with the DJ
talking at every transition and the real Piper voice, and reports for each link how many
seconds before it had to start it was placed (the minimum is the figure that matters: at
zero a link would be dropped), plus peak RSS with the voice loaded. The session's opening link is not counted: it has no
transition to be early for.

    tools/bench-dj [--transitions 4] [--library DB] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transitions", type=int, default=4)
    parser.add_argument("--library", help="a scanned database (default: scan HyperRogue)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from booth.audio.outputs import NullSink
    from booth.config import Config
    from booth.dj.host import DJHost
    from booth.dj.voice import Voice
    from booth.library.db import Database
    from booth.library.scan import scan
    from booth.station.picker import ShufflePicker
    from booth.station.player import Player
    from lab.measure import peak_rss_mb

    scratch = tempfile.TemporaryDirectory(prefix="bench-dj-")
    db = Database(args.library or Path(scratch.name) / "booth.db")
    if not args.library:
        scan(db, ["/usr/share/hyperrogue/music"], progress=False)
    tracks = [t for t in db.tracks(min_seconds=30) if t.duration < 100]
    config = Config()
    config = replace(config, dj=replace(config.dj, talk="more"))
    t0 = time.monotonic()
    voice = Voice.load(None, config.audio.sample_rate)
    load_s = time.monotonic() - t0
    dj = DJHost(config, db, voice, seed=1)
    player = Player(config, db, ShufflePicker(tracks, seed=1), NullSink(48000), dj=dj)
    player.start()
    while len(player.station.link_margins) < args.transitions:
        time.sleep(0.5)
    player.stop()
    dj.close()
    margins = player.station.link_margins
    result = {
        "links": len(margins), "dropped": player.station.dropped_links,
        "ready_ahead_s": {"min": round(min(margins), 2) if margins else None,
                          "median": round(sorted(margins)[len(margins) // 2], 2)
                          if margins else None},
        "lookahead_s": config.dj.lookahead_seconds, "voice_load_s": round(load_s, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"links: {result['links']} (dropped {result['dropped']}); ready ahead of their "
              f"start: min {result['ready_ahead_s']['min']} s, median "
              f"{result['ready_ahead_s']['median']} s (lookahead {result['lookahead_s']} s); "
              f"peak RSS {result['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
