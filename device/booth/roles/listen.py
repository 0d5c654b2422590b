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
from dataclasses import replace

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

from booth import config as config_mod
from booth.config import Config
from booth.intents import Vocabulary
from booth.listen.live import LiveListener
from booth.listen.nlu import answer_query
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection
from booth.mqtt.topics import SiteTopics
from booth.roles.base import Messages, Role, RoleOptions
from booth.station.commands import CommandError, Listen, MuteMic, parse_command

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


def open_live_listener(config: Config, publish) -> LiveListener:
    """The microphone listener of this host, publishing Hermes messages through `publish`.
    It knows the library's names from the database on this host, if there is one; a
    satellite starts with genres and moods and learns the names from the player's retained
    vocabulary (`set_vocabulary`)."""
    from booth.listen.names import vocabulary_from_db  # noqa: PLC0415

    path = config.db_path()
    if path.exists():
        vocabulary = vocabulary_from_db(path)
    else:
        log.info("no library database at %s: artist, album and title names join the grammar "
                 "when the player role publishes them", path)
        vocabulary = Vocabulary.empty()
    return LiveListener.open(config.listen, vocabulary, publish, site_id=config.mqtt.site,
                             cache_dir=config_mod.state_dir() / "listen",
                             dialogue=config.mqtt.dialogue)


class ListenRole(Role):
    """The listener and its MQTT connection. `commands_site`: whose player it talks to."""

    name = "listen"

    def __init__(self, config: Config, listener_factory=None,
                 connection: Connection | None = None, commands_site: str | None = None):
        self.topics = SiteTopics(commands_site or config.mqtt.site)
        self.dialogue = TOGGLES + (EXTERNAL_DIALOGUE if config.mqtt.dialogue == "external"
                                   else ())
        self.muted = False
        self.heard: list = []
        super().__init__(config.mqtt, connection=connection)
        factory = listener_factory or open_live_listener
        self.listener = factory(config, self.publish)
        self.listener.beat = lambda: self.heartbeat("microphone")
        self.listener.failed = self.fail

    @property
    def loops(self) -> tuple[str, ...]:
        return (self.name, "microphone")

    def subscriptions(self) -> list[str]:
        return [self.topics.command, self.topics.vocabulary,
                *(kind.topic() for kind in self.dialogue)]

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

    def on_message(self, message: Incoming) -> Messages:
        if message.topic == self.topics.vocabulary:
            return self._on_vocabulary(message)
        kind = next((k for k in self.dialogue if k.is_topic(message.topic)), None)
        if kind is not None:
            return self._on_dialogue(kind, message)
        try:
            command = parse_command(message.payload)
        except (CommandError, ValueError, UnicodeDecodeError) as err:
            log.debug("ignored %s: %s", message.topic, err)  # the player reports bad ones
            return ()
        if isinstance(command, Listen) and not self.muted:
            self.listener.press()
        elif isinstance(command, MuteMic):
            self.muted = command.on
            log.info("microphone %s", "muted" if command.on else "on")
        return ()

    def _on_vocabulary(self, message: Incoming) -> Messages:
        try:
            vocabulary = Vocabulary.from_json(message.payload.decode())
        except (ValueError, UnicodeDecodeError) as err:
            log.warning("ignored a vocabulary I cannot read: %s", err)
            return ()
        self.listener.set_vocabulary(vocabulary)
        log.info("grammar rebuilt for the library's vocabulary")
        return ()

    def _on_dialogue(self, kind, message: Incoming) -> Messages:
        """A dialogue manager's request: answered here (nlu/query) or handed to the
        listening thread (toggles, start and stop listening)."""
        try:
            request = kind.from_json(message.payload)
        except Exception as err:                    # noqa: BLE001 - any malformed payload
            return self._error_reply(kind, message, f"cannot read {message.topic}: "
                                                    f"{type(err).__name__}: {err}")
        if request.site_id != self.site:
            return ()
        if isinstance(request, NluQuery):
            answer = answer_query(self.listener.listener.parser, request)
            return [Outgoing(hermes_topic(answer), answer.to_json())]
        self.listener.call(dialogue_call(request))
        return ()

    def _error_reply(self, kind, message: Incoming, error: str) -> Messages:
        log.warning("%s", error)
        reply = {NluQuery: NluError, AsrStartListening: AsrError, AsrStopListening: AsrError,
                 AsrToggleOn: AsrError, AsrToggleOff: AsrError}.get(kind, HotwordError)
        context = message.payload.decode("utf-8", "replace")[:500]
        site = _site_of(message.payload) or self.site
        out = reply(error=error, site_id=site, context=context)
        return [Outgoing(out.topic(), out.to_json())]


def _site_of(payload: bytes) -> str | None:
    try:
        site = json.loads(payload).get("siteId")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None
    return site if isinstance(site, str) else None


def create(config: Config, options: RoleOptions) -> ListenRole:
    """`booth serve listen`: the microphone ``--input`` (or ``listen.source``) names."""
    if options.input:
        config = replace(config, listen=replace(config.listen, source=options.input))
    return ListenRole(config)
