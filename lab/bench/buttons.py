"""Benchmark button press → audible change, with the real player on the null output.

    tools/bench-buttons                    10 presses of each kind, a table
    tools/bench-buttons --presses 30       more presses
    tools/bench-buttons --library X.db     use a scanned library (else the Debian test music
                                           is scanned into a temporary one first)
    tools/bench-buttons --json             one JSON object instead of the table

Runs Mosquitto on a free loopback port, the player role (`start_player(..., "null",
voice=False)`: real library, picker, mixer, limiter and the real-time null output) and the
buttons role on gpiozero's mock pins, all in this process but talking only over MQTT, as
`booth serve player` and `booth serve buttons` do. For each press of the skip button (and of
the action button: a double press, and a single press) it times, from `drive_low()`:

- command: the command's arrival at another MQTT client (button → broker → subscriber);
- applied: the render thread carrying out the skip (the station's `skipped` event);
- audible: the moment the first changed frame leaves the null output. The null sink plays
  frame N at t0 + N / rate; the change starts at the mixer position where the skip was
  applied, plus the limiter's look-ahead. This is what a listener hears, less the sound
  card's own buffer on real hardware (dmix: period 1024 frames = 21 ms);
- new track: the new track's fade-in reaching full level (SKIP_FADE / 2 later);
- state: the retained state message naming the new track.

For the knob it times one click to the state message with the new volume.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path


from booth.buttons.config import ButtonsConfig
from booth.buttons.panel import Panel
from booth.config import DEBIAN_MUSIC, Config, merge
from booth.library.db import Database
from booth.roles.buttons import ButtonsRole
from booth.roles.player import start_player
from booth.station.station import SKIP_FADE
from gpiozero.pins.mock import MockFactory, MockPWMPin

from lab.mosquitto import Mosquitto, Watcher

SITE = "bench-buttons"
TIMEOUT = 10.0


class Probe:
    """Timestamps of what happened after one press (monotonic seconds)."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.command: float | None = None
        self.applied: float | None = None
        self.position: int | None = None
        self.state: float | None = None

    def wait(self, what: str) -> float:
        with self.lock:
            if not self.lock.wait_for(lambda: getattr(self, what) is not None, TIMEOUT):
                raise SystemExit(f"bench-buttons: no {what} within {TIMEOUT} s")
            return getattr(self, what)


def scan_library(where: Path) -> Database:
    from booth.library.scan import scan

    db = Database(where / "booth.db")
    dirs = [d for d in DEBIAN_MUSIC if Path(d).is_dir()]
    if not dirs:
        raise SystemExit("bench-buttons: no library: give --library X.db or install the "
                         "Debian test music (tools/install-deps --test)")
    print(f"scanning {', '.join(dirs)} ...", file=sys.stderr)
    scan(db, dirs, progress=False)
    return db


def summary(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"median": round(statistics.median(ms), 1),
            "p90": round(ms[min(len(ms) - 1, int(0.9 * len(ms)))], 1),
            "max": round(ms[-1], 1), "n": len(ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=10)
    parser.add_argument("--library", metavar="DB", help="a scanned library database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="booth-bench-buttons-") as scratch:
        scratch_dir = Path(scratch)
        os.environ["STATE_DIRECTORY"] = str(scratch_dir)
        if args.library:
            copy = scratch_dir / "booth.db"  # the player records plays: never in the original
            Database(Path(args.library)).conn.execute("VACUUM INTO ?", (str(copy),))
            db = Database(copy)
        else:
            db = scan_library(scratch_dir)
        broker = Mosquitto(scratch_dir / "mosquitto").start()
        try:
            results = run(db, broker, args.presses)
        finally:
            broker.stop()
    if args.json:
        print(json.dumps(results))
    else:
        print(f"{'from drive_low() to':<34}{'median ms':>10}{'p90':>8}{'max':>8}{'n':>5}")
        for name, s in results["latency"].items():
            print(f"{name:<34}{s['median']:>10}{s['p90']:>8}{s['max']:>8}{s['n']:>5}")
        print(f"(render block {results['block_ms']} ms, null output ≤100 ms ahead, "
              f"limiter look-ahead {results['limiter_ms']} ms, double-press window "
              f"{results['window_ms']} ms)")
    return 0


def run(db: Database, broker: Mosquitto, presses: int) -> dict:
    config = merge(Config(), {"mqtt": {"host": broker.host, "port": broker.port, "site": SITE},
                              "audio": {"output": "null"}}, "bench")
    player = start_player(config, db, "null", voice=False)
    buttons = ButtonsConfig()
    factory = MockFactory(pin_class=MockPWMPin)
    panel = Panel(buttons, factory)
    role = ButtonsRole(config, panel, buttons)
    role.start()
    topics = role.topics
    watcher = Watcher(broker.host, broker.port, (topics.command, topics.state))
    station = player.speaker.station
    sink = player.speaker.player.sink
    rate = station.rate
    latency_frames = station.mixer.latency
    probe = Probe()

    def on_station(kind: str, data: dict) -> None:  # the render thread
        if kind == "skipped":
            with probe.lock:
                probe.applied = time.monotonic()
                probe.position = station.mixer.position
                probe.lock.notify_all()

    def on_message(client, userdata, message) -> None:  # paho's thread
        now = time.monotonic()
        with probe.lock:
            if message.topic == topics.command and probe.command is None:
                probe.command = now
            elif message.topic == topics.state and probe.state is None and want_state(message.payload):
                probe.state = now
            probe.lock.notify_all()

    want_state = lambda payload: False

    def pause(seconds: float = 1.5) -> None:
        """Wait, plus a random part of a render block, so presses fall at every phase of it."""
        time.sleep(seconds + random.random() * config.audio.block_frames / rate)
    station.listeners.append(on_station)
    watcher.client.on_message = on_message
    try:
        if not role.wait_connected(TIMEOUT) or not player.service.wait_connected(TIMEOUT):
            raise SystemExit("bench-buttons: the roles did not connect")
        while station.now_playing is None:
            time.sleep(0.05)
        time.sleep(2.0)
        stages: dict[str, list[float]] = {}

        def record(name: str, value: float) -> None:
            stages.setdefault(name, []).append(value)

        def skip_with(label: str, press) -> None:
            nonlocal probe, want_state
            before = station.now_playing.track.id
            want_state = lambda p: json.loads(p)["track"]["id"] != before
            probe = Probe()
            t0 = press()
            record(f"{label}: command on MQTT", probe.wait("command") - t0)
            record(f"{label}: skip applied", probe.wait("applied") - t0)
            audible = sink._t0 + (probe.position + latency_frames) / rate
            record(f"{label}: audible change", audible - t0)
            record(f"{label}: new track at full level", audible + SKIP_FADE / 2 - t0)
            record(f"{label}: state message", probe.wait("state") - t0)
            pause()

        def skip_button() -> float:
            pin = factory.pin(buttons.skip_pin)
            t0 = time.monotonic()
            pin.drive_low()
            pin.drive_high()
            return t0

        def double_press() -> float:
            pin = factory.pin(buttons.action_pin)
            pin.drive_low()
            pin.drive_high()
            time.sleep(0.08)
            t0 = time.monotonic()
            pin.drive_low()
            pin.drive_high()
            return t0

        for _ in range(presses):
            skip_with("skip button", skip_button)
        for _ in range(presses):
            skip_with("action double press", double_press)
        for i in range(presses):  # single press: pause, then resume
            want_state = (lambda p, s=("paused" if i % 2 == 0 else "playing"):
                          json.loads(p)["state"] == s)
            probe = Probe()
            pin = factory.pin(buttons.action_pin)
            t0 = time.monotonic()
            pin.drive_low()
            pin.drive_high()
            record("action single press: command", probe.wait("command") - t0)
            record("action single press: state", probe.wait("state") - t0)
            pause(0.5)
        a, b = factory.pin(buttons.encoder_a_pin), factory.pin(buttons.encoder_b_pin)
        for i in range(presses):
            up = i % 2 == 0
            target = player.speaker.volume + (1 if up else -1)
            want_state = lambda p, v=target: json.loads(p)["volume"] == v
            probe = Probe()
            first, second = (a, b) if up else (b, a)
            t0 = time.monotonic()
            first.drive_low(); second.drive_low(); first.drive_high(); second.drive_high()
            record("knob click: command", probe.wait("command") - t0)
            record("knob click: state", probe.wait("state") - t0)
            pause(0.3)
    finally:
        watcher.close()
        role.stop()
        panel.close()
        player.stop()
    return {"latency": {name: summary(values) for name, values in stages.items()},
            "block_ms": round(config.audio.block_frames / rate * 1000, 1),
            "limiter_ms": round(latency_frames / rate * 1000, 1),
            "window_ms": round(buttons.double_press_seconds * 1000)}


if __name__ == "__main__":
    sys.exit(main())
