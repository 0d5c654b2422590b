"""A real Mosquitto broker for tests, and a client that watches what is published.

The tests' fixtures built on it (``mosquitto_broker``, ``private_mosquitto``, ``mqtt_watcher``)
are in tests/conftest.py; the benchmarks use it directly.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

HOST = "127.0.0.1"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
TIMEOUT = 5.0
"""Default bound on every wait, in seconds."""


def free_port() -> int:
    """A TCP port nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Mosquitto:
    """A Mosquitto process on a loopback port, with a config written to ``directory``.

    By default: one anonymous listener on 127.0.0.1, no persistence. ``config`` replaces that
    with a configuration of one's own, in which ``{port}`` stands for the port.
    """

    def __init__(self, directory: Path, port: int | None = None, extra_config: str = "",
                 config: str | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.host = HOST
        self.port = port or free_port()
        self.extra_config = extra_config
        self.config = config
        self.config_path = self.directory / "mosquitto.conf"
        self.log_path = self.directory / "mosquitto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        """The configuration file's text."""
        if self.config is not None:
            lines = [self.config.replace("{port}", str(self.port))]
        else:
            lines = [
                f"listener {self.port} {self.host}",
                "allow_anonymous true",
                "persistence false",
                "set_tcp_nodelay true",
            ]
        lines += ["log_dest stderr", "log_type error", "log_type warning"]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to `mosquitto`, who cannot read tmp files
        return "\n".join(lines) + "\n" + self.extra_config

    def start(self, timeout: float = TIMEOUT) -> Mosquitto:
        """Start it (again, on the same port) and wait until it accepts connections."""
        if self.running:
            return self
        self.config_path.write_text(self.config_text())
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.config_path)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
            )

        def accepts() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"mosquitto exited at start-up:\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return True
            except OSError:
                return False

        wait_until(accepts, timeout, f"mosquitto on port {self.port}")
        return self

    def stop(self, timeout: float = TIMEOUT) -> None:
        """Stop it (clients see the connection close)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        self.process = None

    def kill(self) -> None:
        """Kill it without warning."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(TIMEOUT)
            self.process = None

    def restart(self, timeout: float = TIMEOUT) -> None:
        """Stop, then start again on the same port; retained messages are gone."""
        self.stop(timeout)
        self.start(timeout)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What Mosquitto has logged."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass(frozen=True)
class Received:
    """A message a :class:`Watcher` received."""

    topic: str
    payload: bytes
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")

    @property
    def json(self) -> Any:
        return json.loads(self.payload)


_client_ids = itertools.count(1)


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Watcher:
    """A plain paho client that records everything on its topics and can publish."""

    def __init__(self, host: str, port: int, topics: tuple[str, ...] = ("#",), **client_args: Any) -> None:
        self.messages: list[Received] = []
        self._changed = threading.Condition()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-watcher-{os.getpid()}-{next(_client_ids)}"
        )
        if "username" in client_args:
            self.client.username_pw_set(client_args.pop("username"), client_args.pop("password", None))
        if client_args.get("tls"):
            self.client.tls_set(ca_certs=client_args.get("ca_certs"))
        subscribed = threading.Event()
        self.client.on_message = self._on_message
        self.client.on_socket_open = _no_delay
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe([(topic, 1) for topic in topics])
        if not subscribed.wait(TIMEOUT):
            raise AssertionError(f"watcher could not subscribe to {topics} on {host}:{port}")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(Received(message.topic, bytes(message.payload), bool(message.retain)))
            self._changed.notify_all()

    def on(self, topic: str) -> list[Received]:
        """Messages received on ``topic`` so far."""
        with self._changed:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(
        self,
        topic: str,
        where: Callable[[Received], bool] = lambda message: True,
        timeout: float = TIMEOUT,
        after: int = 0,
    ) -> Received:
        """The first message on ``topic`` (from the ``after``-th message on) that ``where``
        accepts, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.messages[after:]:
                    if message.topic == topic and where(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m.topic, m.text[:200]) for m in self.messages[after:]][-20:]
                    raise AssertionError(f"timed out after {timeout} s waiting on {topic}; last seen: {seen}")
                self._changed.wait(remaining)

    def mark(self) -> int:
        """A position in the message list, for ``wait_for(after=...)``."""
        with self._changed:
            return len(self.messages)

    def publish(self, topic: str, payload: bytes | str | dict[str, Any], *, retain: bool = False) -> None:
        """Publish (a dict as JSON) and wait until the broker has it."""
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(TIMEOUT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


_sites = itertools.count(1)


def unique_site(stem: str = "test") -> str:
    """A site name no other test in this session uses (keeps retained messages apart)."""
    return f"{stem}-{os.getpid()}-{next(_sites)}"
