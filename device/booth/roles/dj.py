"""The `dj` role: the DJ's Piper voice as a service. The player writes each link and asks
this role to voice it (`booth/<site>/dj/speak` → `booth/<site>/dj/voiced/<id>`)."""

from __future__ import annotations

import logging
import queue
import threading

from booth.config import Config
from booth.dj.remote import speak_request, wav_bytes
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)


class VoiceService:
    """Answers every `speak` request of one site with a WAV, in order, one at a time."""

    def __init__(self, config: Config, voice, connection: Connection | None = None):
        self.voice = voice
        self.topics = SiteTopics(config.mqtt.site)
        self._inbox: queue.SimpleQueue[Incoming | None] = queue.SimpleQueue()
        self.runner = MqttRunner(connection or Connection.from_config(config.mqtt),
                                 client_id=f"booth-dj-{config.mqtt.site}",
                                 availability_topic=self.topics.dj_availability,
                                 subscriptions=[self.topics.speak],
                                 on_message=self._inbox.put)
        self._thread = threading.Thread(target=self._loop, name="booth-dj-voice", daemon=True)
        self.spoken = 0

    def start(self) -> None:
        self._thread.start()
        self.runner.start()

    def stop(self) -> None:
        self._inbox.put(None)
        self._thread.join(5)
        self.runner.stop()

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
