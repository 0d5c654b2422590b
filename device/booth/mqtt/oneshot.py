"""One-shot MQTT exchanges for the command line: read a retained value, publish a message."""

from __future__ import annotations

import threading
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from booth.mqtt.runner import Connection


def _client(connection: Connection) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2,
                         client_id=f"booth-cli-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311)
    connection.authenticate(client)
    return client


def read_retained(connection: Connection, topic: str, timeout: float = 1.0) -> str | None:
    """The retained payload of ``topic`` as text, or None when there is none."""
    got: list[str] = []
    done = threading.Event()
    client = _client(connection)
    client.on_connect = lambda c, *_: c.subscribe(topic)

    def on_message(_c, _u, message) -> None:
        got.append(message.payload.decode("utf-8", "replace"))
        done.set()
    client.on_message = on_message
    try:
        client.connect(connection.host, connection.port, keepalive=10)
    except OSError:
        return None
    client.loop_start()
    done.wait(timeout)
    client.loop_stop()
    client.disconnect()
    return got[0] if got else None


def publish_once(connection: Connection, topic: str, payload: str, timeout: float = 5.0) -> None:
    """Publish one message at QoS 1 and wait until the broker has it."""
    client = _client(connection)
    client.connect(connection.host, connection.port, keepalive=10)
    client.loop_start()
    info = client.publish(topic, payload, qos=1)
    info.wait_for_publish(timeout)
    client.loop_stop()
    client.disconnect()
