"""The player role's MQTT service: the runner, the handler and the one loop between them.

Everything that arrives from another thread (paho's network thread, the player's listener
calls, speech that finished playing) crosses into the service's loop thread in exactly one
place, :meth:`RoleLoop.cross`; the handler and the controller are only ever called there.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Mapping
from typing import Any

from booth.config import MqttConfig
from booth.mqtt.controller import Controller, PlayerEvent
from booth.mqtt.handler import IntentParser, PlayerHandler
from booth.mqtt.loop import RoleLoop
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner

log = logging.getLogger(__name__)

_Task = Callable[[], list[Outgoing]]
_Item = Incoming | _Task | None  # None stops the loop


class PlayerService(RoleLoop):
    """Connects the player (a :class:`Controller`) to MQTT: ``booth/<site>/...``, Hermes and
    Home Assistant. ``start()`` returns at once; ``stop()`` says ``offline`` and disconnects."""

    thread_name = "booth-mqtt-player"

    def __init__(
        self,
        config: MqttConfig,
        controller: Controller,
        parser: IntentParser | None = None,
        *,
        connection: Connection | None = None,
        client_id: str | None = None,
        state_interval: float = 5.0,
    ) -> None:
        """``connection`` overrides where ``config`` points (e.g. at an embedded broker);
        ``state_interval`` is how often the state (its position) is republished while playing.

        The client id is fixed per site: a restarted player takes over its dead predecessor's
        session at once, so that one's last will cannot arrive after the new ``online``.
        """
        super().__init__()
        self.handler = PlayerHandler(
            config.site, controller, parser, satellites=config.satellites,
            dialogue=config.dialogue, later=self._publish_later,
        )
        self.runner = MqttRunner(
            connection or Connection.from_config(config),
            client_id=client_id or f"booth-player-{config.site}",
            availability_topic=self.handler.topics.availability,
            subscriptions=self.handler.subscriptions(),
            on_message=self.cross,
        )
        self.state_interval = state_interval
        controller.add_listener(_Listener(self))

    # -- public ---------------------------------------------------------------------------------

    def set_vocabulary(self, vocabulary: str | Mapping[str, Any], parser: IntentParser | None = None) -> None:
        """Publish the library's vocabulary (``Vocabulary.to_json()``, retained) and use
        ``parser`` for requests from now on. Safe from any thread."""
        self.cross(lambda: self.handler.set_vocabulary(vocabulary, parser))

    def call_soon(self, task: _Task) -> None:
        """Run ``task`` on the service's thread and publish what it returns. Any thread."""
        self.cross(task)

    def _publish_later(self, messages: list[Outgoing]) -> None:
        self.cross(lambda: messages)

    # -- the loop thread --------------------------------------------------------------------------

    def _loop(self) -> None:
        handler = self.handler
        self._publish(handler.startup())
        next_tick = time.monotonic() + self.state_interval
        while True:
            try:
                item = self._inbox.get(timeout=max(0.0, next_tick - time.monotonic()))
            except queue.Empty:
                item = _nothing
            if item is None:
                return
            try:
                out = list(handler.handle(item) if isinstance(item, Incoming) else item())
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + self.state_interval
                    out += handler.state(force=True)
                else:
                    out += handler.state()
            except Exception:
                log.exception("the MQTT handler failed on %r; carrying on", item)
                continue
            self._publish(out)

    def _publish(self, messages: list[Outgoing]) -> None:
        for message in messages:
            self.runner.publish(message)


def _nothing() -> list[Outgoing]:
    return []


class _Listener:
    """The player's way to announce changes: each call crosses into the loop, never blocks."""

    def __init__(self, service: PlayerService) -> None:
        self._service = service

    def state_changed(self) -> None:
        handler = self._service.handler
        self._service.cross(lambda: handler.state(force=True))

    def event(self, event: PlayerEvent) -> None:
        handler = self._service.handler
        self._service.cross(lambda: handler.event(event))
