"""The listening pipeline: microphone blocks in, Hermes messages out.

    echo canceller → 32 ms chunks → ring buffer
        idle:       wake word detector        → HotwordDetected, start an utterance
        utterance:  Silero VAD + recogniser   → AsrTextCaptured, NluIntent | NluIntentNotRecognized

`press()` (push-to-talk) starts an utterance at once. The recogniser is fed from the moment
speech begins, with the `pre_roll` seconds before it from the ring buffer (so a word begun
just before a press is whole, and a wait before speaking adds no stray words).

With an external dialogue manager (`dialogue="external"`, e.g. Rhasspy's) the listener only
reports the wake word (or asks for a session on a press) and keeps the audio from that moment
until the manager's `hermes/asr/startListening` arrives, so nothing said in between is lost;
it then publishes the text alone and leaves the intent to `hermes/nlu/query`
(booth.listen.nlu). Hotword and ASR toggles are honoured, per reason, in both modes.

The listener is pure: it never touches MQTT or a device; `process` and the dialogue calls
return the messages, and `utterances` records what was heard with its timing for measurements.
"""

from __future__ import annotations

import collections
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.base import Message
from rhasspyhermes.dialogue import DialogueAction, DialogueStartSession
from rhasspyhermes.nlu import NluIntentNotRecognized
from rhasspyhermes.wake import HotwordDetected

from booth.intents import IntentParser
from booth.listen import learn
from booth.listen.echo import EchoCanceller, NoEchoCanceller
from booth.listen.endpoint import CHUNK, SAMPLE_RATE, Chunker, Endpoint, Endpointer
from booth.listen.nlu import intent_message
from booth.listen.transcript import Recognizer
from booth.listen.settings import MIN_INTENT_CONFIDENCE
from booth.listen.understand import understand
from booth.listen.wake import WakeWordDetector

log = logging.getLogger(__name__)

ECHO_SHARE = 0.85
"""An utterance whose microphone energy was more than this share echo (8 dB removed) is the
speaker hearing itself, not a person: the cutoff lies between the echo share of commands
spoken over music and that of the DJ's own voice over music (docs/performance.md, "Echo")."""
DIALOGUES = ("booth", "external")
"""Who runs a voice session: Booth itself, or an external Hermes dialogue manager."""
AWAIT_START = 10.0
"""Seconds of audio kept after a wake word or press while an external dialogue manager has
not yet asked to listen; after that the wake is forgotten."""
UTTERANCES_KEPT = 100
"""The latest utterances `utterances` keeps (a listener runs for months)."""
PUSH_TO_TALK = "push-to-talk"
"""The customData of a session a press asks an external dialogue manager for."""


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
    doubted: str | None = None
    """The intent the words seemed to say when its confidence was too low to act on."""
    slots: Mapping[str, Any] = field(default_factory=dict)


class Listener:
    """Turns microphone audio into Hermes wake, ASR and NLU messages."""

    def __init__(self, recognizer: Recognizer, parser: IntentParser, endpointer: Endpointer,
                 wake: WakeWordDetector | None = None,
                 echo_canceller: EchoCanceller | None = None, site_id: str = "default",
                 pre_roll: float = 0.3, min_confidence: float = 0.0,
                 min_intent_confidence: float = MIN_INTENT_CONFIDENCE,
                 max_echo_share: float = ECHO_SHARE, dialogue: str = "booth",
                 clock: Callable[[], float] = time.perf_counter):
        if dialogue not in DIALOGUES:
            raise ValueError(f"unknown dialogue {dialogue!r}: use booth or external")
        self.recognizer = recognizer
        self.parser = parser
        self.endpointer = endpointer
        self.wake = wake
        self.echo = echo_canceller or NoEchoCanceller()
        self.site_id = site_id
        self.min_confidence = min_confidence
        self.min_intent_confidence = min_intent_confidence
        self.max_echo_share = max_echo_share
        self.external = dialogue == "external"
        self.clock = clock
        self.utterances: collections.deque[Utterance] = collections.deque(
            maxlen=UTTERANCES_KEPT)
        self.hotword_off: set[str] = set()
        """Reasons the wake word is switched off (`hermes/hotword/toggleOff`); on when empty."""
        self.asr_off: set[str] = set()
        """Reasons listening is switched off (`hermes/asr/toggleOff`); on when empty."""
        self._chunker = Chunker()
        self._ring: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, round(pre_roll * SAMPLE_RATE / CHUNK)))
        self._samples = 0
        self._current: Utterance | None = None
        self._session: str | None = None
        self._awaiting: list[np.ndarray] | None = None
        self._awaiting_wake: str | None = None
        self._awaiting_since = 0.0
        self._stop_on_silence = True
        self._energy_in = self._energy_out = 0.0
        self._speaking = False
        self.learner: Callable[[np.ndarray, str], None] | None = None
        """Called with the audio and text of each command clear enough to learn the voice
        from (booth.listen.learn); None: nothing is kept."""
        self._heard: list[np.ndarray] = []

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
        reach the recogniser if the speech started just before the press). With an external
        dialogue manager: ask it for a session, keeping the audio from now until it listens."""
        if self._current is not None or self.asr_off:
            return []
        if self.external:
            self._await_start(wake=None)
            return [DialogueStartSession(init=DialogueAction(can_be_enqueued=False),
                                         site_id=self.site_id, custom_data=PUSH_TO_TALK)]
        self._begin(wake=None)
        return []

    # -- the Hermes dialogue: what a dialogue manager and other services ask -----------------

    def start_listening(self, session_id: str | None, wakeword_id: str | None = None,
                        stop_on_silence: bool = True) -> list[Message]:
        """`hermes/asr/startListening`: hear an utterance for this session, from the wake word
        or press that led to it if one is waiting, else from now."""
        if self.asr_off or (self._current is not None and self._session == session_id):
            return []
        waiting, wake, since = self._awaiting, self._awaiting_wake, self._awaiting_since
        self._begin(wake=wakeword_id or wake, session_id=session_id,
                    keep_energy=waiting is not None)
        self._awaiting = None
        self._stop_on_silence = stop_on_silence
        if not waiting:
            return []
        assert self._current is not None
        self._current.started = since
        messages: list[Message] = []
        for chunk in waiting:                       # heard already: catch up at once
            if self._current is None:
                break
            messages.extend(self._utterance_chunk(chunk))
        return messages

    def stop_listening(self, session_id: str | None = None) -> list[Message]:
        """`hermes/asr/stopListening`: end the utterance now and report what was heard."""
        if self._current is not None and session_id in (None, self._session):
            return self._on_end(Endpoint.SPOKEN)
        if self._current is None:
            self._awaiting = None
        return []

    def end_of_audio(self) -> list[Message]:
        """The audio stopped (a recording's end): end an open utterance now with what was
        heard, as a timeout if nobody spoke."""
        if self._current is None:
            return []
        return self._on_end(Endpoint.SPOKEN if self._speaking else Endpoint.TIMEOUT)

    def toggle_hotword(self, on: bool, reason: str = "") -> None:
        """`hermes/hotword/toggleOn|Off`: the wake word listens only when no reason is left to
        keep it off; switching on without a reason clears them all (as Rhasspy's do)."""
        _toggle(self.hotword_off, on, reason)
        if on and not self.hotword_off and self.wake is not None:
            self.wake.reset()

    def toggle_asr(self, on: bool, reason: str = "") -> None:
        """`hermes/asr/toggleOn|Off`: while off, no utterance starts."""
        _toggle(self.asr_off, on, reason)

    # -- audio ---------------------------------------------------------------------------------

    def process(self, mic: np.ndarray, reference: np.ndarray | None = None) -> list[Message]:
        """Feed microphone samples (int16, 16 kHz) and the playback reference at the same
        moment; returns the messages this audio caused."""
        cleaned = self.echo.process(mic, reference) if reference is not None else mic
        if self._current is not None or self._awaiting is not None:
            self._energy_in += float(np.dot(mic.astype(np.float64), mic.astype(np.float64)))
            self._energy_out += float(np.dot(cleaned.astype(np.float64),
                                             cleaned.astype(np.float64)))
        messages: list[Message] = []
        for chunk in self._chunker.split(cleaned):
            messages.extend(self._on_chunk(chunk))
        return messages

    def _on_chunk(self, chunk: np.ndarray) -> list[Message]:
        self._samples += len(chunk)
        if self._current is not None:
            return self._utterance_chunk(chunk)
        if self._awaiting is not None:
            self._awaiting.append(chunk)
            if self.seconds - self._awaiting_since > AWAIT_START:
                self._awaiting = None               # the dialogue manager never asked
                self._ring.clear()
            return []
        self._ring.append(chunk)
        if self.wake is not None and not self.hotword_off and self.wake.process(chunk):
            return self._on_wake()
        return []

    def _utterance_chunk(self, chunk: np.ndarray) -> list[Message]:
        endpoint = self.endpointer.process(chunk)
        if self._speaking:
            self._recognise(chunk)
        elif self.endpointer.speech > 0:
            # speech begins: the recogniser gets it with `pre_roll` seconds before it, and
            # none of the waiting before (where music residue turns into stray words)
            self._speaking = True
            for earlier in self._ring:
                self._recognise(earlier)
            self._recognise(chunk)
        else:
            self._ring.append(chunk)
        if endpoint is Endpoint.LISTENING:
            return []
        if (not self._stop_on_silence and endpoint is Endpoint.SPOKEN
                and self.endpointer.elapsed < self.endpointer.settings.max_utterance):
            return []                               # the dialogue manager says when to stop
        return self._on_end(endpoint)

    def _recognise(self, chunk: np.ndarray) -> None:
        self.recognizer.feed(chunk)
        if self.learner is not None:
            self._heard.append(chunk)

    def _on_wake(self) -> list[Message]:
        assert self.wake is not None
        self._ring.clear()                      # the wake word is not part of the command
        if self.external:
            self._await_start(wake=self.wake.name)
            return [HotwordDetected(model_id=self.wake.name, site_id=self.site_id)]
        self._begin(wake=self.wake.name)
        return [HotwordDetected(model_id=self.wake.name, site_id=self.site_id,
                                session_id=self._session)]

    def _await_start(self, wake: str | None) -> None:
        self._awaiting, self._awaiting_wake, self._awaiting_since = [], wake, self.seconds
        self._energy_in = self._energy_out = 0.0

    def _begin(self, wake: str | None, session_id: str | None = None,
               keep_energy: bool = False) -> None:
        self._session = session_id or str(uuid.uuid4())
        self._current = Utterance(started=self.seconds, wake=wake)
        self._speaking = False
        self._stop_on_silence = True
        if not keep_energy:                     # else: counted since the wake word or press
            self._energy_in = self._energy_out = 0.0
        self.endpointer.reset()
        self.recognizer.start()
        self._heard = []

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
        if transcript.text and transcript.confidence >= self.min_confidence and not self.external:
            intent = understand(self.parser, transcript.text,
                                alternatives=transcript.alternatives)
            if intent is not None:
                intent = replace(intent, confidence=round(
                    intent.confidence * transcript.word_confidence, 3))
                if intent.confidence < self.min_intent_confidence:
                    log.info("heard %r: not sure that was %s (confidence %.2f, below %.2f)",
                             transcript.text, intent.name, intent.confidence,
                             self.min_intent_confidence)
                    utterance.doubted, intent = intent.name, None
        seconds = (utterance.ended or 0.0) - utterance.started
        messages: list[Message] = [AsrTextCaptured(
            text=transcript.text, likelihood=transcript.confidence, seconds=seconds,
            site_id=self.site_id, session_id=self._session, wakeword_id=utterance.wake)]
        if intent is not None:
            log.info("heard %r: %s %s (confidence %.2f)", transcript.text, intent.name,
                     dict(intent.slots), intent.confidence)
            utterance.intent, utterance.slots = intent.name, dict(intent.slots)
            messages.append(intent_message(intent, transcript.text, self.site_id, self._session,
                                           asr_confidence=transcript.confidence,
                                           wakeword_id=utterance.wake))
        elif not self.external:             # an external manager asks hermes/nlu/query
            if transcript.text and utterance.doubted is None:
                log.info("heard %r: no command", transcript.text)
            messages.append(NluIntentNotRecognized(input=transcript.text, site_id=self.site_id,
                                                   session_id=self._session))
        utterance.done_at = self.clock()
        self.utterances.append(utterance)
        if self.learner is not None and self._heard and learn.worth_keeping(
                self.parser, transcript.text, transcript.confidence, utterance.echo_share):
            self.learner(np.concatenate(self._heard), transcript.text)
        self._heard = []
        self._current, self._session = None, None
        self._ring.clear()
        if self.wake is not None:
            self.wake.reset()
        return messages


def _toggle(reasons: set[str], on: bool, reason: str) -> None:
    if not on:
        reasons.add(reason)
    elif reason:
        reasons.discard(reason)
    else:
        reasons.clear()
