"""The DJ's voice in another process: the `dj` role runs Piper; the player asks it over MQTT.

Piper needs a few hundred MB while it speaks (docs/performance.md, "The DJ's voice"); in its
own systemd unit it can be memory-limited and restarted without touching the music.
`RemoteVoice` has `Voice`'s `synthesize`, so the DJ does not know the difference; when the `dj`
role is down, synthesis fails after a timeout and the link is dropped — the music never waits.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid

import numpy as np
import soxr

from booth.dj.voice import read_wav
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)


class RemoteVoiceError(RuntimeError):
    """The `dj` role did not answer in time, or answered with nothing."""


class RemoteVoice:
    """`synthesize(text)` by asking the `dj` role on the broker."""

    def __init__(self, connection: Connection, site: str, sample_rate: int = 48000,
                 timeout: float = 10.0):
        self.sample_rate = sample_rate
        self.name = "remote"
        self.timeout = timeout
        self.topics = SiteTopics(site)
        self._waiting: dict[str, tuple[threading.Event, list[bytes]]] = {}
        self._lock = threading.Lock()
        self.runner = MqttRunner(connection, client_id=f"booth-voice-client-{site}",
                                 availability_topic=f"{self.topics.base}/dj/client",
                                 subscriptions=[self.topics.voiced_all],
                                 on_message=self._on_message)
        self.runner.start()

    def _on_message(self, message: Incoming) -> None:
        request_id = message.topic.rsplit("/", 1)[-1]
        with self._lock:
            waiting = self._waiting.get(request_id)
        if waiting:
            waiting[1].append(message.payload)
            waiting[0].set()

    def synthesize(self, text: str) -> np.ndarray:
        """Mono float32 at ``sample_rate``; raises RemoteVoiceError when nobody answers."""
        request_id = uuid.uuid4().hex[:12]
        done, box = threading.Event(), []
        with self._lock:
            self._waiting[request_id] = (done, box)
        try:
            self.runner.publish(Outgoing.json(self.topics.speak, {"id": request_id,
                                                                   "text": text}))
            if not done.wait(self.timeout) or not box[0]:
                raise RemoteVoiceError(f"the dj role did not voice {text[:40]!r} within "
                                       f"{self.timeout:.0f} s (is booth-dj running?)")
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)
        samples, rate = read_wav(box[0])
        mono = (samples if samples.ndim == 1 else samples.mean(axis=1)).astype(np.float32)
        return soxr.resample(mono, rate, self.sample_rate) if rate != self.sample_rate else mono

    def close(self) -> None:
        self.runner.stop()


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """16-bit mono WAV of float samples."""
    import io

    import soundfile

    out = io.BytesIO()
    soundfile.write(out, samples, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def speak_request(payload: bytes) -> tuple[str, str]:
    """(id, text) of a `speak` request; ValueError saying what is wrong."""
    try:
        body = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"not JSON: {err}") from err
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) \
            or not isinstance(body.get("text"), str) or not body["text"].strip():
        raise ValueError('expected {"id": "...", "text": "..."}')
    return body["id"], body["text"]
