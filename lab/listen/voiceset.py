"""Generate a held-out spoken-command set (tools/make-voice-set), to measure Booth's listening
on voices, phrasings and rooms other than those of its development set.

    python -m lab.listen.voiceset --out DIR [--count 200] [--seed 0]

Writes DIR/manifest.jsonl in the development set's format (lab/listen/evaluate.py),
16 kHz mono FLAC clips, and DIR/README.md saying how they were made; `tools/eval-voice --set
DIR` measures it. Nothing is downloaded:

- Commands: sentences sampled from Booth's own templates with the names of the Debian test
  music, spread over every intent, the phrasings of a manifest given with --avoid (the
  development set's) left out; what the intent parser makes of each sentence is what is
  expected.
- Voices: espeak-ng English accents (never the development set's en-gb-scotland) with voice
  variants, speeds and pitches; Piper's bundled joe voice at other speeds and noise scales.
- Rooms: music echo (Debian's singularity-music, not the development set's hyperrogue-music)
  through a simulated room (delay, exponentially decaying reflection tail, loudspeaker
  saturation and roll-off), the talker's voice through the same room, microphone noise.
- Negatives: everyday sentences that are no command, and the DJ's own voice heard back.

The manifest is the same for the same seed, and so is the audio on the same machine: Piper's
noise comes from onnxruntime's generator, seeded before the model loads (its phoneme-length
noise is off).

`tools/lab listen.recipe` (lab/listen/recipe.py) renders the clips a recipe lists instead, as
the development set was recorded: the listening tests' clips (tests/data/voice-set.jsonl).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr
from scipy import signal

from booth.intents import IntentParser, Vocabulary, load_templates
from booth.intents.templates import Templates
from booth.library.db import Track

SAMPLE_RATE = 16000
CONDITIONS = ("clean", "music+10", "music+5", "music0")
RATIO_DB = {"music+10": 10.0, "music+5": 5.0, "music0": 0.0}
"""Speech-to-echo ratio of each music condition."""
MUSIC_LEAD = 5.0
"""Seconds of music before the press, so an echo canceller can settle."""
WAKE_PHRASE = "hey jarvis"
WAKE_WORD = "hey_jarvis"
ECHO_MUSIC = Path("/usr/share/games/singularity/music")

ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-x-rp", "en-us-nyc", "en-029", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd")
ESPEAK_VARIANTS = ("", "+f2", "+f3", "+f4", "+f5", "+m2", "+m3", "+m4", "+m6", "+m7")
INTENT_WEIGHTS = {"PlayMusic": 3}
"""Commands per intent relative to the others (PlayMusic has the most ways and slots)."""
FILLERS_BEFORE = ("please", "okay", "um", "so", "can you", "could you")
FILLERS_AFTER = ("please", "thanks")

EVERYDAY_SPEECH = (
    "what is the weather going to be like this weekend",
    "i left my keys on the kitchen table",
    "the bus was twenty minutes late again this morning",
    "do you want rice or potatoes with dinner",
    "we need to buy milk, eggs and some bread",
    "how was your day at school",
    "it looks like it is going to rain later",
    "have you seen my phone anywhere",
    "the oven needs another ten minutes",
    "my sister is coming over on saturday",
    "let's go for a walk after lunch",
    "i can't find the remote for the television",
    "the traffic on the motorway was terrible",
    "did you feed the cat this morning",
    "what time does the pharmacy close today",
    "i think the soup needs a little more salt",
    "we should paint the hallway a lighter colour",
    "the football match starts at seven",
    "can you help me carry these boxes upstairs",
    "i read a really good book on holiday",
    "how much sugar goes into the cake",
    "the neighbours are having people over tonight",
    "my train gets in at a quarter past six",
    "don't forget your umbrella",
    "the garden looks lovely in the spring",
    "who wants a cup of tea",
    "i have a dentist appointment on thursday",
    "the children are building a sandcastle",
    "let me know when the washing machine is done",
    "this coffee is much stronger than yesterday's",
    "we are out of toilet paper again",
    "shall we invite your parents for sunday lunch",
    "the heating doesn't seem to be working",
    "tell me about your trip to the mountains",
    "i'll be back in about half an hour",
    "the printer in the office is jammed again",
    "where did you park the car",
    "it's my turn to cook tonight",
    "the library closes early on fridays",
    "he said the film was better than the book",
    "is there any pasta left from yesterday",
    "grandma called while you were out",
)
"""Things people say near a speaker that are no command."""

DJ_LINES = (
    "that was {title} by {artist}, and up next something from the {album} soundtrack",
    "you're listening to booth. here is {title} by {artist}",
    "a little later we'll hear more from {artist}, but first, {title}",
    "good morning everyone, it's a bright day and this one is called {title}",
    "that one always reminds me of long train rides. next up, {title}",
    "coming up, a track from {album} that you liked last week",
    "here's something a bit calmer to wind down the evening",
    "i hope you're having a good day. let's keep the energy going with {artist}",
    "that was {title}. stay tuned, there's plenty more where that came from",
    "you haven't heard this one in a while. it's {title} by {artist}",
    "it's half past eight and we're carrying on with {title}",
    "thanks for listening. the next hour is all about {artist}",
    "now here's a personal favourite of mine, {title}",
    "from the {album} album, this is {title}",
)
"""What the DJ says between songs (names from the library's tags)."""


class VoiceSetError(RuntimeError):
    """The voice set cannot be made; the message says why and what to do."""


# -- voices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speaker:
    """A synthetic talker: an espeak-ng voice at a speed and pitch, or Piper's joe voice at a
    length and noise scale."""

    engine: str
    """`espeak` or `piper`."""
    voice: str = ""
    """espeak-ng voice with its variant, e.g. `en-us+f3`."""
    speed: int = 160
    """espeak-ng words per minute."""
    pitch: int = 50
    """espeak-ng pitch, 0–99."""
    length_scale: float = 1.0
    """Piper: above 1 is slower."""
    noise_scale: float = 0.667
    """Piper: variation of the voice's sound."""
    length_noise: float | None = 0.0
    """Piper: variation of the phonemes' lengths; 0 keeps the timing (and a manifest's press
    times) the same from run to run, None is the voice's own (joe: 0.8)."""

    @property
    def label(self) -> str:
        """The manifest's `voice`: `espeak:en-us+f3:s160:p50` or `piper:1.05:n0.60`."""
        if self.engine == "espeak":
            return f"espeak:{self.voice}:s{self.speed}:p{self.pitch}"
        return f"piper:{self.length_scale:.2f}:n{self.noise_scale:.2f}"

    @classmethod
    def draw(cls, rng: random.Random, espeak_share: float = 0.6) -> Speaker:
        """A random talker: espeak-ng `espeak_share` of the time, else Piper."""
        if rng.random() < espeak_share:
            return cls("espeak", rng.choice(ESPEAK_ACCENTS) + rng.choice(ESPEAK_VARIANTS),
                       speed=rng.randrange(140, 191, 5), pitch=rng.randrange(30, 71, 5))
        return cls("piper", length_scale=round(rng.uniform(0.85, 1.2), 2),
                   noise_scale=round(rng.uniform(0.4, 0.8), 2))


class Synthesizer:
    """Speaks text as 16 kHz float32 mono with espeak-ng or Piper (loaded on first use).

    With a `seed`, onnxruntime's random generator is seeded before Piper loads, so the same
    calls in the same order give the same audio (Piper's noise is drawn inside its model)."""

    def __init__(self, seed: int | None = None) -> None:
        self._piper: Any = None
        self._seed = seed
        if shutil.which("espeak-ng") is None:
            raise VoiceSetError("espeak-ng is not installed: apt install espeak-ng")

    def say(self, text: str, speaker: Speaker, trim: bool = True) -> np.ndarray:
        """`text` spoken by `speaker`; with `trim`, espeak-ng's leading and trailing silence
        left out (Piper's is short and fixed)."""
        if speaker.engine == "espeak":
            audio, rate = self._espeak(text, speaker)
            audio = _trim(audio) if trim else audio
        else:
            audio, rate = self._piper_say(text, speaker)
        return soxr.resample(audio, rate, SAMPLE_RATE).astype(np.float32)

    def _espeak(self, text: str, speaker: Speaker) -> tuple[np.ndarray, int]:
        done = subprocess.run(["espeak-ng", "-v", speaker.voice, "-s", str(speaker.speed),
                               "-p", str(speaker.pitch), "--stdout", text],
                              capture_output=True, check=False, timeout=60)
        if done.returncode != 0 or not done.stdout:
            raise VoiceSetError(f"espeak-ng -v {speaker.voice} failed: "
                                f"{done.stderr.decode(errors='replace').strip()}")
        audio, rate = soundfile.read(io.BytesIO(done.stdout), dtype="float32")
        return audio, rate

    def _piper_say(self, text: str, speaker: Speaker) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig
        piper = self._load_piper()
        config = SynthesisConfig(length_scale=speaker.length_scale,
                                 noise_scale=speaker.noise_scale,
                                 noise_w_scale=speaker.length_noise)
        chunks = [c.audio_float_array for c in piper.synthesize(text, config)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return audio, piper.config.sample_rate

    def _load_piper(self) -> Any:
        # booth.dj.voice.Voice speaks at the model's defaults only; the speed and noise
        # scales need Piper's own synthesis config, so load the same bundled joe model here.
        if self._piper is None:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            from booth.dj.voice import VoiceError, default_voice_path
            if self._seed is not None:
                onnxruntime.set_seed(self._seed)
            try:
                model = default_voice_path()
            except VoiceError as error:
                raise VoiceSetError(str(error)) from None
            # one thread: on a sentence or two, a pool of threads costs more than it gains
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            with open(f"{model}.json", encoding="utf-8") as config:
                self._piper = PiperVoice(
                    onnxruntime.InferenceSession(str(model), sess_options=options,
                                                 providers=["CPUExecutionProvider"]),
                    PiperConfig.from_dict(json.load(config)))
        return self._piper


def _trim(audio: np.ndarray, threshold: float = 0.003) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > threshold)
    return audio[loud[0]:loud[-1] + 1] if len(loud) else audio


# -- rooms -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    """A living room with a small loudspeaker: how the played sound and the talker's voice
    reach the microphone."""

    delay: float
    """Seconds from the loudspeaker to the microphone (direct path)."""
    rt60: float
    """Seconds for the reflections to decay by 60 dB."""
    echo_tail_db: float
    """Energy of the loudspeaker's reflections relative to its direct sound."""
    voice_tail_db: float
    """Energy of the talker's reflections relative to their direct sound (they stand closer)."""
    drive: float
    """Loudspeaker saturation: tanh(drive·x)/drive, 1 is nearly linear."""
    rolloff_hz: float
    """The small loudspeaker's bass roll-off (2nd-order high-pass)."""
    noise_dbfs: float
    """Microphone self-noise, RMS."""

    @classmethod
    def draw(cls, rng: random.Random) -> Room:
        """A random room within the ranges the README states."""
        return cls(delay=round(rng.uniform(0.015, 0.035), 4),
                   rt60=round(rng.uniform(0.2, 0.5), 3),
                   echo_tail_db=round(rng.uniform(-6.0, 0.0), 1),
                   voice_tail_db=round(rng.uniform(-14.0, -8.0), 1),
                   drive=round(rng.uniform(1.0, 2.5), 2),
                   rolloff_hz=rng.choice((80, 120, 160, 200)),
                   noise_dbfs=round(rng.uniform(-64.0, -58.0), 1))

    def loudspeaker(self, played: np.ndarray) -> np.ndarray:
        """What the loudspeaker makes of the signal: bass roll-off and mild saturation."""
        sos = signal.butter(2, self.rolloff_hz, "highpass", fs=SAMPLE_RATE, output="sos")
        return np.tanh(self.drive * signal.sosfilt(sos, played)) / self.drive

    def echo(self, played: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The played signal as the microphone hears it (same length, unscaled)."""
        response = self.impulse_response(rng, self.delay, self.echo_tail_db)
        return signal.fftconvolve(self.loudspeaker(played), response)[:len(played)]

    def voice(self, speech: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The talker's voice with the room's reflections (the tail rings on after it)."""
        response = self.impulse_response(rng, 0.0, self.voice_tail_db)
        return signal.fftconvolve(speech, response)

    def impulse_response(self, rng: np.random.Generator, delay: float,
                         tail_db: float) -> np.ndarray:
        """A direct path after `delay` and exponentially decaying noise, `tail_db` below it."""
        start = round(delay * SAMPLE_RATE)
        length = round(self.rt60 * SAMPLE_RATE)
        t = np.arange(length) / SAMPLE_RATE
        tail = rng.standard_normal(length) * 10 ** (-3 * t / self.rt60)
        tail[:round(0.002 * SAMPLE_RATE)] = 0.0            # first reflection 2 ms after
        tail *= np.sqrt(10 ** (tail_db / 10) / np.sum(tail ** 2))
        response = np.zeros(start + length)
        response[start] = 1.0
        response[start:] += tail
        return response


def active_frames(speech: np.ndarray, frame: int = 320, floor_db: float = 40.0) -> np.ndarray:
    """Indices of the 20 ms frames where `speech` is within `floor_db` of its loudest frame."""
    frames = len(speech) // frame
    power = np.mean(speech[:frames * frame].reshape(frames, frame) ** 2, axis=1)
    if not frames or power.max() <= 0:
        return np.arange(0)
    return np.flatnonzero(power >= power.max() * 10 ** (-floor_db / 10))


def active_power(speech: np.ndarray, frames: np.ndarray | None = None,
                 frame: int = 320) -> float:
    """Mean power over the active frames of `speech` (or over the `frames` given)."""
    frames = active_frames(speech, frame) if frames is None else frames
    if not len(frames):
        return 0.0
    chunks = speech[:(len(speech) // frame) * frame].reshape(-1, frame)[frames]
    return float(np.mean(chunks ** 2))


def echo_at_ratio(speech: np.ndarray, echo: np.ndarray, ratio_db: float) -> np.ndarray:
    """`echo` scaled so the speech-to-echo ratio over the speech's active frames is
    `ratio_db` (both signals as placed in the microphone file, same length)."""
    frames = active_frames(speech)
    echo_power = active_power(echo, frames)
    if echo_power <= 0:
        raise VoiceSetError("the music under the speech is silent")
    return echo * np.sqrt(active_power(speech, frames) / echo_power / 10 ** (ratio_db / 10))


def _at_level(audio: np.ndarray, dbfs: float) -> np.ndarray:
    power = active_power(audio)
    return audio * np.sqrt(10 ** (dbfs / 10) / power) if power > 0 else audio


# -- music -------------------------------------------------------------------------------------


class MusicShelf:
    """Random stretches of the echo music, decoded on demand at 16 kHz mono."""

    def __init__(self, folder: Path) -> None:
        from booth.library.scan import find_audio_files
        if not folder.is_dir():
            raise VoiceSetError(f"no music folder {folder}: install the Debian package that "
                                f"holds it (singularity-music, hyperrogue-music), or pass "
                                f"--echo-music DIR")
        self.files = sorted(Path(p) for p in find_audio_files([folder]))
        if not self.files:
            raise VoiceSetError(f"no audio files in {folder}")

    def stretch(self, seconds: float, rng: random.Random) -> tuple[np.ndarray, str]:
        """`seconds` of music from a random file and place (not a quiet fade); with its name."""
        for _ in range(20):
            path = rng.choice(self.files)
            info = soundfile.info(str(path))
            need = int(seconds * info.samplerate) + 1
            if info.frames < need + 2 * info.samplerate:
                continue
            start = rng.randrange(info.samplerate, info.frames - need - info.samplerate)
            audio, rate = soundfile.read(str(path), start=start, frames=need, dtype="float32",
                                         always_2d=True)
            music = soxr.resample(audio.mean(axis=1), rate, SAMPLE_RATE)
            music = music[:round(seconds * SAMPLE_RATE)]
            steady = len(active_frames(music, floor_db=20.0)) > 0.95 * (len(music) // 320)
            if steady and active_power(music) > 10 ** (-45 / 10):
                return music.astype(np.float64), path.name
        raise VoiceSetError(f"found no {seconds:.0f} s of steady music in {self.files[0].parent}")


# -- what to say -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A sentence and what the parser makes of it."""

    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)


class Phrasebook:
    """Sentences for every intent from Booth's templates, preferring ones not in `avoid`."""

    def __init__(self, templates: Templates, vocabulary: Vocabulary, avoid: set[str],
                 seed: int, per_intent: int = 150) -> None:
        self.parser = IntentParser(vocabulary, templates)
        self.intents = templates.intents
        self._fresh: dict[str, list[Command]] = {}
        self._known: dict[str, list[Command]] = {}
        self._all: dict[str, list[Command]] = {}
        for number, intent in enumerate(self.intents):
            only = replace(templates, templates=tuple(t for t in templates.templates
                                                      if t.intent == intent))
            seen: set[str] = set()
            fresh, known = [], []
            count = per_intent * INTENT_WEIGHTS.get(intent, 1)
            for sentence in only.sample(vocabulary, count, seed=seed * 1000 + number):
                if sentence.text in seen:
                    continue
                seen.add(sentence.text)
                parsed = self.parser.parse(sentence.text)
                if parsed is None or parsed.name != intent:
                    continue
                command = Command(sentence.text, intent, dict(parsed.slots))
                (known if sentence.text in avoid else fresh).append(command)
            self._fresh[intent], self._known[intent] = fresh, known
            self._all[intent] = fresh + known

    def pick(self, intent: str, rng: random.Random) -> Command:
        """A sentence for `intent`, unused while there are any (fresh ones first), sometimes
        with a filler word around it as people say it."""
        pool = self._fresh[intent] or self._known[intent]
        if not pool:
            if not self._all[intent]:
                raise VoiceSetError(f"no sentence of {intent} parses back to it")
            pool = list(self._all[intent])          # all used: say them again
        command = pool.pop(rng.randrange(len(pool)))
        if rng.random() < 0.15:
            text = (f"{rng.choice(FILLERS_BEFORE)} {command.text}" if rng.random() < 0.6
                    else f"{command.text} {rng.choice(FILLERS_AFTER)}")
            parsed = self.parser.parse(text)
            if parsed and parsed.name == command.intent and dict(parsed.slots) == command.slots:
                return Command(text, command.intent, command.slots)
        return command

    def not_commands(self, sentences: Sequence[str]) -> list[str]:
        """The sentences the parser takes for no command."""
        return [s for s in sentences if self.parser.parse(s) is None]


def dj_lines(library: Sequence[Track], rng: random.Random) -> list[str]:
    """The DJ's lines with the names of tagged tracks filled in."""
    tracks = [t for t in library if t.title_from_tags and t.artist and len(t.title) <= 40]
    if not tracks:
        return [line for line in DJ_LINES if "{" not in line]
    lines = []
    for line in DJ_LINES:
        track = rng.choice(tracks)
        album = (track.album or "hyperrogue").split(":")[0]
        lines.append(line.format(title=track.title, artist=track.artist, album=album).lower())
    return lines


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipPlan:
    """One clip to make."""

    name: str
    text: str
    intent: str | None
    slots: dict[str, Any]
    speaker: Speaker
    wake: bool
    condition: str
    negative: str | None
    room: Room
    speech_dbfs: float
    """Active speech level at the microphone."""
    lead: float
    """Seconds of room noise (or music after the press) before the speech."""
    pause: float
    """Seconds between the wake phrase and the command."""
    tail: float
    """Seconds after the speech."""


def plan_clips(count: int, seed: int, phrasebook: Phrasebook, dj: Sequence[str]) -> list[ClipPlan]:
    """`count` clips: ~10 % negatives (everyday speech and the DJ heard back), the rest
    commands spread over every intent and the four conditions, a quarter with the wake word."""
    rng = random.Random(seed)
    negatives = round(count * 0.1) if count >= 5 else 0
    dj_count = round(negatives * 0.3)
    commands = count - negatives
    weighted = [i for i in phrasebook.intents for _ in range(INTENT_WEIGHTS.get(i, 1))]
    order = rng.sample(weighted, len(weighted))
    intents = [order[i % len(order)] for i in range(commands)]
    conditions = [CONDITIONS[i % len(CONDITIONS)] for i in range(commands)]
    rng.shuffle(conditions)
    woken = set(rng.sample(range(commands), round(commands / 4)))
    speech_pool = rng.sample(list(phrasebook.not_commands(EVERYDAY_SPEECH)),
                             len(phrasebook.not_commands(EVERYDAY_SPEECH)))
    dj_pool = rng.sample(list(phrasebook.not_commands(dj)), len(phrasebook.not_commands(dj)))

    def timing(plan_rng: random.Random) -> dict[str, float]:
        return {"room": Room.draw(plan_rng), "speech_dbfs": round(plan_rng.uniform(-30, -18), 1),
                "lead": round(plan_rng.uniform(0.3, 0.5), 3),
                "pause": round(plan_rng.uniform(0.2, 0.6), 3),
                "tail": round(plan_rng.uniform(1.0, 1.5), 3)}

    plans = []
    for i in range(commands):
        command = phrasebook.pick(intents[i], rng)
        wake = i in woken
        plans.append(ClipPlan(f"{'w' if wake else 'c'}{i:04d}", command.text, command.intent,
                              command.slots, Speaker.draw(rng), wake, conditions[i], None,
                              **timing(rng)))
    for j in range(negatives):
        i = commands + j
        if j < dj_count and dj_pool:
            dj_speaker = Speaker("piper", length_scale=round(rng.uniform(0.9, 1.1), 2),
                                 noise_scale=0.67)
            condition = "dj-echo+music" if j % 3 != 2 else "dj-echo"
            plans.append(ClipPlan(f"n{i:04d}", dj_pool[j % len(dj_pool)], None, {}, dj_speaker,
                                  False, condition, "dj", **timing(rng)))
        else:
            condition = CONDITIONS[j % len(CONDITIONS)]
            plans.append(ClipPlan(f"n{i:04d}", speech_pool[j % len(speech_pool)], None, {},
                                  Speaker.draw(rng), False, condition, "speech", **timing(rng)))
    return plans


# -- making a clip -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A clip's audio: the microphone, what the speaker played (or None), the press, and the
    parts of the microphone signal (before its noise and any overall gain)."""

    mic: np.ndarray
    reference: np.ndarray | None
    press: float
    speech: np.ndarray | None = None
    """The talker as the microphone hears them."""
    echo: np.ndarray | None = None
    """The loudspeaker as the microphone hears it."""


def render(plan: ClipPlan, synth: Synthesizer, music: MusicShelf, seed: int,
           index: int) -> Rendered:
    """The microphone recording (and reference) of one planned clip."""
    noise_rng = np.random.default_rng([seed, index])
    pick_rng = random.Random(seed * 100003 + index)
    if plan.negative == "dj":
        return render_dj(plan, synth, music, noise_rng, pick_rng)
    command = synth.say(plan.text, plan.speaker)
    parts, command_at = [command], 0
    if plan.wake:
        wake = synth.say(WAKE_PHRASE, plan.speaker)
        parts = [wake, np.zeros(round(plan.pause * SAMPLE_RATE)), command]
        command_at = len(wake) + len(parts[1])
    utterance = _at_level(np.concatenate(parts), plan.speech_dbfs)
    heard = plan.room.voice(utterance, noise_rng)
    before = round(((MUSIC_LEAD if plan.condition != "clean" else 0.0) + plan.lead) * SAMPLE_RATE)
    total = before + len(heard) + round(plan.tail * SAMPLE_RATE)
    speech = np.zeros(total)
    speech[before:before + len(heard)] = heard
    if plan.wake:   # the press falls halfway through the pause after the wake phrase
        press = (before + command_at - len(parts[1]) / 2) / SAMPLE_RATE
    else:
        press = before / SAMPLE_RATE - plan.lead
    reference = echo = None
    mic = speech
    if plan.condition != "clean":
        played, _ = music.stretch(total / SAMPLE_RATE, pick_rng)
        reference = played_level(played)
        echo = echo_at_ratio(speech, plan.room.echo(reference, noise_rng),
                             RATIO_DB[plan.condition])
        mic = speech + echo
    return Rendered(_with_mic_noise(mic, plan.room, noise_rng), reference, round(press, 3),
                    speech, echo)


def render_dj(plan: ClipPlan, synth: Synthesizer, music: MusicShelf,
              noise_rng: np.random.Generator, pick_rng: random.Random) -> Rendered:
    """The DJ's own voice (and for `dj-echo+music` the music ducked under it) played
    through the room: 5 s and the plan's lead before the voice, no talker."""
    voice = _at_level(synth.say(plan.text, plan.speaker), -18.0)
    before = round((MUSIC_LEAD + plan.lead) * SAMPLE_RATE)
    total = before + len(voice) + round(plan.tail * SAMPLE_RATE)
    played = np.zeros(total)
    played[before:before + len(voice)] = voice
    if plan.condition == "dj-echo+music":
        bed, _ = music.stretch(total / SAMPLE_RATE, pick_rng)
        bed = _at_level(bed, -20.0)
        duck = np.ones(total)
        duck[before - SAMPLE_RATE // 2:before + len(voice)] = 10 ** (-8 / 20)   # under the voice
        duck = signal.convolve(duck, np.hanning(SAMPLE_RATE // 4) / np.sum(
            np.hanning(SAMPLE_RATE // 4)), mode="same")
        played = played + bed * duck
    reference = np.clip(played, -0.99, 0.99)
    echo = plan.room.echo(reference, noise_rng)
    echo = echo * np.sqrt(10 ** (plan.speech_dbfs / 10) / max(active_power(echo), 1e-12))
    return Rendered(_with_mic_noise(echo, plan.room, noise_rng), reference, MUSIC_LEAD,
                    None, echo)


def played_level(music: np.ndarray) -> np.ndarray:
    """Music as the speaker plays it: −20 dBFS over its active frames, peaks below 0.99."""
    played = _at_level(music, -20.0)
    peak = np.max(np.abs(played))
    return played * (0.99 / peak) if peak > 0.99 else played


def _with_mic_noise(mic: np.ndarray, room: Room, rng: np.random.Generator) -> np.ndarray:
    mic = mic + rng.standard_normal(len(mic)) * 10 ** (room.noise_dbfs / 20)
    peak = np.max(np.abs(mic))
    return mic * (0.95 / peak) if peak > 0.95 else mic


# -- writing the set ---------------------------------------------------------------------------


def manifest_line(plan: ClipPlan, rendered: Rendered) -> dict[str, Any]:
    """The clip's manifest entry, with the development set's fields."""
    line: dict[str, Any] = {"intent": plan.intent, "slots": plan.slots, "text": plan.text,
                            "voice": plan.speaker.label,
                            "wake": WAKE_WORD if plan.wake else None,
                            "condition": plan.condition}
    if plan.negative:
        line["negative"] = plan.negative
    line["press"] = rendered.press
    if rendered.reference is not None:
        line["reference"] = f"{plan.name}.ref.flac"
    line["file"] = f"{plan.name}.flac"
    return line


def generate(out: Path, count: int = 200, seed: int = 0, echo_music: Path = ECHO_MUSIC,
             name_dirs: Sequence[str | Path] | None = None, avoid: Path | None = None,
             progress: bool = False) -> list[dict[str, Any]]:
    """Make the voice set in `out` (created; must hold no manifest yet); returns the manifest.
    The texts of the manifest `avoid` (the development set's, or a recipe) are said only when
    an intent has no other sentence left."""
    from booth.config import DEBIAN_MUSIC
    from booth.listen.names import tracks_from_tags
    if count < 1:
        raise VoiceSetError(f"--count must be at least 1, got {count}")
    if seed < 0:
        raise VoiceSetError(f"--seed must be 0 or more, got {seed}")
    if (out / "manifest.jsonl").exists():
        raise VoiceSetError(f"{out} already holds a voice set; choose another --out")
    name_dirs = list(name_dirs) if name_dirs is not None else [
        d for d in DEBIAN_MUSIC if Path(d).is_dir()]
    music = MusicShelf(echo_music)
    synth = Synthesizer(seed)
    avoided = _texts(avoid) if avoid else set()
    tracks = tracks_from_tags(name_dirs)
    phrasebook = Phrasebook(load_templates(), Vocabulary.from_tracks(tracks), avoided, seed)
    plans = plan_clips(count, seed, phrasebook, dj_lines(tracks, random.Random(seed)))
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, plan in enumerate(plans):
        rendered = render(plan, synth, music, seed, index)
        write_flac(out / f"{plan.name}.flac", rendered.mic)
        if rendered.reference is not None:
            write_flac(out / f"{plan.name}.ref.flac", rendered.reference)
        lines.append(manifest_line(plan, rendered))
        if progress and (index + 1) % 20 == 0:
            print(f"{index + 1}/{len(plans)} clips", file=sys.stderr)
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        manifest.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (out / "README.md").write_text(_readme(lines, plans, seed, echo_music, avoid, avoided),
                                   encoding="utf-8")
    return lines


def _texts(manifest: Path) -> set[str]:
    if not manifest.is_file():
        raise VoiceSetError(f"no manifest {manifest} to take the texts to avoid from")
    with open(manifest, encoding="utf-8") as lines:
        return {json.loads(line).get("text", "") for line in lines if line.strip()}


def write_flac(path: Path, audio: np.ndarray) -> None:
    """16 kHz mono 16-bit FLAC."""
    soundfile.write(str(path), np.clip(audio, -1.0, 1.0).astype(np.float32), SAMPLE_RATE,
                    format="FLAC", subtype="PCM_16")


def _readme(lines: list[dict[str, Any]], plans: list[ClipPlan], seed: int, echo_music: Path,
            avoid: Path | None, avoided: set[str]) -> str:
    commands = [p for p in plans if p.intent]
    by_condition = {c: sum(1 for p in commands if p.condition == c) for c in CONDITIONS}
    voices = sorted({p.speaker.voice.split("+")[0] for p in plans if p.speaker.engine == "espeak"})
    fresh = sum(1 for p in commands if p.text not in avoided)
    negatives = len(plans) - len(commands)
    return f"""# Spoken commands — held-out set

{len(lines)} clips ({len(commands)} commands, {negatives} negative{"s" * (negatives != 1)}),
16 kHz mono FLAC, with `manifest.jsonl` in the development set's format
(lab/listen/evaluate.py).
Made by `tools/make-voice-set --count {len(lines)} --seed {seed}` (lab/listen/voiceset.py);
the same seed gives the same manifest. Measure with `tools/eval-voice --set <this folder>`.

- **Commands**: sentences sampled from Booth's templates (booth/data/sentences.ini) with the
  names of the Debian test music; expected intent and slots are what Booth's intent parser makes
  of the sentence. {fresh} of {len(commands)} are phrasings not in
  {f"{avoid} (--avoid)" if avoid else "any other set (none compared: no --avoid)"}; about 15 %
  carry a filler word ("please", "can you", ...). PlayMusic has three times the share of the
  other intents. {sum(p.wake for p in commands)} commands start with "hey jarvis" and a
  0.2–0.6 s pause (`press` halfway through the pause).
- **Voices**: espeak-ng ({", ".join(voices)}) with variants
  ({", ".join(v.lstrip("+") for v in ESPEAK_VARIANTS if v)} or none), speed 140–190 wpm, pitch
  30–70 (`espeak:<voice>:s<speed>:p<pitch>`); Piper's bundled joe voice at length scale
  0.85–1.2 and noise scale 0.4–0.8 (`piper:<length>:n<noise>`; phoneme-length noise off so the
  timing repeats). Never the development set's en-gb-scotland.
- **Conditions** (commands): {", ".join(f"{c} {n}" for c, n in by_condition.items())}.
  `music+10` / `music+5` / `music0`: music echo at that speech-to-echo ratio (active speech
  frames: 20 ms frames within 40 dB of the loudest), from {echo_music} (not the development
  set's hyperrogue-music). Music clips carry {MUSIC_LEAD:.0f} s of music before `press` and
  `<name>.ref.flac`, what the speaker played (music at −20 dBFS), sample-aligned with the mic.
- **Room** (new per clip): direct path after 15–35 ms, exponentially decaying noise tail with
  RT60 0.2–0.5 s at 0 to −6 dB of the direct sound; loudspeaker with a bass roll-off at
  80–200 Hz and tanh saturation (drive 1–2.5); the talker's voice through the same room
  (tail 8–14 dB below the direct sound); speech at −30 to −18 dBFS; white microphone noise
  at −64 to −58 dBFS in every clip. Clean clips: 0.3–0.5 s of room noise before the speech,
  `press` 0.
- **Negatives** (`intent` null): `speech`, everyday sentences that are no command, spread over
  the four conditions; `dj`, the joe voice saying DJ links played through the room, over ducked
  music (`dj-echo+music`, reference = voice + music) or alone (`dj-echo`, 5 s of silence
  before), no talker.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/make-voice-set", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the set into")
    parser.add_argument("--count", type=int, default=200, help="clips to make (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed, the same set")
    parser.add_argument("--echo-music", type=Path, default=ECHO_MUSIC,
                        help=f"music played back as echo (default {ECHO_MUSIC})")
    parser.add_argument("--music", nargs="*", default=None,
                        help="music folders whose tags give the names in the commands "
                             "(default: the Debian test music)")
    parser.add_argument("--avoid", type=Path, metavar="MANIFEST",
                        help="a manifest (the development set's, or a recipe) whose texts "
                             "to leave out (default: none)")
    args = parser.parse_args(argv)
    try:
        lines = generate(args.out, args.count, args.seed, args.echo_music, args.music,
                         args.avoid, progress=True)
    except VoiceSetError as error:
        print(f"make-voice-set: {error}", file=sys.stderr)
        return 2
    print(f"{len(lines)} clips in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
