"""Benchmark the player against MPD: live mixing CPU, mixtape speed, scan time, peak memory.

    tools/bench-player                    everything, 60 s of live audio, a table
    tools/bench-player --seconds 300      a longer live window (less noise, more crossfades)
    tools/bench-player --skip-mpd         Booth's figures only
    tools/bench-player --json             one JSON object instead of the table
    tools/bench-player --library X.db     reuse a scanned library (no scan figures)
    tools/bench-player --profile 5        cProfile of 5 minutes of the render loop, unpaced

Each part runs in a process of its own, so one part's memory or start-up never counts in
another's figures:

- scan: every file under --music into a fresh database; wall and CPU seconds per file (CPU
  includes the scanner's worker processes), peak RSS of the scanner and of its largest worker.
- live: the real `Player` with the real-time `null` output, and Debian's `mpd` (null output,
  soxr "high" resampling to 48 kHz float, 4 s crossfade) playing the same Ogg files in the
  same order, both at once. After --warmup seconds (MPD fills its whole buffer at start), the
  CPU of each process over the next --seconds of audio gives CPU seconds per audio second
  (= fraction of one core); the ratio Booth / MPD is the figure to watch.
- mixtape: `render_mixtape` of --mixtape-minutes from the whole library to a temporary WAV.

The live playlist is the Ogg files of --music in a seeded shuffle, alternating sample rates and
starting with the shortest file that needs resampling, so even a one-minute window contains
resampling and a crossfade.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


from booth.config import DEBIAN_MUSIC, Config
from booth.library.db import Database, Track
from booth.station.picker import Pick

LIVE_AIM = 2.0
"""Booth's live CPU may be at most this many times MPD's."""
MIXTAPE_AIM = 20.0
"""A mixtape renders at least this many times faster than real time."""
MPD_COMMAND_TIMEOUT = 30.0


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- the parts, each run in its own process ----------------------------------------------------

def part_scan(db_path: str, music: list[str]) -> dict[str, Any]:
    from booth.library.scan import scan  # noqa: PLC0415

    db = Database(db_path)
    wall, cpu = time.perf_counter(), time.process_time() + children_cpu()
    report = scan(db, music, progress=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() + children_cpu() - cpu
    files = report.added + report.updated + len(report.skipped)
    return {
        "files": files, "tracks": report.tracks, "skipped": report.skipped,
        "workers": min(files, os.cpu_count() or 1),
        "wall_s": wall, "cpu_s": cpu,
        "wall_per_file_s": wall / max(files, 1), "cpu_per_file_s": cpu / max(files, 1),
        "peak_rss_mb": peak_rss_mb(), "worker_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


class PlaylistPicker:
    """Plays a fixed list of tracks in order, over and over (the same list MPD gets)."""

    def __init__(self, tracks: list[Track]):
        self._tracks = itertools.cycle(tracks)

    def next(self, now_playing: Track | None = None) -> Pick:
        return Pick(next(self._tracks), "benchmark playlist", "shuffle")


def part_live(db_path: str, ids: list[int], seconds: float, warmup: float) -> dict[str, Any]:
    from booth.audio.outputs import open_output  # noqa: PLC0415
    from booth.station.player import Player  # noqa: PLC0415

    config = Config(db=db_path)
    db = Database(db_path)
    picker = PlaylistPicker([db.track(i) for i in ids])
    rate = config.audio.sample_rate
    player = Player(config, db, picker, open_output("null", rate))
    player.start()
    print("playing", flush=True)  # the parent starts MPD's playback on this line
    render = next(t for t in threading.enumerate() if t.name == "booth-render")
    render_clock = time.pthread_getcpuclockid(render.ident)

    def snapshot() -> tuple[float, float, float, int]:
        return (time.monotonic(), time.process_time(), time.clock_gettime(render_clock),
                player.station.mixer.position)

    def wait_for(frame: float) -> tuple[float, float, float, int]:
        while player.station.mixer.position < frame:
            if not render.is_alive():
                raise SystemExit("bench-player: Booth's render thread stopped early")
            time.sleep(0.2)
        return snapshot()

    try:
        t0, cpu0, thread0, pos0 = wait_for(warmup * rate)
        t1, cpu1, thread1, pos1 = wait_for((warmup + seconds) * rate)
    finally:
        player.stop()
    audio = (pos1 - pos0) / rate
    heard = [p.track for p in player.station.played + player.station.placed
             if p.deck.start < pos1]
    return {
        "audio_s": audio, "wall_s": t1 - t0, "pace": audio / (t1 - t0),
        "cpu_s": cpu1 - cpu0, "cpu_per_audio_s": (cpu1 - cpu0) / audio,
        "render_thread_cpu_s": thread1 - thread0,
        "render_thread_cpu_per_audio_s": (thread1 - thread0) / audio,
        "tracks": [f"{Path(t.path).name} ({t.sample_rate} Hz)" for t in heard],
        "peak_rss_mb": peak_rss_mb(),
    }


def part_mixtape(db_path: str, minutes: float, out: str, seed: int) -> dict[str, Any]:
    from booth.station.mixtape import render_mixtape  # noqa: PLC0415
    from booth.station.picker import ShufflePicker  # noqa: PLC0415

    config = Config(db=db_path)
    db = Database(db_path)
    picker = ShufflePicker(db.tracks(), seed=seed, min_seconds=config.library.min_track_seconds)
    wall = time.perf_counter()
    result = render_mixtape(config, db, picker, minutes, out)
    wall = time.perf_counter() - wall
    return {
        "audio_s": result.seconds, "cpu_s": result.cpu_seconds, "wall_s": wall,
        "speed_cpu": result.speed, "speed_wall": result.seconds / wall,
        "tracks": sum(1 for s in result.segments if s["kind"] == "track"),
        "peak_rss_mb": peak_rss_mb(),
    }


def profile_render(db_path: str, ids: list[int], minutes: float, top: int = 30) -> None:
    """cProfile of the station's render loop, unpaced, on the live playlist."""
    from booth.station.station import Station  # noqa: PLC0415

    config = Config(db=db_path)
    db = Database(db_path)
    station = Station(config, PlaylistPicker([db.track(i) for i in ids]))
    block, total = config.audio.block_frames, int(minutes * 60 * station.rate)
    profiler = cProfile.Profile(time.process_time)  # CPU, not wall: the machine may be busy
    cpu = time.process_time()
    profiler.enable()
    while station.mixer.position < total:
        station.render(block)
    profiler.disable()
    cpu = time.process_time() - cpu
    station.mixer.close()
    print(f"{minutes:g} min of audio in {cpu:.2f} CPU s under cProfile "
          f"({cpu / (minutes * 60) * 100:.2f} % of one core; profiling adds overhead)")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)


# -- MPD ------------------------------------------------------------------------------------------

class MpdError(RuntimeError):
    """MPD failed to start or answered a command with an error."""


class Mpd:
    """Debian's mpd in a temporary folder, controlled over its text protocol."""

    def __init__(self, workdir: Path, files: list[Path]):
        self.dir = workdir
        music = workdir / "music"
        music.mkdir(parents=True)
        self.names = []
        for i, path in enumerate(files):  # numbered links keep MPD's order ours
            name = f"{i:03d}{path.suffix}"
            (music / name).symlink_to(path)
            self.names.append(name)
        self.socket_path = workdir / "mpd.sock"
        conf = workdir / "mpd.conf"
        conf.write_text(f"""\
music_directory "{music}"
db_file "{workdir / 'mpd.db'}"
log_file "{workdir / 'mpd.log'}"
bind_to_address "{self.socket_path}"
zeroconf_enabled "no"
auto_update "no"
audio_output_format "48000:f:2"
resampler {{
    plugin "soxr"
    quality "high"
}}
audio_output {{
    type "null"
    name "bench"
}}
""")
        self.process = subprocess.Popen(["mpd", "--no-daemon", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._file = self._connect()

    def _connect(self):
        deadline = time.monotonic() + MPD_COMMAND_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MpdError(f"mpd exited ({self.process.returncode}): "
                               f"{self.process.stderr.read().decode(errors='replace').strip()}"
                               f"{self.log()}")
            try:
                sock = socket.socket(socket.AF_UNIX)
                sock.settimeout(MPD_COMMAND_TIMEOUT)
                sock.connect(str(self.socket_path))
            except OSError:
                time.sleep(0.1)
                continue
            file = sock.makefile("rwb")
            greeting = file.readline().decode()
            if not greeting.startswith("OK MPD"):
                raise MpdError(f"unexpected greeting from mpd: {greeting!r}")
            return file
        raise MpdError(f"mpd did not open {self.socket_path} within {MPD_COMMAND_TIMEOUT:.0f} s"
                       f"{self.log()}")

    def log(self) -> str:
        path = self.dir / "mpd.log"
        return f"\nmpd.log:\n{path.read_text(errors='replace')}" if path.exists() else ""

    def command(self, line: str) -> dict[str, str]:
        self._file.write(line.encode() + b"\n")
        self._file.flush()
        answer = {}
        while True:
            reply = self._file.readline().decode().rstrip("\n")
            if reply == "OK":
                return answer
            if reply.startswith("ACK") or not reply:
                raise MpdError(f"mpd: {line!r} failed: {reply or 'connection closed'}")
            key, _, value = reply.partition(": ")
            answer[key] = value

    def prepare(self, crossfade: float) -> None:
        """Index the files, queue them in order, repeat, set the crossfade."""
        self.command("update")
        deadline = time.monotonic() + MPD_COMMAND_TIMEOUT
        while "updating_db" in self.command("status"):
            if time.monotonic() > deadline:
                raise MpdError("mpd's database update did not finish")
            time.sleep(0.1)
        songs = int(self.command("stats")["songs"])
        if songs != len(self.names):
            raise MpdError(f"mpd indexed {songs} of {len(self.names)} files{self.log()}")
        self.command("clear")
        for name in self.names:
            self.command(f'add "{name}"')
        for setting in ("random 0", "repeat 1", "single 0", "consume 0",
                        f"crossfade {crossfade:g}"):
            self.command(setting)

    def cpu_seconds(self) -> float:
        """CPU seconds of the whole process so far, exited threads included (clock ticks)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def threads_ns(self) -> dict[str, int]:
        """CPU nanoseconds of each live thread (from /proc/PID/task/*/schedstat)."""
        out = {}
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                out[task.name] = int((task / "schedstat").read_text().split()[0])
            except (OSError, ValueError):
                pass
        return out

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def measure_mpd(mpd: Mpd, seconds: float, warmup: float) -> dict[str, Any]:
    """Play, skip the warm-up, then CPU over ``seconds`` of real time; checks the pacing."""
    mpd.command("play 0")
    time.sleep(warmup)
    t0, cpu0, ns0 = time.monotonic(), mpd.cpu_seconds(), mpd.threads_ns()
    played, walls, songs, last = 0.0, 0.0, set(), None
    while (now := time.monotonic()) < t0 + seconds:
        status = mpd.command("status")
        if status.get("state") != "play":
            raise MpdError(f"mpd stopped playing: {status}{mpd.log()}")
        songs.add(status.get("songid"))
        sample = (now, status.get("songid"), float(status.get("elapsed", 0)))
        if last and last[1] == sample[1]:  # elapsed time only compares within one song
            played, walls = played + sample[2] - last[2], walls + sample[0] - last[0]
        last = sample
        time.sleep(min(2.0, max(0.0, t0 + seconds - time.monotonic())))
    t1, cpu1, ns1 = time.monotonic(), mpd.cpu_seconds(), mpd.threads_ns()
    wall = t1 - t0
    if ns0.keys() == ns1.keys():  # no thread came or went: use the precise clocks
        cpu, clock = sum(ns1.values()) / 1e9 - sum(ns0.values()) / 1e9, "schedstat"
    else:
        cpu, clock = cpu1 - cpu0, "stat ticks"
    return {
        "audio_s": wall, "wall_s": wall, "pace": played / walls if walls else float("nan"),
        "cpu_s": cpu, "cpu_per_audio_s": cpu / wall, "cpu_clock": clock,
        "songs": len(songs), "peak_rss_mb": mpd.peak_rss_mb(),
    }


# -- the whole run --------------------------------------------------------------------------------

def run_part(args: list[str]) -> dict[str, Any]:
    """Run this script in a child process for one part; its last stdout line is JSON.

    The part's stderr (decoder chatter from libmpg123 on some MP3s) is shown only if it fails,
    and counted otherwise."""
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"bench-player: the {args[1]} part failed (exit {proc.returncode})")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]),
            "stderr_lines": len(proc.stderr.splitlines())}


def live_playlist(tracks: list[Track], rate: int, seed: int, min_seconds: float) -> list[Track]:
    """Ogg tracks, shuffled, alternating sample rates, the shortest resampled one first."""
    oggs = [t for t in tracks if Path(t.path).suffix.lower() in (".ogg", ".oga")
            and t.duration >= min_seconds]
    if not oggs:
        raise SystemExit("bench-player: no Ogg file of at least "
                         f"{min_seconds:g} s under --music; the live comparison needs some")
    random.Random(seed).shuffle(oggs)
    groups: dict[int, list[Track]] = {}
    for t in oggs:
        groups.setdefault(t.sample_rate, []).append(t)
    ordered = sorted(groups.values(), key=lambda g: g[0].sample_rate == rate)
    first = ordered[0]
    first.insert(0, first.pop(first.index(min(first, key=lambda t: t.duration))))
    return [t for row in itertools.zip_longest(*ordered) for t in row if t is not None]


def live_both(db_path: str, playlist: list[Track], args: argparse.Namespace,
              workdir: Path) -> tuple[dict[str, Any], dict[str, Any] | None, str | None]:
    """Booth and MPD play the same playlist at the same time."""
    mpd = version = None
    if not args.skip_mpd:
        if not shutil.which("mpd"):
            raise SystemExit("bench-player: mpd not found: install Debian's mpd "
                             "(apt-get install mpd) or pass --skip-mpd")
        version = subprocess.run(["mpd", "--version"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
        mpd = Mpd(workdir / "mpd", [Path(t.path) for t in playlist])
    booth = mpd_result = None
    try:
        if mpd:
            mpd.prepare(Config().audio.crossfade_seconds)
        ids = ",".join(str(t.id) for t in playlist)
        child = subprocess.Popen([sys.executable, __file__, "--part", "live", "--db", db_path,
                                  "--ids", ids, "--seconds", str(args.seconds),
                                  "--warmup", str(args.warmup)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            started = child.stdout.readline().strip()
            if started != "playing":
                raise SystemExit(f"bench-player: Booth's player did not start ({started!r})")
            if mpd:
                mpd_result = measure_mpd(mpd, args.seconds, args.warmup)
            out = child.stdout.read()
            if child.wait(timeout=args.warmup + args.seconds + 60):
                raise SystemExit(f"bench-player: the live part failed (exit {child.returncode})")
            booth = json.loads(out.strip().splitlines()[-1])
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    finally:
        if mpd:
            mpd.close()
    return booth, mpd_result, version


def measure_all(args: argparse.Namespace) -> dict[str, Any]:
    rate = Config().audio.sample_rate
    result: dict[str, Any] = {"machine": {
        "cpus": os.cpu_count(), "load_average_before": os.getloadavg(),
        "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="bench-player-") as tmp:
        workdir = Path(tmp)
        db_path = str(workdir / "library.db")
        if args.library:
            shutil.copy(args.library, db_path)
            result["scan"] = None
        else:
            result["scan"] = run_part(["--part", "scan", "--db", db_path, "--music", *args.music])
        tracks = Database(db_path).tracks()
        playlist = live_playlist(tracks, rate, args.seed, Config().library.min_track_seconds)
        result["playlist"] = [f"{Path(t.path).name} ({t.sample_rate} Hz, {t.duration:.0f} s)"
                              for t in playlist]
        booth, mpd, version = live_both(db_path, playlist, args, workdir)
        result["live"] = {"seconds": args.seconds, "warmup": args.warmup, "booth": booth,
                          "mpd": mpd, "mpd_version": version,
                          "ratio": booth["cpu_per_audio_s"] / mpd["cpu_per_audio_s"]
                          if mpd else None}
        result["machine"]["load_average_after_live"] = os.getloadavg()
        result["mixtape"] = run_part([
            "--part", "mixtape", "--db", db_path, "--minutes", str(args.mixtape_minutes),
            "--out", str(workdir / "mixtape.wav"), "--seed", str(args.seed)])
    result["machine"]["load_average_after"] = os.getloadavg()
    return result


def table(r: dict[str, Any]) -> str:
    scan, live, mix = r["scan"], r["live"], r["mixtape"]
    booth, mpd = live["booth"], live["mpd"]

    def pct(x: float) -> str:
        return f"{100 * x:.2f} % of one core"

    rows = [("Figure", "Booth", "MPD", "Ratio / aim")]
    if mpd:
        verdict = "met" if live["ratio"] <= LIVE_AIM else "NOT met"
        rows.append(("Live mixing CPU (CPU s per audio s)", pct(booth["cpu_per_audio_s"]),
                     pct(mpd["cpu_per_audio_s"]),
                     f"{live['ratio']:.2f}× (aim ≤ {LIVE_AIM:g}×: {verdict})"))
    else:
        rows.append(("Live mixing CPU (CPU s per audio s)", pct(booth["cpu_per_audio_s"]),
                     "skipped", f"aim ≤ {LIVE_AIM:g}× MPD"))
    rows += [
        ("… of which Booth's render thread", pct(booth["render_thread_cpu_per_audio_s"]), "", ""),
        ("Live window (audio s, pace)", f"{booth['audio_s']:.0f} s, {booth['pace']:.3f}× real time",
         f"{mpd['audio_s']:.0f} s, {mpd['pace']:.3f}× real time ({mpd['cpu_clock']})"
         if mpd else "", f"after {live['warmup']:g} s warm-up"),
        ("Peak RSS, live", f"{booth['peak_rss_mb']:.0f} MB",
         f"{mpd['peak_rss_mb']:.0f} MB" if mpd else "", ""),
        ("Mixtape speed (× real time)", f"{mix['speed_cpu']:.1f}× per CPU s, "
         f"{mix['speed_wall']:.1f}× wall", "",
         f"aim > {MIXTAPE_AIM:g}×: {'met' if mix['speed_cpu'] > MIXTAPE_AIM else 'NOT met'}"),
        ("Mixtape", f"{mix['audio_s'] / 60:.1f} min, {mix['tracks']} tracks, "
         f"peak RSS {mix['peak_rss_mb']:.0f} MB", "", ""),
    ]
    if scan:
        rows += [
            ("Scan time per file", f"{scan['cpu_per_file_s']:.2f} CPU s, "
             f"{scan['wall_per_file_s']:.2f} wall s", "",
             f"{scan['files']} files, {scan['workers']} workers"),
            ("Peak RSS, scan", f"{scan['peak_rss_mb']:.0f} MB main, "
             f"{scan['worker_peak_rss_mb']:.0f} MB largest worker", "", ""),
        ]
    m = r["machine"]
    loads = ", ".join(f"{m[k][0]:.2f}" for k in
                      ("load_average_before", "load_average_after_live", "load_average_after"))
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    lines += ["", f"Machine: {m['cpus']} CPUs, 1-min load average {loads} "
              "(before, after live, after); Python " + m["python"]
              + (f"; {live['mpd_version']}" if live["mpd_version"] else ""),
              "Booth played: " + ", ".join(booth["tracks"])
              + (f"; MPD played {mpd['songs']} songs in the window" if mpd else "")]
    if scan and scan["skipped"]:
        lines.append("Scan skipped: " + "; ".join(f"{s['path']}: {s['error']}"
                                                   for s in scan["skipped"]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="seconds of audio in the live window (default 60)")
    parser.add_argument("--warmup", type=float, default=15.0,
                        help="seconds played before the live window opens (default 15)")
    parser.add_argument("--music", nargs="+", default=list(DEBIAN_MUSIC), metavar="DIR",
                        help="folders to scan (default: the Debian game music)")
    parser.add_argument("--mixtape-minutes", type=float, default=10.0,
                        help="length of the mixtape (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="shuffle seed (default 1)")
    parser.add_argument("--skip-mpd", action="store_true", help="measure Booth only")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--save", metavar="FILE", help="also write the JSON to FILE")
    parser.add_argument("--library", metavar="DB",
                        help="use this scanned database instead of scanning (no scan figures)")
    parser.add_argument("--profile", type=float, metavar="MINUTES",
                        help="only profile the render loop over MINUTES of the live playlist")
    # internal: one part in a child process
    parser.add_argument("--part", choices=("scan", "live", "mixtape"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.part:
        if args.part == "scan":
            out = part_scan(args.db, args.music)
        elif args.part == "live":
            out = part_live(args.db, [int(i) for i in args.ids.split(",")], args.seconds,
                            args.warmup)
        else:
            out = part_mixtape(args.db, args.minutes, args.out, args.seed)
        print(json.dumps(out), flush=True)
        return
    if args.seconds <= 0 or args.warmup < 0 or args.mixtape_minutes <= 0:
        parser.error("--seconds and --mixtape-minutes must be positive, --warmup not negative")
    missing = [d for d in args.music if not Path(d).expanduser().exists()]
    if args.library and not Path(args.library).is_file():
        parser.error(f"no such database: {args.library}")
    if missing:
        parser.error(f"no such folder: {', '.join(missing)}")
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="bench-player-") as tmp:
            db_path = str(Path(tmp) / "library.db")
            if args.library:
                shutil.copy(args.library, db_path)
            else:
                run_part(["--part", "scan", "--db", db_path, "--music", *args.music])
            config = Config()
            playlist = live_playlist(Database(db_path).tracks(), config.audio.sample_rate,
                                     args.seed, config.library.min_track_seconds)
            profile_render(db_path, [t.id for t in playlist], args.profile)
        return
    result = measure_all(args)
    if args.save:
        Path(args.save).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
