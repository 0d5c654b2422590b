"""How Booth listens: one frozen dataclass, the `[listen]` table of the configuration."""

from __future__ import annotations

from dataclasses import dataclass

MIN_INTENT_CONFIDENCE = 0.2
"""Below this an intent is not acted on. Chosen so that fewer commands are carried out as
another command while hardly any that were understood are lost (those lost are mostly words
far from what was said that happened to read as the command); a lower bar spares fewer
mistakes, a higher one loses more right commands. The figures, with other thresholds:
docs/performance.md, "Doubt"."""

@dataclass(frozen=True)
class ListenSettings:
    """The microphone, the wake word, end of speech and the recogniser."""

    source: str = "device"
    """`device`, `device:NAME` (a PyAudio input whose name contains NAME), `file:PATH` (a
    recording at real time, then silence) or `null`."""
    reference: str = "socket"
    """Where the playback mix comes from for echo cancellation: `socket` (the player's Unix
    socket in the runtime directory), `file:PATH`, or `none`."""
    echo_canceller: str = "speex"
    """`speex` (libspeexdsp, linear; default), `webrtc` (aec-audio-processing) or `none`."""
    wake_engine: str = "micro"
    """`micro` (microWakeWord, default) or `open` (openWakeWord: non-commercial models)."""
    wake_word: str = "hey_jarvis"
    """A bundled model: micro: hey_jarvis, okay_nabu, hey_mycroft, alexa; open: hey_jarvis,
    okay_nabu, hey_mycroft, alexa, hey_rhasspy."""
    wake_threshold: float = 0.0
    """Score (0–1) above which the wake word counts: lower hears it more readily (hey_jarvis
    0.83), higher wakes less by mistake (0.97); 0: the engine's default (micro: the model's own
    cutoff, at most 0.9)."""
    wake_quick_ear: bool = True
    """micro: a second ear on the microphone played 15 % faster, which hears the wake word in
    voices the model knows less well, without adding false wakes (docs/performance.md, "Wake
    word"); off halves the wake word's small CPU cost."""
    recognizer: str = "auto"
    """`auto` (Vosk if an English Vosk model is installed, else PocketSphinx), `vosk` or
    `pocketsphinx`."""
    vosk_model: str = ""
    """A Vosk model folder; empty: the first `vosk-model*` folder under models/."""
    acoustic_model: str = ""
    """PocketSphinx's acoustic model: empty: the one `booth adapt` taught your voice if there
    is one, else the bundled US-English one; `bundled`: always the bundled one; or a folder."""
    learn_voice: bool = False
    """PocketSphinx with an empty `acoustic_model`: keep the audio of the latest 200 commands
    understood clearly (on this device only, under the state folder's listen/heard-commands)
    and adapt the recogniser to the voices in them every 10 commands. Off by default: it helps
    the voices it hears most, but it can also make other voices, or the same ones, heard worse
    (docs/listening.md, "It can learn your voice as you use it"; the figures:
    docs/performance.md, "Learning in use")."""
    end_silence: float = 0.5
    """Seconds of silence after the last word that end an utterance."""
    max_utterance: float = 8.0
    """An utterance is cut off after this many seconds."""
    no_speech_timeout: float = 4.0
    """Give up when nobody starts speaking this many seconds after the wake word or press."""
    pre_roll: float = 0.3
    """Audio kept from before the wake word's end or a press, so the first word is whole."""
    speech_threshold: float = 0.5
    """Silero VAD probability above which a 32 ms chunk counts as speech."""
    min_intent_confidence: float = MIN_INTENT_CONFIDENCE
    """An intent scored below this (0–1: how closely the words matched a command, times the
    recogniser's mean confidence in each word) is not acted on: Booth says it did not catch
    that rather than do what it merely guessed: fewer commands carried out as another command, at
    the cost of a few understood ones (docs/performance.md, "Doubt"). 0: act on every command
    the words can be read as."""
    min_confidence: float = 0.0
    """Recognitions scored below this (0–1) are reported as not recognised. PocketSphinx scores
    the sentence's posterior, which is typically far higher for commands heard right than for
    ones heard wrong or for speech that is no command, so a small bar turns some wrong intents
    into "not recognised" at the cost of a few right ones (docs/performance.md, "Doubt")."""
