"""A small MQTT connection for any Booth role, on paho-mqtt 2 (callback API version 2).

It connects in the background and reconnects with backoff; on every (re)connect it
subscribes again, announces ``online`` on the availability topic and republishes every retained
message it has sent (a restarted broker without persistence has forgotten them). Its last will
is ``offline`` (retained) on the same topic, and a clean :meth:`MqttRunner.stop` publishes
``offline`` itself. Received messages are handed to ``on_message`` on paho's network thread:
the caller passes them on to its own loop.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from booth.config import MqttConfig
from booth.mqtt.messages import Incoming, Outgoing

log = logging.getLogger(__name__)

ONLINE = "online"
OFFLINE = "offline"


@dataclass(frozen=True)
class Connection:
    """Where and how to reach the broker."""

    host: str = "127.0.0.1"
    """Broker host."""
    port: int = 1883
    """Broker port."""
    settings: MqttConfig = field(default_factory=MqttConfig)
    """The ``[mqtt]`` settings that say how: user name, password and TLS."""
    keepalive: int = 30
    """Seconds between pings; a dead connection is noticed within 1.5 times this."""
    reconnect_min: float = 0.5
    """First wait (s) before reconnecting; doubles on each failure..."""
    reconnect_max: float = 30.0
    """...up to this."""

    @classmethod
    def from_config(cls, config: MqttConfig, **overrides: Any) -> Connection:
        """The connection a :class:`booth.config.MqttConfig` describes (empty host: localhost)."""
        return replace(cls(host=config.host or "127.0.0.1", port=config.port, settings=config),
                       **overrides)

    def authenticate(self, client: mqtt.Client) -> None:
        """Give a paho client this connection's user name, password and TLS settings."""
        s = self.settings
        if s.username:
            client.username_pw_set(s.username, s.password or None)
        if s.tls:
            # paho's default context verifies the certificate and the host name.
            client.tls_set(ca_certs=s.ca_certs or None, certfile=s.certfile or None,
                           keyfile=s.keyfile or None)


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    """Send small messages at once: Nagle's algorithm holds them up to 40 ms for an ACK."""
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class MqttRunner:
    """One role's connection to the broker."""

    def __init__(
        self,
        connection: Connection,
        *,
        client_id: str,
        availability_topic: str,
        subscriptions: Sequence[str],
        on_message: Callable[[Incoming], None],
    ) -> None:
        self.connection = connection
        self.availability_topic = availability_topic
        self.subscriptions = tuple(subscriptions)
        self._on_message = on_message
        self._lock = threading.Lock()
        self._retained: dict[str, Outgoing] = {}
        self._connected = threading.Event()
        self._ready = threading.Event()  # connected and subscribed
        self._subscribe_mid: int | None = None
        self._stopping = False
        self.connections = 0
        """How many times the connection was (re)established."""
        self.client = self._make_client(client_id)

    def _make_client(self, client_id: str) -> mqtt.Client:
        c = self.connection
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=True
        )
        c.authenticate(client)
        client.will_set(self.availability_topic, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(c.reconnect_min, c.reconnect_max)  # type: ignore[arg-type]
        client.max_queued_messages_set(1000)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        client.on_subscribe = self._handle_subscribe
        client.on_socket_open = _no_delay
        return client

    # -- public ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; retries until the broker answers."""
        c = self.connection
        log.info("connecting to MQTT broker %s:%d%s", c.host, c.port, " (TLS)" if c.settings.tls else "")
        self.client.connect_async(c.host, c.port, keepalive=c.keepalive)
        self.client.loop_start()

    def publish(self, message: Outgoing) -> None:
        """Publish now, or when connected (paho queues up to 1000). Retained messages are
        remembered, newest per topic, and republished on every (re)connect; an empty
        retained payload forgets the topic."""
        with self._lock:
            if not message.retain:
                self.client.publish(message.topic, message.payload, qos=message.qos)
                return
            if message.payload:
                self._retained[message.topic] = message
            else:
                self._retained.pop(message.topic, None)
            if self._connected.is_set():
                self._publish_retained(message)

    def _publish_retained(self, message: Outgoing) -> None:
        # QoS 0: paho would resend a QoS 1 message caught in a dying connection after the
        # reconnect, i.e. after the newer value republished on connect. The newest value is
        # instead guaranteed by republishing it on every connect.
        self.client.publish(message.topic, message.payload, qos=0, retain=True)

    def wait_connected(self, timeout: float) -> bool:
        """Whether the connection is up and subscribed, waiting up to ``timeout`` seconds."""
        return self._ready.wait(timeout)

    @property
    def connected(self) -> bool:
        """Whether the connection is up now."""
        return self._connected.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        """Say ``offline``, disconnect cleanly and stop the network thread."""
        with self._lock:
            self._stopping = True
            info = None
            if self._connected.is_set():
                info = self.client.publish(self.availability_topic, OFFLINE, qos=1, retain=True)
        if info is not None:
            # Losing the connection meanwhile raises: the broker then sends the will instead.
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout)
        self.client.disconnect()
        self.client.loop_stop()

    # -- paho's thread ----------------------------------------------------------------------------

    def _handle_connect(self, client: mqtt.Client, userdata: object, flags: object,
                        reason_code: mqtt.ReasonCode, properties: object) -> None:
        if reason_code.is_failure:
            log.error(
                "MQTT broker %s:%d refused the connection: %s (check [mqtt] username, password "
                "and TLS settings)", self.connection.host, self.connection.port, reason_code,
            )
            return
        with self._lock:
            if self._stopping:
                return
            if self.subscriptions:
                _, self._subscribe_mid = client.subscribe([(topic, 1) for topic in self.subscriptions])
            client.publish(self.availability_topic, ONLINE, qos=1, retain=True)
            for message in self._retained.values():
                self._publish_retained(message)
            self.connections += 1
            self._connected.set()
            if not self.subscriptions:
                self._ready.set()
        log.info("connected to MQTT broker (connection %d)", self.connections)

    def _handle_disconnect(self, client: mqtt.Client, userdata: object, flags: object,
                           reason_code: mqtt.ReasonCode, properties: object) -> None:
        # No lock here: a retained message published meanwhile is republished on connect anyway.
        self._connected.clear()
        self._ready.clear()
        if not self._stopping:
            log.warning("lost the MQTT broker (%s); reconnecting", reason_code)

    def _handle_subscribe(self, client: mqtt.Client, userdata: object, mid: int,
                          reason_codes: list[mqtt.ReasonCode], properties: object) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error("MQTT broker refused %d subscription(s) (check its ACL): %s", len(refused), refused)
        if mid == self._subscribe_mid:
            self._ready.set()

    def _handle_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self._on_message(Incoming(message.topic, bytes(message.payload)))
