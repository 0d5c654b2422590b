"""The held-out voice set generator (tools/make-voice-set): a handful of clips, made once."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile
from booth.intents import IntentParser, Vocabulary, load_templates
from lab.listen.evaluate import read_clips
from booth.listen.names import tracks_from_tags
from lab.listen.voiceset import (
    DEV_MANIFEST,
    ECHO_MUSIC,
    MUSIC_LEAD,
    SAMPLE_RATE,
    ClipPlan,
    MusicShelf,
    Phrasebook,
    Room,
    Speaker,
    Synthesizer,
    VoiceSetError,
    dj_lines,
    generate,
    plan_clips,
    render,
)

SEED = 5
COUNT = 6
DEV_FIELDS = {"file", "intent", "slots", "text", "voice", "wake", "condition", "press"}


@pytest.fixture(scope="module")
def tracks(music_dirs):
    return tracks_from_tags(music_dirs)


@pytest.fixture(scope="module")
def vocabulary(tracks) -> Vocabulary:
    return Vocabulary.from_tracks(tracks)


@pytest.fixture(scope="module")
def voice_set(tmp_path_factory, music_dirs) -> Path:
    out = tmp_path_factory.mktemp("voiceset")
    generate(out, count=COUNT, seed=SEED, name_dirs=music_dirs)
    return out


def manifest(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]


def speech_to_echo_db(speech: np.ndarray, echo: np.ndarray) -> float:
    """Over the 20 ms frames where the talker is within 40 dB of their loudest."""
    frames = len(speech) // 320
    s = np.mean(speech[:frames * 320].reshape(frames, 320) ** 2, axis=1)
    e = np.mean(echo[:frames * 320].reshape(frames, 320) ** 2, axis=1)
    talking = s >= s.max() * 1e-4
    return 10 * np.log10(s[talking].mean() / e[talking].mean())


def test_every_clip_has_what_eval_voice_reads(voice_set) -> None:
    lines = manifest(voice_set)
    assert len(lines) == COUNT
    clips = read_clips(voice_set)
    for line, clip in zip(lines, clips):
        assert DEV_FIELDS <= line.keys()
        assert clip.file.is_file()
        assert (clip.reference is not None) == line["condition"].startswith(("music", "dj"))
        assert clip.reference is None or clip.reference.is_file()
        assert (clip.negative is not None) == (clip.intent is None)
    assert (voice_set / "README.md").read_text().count(f"--seed {SEED}") == 1


def test_clips_are_16_khz_mono(voice_set) -> None:
    for path in voice_set.glob("*.flac"):
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels) == (SAMPLE_RATE, 1), path.name


def test_a_music_clips_reference_is_aligned_with_its_echo(voice_set) -> None:
    line = next(x for x in manifest(voice_set) if x["condition"].startswith("music"))
    assert line["press"] >= MUSIC_LEAD
    mic, _ = soundfile.read(str(voice_set / line["file"]))
    reference, _ = soundfile.read(str(voice_set / line["reference"]))
    assert len(mic) == len(reference)
    before = round(MUSIC_LEAD * SAMPLE_RATE)        # only the echo is in the microphone here
    spectrum = np.fft.rfft(mic[:before]) * np.conj(np.fft.rfft(reference[:before]))
    lag = int(np.argmax(np.fft.irfft(spectrum / (np.abs(spectrum) + 1e-12))))
    assert 0.014 <= lag / SAMPLE_RATE <= 0.037


@pytest.mark.parametrize("condition,ratio", [("music+10", 10), ("music+5", 5), ("music0", 0)])
def test_the_echo_is_at_the_stated_ratio(condition, ratio) -> None:
    plan = ClipPlan("c0000", "skip this song", "NextTrack", {}, Speaker("espeak", "en-us"),
                    False, condition, None, Room.draw(random.Random(ratio)), -24.0, 0.4, 0.3, 1.0)
    clip = render(plan, Synthesizer(), MusicShelf(ECHO_MUSIC), seed=1, index=ratio)
    assert abs(speech_to_echo_db(clip.speech, clip.echo) - ratio) <= 1.0
    assert clip.reference is not None and len(clip.reference) == len(clip.mic)


def test_the_press_of_a_wake_clip_falls_between_the_wake_phrase_and_the_command() -> None:
    plan = ClipPlan("w0000", "next song", "NextTrack", {}, Speaker("espeak", "en-gb+f3"),
                    True, "clean", None, Room.draw(random.Random(0)), -24.0, 0.4, 0.5, 1.0)
    clip = render(plan, Synthesizer(), MusicShelf(ECHO_MUSIC),
                  seed=1, index=0)
    press = round(clip.press * SAMPLE_RATE)
    loud = np.abs(clip.speech) > 0.01 * np.abs(clip.speech).max()
    assert loud[:press].any() and loud[press:].any()
    assert not loud[press - 800:press + 800].any()          # 50 ms either side is the pause


def test_expected_intents_are_what_the_parser_makes_of_the_words(voice_set, vocabulary) -> None:
    parser = IntentParser(vocabulary)
    for line in manifest(voice_set):
        parsed = parser.parse(line["text"])
        if line["intent"] is None:
            assert parsed is None, line["text"]
        else:
            assert (parsed.name, dict(parsed.slots)) == (line["intent"], line["slots"])


def test_the_same_seed_gives_the_same_manifest(voice_set, tmp_path, music_dirs) -> None:
    generate(tmp_path / "again", count=COUNT, seed=SEED, name_dirs=music_dirs)
    assert manifest(tmp_path / "again") == manifest(voice_set)


def test_a_full_set_spreads_over_intents_voices_and_conditions(tracks, vocabulary) -> None:
    avoided = {json.loads(x)["text"] for x in DEV_MANIFEST.read_text().splitlines()} \
        if DEV_MANIFEST.is_file() else set()
    phrasebook = Phrasebook(load_templates(), vocabulary, avoided, seed=1)
    plans = plan_clips(200, 1, phrasebook, dj_lines(tracks, random.Random(1)))
    commands = [p for p in plans if p.intent]
    assert set(load_templates().intents) == {p.intent for p in commands}
    assert 0.2 <= sum(p.wake for p in commands) / len(commands) <= 0.3
    assert Counter(p.negative for p in plans if p.negative).keys() == {"speech", "dj"}
    assert 0.08 <= sum(1 for p in plans if p.negative) / len(plans) <= 0.12
    assert min(Counter(p.condition for p in commands).values()) >= 40
    assert not any("scotland" in p.speaker.label for p in plans)
    assert len({p.speaker.label for p in plans}) > 100
    assert sum(p.text not in avoided for p in commands) >= 0.95 * len(commands)


def test_an_existing_set_is_not_overwritten(voice_set) -> None:
    before = (voice_set / "manifest.jsonl").read_bytes()
    with pytest.raises(VoiceSetError, match="already holds a voice set"):
        generate(voice_set, count=2, seed=0)
    assert (voice_set / "manifest.jsonl").read_bytes() == before
