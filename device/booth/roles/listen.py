"""The `listen` role: the microphone pipeline on MQTT. Runs beside the player, or alone on a
satellite Pi against the speaker's broker (with `mqtt.site` set to the satellite's room).

It publishes what it hears as Hermes messages (hotword detected, text captured, intent or
not recognised), takes push-to-talk and microphone mute from `booth/<site>/command`, and
rebuilds its grammar from the library vocabulary the player keeps retained on
`booth/<site>/vocabulary` — so a satellite needs no library of its own.

It honours `hermes/hotword/toggleOn|Off` and `hermes/asr/toggleOn|Off` for its site. With
`mqtt.dialogue = "external"` it serves a Hermes dialogue manager (Rhasspy's) as its ASR and
NLU: it listens on `hermes/asr/startListening` until the end of speech or
`hermes/asr/stopListening`, and answers `hermes/nlu/query`. A message it cannot read gets a
reply on `hermes/error/asr`, `hermes/error/nlu` or `hermes/error/hotword`.
"""

from __future__ import annotations

import json
import logging

from rhasspyhermes.asr import (
    AsrError,
    AsrStartListening,
    AsrStopListening,
    AsrToggleOff,
    AsrToggleOn,
)
from rhasspyhermes.nlu import NluError, NluIntent, NluQuery
from rhasspyhermes.wake import (
    HotwordDetected,
    HotwordError,
    HotwordToggleOff,
    HotwordToggleOn,
)

from booth.config import Config
from booth.intents import Vocabulary
from booth.listen.nlu import answer_query
from booth.mqtt.commands import CommandError, Listen, MuteMic, parse_command
from booth.mqtt.loop import RoleLoop
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


TOGGLES = (HotwordToggleOn, HotwordToggleOff, AsrToggleOn, AsrToggleOff)
"""Switch the wake word or listening on and off, per reason (every dialogue)."""
EXTERNAL_DIALOGUE = (AsrStartListening, AsrStopListening, NluQuery)
"""What an external dialogue manager asks of Booth's ASR and NLU."""


def dialogue_call(message):
    """What a Hermes dialogue message asks the listener to do, as a call on it."""
    if isinstance(message, (HotwordToggleOn, HotwordToggleOff)):
        on = isinstance(message, HotwordToggleOn)
        return lambda listener: listener.toggle_hotword(on, str(message.reason.value))
    if isinstance(message, (AsrToggleOn, AsrToggleOff)):
        on = isinstance(message, AsrToggleOn)
        return lambda listener: listener.toggle_asr(on, str(message.reason.value))
    if isinstance(message, AsrStartListening):
        return lambda listener: listener.start_listening(
            message.session_id, message.wakeword_id, message.stop_on_silence)
    if isinstance(message, AsrStopListening):
        return lambda listener: listener.stop_listening(message.session_id)
    raise TypeError(f"not a dialogue message: {type(message).__name__}")


class ListenRole(RoleLoop):
    """The listener and its MQTT connection. `commands_site`: whose player it talks to."""

    thread_name = "booth-listen-mqtt"

    def __init__(self, config: Config, listener_factory=None,
                 connection: Connection | None = None, commands_site: str | None = None):
        from booth.listen.commands import open_live_listener  # noqa: PLC0415

        self.topics = SiteTopics(commands_site or config.mqtt.site)
        self.site = config.mqtt.site
        self.dialogue = TOGGLES + (EXTERNAL_DIALOGUE if config.mqtt.dialogue == "external"
                                   else ())
        self.muted = False
        super().__init__()
        self.runner = MqttRunner(connection or Connection.from_config(config.mqtt),
                                 client_id=f"booth-listen-{config.mqtt.site}",
                                 availability_topic=f"booth/{config.mqtt.site}/listen/availability",
                                 subscriptions=[self.topics.command, self.topics.vocabulary,
                                                *(kind.topic() for kind in self.dialogue)],
                                 on_message=self.cross)
        factory = listener_factory or open_live_listener
        self.listener = factory(config, self.publish)
        self.heard: list = []

    def publish(self, message) -> None:
        """Called by the listener (its thread) for every Hermes message it produces."""
        if self.muted:
            return  # a muted microphone acts on nothing
        self.heard.append(message)
        self.runner.publish(Outgoing(hermes_topic(message), message.to_json()))

    def start(self) -> None:
        super().start()
        self.listener.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.listener.close()
        super().stop(timeout)

    def _loop(self) -> None:
        while (message := self._inbox.get()) is not None:
            try:
                if message.topic == self.topics.vocabulary:
                    self.listener.set_vocabulary(Vocabulary.from_json(message.payload.decode()))
                    log.info("grammar rebuilt for the library's vocabulary")
                    continue
                kind = next((k for k in self.dialogue if k.is_topic(message.topic)), None)
                if kind is not None:
                    self._on_dialogue(kind, message)
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

    def _on_dialogue(self, kind, message: Incoming) -> None:
        """A dialogue manager's request: answered here (nlu/query) or handed to the
        listening thread (toggles, start and stop listening)."""
        try:
            request = kind.from_json(message.payload)
        except Exception as err:                    # noqa: BLE001 - any malformed payload
            self._reply_error(kind, message, f"cannot read {message.topic}: "
                                             f"{type(err).__name__}: {err}")
            return
        if request.site_id != self.site:
            return
        if isinstance(request, NluQuery):
            answer = answer_query(self.listener.listener.parser, request)
            self.runner.publish(Outgoing(hermes_topic(answer), answer.to_json()))
            return
        self.listener.call(dialogue_call(request))

    def _reply_error(self, kind, message: Incoming, error: str) -> None:
        log.warning("%s", error)
        reply = {NluQuery: NluError, AsrStartListening: AsrError, AsrStopListening: AsrError,
                 AsrToggleOn: AsrError, AsrToggleOff: AsrError}.get(kind, HotwordError)
        context = message.payload.decode("utf-8", "replace")[:500]
        site = _site_of(message.payload) or self.site
        out = reply(error=error, site_id=site, context=context)
        self.runner.publish(Outgoing(out.topic(), out.to_json()))


def _site_of(payload: bytes) -> str | None:
    try:
        site = json.loads(payload).get("siteId")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None
    return site if isinstance(site, str) else None


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
