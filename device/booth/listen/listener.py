"""The listening pipeline: microphone blocks in, Hermes messages out.

    echo canceller → 32 ms chunks → ring buffer
        idle:       wake word detector        → HotwordDetected, start an utterance
        utterance:  Silero VAD + recogniser   → AsrTextCaptured, NluIntent | NluIntentNotRecognized

`press()` (push-to-talk) starts an utterance at once. The recogniser is fed from the moment
speech begins, with the `pre_roll` seconds before it from the ring buffer (so a word begun
just before a press is whole, and a wait before speaking adds no stray words). The listener is pure: it never touches MQTT or a device; `process` returns the
messages, and `utterances` records what was heard with its timing for measurements.
"""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.base import Message
from rhasspyhermes.intent import Intent as HermesIntent
from rhasspyhermes.intent import Slot
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized
from rhasspyhermes.wake import HotwordDetected

from booth.intents import IntentParser
from booth.listen.echo import EchoCanceller, NoEchoCanceller
from booth.listen.endpoint import CHUNK, SAMPLE_RATE, Endpoint, Endpointer
from booth.listen.recognizer import Recognizer
from booth.listen.understand import understand
from booth.listen.wake import WakeWordDetector

ECHO_SHARE = 0.85
"""An utterance whose microphone energy was more than this share echo (8 dB removed) is the
speaker hearing itself, not a person. Measured on the dev set (speex, converged): commands
over music 0.08–0.69, the DJ's voice over music 0.90–0.98."""


@dataclass
class Utterance:
    """One utterance, from its start to its meaning, with timings for measurements."""

    started: float
    """Audio seconds (since the listener started) where the utterance began."""
    wake: str | None
    """The wake word that started it, None for a press."""
    speech_end: float | None = None
    """Audio seconds where the last speech chunk ended (None: nobody spoke)."""
    ended: float | None = None
    """Audio seconds where end of speech was decided."""
    decided_at: float = 0.0
    """Wall clock (perf_counter) when end of speech was decided."""
    done_at: float = 0.0
    """Wall clock when the intent (or its rejection) was ready."""
    echo_share: float = 0.0
    """Share of the microphone energy the echo canceller removed during the utterance."""
    text: str = ""
    confidence: float = 0.0
    intent: str | None = None
    slots: Mapping[str, Any] = field(default_factory=dict)


class Listener:
    """Turns microphone audio into Hermes wake, ASR and NLU messages."""

    def __init__(self, recognizer: Recognizer, parser: IntentParser, endpointer: Endpointer,
                 wake: WakeWordDetector | None = None,
                 echo_canceller: EchoCanceller | None = None, site_id: str = "default",
                 pre_roll: float = 0.3, min_confidence: float = 0.0,
                 max_echo_share: float = ECHO_SHARE,
                 clock: Callable[[], float] = time.perf_counter):
        self.recognizer = recognizer
        self.parser = parser
        self.endpointer = endpointer
        self.wake = wake
        self.echo = echo_canceller or NoEchoCanceller()
        self.site_id = site_id
        self.min_confidence = min_confidence
        self.max_echo_share = max_echo_share
        self.clock = clock
        self.utterances: list[Utterance] = []
        self._pending = np.zeros(0, np.int16)
        self._ring: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, round(pre_roll * SAMPLE_RATE / CHUNK)))
        self._samples = 0
        self._current: Utterance | None = None
        self._session: str | None = None
        self._energy_in = self._energy_out = 0.0
        self._speaking = False

    @property
    def listening(self) -> bool:
        """True while an utterance is being heard."""
        return self._current is not None

    @property
    def seconds(self) -> float:
        """Audio seconds processed so far."""
        return self._samples / SAMPLE_RATE

    def press(self) -> list[Message]:
        """Push-to-talk: start an utterance now (the ring buffer's last `pre_roll` seconds
        reach the recogniser if the speech started just before the press)."""
        if self._current is not None:
            return []
        self._begin(wake=None)
        return []

    def process(self, mic: np.ndarray, reference: np.ndarray | None = None) -> list[Message]:
        """Feed microphone samples (int16, 16 kHz) and the playback reference at the same
        moment; returns the messages this audio caused."""
        cleaned = self.echo.process(mic, reference) if reference is not None else mic
        if self._current is not None:
            self._energy_in += float(np.dot(mic.astype(np.float64), mic.astype(np.float64)))
            self._energy_out += float(np.dot(cleaned.astype(np.float64),
                                             cleaned.astype(np.float64)))
        self._pending = np.concatenate([self._pending, cleaned.astype(np.int16, copy=False)])
        messages: list[Message] = []
        whole = len(self._pending) // CHUNK * CHUNK
        for start in range(0, whole, CHUNK):
            messages.extend(self._on_chunk(self._pending[start:start + CHUNK]))
        self._pending = self._pending[whole:]
        return messages

    def _on_chunk(self, chunk: np.ndarray) -> list[Message]:
        self._samples += len(chunk)
        if self._current is None:
            self._ring.append(chunk)
            if self.wake is not None and self.wake.process(chunk):
                return self._on_wake()
            return []
        endpoint = self.endpointer.process(chunk)
        if self._speaking:
            self.recognizer.feed(chunk)
        elif self.endpointer.speech > 0:
            # speech begins: the recogniser gets it with `pre_roll` seconds before it, and
            # none of the waiting before (where music residue turns into stray words)
            self._speaking = True
            for earlier in self._ring:
                self.recognizer.feed(earlier)
            self.recognizer.feed(chunk)
        else:
            self._ring.append(chunk)
        if endpoint is Endpoint.LISTENING:
            return []
        return self._on_end(endpoint)

    def _on_wake(self) -> list[Message]:
        assert self.wake is not None
        self._begin(wake=self.wake.name)
        self._ring.clear()                      # the wake word is not part of the command
        return [HotwordDetected(model_id=self.wake.name, site_id=self.site_id,
                                session_id=self._session)]

    def _begin(self, wake: str | None) -> None:
        self._session = str(uuid.uuid4())
        self._current = Utterance(started=self.seconds, wake=wake)
        self._speaking = False
        self._energy_in = self._energy_out = 0.0
        self.endpointer.reset()
        self.recognizer.start()

    def _echo_share(self) -> float:
        """How much of the utterance's microphone energy the echo canceller removed (0–1).

        A person speaking over the music leaves their voice in the cleaned signal; the
        speaker's own sound (the DJ's voice, the music) is mostly removed. Above
        `max_echo_share` the utterance is taken for the speaker hearing itself."""
        if self._energy_in <= 0.0:
            return 0.0
        return max(0.0, 1.0 - self._energy_out / self._energy_in)

    def _on_end(self, endpoint: Endpoint) -> list[Message]:
        utterance = self._current
        assert utterance is not None
        utterance.decided_at = self.clock()
        utterance.ended = self.seconds
        if self.endpointer.last_speech_end is not None:
            utterance.speech_end = utterance.started + self.endpointer.last_speech_end
        transcript = self.recognizer.finish()
        utterance.echo_share = self._echo_share()
        if endpoint is Endpoint.TIMEOUT or utterance.echo_share > self.max_echo_share:
            transcript = type(transcript)("", 0.0)
        utterance.text, utterance.confidence = transcript.text, transcript.confidence
        intent = None
        if transcript.text and transcript.confidence >= self.min_confidence:
            intent = understand(self.parser, transcript.text)
        seconds = (utterance.ended or 0.0) - utterance.started
        messages: list[Message] = [AsrTextCaptured(
            text=transcript.text, likelihood=transcript.confidence, seconds=seconds,
            site_id=self.site_id, session_id=self._session, wakeword_id=utterance.wake)]
        if intent is None:
            messages.append(NluIntentNotRecognized(input=transcript.text, site_id=self.site_id,
                                                   session_id=self._session))
        else:
            utterance.intent, utterance.slots = intent.name, dict(intent.slots)
            messages.append(NluIntent(
                input=intent.text, intent=HermesIntent(intent.name, intent.confidence),
                slots=[Slot(entity=name, slot_name=name,
                            value={"kind": "Number" if isinstance(value, int) else "Unknown",
                                   "value": value},
                            raw_value=str(value), confidence=intent.confidence)
                       for name, value in intent.slots.items()],
                site_id=self.site_id, session_id=self._session, raw_input=transcript.text,
                asr_confidence=transcript.confidence, wakeword_id=utterance.wake))
        utterance.done_at = self.clock()
        self.utterances.append(utterance)
        self._current, self._session = None, None
        self._ring.clear()
        if self.wake is not None:
            self.wake.reset()
        return messages
