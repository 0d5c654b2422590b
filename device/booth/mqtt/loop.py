"""The shape every MQTT role shares: one broker connection (an `MqttRunner`) and one thread
that handles, in order, whatever arrives from other threads (paho's, gpiozero's, the
player's) through a single crossing, `cross()`; `None` on it stops the loop."""

from __future__ import annotations

import queue
import threading
from typing import Any

from booth.mqtt.runner import MqttRunner


class RoleLoop:
    """Subclasses set `runner` and `thread_name` and write `_loop()`, which reads `_inbox`
    until it gets None."""

    thread_name = "booth-role"
    runner: MqttRunner

    def __init__(self) -> None:
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def cross(self, item: Any) -> None:
        """The only way into the loop thread, from any thread."""
        self._inbox.put(item)

    def start(self) -> None:
        """Start the loop thread, then connect (in the background)."""
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()
        self.runner.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Handle what has already arrived, say `offline` and disconnect."""
        if self._thread is not None:
            self.cross(None)
            self._thread.join(timeout)
            self._thread = None
        self.runner.stop(timeout)

    def wait_connected(self, timeout: float) -> bool:
        """Whether the broker connection is up (and subscribed), waiting up to `timeout`."""
        return self.runner.wait_connected(timeout)

    def _loop(self) -> None:
        raise NotImplementedError
