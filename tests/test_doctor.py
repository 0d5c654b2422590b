"""`booth doctor`: each check finds what is wrong and says how to fix it."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from booth import doctor
from booth.cli import common_options

from tests.conftest import config_with
from lab.mosquitto import MOSQUITTO, Mosquitto, free_port


def findings(config, *checks: str) -> dict[str, doctor.Finding]:
    return {f.check: f for f in doctor.run_checks(config, list(checks))}


def run_cli(*argv: str, config=None) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    doctor.register(parser.add_subparsers(dest="command"), common_options())
    args = parser.parse_args(["doctor", *argv])
    return args.func(args, config or config_with())


# -- broker -----------------------------------------------------------------------------------

def test_a_running_broker_passes(mosquitto_broker) -> None:
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port})
    broker = findings(config, "broker")["broker"]
    assert broker.status == "ok" and str(mosquitto_broker.port) in broker.detail


def test_a_configured_broker_that_is_not_there_is_broken_with_the_fix() -> None:
    port = free_port()
    broker = findings(config_with(mqtt={"host": "127.0.0.1", "port": port}), "broker")["broker"]
    assert broker.status == "fail" and f"127.0.0.1:{port}" in broker.detail
    assert "systemctl start mosquitto" in broker.fix
    default = findings(config_with(mqtt={"port": port}), "broker")["broker"]
    assert default.status == "warn", "with no host set, `booth run` starts its own broker"


def test_a_wrong_password_is_broken_and_points_at_the_password_file(tmp_path) -> None:
    if shutil.which("mosquitto_passwd") is None or not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto and mosquitto_passwd are missing: tools/test installs them "
                    "(apt install mosquitto)")
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "booth", "right"], check=True)
    broker = Mosquitto(tmp_path / "broker", config=f"listener {{port}} 127.0.0.1\n"
                       f"allow_anonymous false\npassword_file {passwd}\n").start()
    try:
        mqtt = {"host": broker.host, "port": broker.port, "username": "booth"}
        right = findings(config_with(mqtt={**mqtt, "password": "right"}), "broker")["broker"]
        wrong = findings(config_with(mqtt={**mqtt, "password": "wrong"}), "broker")["broker"]
    finally:
        broker.stop()
    assert right.status == "ok" and "'booth'" in right.detail
    assert wrong.status == "fail" and "refused" in wrong.detail
    assert "mosquitto_passwd" in wrong.fix


# -- audio ------------------------------------------------------------------------------------

def test_a_speaker_that_does_not_exist_is_broken_and_the_fix_says_how_to_list_cards() -> None:
    speaker = findings(config_with(audio={"output": "device:no-such-speaker-xyz"}),
                       "speaker")["speaker"]
    assert speaker.status == "fail" and "no-such-speaker-xyz" in speaker.detail
    assert "aplay -l" in speaker.fix
    silent = findings(config_with(audio={"output": "null"}), "speaker")["speaker"]
    assert silent.status == "warn" and "nothing will be heard" in silent.detail


def test_a_microphone_that_does_not_exist_is_broken_and_the_fix_says_how_to_list_cards() -> None:
    config = config_with(listen={"source": "device:no-such-mic-xyz"})
    mic = findings(config, "microphone")["microphone"]
    assert mic.status == "fail" and "no-such-mic-xyz" in mic.detail
    assert "arecord -l" in mic.fix
    off = config_with(listen={"source": "null"})
    assert findings(off, "microphone")["microphone"].status == "warn"


# -- models -----------------------------------------------------------------------------------

def test_the_installed_models_pass_and_missing_ones_are_named_with_the_fix(monkeypatch, tmp_path) -> None:
    found = findings(config_with(), "models")
    assert {name: f.status for name, f in found.items()} == {
        "voice": "ok", "recommender": "ok", "wake word": "ok", "recognizer": "ok"}
    monkeypatch.setattr("booth.recommender.model.REPO_MODELS", tmp_path)
    monkeypatch.setattr("booth.recommender.model.PACKAGED_MODELS", tmp_path)
    broken = findings(config_with(dj={"voice": str(tmp_path / "nobody.onnx")}), "models")
    assert broken["voice"].status == "fail" and "nobody.onnx" in broken["voice"].detail
    assert ".onnx.json" in broken["voice"].fix
    assert broken["recommender"].status == "warn" and "shuffles" in broken["recommender"].detail
    config = config_with(listen={"wake_word": "hey_toaster"})
    wake = findings(config, "models")["wake word"]
    assert wake.status == "fail" and "hey_toaster" in wake.detail and "hey_jarvis" in wake.fix


# -- GPIO and disk ----------------------------------------------------------------------------

NO_PIN_LIBRARY = "no-such-pin-library"
"""A pin factory gpiozero cannot load: the machine has no usable GPIO (even if it is a Pi)."""


def test_gpio_passes_on_mock_pins_and_off_a_pi_only_warns(monkeypatch) -> None:
    monkeypatch.setattr("gpiozero.Device.pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    gpio = findings(config_with(), "gpio")["gpio"]
    assert gpio.status == "ok" and "action_pin=17" in gpio.detail
    monkeypatch.setattr("gpiozero.Device.pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", NO_PIN_LIBRARY)
    monkeypatch.setattr(doctor, "_on_a_pi", lambda: False)
    off_pi = findings(config_with(), "gpio")["gpio"]
    assert off_pi.status == "warn" and "GPIOZERO_PIN_FACTORY=mock" in off_pi.fix


def test_gpio_on_a_pi_without_a_pin_library_is_broken_and_says_to_install_lgpio(monkeypatch) -> None:
    monkeypatch.setattr("gpiozero.Device.pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", NO_PIN_LIBRARY)
    monkeypatch.setattr(doctor, "_on_a_pi", lambda: True)
    gpio = findings(config_with(), "gpio")["gpio"]
    assert gpio.status == "fail" and "lgpio" in gpio.fix


def test_disk_space_and_the_library_database_are_checked(monkeypatch, tmp_path) -> None:
    from booth.library.db import Database

    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    empty = findings(config_with(), "disk")
    assert empty["disk"].status == "ok" and str(tmp_path) in empty["disk"].detail
    assert empty["library"].status == "warn" and "booth scan" in empty["library"].fix
    Database(tmp_path / "library.db").close()
    scanned = findings(config_with(db=str(tmp_path / "library.db")), "disk")
    assert scanned["library"].status == "ok"
    monkeypatch.setattr(doctor, "MIN_FREE_MB", 1 << 40)
    assert findings(config_with(), "disk")["disk"].status == "fail"


# -- the command ------------------------------------------------------------------------------

def test_json_output_and_the_exit_code_tell_whether_anything_is_broken(capsys, mosquitto_broker) -> None:
    good = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port})
    assert run_cli("broker", "--json", config=good) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["findings"][0]["check"] == "broker"
    bad = replace(good, mqtt=replace(good.mqtt, port=free_port()))
    assert run_cli("broker", config=bad) == 1
    out = capsys.readouterr().out
    assert "FAIL  broker" in out and "fix: " in out and "1 broken" in out


def test_an_unknown_check_is_refused_with_the_list_of_checks(capsys) -> None:
    assert run_cli("toaster") == 2
    err = capsys.readouterr().err
    assert "'toaster'" in err and "microphone, speaker, broker, models, gpio, disk" in err
