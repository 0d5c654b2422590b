"""Benchmark the player's MQTT path against a real Mosquitto: latency and CPU.

    tools/bench-mqtt                  500 commands, 10 s idle, table
    tools/bench-mqtt --commands 1000  more commands
    tools/bench-mqtt --json           one JSON object instead of the table

Starts Mosquitto on a free loopback port and the player service (with the FakeController,
so no audio) in a child process. Latency is from publishing a command on
booth/<site>/command to receiving the state it changed on booth/<site>/state, one command
at a time. CPU is the child's process CPU time (all threads: paho, the service loop, the
fake player), per 1000 commands and per second while idle (paused: nothing to publish;
playing: the state every 5 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from booth.config import MqttConfig
from lab.measure import percentile
from lab.fakes.player import FakeController
from booth.roles.player import PlayerService
from booth.mqtt.topics import SiteTopics

SITE = "bench"
TIMEOUT = 5.0


def serve(port: int) -> None:
    """The child: run the player service; answer 'cpu' lines with process CPU seconds."""
    service = PlayerService(MqttConfig(port=port, site=SITE), FakeController())
    service.start()
    if not service.wait_connected(TIMEOUT):
        raise SystemExit("the service did not connect")
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "cpu":
            print(time.process_time(), flush=True)
    service.stop()


class Child:
    """The service process, asked for its CPU time over a pipe."""

    def __init__(self, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        if self.process.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            raise SystemExit("the service process did not start")

    def cpu(self) -> float:
        self.process.stdin.write("cpu\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        return float(self.process.stdout.readline())  # type: ignore[union-attr]

    def stop(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(TIMEOUT)


class Prober:
    """Publishes commands and waits for the state each one causes."""

    def __init__(self, port: int) -> None:
        self.topics = SiteTopics(SITE)
        self.volume: int | None = None
        self.changed = threading.Condition()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-prober")
        self.client.on_socket_open = lambda c, u, sock: sock.setsockopt(6, 1, 1)  # TCP_NODELAY
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(self.topics.state, qos=1)
        if not subscribed.wait(TIMEOUT):
            raise SystemExit("the prober could not subscribe")

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.changed:
            self.volume = json.loads(message.payload)["volume"]
            self.changed.notify_all()

    def command(self, body: dict) -> None:
        self.client.publish(self.topics.command, json.dumps(body), qos=1)

    def set_volume(self, level: int) -> float:
        """Seconds from publishing the command to receiving the state with ``level``."""
        start = time.perf_counter()
        self.command({"action": "volume", "level": level})
        with self.changed:
            if not self.changed.wait_for(lambda: self.volume == level, TIMEOUT):
                raise SystemExit(f"no state with volume {level} within {TIMEOUT} s")
        return time.perf_counter() - start

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def bench(commands: int, idle_seconds: float) -> dict[str, float]:
    from lab.mosquitto import Mosquitto

    with tempfile.TemporaryDirectory(prefix="bench-mqtt-") as directory:
        broker = Mosquitto(Path(directory)).start()
        child = Child(broker.port)
        prober = Prober(broker.port)
        try:
            for level in (1, 2, 3):  # warm up
                prober.set_volume(level)
            cpu0 = child.cpu()
            latencies = [prober.set_volume(i % 10 + (i // 10) % 2) for i in range(4, commands + 4)]
            cpu_commands = child.cpu() - cpu0

            cpu0 = child.cpu()
            time.sleep(idle_seconds)
            idle_paused = (child.cpu() - cpu0) / idle_seconds

            prober.command({"action": "resume"})
            time.sleep(0.2)
            cpu0 = child.cpu()
            time.sleep(idle_seconds)
            idle_playing = (child.cpu() - cpu0) / idle_seconds
        finally:
            prober.close()
            child.stop()
            broker.stop()
    ms = [x * 1000 for x in latencies]
    return {
        "commands": commands,
        "latency_median_ms": statistics.median(ms),
        "latency_p99_ms": percentile(ms, 0.99),
        "latency_max_ms": max(ms),
        "cpu_s_per_1000_commands": cpu_commands / commands * 1000,
        "idle_cpu_s_per_s_paused": idle_paused,
        "idle_cpu_s_per_s_playing": idle_playing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=500, help="commands to time (default 500)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle time measured, each state")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    result = bench(args.commands, args.idle_seconds)
    if args.json:
        print(json.dumps(result))
        return
    print(f"command -> state latency over {result['commands']} commands (real Mosquitto, loopback):")
    print(f"  median {result['latency_median_ms']:.2f} ms, p99 {result['latency_p99_ms']:.2f} ms, "
          f"max {result['latency_max_ms']:.2f} ms")
    print(f"player service CPU: {result['cpu_s_per_1000_commands']:.3f} s per 1000 commands")
    print(f"  idle: {result['idle_cpu_s_per_s_paused'] * 100:.3f} % of a core paused, "
          f"{result['idle_cpu_s_per_s_playing'] * 100:.3f} % playing")


if __name__ == "__main__":
    main()
