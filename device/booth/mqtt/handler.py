"""The player role's MQTT handler: a received message in, the messages to publish out.

It never touches the MQTT client, so it is tested without a broker. It runs on the service's
one loop thread; replies that come later (``sayFinished`` after the speech was heard) are
handed to ``later``, which the service routes back onto that thread.
"""

from __future__ import annotations

import collections
import io
import itertools
import json
import logging
import wave
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from rhasspyhermes.asr import AsrError, AsrTextCaptured
from rhasspyhermes.audioserver import AudioPlayBytes, AudioPlayFinished
from rhasspyhermes.dialogue import DialogueEndSession
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized
from rhasspyhermes.tts import TtsSay, TtsSayFinished
from rhasspyhermes.wake import HotwordDetected

from booth.station.commands import (
    INTENT_NAMES,
    Command,
    CommandError,
    Request,
    Say,
    command_from_intent,
    parse_command,
)
from booth.station.api import Controller, PlayerEvent
from booth.mqtt.homeassistant import discovery_messages
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.topics import (
    HA_STATUS,
    SiteTopics,
    check_site,
    hermes_player_subscriptions,
)

log = logging.getLogger(__name__)

ERROR_PAYLOAD_CHARS = 2000
"""Longer rejected payloads are cut to this many characters in the error message."""
NOT_CAUGHT = ("Sorry, I didn't catch that.", "Sorry, say that again?",
              "I missed that one, sorry.")
"""What the DJ says, in turn, when someone spoke to Booth and it understood no command."""


class ParsedIntent(Protocol):
    """What :mod:`booth.intents` makes of a request."""

    name: str
    slots: Mapping[str, Any]


class IntentParser(Protocol):
    """Turns a request in words into an intent (``booth.intents.IntentParser``)."""

    def parse(self, text: str) -> ParsedIntent | None:
        """The intent, or None when the text is not understood."""


def _payload_text(payload: bytes) -> str:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(payload)} bytes, not UTF-8 text>"
    return text if len(text) <= ERROR_PAYLOAD_CHARS else text[:ERROR_PAYLOAD_CHARS] + "…"


def _origin_of(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    origin = body.get("origin") if isinstance(body, dict) else None
    return origin if isinstance(origin, str) else None


def _no_op() -> None:
    pass


class PlayerHandler:
    """Handles the player's topics: commands, Hermes intents/speech/audio, Home Assistant."""

    def __init__(
        self,
        site: str,
        controller: Controller,
        parser: IntentParser | None = None,
        *,
        satellites: tuple[str, ...] = (),
        dialogue: str = "booth",
        later: Callable[[list[Outgoing]], None],
    ) -> None:
        if dialogue not in ("booth", "external"):
            raise ValueError(f"mqtt.dialogue must be booth or external, not {dialogue!r}")
        self.topics = SiteTopics(site)
        self.sites = (site, *(check_site(s) for s in satellites if s != site))
        self.controller = controller
        self.ignore_origins: set[str] = set()
        """Origins whose commands reach the controller directly (the echo is ignored)."""
        self.parser = parser
        self._later = later
        self._vocabulary: Outgoing | None = None
        self._last_state: dict[str, Any] | None = None
        self._own_sessions: collections.deque[str] | None = (
            collections.deque(maxlen=32) if dialogue == "booth" else None)
        """Sessions Booth's own listener ran (built-in dialogue): their answers are spoken
        here, since no dialogue manager will act on an ``endSession``."""
        self._not_caught = itertools.cycle(NOT_CAUGHT)

    # -- what the service asks for ---------------------------------------------------------

    def subscriptions(self) -> list[str]:
        """Every topic this handler wants."""
        return [self.topics.command, HA_STATUS, *hermes_player_subscriptions(self.sites, INTENT_NAMES),
                HotwordDetected.topic(wakeword_id="+"), AsrTextCaptured.topic(),
                NluIntentNotRecognized.topic(), AsrError.topic()]

    def startup(self) -> list[Outgoing]:
        """Retained messages to publish once connected: discovery, state, vocabulary."""
        out = discovery_messages(self.topics) + self.state(force=True)
        if self._vocabulary:
            out.append(self._vocabulary)
        return out

    def handle(self, message: Incoming) -> list[Outgoing]:
        """Everything to publish in answer to ``message``."""
        topic = message.topic
        if topic == self.topics.command:
            return self._on_command(message)
        if NluIntent.is_topic(topic):
            return self._on_intent(message)
        if TtsSay.is_topic(topic):
            return self._on_tts_say(message)
        if AudioPlayBytes.is_topic(topic):
            return self._on_play_bytes(message)
        if topic == HA_STATUS:
            return self._on_ha_status(message)
        if HotwordDetected.is_topic(topic):
            return self._on_listening(message, True)
        if topic in (AsrTextCaptured.topic(), NluIntentNotRecognized.topic(), AsrError.topic()):
            return self._on_listening(message, False)
        return []

    def _on_listening(self, message: Incoming, started: bool) -> list[Outgoing]:
        """Duck the music while someone on our sites talks to Booth; back up after. When
        Booth's own session heard words but no command, the DJ says so."""
        try:
            body = json.loads(message.payload)
            site, session = body.get("siteId", "default"), body.get("sessionId")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return []
        if (site in self.sites and session and self._own_sessions is not None
                and AsrTextCaptured.is_topic(message.topic)):
            self._own_sessions.append(session)
        if site in self.sites and hasattr(self.controller, "listening"):
            self.controller.listening(started)
        if (message.topic == NluIntentNotRecognized.topic() and body.get("input")
                and self._own_sessions is not None and session in self._own_sessions):
            self.controller.say(next(self._not_caught), _no_op)
        return []

    def state(self, *, force: bool = False) -> list[Outgoing]:
        """The retained state, when it changed (``force``: when anything, even the position, did).

        Position alone changes all the time while playing; it is sent by the periodic ``force``.
        """
        snapshot = self.controller.snapshot()
        last = self._last_state
        if last is not None and (snapshot == last or (
            not force and {**snapshot, "position": None} == {**last, "position": None}
        )):
            return []
        self._last_state = snapshot
        return [Outgoing.json(self.topics.state, snapshot, retain=True)]

    def event(self, event: PlayerEvent) -> list[Outgoing]:
        """An event announced by the player."""
        return [Outgoing(self.topics.event, event.to_json())]

    def set_vocabulary(
        self, vocabulary: str | Mapping[str, Any], parser: IntentParser | None = None
    ) -> list[Outgoing]:
        """A new library vocabulary, as JSON text or decoded (and the parser built from it)."""
        if isinstance(vocabulary, str):
            json.loads(vocabulary)  # refuse a broken document before it is retained
            vocabulary_json = vocabulary
        else:
            vocabulary_json = json.dumps(vocabulary, ensure_ascii=False)
        if parser is not None:
            self.parser = parser
        self._vocabulary = Outgoing(self.topics.vocabulary, vocabulary_json, retain=True)
        return [self._vocabulary]

    # -- one method per message --------------------------------------------------------------

    def _on_command(self, message: Incoming) -> list[Outgoing]:
        try:
            command = parse_command(message.payload)
        except CommandError as err:
            return [self._error(str(err), message)]
        if command.origin is not None and command.origin in self.ignore_origins:
            return []  # a role in this process that already handed us the command
        return self._carry_out(command, message)

    def _on_intent(self, message: Incoming) -> list[Outgoing]:
        try:
            intent = NluIntent.from_json(message.payload)
        except Exception as err:  # dataclasses-json raises KeyError, TypeError, ValueError...
            return [self._error(f"not a Hermes intent ({type(err).__name__}: {err})", message)]
        if intent.site_id not in self.sites:
            return []
        slots = {slot.slot_name: slot.value.get("value") for slot in intent.slots or ()}
        try:
            command = command_from_intent(
                intent.intent.intent_name, slots,
                origin=f"hermes:{intent.site_id}", talk_level=self.controller.snapshot().get("talk"),
            )
        except CommandError as err:
            return self._refuse(str(err), message, intent.session_id)
        if command is None:
            return []
        return self._carry_out(command, message, session_id=intent.session_id)

    def _on_tts_say(self, message: Incoming) -> list[Outgoing]:
        try:
            say = TtsSay.from_json(message.payload)
        except Exception as err:
            return [self._error(f"not a Hermes tts/say ({type(err).__name__}: {err})", message)]
        if say.site_id not in self.sites:
            return []
        finished = Outgoing.hermes(TtsSayFinished(site_id=say.site_id, id=say.id, session_id=say.session_id))
        self.controller.say(say.text, lambda: self._later([finished]))
        return []

    def _on_play_bytes(self, message: Incoming) -> list[Outgoing]:
        site = AudioPlayBytes.get_site_id(message.topic)
        if site not in self.sites:
            return []
        request_id = AudioPlayBytes.get_request_id(message.topic)
        finished = Outgoing.hermes(AudioPlayFinished(id=request_id, session_id=request_id), site_id=site)
        try:
            with wave.open(io.BytesIO(message.payload)) as wav:
                wav.getnframes()
        except (wave.Error, EOFError) as err:
            # Answer anyway, so whoever sent it does not wait for a sound that never comes.
            return [self._error(f"playBytes payload is not a WAV file ({err})", message), finished]
        self.controller.play_wav(message.payload, lambda: self._later([finished]))
        return []

    def _on_ha_status(self, message: Incoming) -> list[Outgoing]:
        if message.payload.strip().lower() == b"online":
            return discovery_messages(self.topics)
        return []

    # -- helpers --------------------------------------------------------------------------------

    def _carry_out(
        self, command: Command, message: Incoming, session_id: str | None = None
    ) -> list[Outgoing]:
        if isinstance(command, Request):
            try:
                command = self._understand(command)
            except CommandError as err:
                return self._refuse(str(err), message, session_id)
        if isinstance(command, Say):
            self.controller.say(command.text, _no_op)
            return self._end_session(session_id, None)
        try:
            reply = self.controller.apply(command)
        except CommandError as err:
            return self._refuse(str(err), message, session_id)
        except Exception as err:
            log.exception("the player failed on %s", command)
            return self._refuse(f"the player failed: {err}", message, session_id)
        speech = reply.speech if reply else None
        if session_id:
            return self._end_session(session_id, speech)
        if speech:
            self.controller.say(speech, _no_op)
        return []

    def _understand(self, request: Request) -> Command:
        if self.parser is None:
            raise CommandError("requests cannot be understood yet: the intent parser is not loaded")
        intent = self.parser.parse(request.text)
        if intent is None:
            raise CommandError(f"did not understand {request.text!r}")
        command = command_from_intent(
            intent.name, intent.slots, origin=request.origin,
            talk_level=self.controller.snapshot().get("talk"),
        )
        if command is None:
            raise CommandError(
                f"{request.text!r} is understood as {intent.name}, which the player does not do"
            )
        return command

    def _refuse(self, reason: str, message: Incoming, session_id: str | None) -> list[Outgoing]:
        return [self._error(reason, message), *self._end_session(session_id, f"Sorry, {reason}.")]

    def _end_session(self, session_id: str | None, text: str | None) -> list[Outgoing]:
        """The answer to a voice session: spoken here for Booth's own, else handed to the
        dialogue manager that runs it."""
        if session_id and self._own_sessions is not None and session_id in self._own_sessions:
            if text:
                self.controller.say(text, _no_op)
            return []
        if not session_id:
            return []
        return [Outgoing.hermes(DialogueEndSession(session_id=session_id, text=text))]

    def _error(self, reason: str, message: Incoming) -> Outgoing:
        log.warning("rejected %s: %s", message.topic, reason)
        body = {"error": reason, "topic": message.topic, "payload": _payload_text(message.payload)}
        origin = _origin_of(message.payload)
        if origin is not None:
            body["origin"] = origin
        return Outgoing.json(self.topics.error, body)
