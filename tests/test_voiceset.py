"""The voice set makers (tools/make-voice-set): a held-out set of a handful of clips, made once,
and the recipe renderer that makes the listening tests' clips."""

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
from lab.listen.recipe import (
    LEAD,
    PRESS_BEFORE,
    cached_voice_set,
    read_recipe,
    speaker_of,
)
from lab.listen.voiceset import (
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

from tests.conftest import VOICE_RECIPE

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
def held_out_set(tmp_path_factory, music_dirs) -> Path:
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


def test_every_clip_has_what_eval_voice_reads(held_out_set) -> None:
    lines = manifest(held_out_set)
    assert len(lines) == COUNT
    clips = read_clips(held_out_set)
    for line, clip in zip(lines, clips):
        assert DEV_FIELDS <= line.keys()
        assert clip.file.is_file()
        assert (clip.reference is not None) == line["condition"].startswith(("music", "dj"))
        assert clip.reference is None or clip.reference.is_file()
        assert (clip.negative is not None) == (clip.intent is None)
    assert (held_out_set / "README.md").read_text().count(f"--seed {SEED}") == 1


def test_clips_are_16_khz_mono(held_out_set) -> None:
    for path in held_out_set.glob("*.flac"):
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels) == (SAMPLE_RATE, 1), path.name


def test_a_music_clips_reference_is_aligned_with_its_echo(held_out_set) -> None:
    line = next(x for x in manifest(held_out_set) if x["condition"].startswith("music"))
    assert line["press"] >= MUSIC_LEAD
    mic, _ = soundfile.read(str(held_out_set / line["file"]))
    reference, _ = soundfile.read(str(held_out_set / line["reference"]))
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


def test_expected_intents_are_what_the_parser_makes_of_the_words(held_out_set,
                                                                 vocabulary) -> None:
    parser = IntentParser(vocabulary)
    for line in manifest(held_out_set):
        parsed = parser.parse(line["text"])
        if line["intent"] is None:
            assert parsed is None, line["text"]
        else:
            assert (parsed.name, dict(parsed.slots)) == (line["intent"], line["slots"])


def test_the_same_seed_gives_the_same_manifest(held_out_set, tmp_path, music_dirs) -> None:
    generate(tmp_path / "again", count=COUNT, seed=SEED, name_dirs=music_dirs)
    assert manifest(tmp_path / "again") == manifest(held_out_set)


def test_a_full_set_spreads_over_intents_voices_and_conditions(tracks, vocabulary) -> None:
    avoided = {row.text for row in read_recipe(VOICE_RECIPE)}   # the development set's texts
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


def test_an_existing_set_is_not_overwritten(held_out_set) -> None:
    before = (held_out_set / "manifest.jsonl").read_bytes()
    with pytest.raises(VoiceSetError, match="already holds a voice set"):
        generate(held_out_set, count=2, seed=0)
    assert (held_out_set / "manifest.jsonl").read_bytes() == before


# -- the recipe of the listening tests' clips --------------------------------------------------

def test_a_recipes_voice_is_a_piper_speed_or_an_espeak_voice() -> None:
    assert speaker_of("piper:1.15") == Speaker("piper", length_scale=1.15, length_noise=None)
    assert speaker_of("espeak:en-gb-scotland") == Speaker("espeak", "en-gb-scotland", speed=155)
    assert speaker_of("espeak:en-us+f3:s150:p40") == Speaker("espeak", "en-us+f3", speed=150,
                                                             pitch=40)
    assert speaker_of("piper:1.05:n0.60") == Speaker("piper", length_scale=1.05, noise_scale=0.6)
    with pytest.raises(VoiceSetError, match="unknown voice 'festival'"):
        speaker_of("festival")


def test_recipe_clips_are_recorded_as_the_development_set_was(voice_set) -> None:
    lines = {line["file"]: line for line in manifest(voice_set)}
    assert len(lines) == len(read_recipe(VOICE_RECIPE))
    assert all(DEV_FIELDS <= line.keys() for line in lines.values())
    clean, _ = soundfile.read(str(voice_set / "c0002.flac"))
    lead = round(LEAD * SAMPLE_RATE)
    assert not clean[:lead].any() and clean[lead:lead + 4000].any()   # digital silence, words
    assert lines["c0002.flac"]["press"] == LEAD - PRESS_BEFORE
    woken, _ = soundfile.read(str(voice_set / "w0004.flac"))          # "hey jarvis", "next"
    press = round(lines["w0004.flac"]["press"] * SAMPLE_RATE)
    loud = np.abs(woken) > 0.01 * np.abs(woken).max()
    assert loud[:press].any() and loud[press:].any()
    assert not loud[press - 800:press + 800].any()          # 50 ms either side is the pause
    music = lines["c0001.flac"]
    assert music["press"] == MUSIC_LEAD - PRESS_BEFORE
    mic, _ = soundfile.read(str(voice_set / music["file"]))
    reference, _ = soundfile.read(str(voice_set / music["reference"]))
    assert len(mic) == len(reference) and mic[:SAMPLE_RATE].any()     # music from the start


def test_a_recipe_is_rendered_once_and_again_when_it_changes(tmp_path) -> None:
    recipe, cache = tmp_path / "recipe.jsonl", tmp_path / "cache"
    line = {"file": "c0000.flac", "text": "next song", "voice": "espeak:en-us", "wake": None,
            "condition": "clean", "intent": "NextTrack", "slots": {}, "seed": 1}
    recipe.write_text(json.dumps(line) + "\n")
    first = cached_voice_set(recipe, cache)
    made = (first / "c0000.flac").stat().st_mtime_ns
    assert cached_voice_set(recipe, cache) == first
    assert (first / "c0000.flac").stat().st_mtime_ns == made          # kept, not made again
    recipe.write_text(json.dumps(line | {"text": "previous song",
                                         "intent": "PreviousTrack"}) + "\n")
    second = cached_voice_set(recipe, cache)
    assert second != first and not first.exists()                    # the old one removed
    assert [row["text"] for row in manifest(second)] == ["previous song"]


def test_a_recipe_line_that_is_no_clip_is_named(tmp_path) -> None:
    recipe = tmp_path / "recipe.jsonl"
    recipe.write_text('{"file": "a.flac", "text": "next"}\n')
    with pytest.raises(VoiceSetError, match=r"recipe.jsonl:1: not a recipe line"):
        read_recipe(recipe)
