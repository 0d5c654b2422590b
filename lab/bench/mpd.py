"""Benchmark the MPD command round trip: Booth's MPD server and Debian's `mpd`, in the same
run, on the same files and the same commands.

    tools/bench-mpd                    1000 commands to each server, table
    tools/bench-mpd --commands 3000    more
    tools/bench-mpd --json             one JSON object instead of the table

Booth runs in a child process: the real player role (null output, paced like a device; no
DJ voice) on the Debian music (scanned into .cache/bench-mpd/ the first time), with a
throw-away Mosquitto. Debian's `mpd` runs with a private configuration (lab/debian_mpd.py)
on the same files, playing to a null output. Both play while measured. A round trip is from
sending a command line to reading its last line, one command at a time on one connection;
the commands cycle through COMMANDS. CPU is the server process's CPU time (/proc) while the
commands ran, less what it spends playing alone over as long (measured just before), per
1000 commands.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lab.debian_mpd import DebianMpd
from lab.measure import percentile
from lab.mosquitto import HOST, Mosquitto, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "bench-mpd"
COMMANDS = ("status", "currentsong", "ping", "playlistinfo", "find title Nebula",
            "search title nebula", "list album", "stats", "lsinfo", "outputs")
"""What a client such as Home Assistant or mpc asks most, and the library look-ups."""
TIMEOUT = 10.0


def serve(db_path: str, port: int, broker_port: int) -> None:
    """The child: Booth's player role serving MPD on ``port`` until stdin closes."""
    from booth.config import Config, merge
    from booth.library.db import Database
    from booth.roles.player import start_player

    config = merge(Config(), {"mqtt": {"host": HOST, "port": broker_port, "site": "bench"},
                              "mpd": {"bind": f"{HOST}:{port}"}}, "bench")
    role = start_player(config, Database(db_path), "null", voice=False)
    print("ready", flush=True)
    sys.stdin.read()
    role.stop()


def booth_library(music_dirs: list[str]) -> Path:
    """The Debian music scanned for Booth (incrementally: quick after the first time)."""
    from booth.library.db import Database
    from booth.library.scan import scan

    CACHE.mkdir(parents=True, exist_ok=True)
    db = Database(CACHE / "booth.db")
    scan(db, music_dirs, progress=False)
    db.close()
    return CACHE / "booth.db"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Connection:
    """One MPD connection, one command at a time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        if not self.reader.readline().startswith(b"OK MPD"):
            raise SystemExit(f"no MPD greeting on port {port}")

    def ask(self, line: str) -> float:
        """Seconds from sending ``line`` to reading the end of its answer."""
        start = time.perf_counter()
        self.sock.sendall(line.encode() + b"\n")
        while True:
            said = self.reader.readline()
            if said == b"OK\n" or said.startswith(b"ACK") or not said:
                break
        if not said.startswith(b"OK"):
            raise SystemExit(f"{line!r} failed: {said!r}")
        return time.perf_counter() - start

    def close(self) -> None:
        self.sock.close()


def measure(pid: int, port: int, commands: int) -> dict[str, float]:
    """Round trips and CPU of the server ``pid`` on ``port``."""
    connection = Connection(port)
    try:
        for line in COMMANDS * 3:  # warm up: caches, the library view
            connection.ask(line)
        idle_start, idle_cpu = time.monotonic(), cpu_seconds(pid)
        time.sleep(5.0)
        idle_rate = (cpu_seconds(pid) - idle_cpu) / (time.monotonic() - idle_start)
        start, cpu = time.monotonic(), cpu_seconds(pid)
        seconds = [connection.ask(COMMANDS[i % len(COMMANDS)]) for i in range(commands)]
        spent = cpu_seconds(pid) - cpu - idle_rate * (time.monotonic() - start)
    finally:
        connection.close()
    ms = [s * 1000 for s in seconds]
    each = {line: statistics.median(ms[i::len(COMMANDS)]) for i, line in enumerate(COMMANDS)}
    return {"median_ms": statistics.median(ms), "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms), "cpu_s_per_1000": max(spent, 0.0) / commands * 1000,
            "playing_cpu_percent": idle_rate * 100, "median_ms_by_command": each}


def play_on_mpd(port: int) -> None:
    """Queue two songs on the reference and play, as Booth plays."""
    connection = Connection(port)
    try:
        for line in ("clear", 'findadd title "Nebula"', 'findadd title "Coherence"', "play"):
            connection.ask(line)
    finally:
        connection.close()


def bench(commands: int) -> dict[str, dict[str, float] | int]:
    from booth.config import DEBIAN_MUSIC

    music_dirs = [d for d in DEBIAN_MUSIC if Path(d).is_dir()]
    if not music_dirs:
        raise SystemExit("the Debian music is missing: tools/install-deps installs it")
    db_path = booth_library(music_dirs)
    with tempfile.TemporaryDirectory(prefix="bench-mpd-") as directory:
        broker = Mosquitto(Path(directory) / "mosquitto").start()
        reference = DebianMpd(Path(directory) / "mpd", music_dirs).start()
        port = free_port()
        child = subprocess.Popen(
            [sys.executable, "-m", "lab.bench.mpd", "--serve", str(db_path), str(port),
             str(broker.port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            if child.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
                raise SystemExit("Booth's player did not start")
            wait_until(lambda: Connection(port).close() or True, TIMEOUT, "Booth's MPD")
            play_on_mpd(reference.port)
            booth = measure(child.pid, port, commands)
            debian = measure(reference.process.pid, reference.port, commands)  # type: ignore[union-attr]
        finally:
            child.stdin.close()  # type: ignore[union-attr]
            child.wait(TIMEOUT)
            reference.stop()
            broker.stop()
    return {"commands": commands, "booth": booth, "mpd": debian}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=1000,
                        help="commands sent to each server (default 1000)")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    parser.add_argument("--serve", nargs=3, metavar=("DB", "PORT", "BROKER_PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]))
        return
    result = bench(args.commands)
    if args.json:
        print(json.dumps(result))
        return
    print(f"MPD command round trip, {result['commands']} commands each "
          f"({', '.join(COMMANDS)}), one connection, loopback:")
    for name in ("booth", "mpd"):
        r = result[name]
        print(f"  {name:5}  median {r['median_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms, "
              f"max {r['max_ms']:.2f} ms; CPU {r['cpu_s_per_1000']:.3f} s per 1000 commands "
              f"(playing alone: {r['playing_cpu_percent']:.2f} % of a core)")
    print("  median by command (ms):  " + "; ".join(
        f"{line} {result['booth']['median_ms_by_command'][line]:.3f} / "
        f"{result['mpd']['median_ms_by_command'][line]:.3f}" for line in COMMANDS)
        + "  (Booth / mpd)")


if __name__ == "__main__":
    main()
