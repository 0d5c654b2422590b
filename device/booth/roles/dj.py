"""The `dj` role: the DJ's Piper voice as a service. The player writes each link and asks
this role to voice it (`booth/<site>/dj/speak` → `booth/<site>/dj/voiced/<id>`)."""

from __future__ import annotations

import logging

from booth.config import Config
from booth.mqtt.voice import speak_request, wav_bytes
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection
from booth.mqtt.topics import SiteTopics
from booth.roles.base import Messages, Role, RoleOptions

log = logging.getLogger(__name__)


class VoiceService(Role):
    """Answers every `speak` request of one site with a WAV, in order, one at a time."""

    name = "dj"

    def __init__(self, config: Config, voice, connection: Connection | None = None):
        self.voice = voice
        self.topics = SiteTopics(config.mqtt.site)
        self.spoken = 0
        super().__init__(config.mqtt, connection=connection)

    def subscriptions(self) -> list[str]:
        return [self.topics.speak]

    def on_message(self, message: Incoming) -> Messages:
        try:
            request_id, text = speak_request(message.payload)
        except ValueError as err:
            return [Outgoing.json(self.topics.error, {
                "error": f"bad speak request: {err}", "topic": message.topic,
                "payload": message.payload.decode("utf-8", "replace")[:500]})]
        try:
            wav = wav_bytes(self.voice.synthesize(text), self.voice.sample_rate)
        except Exception:  # an answer is owed even when Piper fails
            log.exception("could not voice %r", text)
            wav = b""
        self.spoken += 1
        return [Outgoing(self.topics.voiced(request_id), wav)]


def create(config: Config, options: RoleOptions) -> VoiceService:
    """`booth serve dj`: the Piper voice ``dj.voice`` names (default: the bundled joe voice)."""
    from booth.dj.voice import Voice  # noqa: PLC0415  (loads Piper)

    return VoiceService(config, Voice.load(config.dj.voice or None, 22050))
