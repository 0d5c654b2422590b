"""The two shapes every MQTT message takes inside Booth: one received, one to publish."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rhasspyhermes.base import Message as HermesMessage


@dataclass(frozen=True)
class Incoming:
    """A message received from the broker, copied out of paho's thread."""

    topic: str
    payload: bytes


@dataclass(frozen=True)
class Outgoing:
    """A message a handler wants published."""

    topic: str
    payload: bytes | str
    retain: bool = False
    qos: int = 1

    @classmethod
    def json(cls, topic: str, body: Any, *, retain: bool = False) -> Outgoing:
        """A JSON message."""
        return cls(topic, json.dumps(body, ensure_ascii=False), retain=retain)

    @classmethod
    def hermes(cls, message: HermesMessage, **topic_args: str) -> Outgoing:
        """A Hermes message on the topic its class builds (``topic_args``: e.g. ``site_id``)."""
        return cls(message.topic(**topic_args), message.payload())
