"""The `dj` role: the DJ's Piper voice as a service. The player writes each link and asks
this role to voice it (`booth/<site>/dj/speak` → `booth/<site>/dj/voiced/<id>`)."""

from __future__ import annotations

import logging

from booth.config import Config
from booth.dj.remote import speak_request, wav_bytes
from booth.mqtt.loop import RoleLoop
from booth.mqtt.messages import Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)


class VoiceService(RoleLoop):
    """Answers every `speak` request of one site with a WAV, in order, one at a time."""

    thread_name = "booth-dj-voice"

    def __init__(self, config: Config, voice, connection: Connection | None = None):
        super().__init__()
        self.voice = voice
        self.topics = SiteTopics(config.mqtt.site)
        self.runner = MqttRunner(connection or Connection.from_config(config.mqtt),
                                 client_id=f"booth-dj-{config.mqtt.site}",
                                 availability_topic=self.topics.dj_availability,
                                 subscriptions=[self.topics.speak],
                                 on_message=self.cross)
        self.spoken = 0

    def _loop(self) -> None:
        while (message := self._inbox.get()) is not None:
            try:
                request_id, text = speak_request(message.payload)
            except ValueError as err:
                self.runner.publish(Outgoing.json(self.topics.error, {
                    "error": f"bad speak request: {err}", "topic": message.topic,
                    "payload": message.payload.decode("utf-8", "replace")[:500]}))
                continue
            try:
                wav = wav_bytes(self.voice.synthesize(text), self.voice.sample_rate)
            except Exception:  # an answer is owed even when Piper fails
                log.exception("could not voice %r", text)
                wav = b""
            self.runner.publish(Outgoing(self.topics.voiced(request_id), wav))
            self.spoken += 1
