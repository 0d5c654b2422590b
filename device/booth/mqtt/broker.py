"""Finding a broker: the configured one, one on localhost, or an embedded one.

``booth run`` calls :func:`ensure_broker` first. A configured host is used as it is. Otherwise
a broker answering on localhost (Mosquitto, in production) is used; failing that, an embedded
amqtt broker is started on 127.0.0.1 only, so a speaker works out of the box and nothing on the
LAN can reach it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any

from booth.config import MqttConfig

log = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"


class BrokerError(RuntimeError):
    """The embedded broker could not start; the message says why and what to do."""


def broker_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class EmbeddedBroker:
    """An amqtt broker on its own thread and event loop, listening on 127.0.0.1 only."""

    def __init__(self, port: int = 1883, host: str = LOCALHOST) -> None:
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="booth-broker", daemon=True)
        self._broker: Any = None

    def start(self, timeout: float = 10.0) -> None:
        """Start listening; raises BrokerError if it cannot."""
        from amqtt.broker import Broker  # imported here: only needed when no broker runs

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }

        async def start() -> object:
            broker = Broker(config)
            await broker.start()
            return broker

        self._thread.start()
        try:
            self._broker = asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout)
        except Exception as err:
            self._stop_loop()
            raise BrokerError(
                f"could not start the embedded MQTT broker on {self.host}:{self.port}: {err}. "
                "Install Mosquitto (apt install mosquitto) or set [mqtt] host in booth.toml."
            ) from err
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    def stop(self, timeout: float = 10.0) -> None:
        """Disconnect every client and stop listening."""
        if self._broker is not None:
            future = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
            try:
                future.result(timeout)
            except Exception:
                log.exception("the embedded MQTT broker did not shut down cleanly")
            self._broker = None
        self._stop_loop(timeout)

    def _stop_loop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        if not self._loop.is_running():
            self._loop.close()


def ensure_broker(config: MqttConfig) -> tuple[str, int, EmbeddedBroker | None]:
    """``(host, port, embedded broker or None)`` to connect to.

    With ``config.host`` set, that broker is used (even if it is down: clients keep retrying).
    With it empty, a broker on localhost at ``config.port`` is used if one answers; else an
    embedded broker is started there. Stop the embedded broker on shutdown.
    """
    if config.host:
        log.info("using the configured MQTT broker %s:%d", config.host, config.port)
        return config.host, config.port, None
    if broker_answers(LOCALHOST, config.port):
        log.info("using the MQTT broker already running on %s:%d", LOCALHOST, config.port)
        return LOCALHOST, config.port, None
    log.info("no MQTT broker on %s:%d; starting the embedded one", LOCALHOST, config.port)
    if config.tls or config.username:
        log.warning("the embedded MQTT broker speaks plain MQTT without passwords: connect to it "
                    "without TLS; install Mosquitto for TLS and passwords")
    broker = EmbeddedBroker(config.port)
    broker.start()
    return LOCALHOST, config.port, broker

