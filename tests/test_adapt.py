"""`booth adapt`: teaching the recogniser one voice, on the real tools (Debian's sphinxtrain)
with a voice the bundled model understands badly (espeak's Scottish English)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile
from booth import doctor
from booth.intents import IntentParser, load_templates
from booth.listen import adapt
from lab.listen.adapt_eval import count_understood, learn_from_use, other_commands
from booth.listen.commands import cmd_adapt, record_readings
from booth.listen.audiofile import read_audio
from booth.listen.learn import HEARD, VoiceLearner, worth_keeping
from booth.listen.settings import ListenSettings
from booth.listen.sources import FileSource
from booth.listen.sphinx import model_dir
from booth.models import cmd_models

from tests.conftest import config_with, espeak_ng

VOICE = "en-gb-scotland"
TEST_COMMANDS = 30


def _say(text: str, out: Path, voice: str = VOICE) -> Path:
    subprocess.run([espeak_ng(), "-v", voice, "-w", str(out), text], check=True, timeout=30)
    return out


def _microphone(spoken: list[np.ndarray], path: Path) -> Path:
    """A microphone recording of sentences read one after another, with pauses between."""
    pause = np.zeros(16000 * 3 // 2, np.int16)                      # 1.5 s
    soundfile.write(str(path), np.concatenate([pause] + [x for s in spoken for x in (s, pause)]),
                    16000)
    return path


def _adapt_args(**given) -> argparse.Namespace:
    """`booth adapt`'s arguments, as its command line gives them."""
    return argparse.Namespace(**{"record": False, "manifest": None, "sentences": False,
                                 "reset": False, "count": None, "reader": "me", **given})


def _adapt(capsys, manifest: Path) -> str:
    assert cmd_adapt(_adapt_args(manifest=str(manifest)), config_with()) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def readings(tmp_path_factory) -> Path:
    """The 60 sentences `booth adapt` asks for, read by the Scottish voice, plus a recording
    of the wrong sentence and one that is no audio: a manifest of them."""
    folder = tmp_path_factory.mktemp("readings")
    sentences = adapt.enrolment_sentences(load_templates())
    rows = [{"file": _say(text, folder / f"{n:02d}.wav").name, "text": text}
            for n, text in enumerate(sentences)]
    rows.append({"file": _say("stop", folder / "wrong.wav").name,
                 "text": "play something by the artist you played yesterday morning"})
    (folder / "broken.wav").write_bytes(b"RIFF not really")
    rows.append({"file": "broken.wav", "text": "next song"})
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


@pytest.fixture(scope="module")
def adapted(readings, tmp_path_factory):
    """`booth adapt --manifest` run once: (what it printed, the adapted model's folder)."""
    state = tmp_path_factory.mktemp("state")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setenv("STATE_DIRECTORY", str(state))
        assert cmd_adapt(_adapt_args(manifest=str(readings)), config_with()) == 0
    return printed.getvalue(), state / "listen" / adapt.ADAPTED_MODEL


def test_the_bundled_models_quantised_mixture_weights_expand_to_probabilities() -> None:
    weights = adapt.expand_mixture_weights(model_dir() / "en-us" / "sendump")
    assert weights.shape == (5126, 3, 128)             # senones × streams × Gaussians
    assert np.allclose(weights.sum(axis=2), 1.0)
    assert (weights > 0).all()


@pytest.fixture(scope="module")
def scottish_commands(tmp_path_factory) -> tuple[list[Path], list, int]:
    """Other commands than those read, in the same voice: (recordings, commands, how many of
    them the bundled model understands)."""
    folder = tmp_path_factory.mktemp("commands")
    commands = other_commands(TEST_COMMANDS, set(adapt.enrolment_sentences(load_templates())))
    files = [_say(text, folder / f"{n:02d}.wav") for n, (text, _) in enumerate(commands)]
    return files, commands, count_understood("bundled", files, commands, folder)


def test_reading_commands_in_a_scottish_accent_teaches_booth_that_voice(
        adapted, scottish_commands, tmp_path) -> None:
    _, model = adapted
    files, commands, before = scottish_commands
    after = count_understood(str(model), files, commands, tmp_path)
    assert after >= before + 5, (before, after)


def test_commands_heard_in_use_teach_booth_the_voice_without_reading_aloud(
        readings, scottish_commands, capsys, monkeypatch, tmp_path) -> None:
    rows = [json.loads(line) for line in readings.read_text().splitlines()][:60]
    state = tmp_path / "state" / "listen"
    model, kept, right = learn_from_use([readings.parent / row["file"] for row in rows],
                                        [row["text"] for row in rows], state, tmp_path)
    assert model == str(state / adapt.ADAPTED_MODEL)
    assert kept >= 10, (kept, right)              # the clear ones (some of them misheard)
    assert 10 <= adapt.model_info(Path(model))["heard"] <= kept
    files, commands, before = scottish_commands
    after = count_understood(model, files, commands, tmp_path)
    assert after >= before + 4, (before, after)

    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert cmd_adapt(_adapt_args(reset=True), config_with()) == 0
    assert "heard-commands" in capsys.readouterr().out
    assert not (state / HEARD).exists() and not Path(model).exists()


def test_the_learner_adapts_in_the_background_after_ten_commands_and_hands_over_the_model(
        readings, tmp_path) -> None:
    rows = [json.loads(line) for line in readings.read_text().splitlines()][:10]
    models: list[Path] = []
    learner = VoiceLearner(tmp_path, on_model=models.append)
    learner.start()
    for row in rows:
        learner.heard(read_audio(readings.parent / row["file"]), row["text"])
    deadline = time.monotonic() + 60
    while not models and time.monotonic() < deadline:
        time.sleep(0.1)
    learner.close()
    assert models == [tmp_path / adapt.ADAPTED_MODEL]
    assert adapt.model_info(models[0])["heard"] == 10
    assert not learner.due()                                   # nothing new since


def test_the_learner_keeps_the_newest_commands_and_forgets_the_oldest(tmp_path) -> None:
    learner = VoiceLearner(tmp_path, keep=3)
    for n in range(5):
        learner.add(np.full(1600, n, np.int16), f"command {n}")
    kept = learner.kept()
    assert [row["text"] for row in kept] == ["command 2", "command 3", "command 4"]
    assert sorted(p.name for p in (tmp_path / HEARD).glob("*.wav")) == \
        [row["file"] for row in kept]
    audio, rate = soundfile.read(str(tmp_path / HEARD / kept[0]["file"]), dtype="int16")
    assert rate == 16000 and len(audio) == 1600 and (audio == 2).all()


def test_only_a_clear_command_is_kept_for_learning() -> None:
    parser = IntentParser()
    assert worth_keeping(parser, "next song", confidence=0.2, echo_share=0.1)
    assert not worth_keeping(parser, "the weather is nice", confidence=0.2, echo_share=0.1)
    assert not worth_keeping(parser, "next song", confidence=0.001, echo_share=0.1)  # unsure
    assert not worth_keeping(parser, "next song", confidence=0.2, echo_share=0.7)    # music
    assert not worth_keeping(parser, "", confidence=0.2, echo_share=0.0)


def test_a_damaged_line_of_the_commands_kept_is_skipped(tmp_path, caplog) -> None:
    learner = VoiceLearner(tmp_path)
    learner.add(np.zeros(1600, np.int16), "next song")
    with open(tmp_path / HEARD / "manifest.jsonl", "a") as manifest:
        manifest.write("{not json\n")
    learner.add(np.zeros(1600, np.int16), "pause")
    assert [row["text"] for row in learner.kept()] == ["next song", "pause"]
    assert "skipping a damaged line" in caplog.text


def test_a_recording_of_another_sentence_or_no_audio_is_left_out_and_named(adapted) -> None:
    output, model = adapted
    assert int(re.search(r"adapted to (\d+) recordings", output)[1]) >= 55   # of 60 good ones
    assert "wrong.wav: did not sound like its sentence" in output
    assert "broken.wav: " in output and "cannot read audio" in output
    info = adapt.model_info(model)
    assert info["recordings"] >= 55 and info["skipped"] >= 2


def test_the_adapted_model_is_the_one_in_use_until_reset(adapted, capsys, monkeypatch,
                                                         tmp_path) -> None:
    _, model = adapted
    state = tmp_path / "state"
    shutil.copytree(model, state / "listen" / adapt.ADAPTED_MODEL)
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    assert cmd_models(argparse.Namespace(json=True), config_with()) == 0
    in_use = [m for m in json.loads(capsys.readouterr().out)["models"] if m["in_use"]
              and m["role"] == "speech recognition"]
    assert [m["name"] for m in in_use] == ["PocketSphinx US English, adapted to a voice"]
    assert adapt.adapted_model("", state / "listen") == state / "listen" / "voice-model"
    assert adapt.adapted_model("bundled", state / "listen") is None

    recognizer = doctor._check_recognizer(config_with())
    assert recognizer.status == "ok" and "adapted to a voice" in recognizer.detail

    assert cmd_adapt(_adapt_args(reset=True), config_with()) == 0
    assert "the listener uses the bundled model" in capsys.readouterr().out
    assert adapt.adapted_model("", state / "listen") is None


def test_too_few_usable_recordings_are_refused_and_the_voice_model_is_kept(
        readings, capsys, monkeypatch, tmp_path) -> None:
    state = tmp_path / "state"
    kept = state / "listen" / adapt.ADAPTED_MODEL
    kept.mkdir(parents=True)
    (kept / "adapted.json").write_text('{"recordings": 60}')
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    few = tmp_path / "few.jsonl"
    few.write_text("".join(readings.read_text().splitlines(keepends=True)[:4]))
    shutil.copytree(readings.parent, tmp_path, dirs_exist_ok=True)
    with pytest.raises(SystemExit, match="only 4 usable recordings: adaptation needs at least 10"):
        _adapt(capsys, few)
    assert adapt.model_info(kept) == {"recordings": 60}


def test_without_sphinxtrain_adaptation_names_the_package_to_install(monkeypatch) -> None:
    monkeypatch.setattr(adapt.shutil, "which", lambda name: None)
    monkeypatch.setattr(adapt, "TOOL_FOLDERS", ())
    with pytest.raises(adapt.AdaptationError, match=r"sudo apt install sphinxtrain"):
        adapt.find_tool("bw")


def test_a_manifest_line_without_its_sentence_is_a_clear_error(capsys, tmp_path) -> None:
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"file": "a.wav"}\n')
    with pytest.raises(SystemExit, match=r"m.jsonl:1: expected a JSON object with \"file\" "
                                         r"and \"text\""):
        _adapt(capsys, manifest)


def test_recording_keeps_one_file_per_sentence_ending_when_the_reader_stops(
        readings, tmp_path) -> None:
    rows = [json.loads(line) for line in readings.read_text().splitlines()][:3]
    spoken = [read_audio(readings.parent / row["file"]) for row in rows]
    source = FileSource(str(_microphone(spoken, tmp_path / "mic.wav")))
    recorded = record_readings(ListenSettings(), [row["text"] for row in rows],
                               tmp_path / "recordings", source=source)
    assert [r.text for r in recorded] == [row["text"] for row in rows]
    for reading, original in zip(recorded, spoken):
        length = len(read_audio(reading.file))
        assert len(original) < length < len(original) + 16000 * 3     # the sentence, whole
    manifest = [json.loads(line) for line in
                (tmp_path / "recordings" / "manifest.jsonl").read_text().splitlines()]
    assert [m["text"] for m in manifest] == [row["text"] for row in rows]


def _microphone_reading(texts: list[str], voice: str, folder: Path) -> Path:
    """A microphone recording of someone reading `texts` with pauses between them."""
    spoken = [read_audio(_say(text, folder / f"{voice}-{n}.wav", voice))
              for n, text in enumerate(texts)]
    return _microphone(spoken, folder / f"{voice}.wav")


def test_each_reader_in_the_house_adds_their_voice_and_reset_forgets_them_all(
        capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    texts = adapt.enrolment_sentences(load_templates(), 14)
    microphones = {"alice": _microphone_reading(texts, VOICE, tmp_path),
                   "bob": _microphone_reading(texts, "en-029+m3", tmp_path)}
    reader = {"name": ""}
    monkeypatch.setattr("booth.listen.sources.open_source",
                        lambda spec: FileSource(str(microphones[reader["name"]])))

    def read(name: str) -> str:
        reader["name"] = name
        assert cmd_adapt(_adapt_args(record=True, count=14, reader=name), config_with()) == 0
        return capsys.readouterr().out

    read("alice")
    output = read("bob")
    assert "adapting to 2 readers together: alice, bob" in output
    model = tmp_path / "state" / "listen" / adapt.ADAPTED_MODEL
    assert adapt.model_info(model)["recordings"] > 14               # both readers' (14 each)
    assert "adapting to 2 readers together" in read("alice")         # alice again: bob stays
    recordings = tmp_path / "state" / "listen" / "voice-recordings"
    assert sorted(p.name for p in recordings.iterdir()) == ["alice", "bob"]
    assert len(list((recordings / "alice").glob("*.wav"))) == 14

    assert cmd_adapt(_adapt_args(reset=True), config_with()) == 0
    assert not model.exists() and not recordings.exists()
