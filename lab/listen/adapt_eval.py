"""How much `booth adapt` helps, per voice (tools/eval-adapt).

For each talker: the 60 sentences `booth adapt` asks for, synthesised in that voice, adapt a
model to them; then 40 other commands in the same voice, understood with the bundled model and
with the adapted one. Also the same 40 commands in another voice (someone else in the house)
with both models: what adapting to one person costs the others. Then Booth in use: the same
60 sentences said as commands, kept and learnt from as the live listener does
(booth.listen.learn), and the 40 commands heard with the model that learnt. Last, a
household: one model adapted to the first two talkers together, and one learnt from both
using Booth in turn, tried on both and on Piper's voice.

    python -m lab.listen.adapt_eval [--json] [--commands 40] [--in-use 60] [--voice TEXT]
    python -m lab.listen.adapt_eval --learn-from DIR --out FOLDER
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from booth.intents import IntentParser, Vocabulary, load_templates
from booth.intents.text import words as text_words
from booth.listen import adapt
from booth.listen.engines import Engines
from booth.listen.hear import Recording, hear
from booth.listen.learn import VoiceLearner
from booth.listen.settings import ListenSettings
from lab.listen.voiceset import Speaker, Synthesizer

TALKERS = [
    Speaker("espeak", "en-gb-scotland"),
    Speaker("espeak", "en-029+m3", speed=165, pitch=40),
    Speaker("espeak", "en-us-nyc+f3", speed=150, pitch=55),
    Speaker("espeak", "en-gb-x-gbclan+m6", speed=160, pitch=45),
    Speaker("espeak", "en-gb-x-rp+f2", speed=175, pitch=60),
    Speaker("piper", length_scale=1.0, noise_scale=0.667),
]
"""Accents the bundled US model hears worst, and Piper's natural voice, which it hears well."""
OTHER_VOICE = {"espeak": Speaker("piper", length_scale=1.05, noise_scale=0.6),
               "piper": Speaker("espeak", "en-us+m3", speed=160, pitch=50)}
"""Someone else in the house, for each kind of talker."""
NOISE_DBFS = -70.0
"""A quiet microphone's self-noise under every recording (no microphone gives digital zero)."""
SEED = 5


def other_commands(count: int, exclude: set[str]) -> list[tuple[str, object]]:
    """`count` commands without library names, none of them one `booth adapt` asks for."""
    templates = load_templates()
    parser = IntentParser(Vocabulary.empty(), templates)
    found: dict[str, object] = {}
    for seed in range(SEED * 10_000, SEED * 10_000 + count * 50):
        try:
            [sentence] = templates.sample(Vocabulary.empty(), 1, seed=seed)
        except IndexError:
            continue
        text = sentence.text
        if text not in exclude and text not in found and 2 <= len(text.split()) <= 9:
            found[text] = parser.parse(text)
            if len(found) == count:
                break
    return list(found.items())


def _record(synth: Synthesizer, speaker: Speaker, text: str, path: Path,
            rng: np.random.Generator) -> Path:
    speech = synth.say(text, speaker)
    pad = np.zeros(4800, np.float32)
    audio = np.concatenate([pad, speech, pad])
    audio = audio + rng.normal(0, 10 ** (NOISE_DBFS / 20), len(audio)).astype(np.float32)
    soundfile.write(str(path), np.clip(audio, -1, 1), 16000, subtype="PCM_16")
    return path


def count_understood(model: str, files: list[Path], commands: list[tuple[str, object]],
                cache: Path) -> int:
    engines = Engines.load(ListenSettings(recognizer="pocketsphinx", acoustic_model=model),
                           Vocabulary.empty(), wake=False, cache_dir=cache)
    right = 0
    for file, (_, expected) in zip(files, commands):
        result, _ = hear(engines, Recording(file), wake=False)
        right += bool(expected and result["intent"] == expected.name
                      and result["slots"] == expected.slots)
    return right


def learn_from_use(recordings: list[Path | Recording], texts: list[str] | None, state: Path,
                   cache: Path, vocabulary: Vocabulary | None = None) -> tuple[str, int, int]:
    """Booth in use: each recording heard (from its press) with the model of the moment, the
    clear ones kept and learnt from every learn.EVERY, as the live listener's learner does
    (here in line). Returns the model at the end ("bundled" if none), the commands kept, and
    how many of those were heard as `texts` says they were said."""
    learner = VoiceLearner(state)
    model, kept, right = "bundled", 0, 0
    engines = None
    for n, recording in enumerate(recordings):
        engines = engines or Engines.load(ListenSettings(recognizer="pocketsphinx",
                                                         acoustic_model=model),
                                          vocabulary or Vocabulary.empty(), wake=False,
                                          cache_dir=cache)
        heard: list[str] = []
        hear(engines, recording if isinstance(recording, Recording) else Recording(recording),
             wake=False, learner=lambda audio, said: (learner.add(audio, said),
                                                      heard.append(said)))
        kept += len(heard)
        right += bool(texts) and heard == [" ".join(text_words(texts[n])).lower()]
        if heard and learner.due() and (new := learner.learn()) is not None:
            model, engines = str(new), None
    return model, kept, right


def learn_from_voice_set(data: Path, out: Path) -> dict:
    """Learn in use from every clip of a voice set (tools/make-voice-set's, or the
    development set: music clips with their reference, from their press), as one household
    in one house; the model goes to `out` (for tools/eval-voice --acoustic-model)."""
    from lab.listen.evaluate import _vocabulary, read_clips
    clips = list(read_clips(data))
    with tempfile.TemporaryDirectory(prefix="booth-learn-") as folder:
        model, kept, _ = learn_from_use(
            [c.recording for c in clips], None, Path(folder),
            Path(folder), _vocabulary(argparse.Namespace(db=None, music=None)))
        if model != "bundled":
            shutil.rmtree(out, ignore_errors=True)
            shutil.copytree(model, out)
    return {"clips": len(clips), "kept": kept, "model": str(out) if model != "bundled" else None}


def evaluate_talker(speaker: Speaker, commands: list[tuple[str, object]], synth: Synthesizer,
                    work: Path, in_use: int = adapt.SENTENCES) -> dict:
    rng = np.random.default_rng(random.Random(speaker.label).randrange(2 ** 32))
    folder = work / speaker.label.replace(":", "_")
    folder.mkdir()
    readings = [adapt.Reading(_record(synth, speaker, text, folder / f"r{n:02d}.wav", rng), text)
                for n, text in enumerate(adapt.enrolment_sentences(load_templates()))]
    started = time.process_time(), time.perf_counter()
    result = adapt.adapt(readings, folder / "model")
    cpu = time.process_time() - started[0]
    wall = time.perf_counter() - started[1]
    own = [_record(synth, speaker, text, folder / f"t{n:02d}.wav", rng)
           for n, (text, _) in enumerate(commands)]
    other_speaker = OTHER_VOICE[speaker.engine]
    other = [_record(synth, other_speaker, text, folder / f"o{n:02d}.wav", rng)
             for n, (text, _) in enumerate(commands)]
    model = str(result.model)
    said = adapt.enrolment_sentences(load_templates(), in_use)   # the readings' sentences first
    used = [r.file for r in readings][:in_use] + [
        _record(synth, speaker, text, folder / f"u{n:03d}.wav", rng)
        for n, text in enumerate(said[len(readings):], len(readings))]
    used_model, kept, kept_right = learn_from_use(used, said, folder / "in-use", work)
    return {"voice": speaker.label, "recordings": result.used,
            "reading_s": round(result.seconds, 1), "adapt_wall_s": round(wall, 1),
            "adapt_cpu_s_in_booth": round(cpu, 1),
            "commands": len(commands),
            "bundled": count_understood("bundled", own, commands, work),
            "adapted": count_understood(model, own, commands, work),
            "in_use": len(said), "kept_in_use": kept, "kept_right": kept_right,
            "learnt_in_use": count_understood(used_model, own, commands, work),
            "other_voice": other_speaker.label,
            "other_bundled": count_understood("bundled", other, commands, work),
            "other_adapted": count_understood(model, other, commands, work)}


def evaluate_household(speakers: list[Speaker], commands: list[tuple[str, object]],
                       synth: Synthesizer, work: Path) -> dict:
    """One model adapted to several readers together; each reader's commands, and Piper's
    (who read nothing), with the bundled and the adapted model."""
    rng = np.random.default_rng(len(speakers))
    folder = work / "household"
    folder.mkdir()
    readings = [adapt.Reading(_record(synth, speaker, text, folder / f"r{k}_{n:02d}.wav", rng),
                              text)
                for k, speaker in enumerate(speakers)
                for n, text in enumerate(adapt.enrolment_sentences(load_templates()))]
    model = str(adapt.adapt(readings, folder / "model").model)
    in_turn = sorted(readings, key=lambda r: r.file.name.split("_")[1])   # each in turn
    used_model, _, _ = learn_from_use([r.file for r in in_turn], [r.text for r in in_turn],
                                      folder / "in-use", work)
    understood = {}
    for k, speaker in enumerate([*speakers, OTHER_VOICE["espeak"]]):
        files = [_record(synth, speaker, text, folder / f"t{k}_{n:02d}.wav", rng)
                 for n, (text, _) in enumerate(commands)]
        understood[speaker.label] = [count_understood(m, files, commands, work)
                                     for m in ("bundled", model, used_model)]
    return {"household": [s.label for s in speakers], "commands": len(commands),
            "in_use": len(in_turn), "bundled_adapted_learnt_in_use": understood}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/eval-adapt", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=40, help="test commands per voice")
    parser.add_argument("--json", action="store_true", help="JSON lines")
    parser.add_argument("--in-use", type=int, default=adapt.SENTENCES, metavar="N",
                        help="commands said in use before the learnt model is measured "
                             "(default 60; the first 60 are the sentences read)")
    parser.add_argument("--learn-from", metavar="DIR",
                        help="instead: learn in use from every clip of the voice set in DIR "
                             "and write the model to --out (then tools/eval-voice "
                             "--acoustic-model OUT measures it on another set)")
    parser.add_argument("--out", metavar="FOLDER", default="learnt-model",
                        help="with --learn-from: where the model goes (default learnt-model)")
    parser.add_argument("--voice", metavar="TEXT",
                        help="only the talkers whose label contains TEXT (no household)")
    args = parser.parse_args(argv)
    if args.learn_from:
        print(json.dumps(learn_from_voice_set(Path(args.learn_from), Path(args.out))))
        return 0
    synth = Synthesizer()
    commands = other_commands(args.commands, set(adapt.enrolment_sentences(
        load_templates(), max(adapt.SENTENCES, args.in_use))))
    with tempfile.TemporaryDirectory(prefix="booth-eval-adapt-") as folder:
        for speaker in [t for t in TALKERS if (args.voice or "") in t.label]:
            row = evaluate_talker(speaker, commands, synth, Path(folder), args.in_use)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                n = row["commands"]
                print(f"{row['voice']:40s} {row['bundled']:3d} → {row['adapted']:3d} of {n}   "
                      f"learnt from {row['in_use']} commands in use: {row['learnt_in_use']} "
                      f"({row['kept_in_use']} kept, {row['kept_right']} of them right)   "
                      f"another voice ({row['other_voice']}): {row['other_bundled']} → "
                      f"{row['other_adapted']}   ({row['recordings']} recordings, "
                      f"{row['reading_s']:.0f} s; adapting took {row['adapt_wall_s']} s)",
                      flush=True)
        if args.voice:
            return 0
        row = evaluate_household(TALKERS[:2], commands, synth, Path(folder))
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print("household of " + " and ".join(row["household"]) + ": bundled → adapted "
                  f"together → learnt from {row['in_use']} commands in use by both: "
                  + "; ".join(f"{voice} {a} → {b} → {c}" for voice, (a, b, c)
                              in row["bundled_adapted_learnt_in_use"].items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
