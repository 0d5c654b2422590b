"""The `listen` role: the microphone pipeline on MQTT. Runs beside the player, or alone on a
satellite Pi against the speaker's broker (with `mqtt.site` set to the satellite's room).

It publishes what it hears as Hermes messages (hotword detected, text captured, intent or
not recognised), takes push-to-talk and microphone mute from `booth/<site>/command`, and
rebuilds its grammar from the library vocabulary the player keeps retained on
`booth/<site>/vocabulary` — so a satellite needs no library of its own.
"""

from __future__ import annotations

import logging
import queue
import threading

from rhasspyhermes.nlu import NluIntent
from rhasspyhermes.wake import HotwordDetected

from booth.config import Config
from booth.intents import Vocabulary
from booth.mqtt.commands import CommandError, Listen, MuteMic, parse_command
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)


def hermes_topic(message) -> str:
    """The topic a Hermes message from the listener goes to."""
    if isinstance(message, NluIntent):
        return message.topic(intent_name=message.intent.intent_name)
    if isinstance(message, HotwordDetected):
        return message.topic(wakeword_id=message.model_id)
    return message.topic()


class ListenRole:
    """The listener and its MQTT connection. `commands_site`: whose player it talks to."""

    def __init__(self, config: Config, listener_factory=None,
                 connection: Connection | None = None, commands_site: str | None = None):
        from booth.listen.commands import open_live_listener  # noqa: PLC0415

        self.topics = SiteTopics(commands_site or config.mqtt.site)
        self.muted = False
        self._inbox: queue.SimpleQueue[Incoming | None] = queue.SimpleQueue()
        self.runner = MqttRunner(connection or Connection.from_config(config.mqtt),
                                 client_id=f"booth-listen-{config.mqtt.site}",
                                 availability_topic=f"booth/{config.mqtt.site}/listen/availability",
                                 subscriptions=[self.topics.command, self.topics.vocabulary],
                                 on_message=self._inbox.put)
        factory = listener_factory or open_live_listener
        self.listener = factory(config, self.publish)
        self._thread = threading.Thread(target=self._loop, name="booth-listen-mqtt", daemon=True)
        self.heard: list = []

    def publish(self, message) -> None:
        """Called by the listener (its thread) for every Hermes message it produces."""
        if self.muted:
            return  # a muted microphone acts on nothing
        self.heard.append(message)
        self.runner.publish(Outgoing(hermes_topic(message), message.to_json()))

    def start(self) -> None:
        self._thread.start()
        self.runner.start()
        self.listener.start()

    def stop(self) -> None:
        self._inbox.put(None)
        self._thread.join(3)
        self.listener.close()
        self.runner.stop()

    def _loop(self) -> None:
        while (message := self._inbox.get()) is not None:
            try:
                if message.topic == self.topics.vocabulary:
                    self.listener.set_vocabulary(Vocabulary.from_json(message.payload.decode()))
                    log.info("grammar rebuilt for the library's vocabulary")
                    continue
                command = parse_command(message.payload)
            except (CommandError, ValueError, UnicodeDecodeError) as err:
                log.debug("ignored %s: %s", message.topic, err)  # the player reports bad ones
                continue
            if isinstance(command, Listen) and not self.muted:
                self.listener.press()
            elif isinstance(command, MuteMic):
                self.muted = command.on
                log.info("microphone %s", "muted" if command.on else "on")


def run_listen(config: Config, args=None) -> None:
    """`booth serve listen`: until SIGTERM, telling systemd it is alive."""
    from dataclasses import replace  # noqa: PLC0415

    from booth.cli import wait_for_signal  # noqa: PLC0415
    from booth.systemd_notify import Notifier, Watchdog  # noqa: PLC0415

    if args is not None and getattr(args, "input", None):
        config = replace(config, listen=replace(config.listen, source=args.input))
    notifier = Notifier()
    watchdog = Watchdog.from_environment(notifier)
    role = ListenRole(config)
    role.start()
    watchdog.register("main")
    watchdog.start()
    notifier.ready(f"listening for site {config.mqtt.site}")
    try:
        wait_for_signal(tick=lambda: watchdog.heartbeat("main"))
    finally:
        notifier.stopping()
        watchdog.stop()
        role.stop()
