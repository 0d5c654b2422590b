"""`booth models`: what is installed, what is in use, and how to get the English Vosk model."""

from __future__ import annotations

import argparse
import json

from booth.models import cmd_models

from tests.conftest import config_with


def run_models(capsys, config, as_json=True):
    assert cmd_models(argparse.Namespace(json=as_json), config) == 0
    out = capsys.readouterr().out
    return json.loads(out) if as_json else out


def test_without_a_vosk_model_pocketsphinx_is_in_use_and_the_fix_is_named(capsys) -> None:
    listing = run_models(capsys, config_with())
    in_use = {m["role"]: m["name"] for m in listing["models"] if m["in_use"]}
    assert in_use["speech recognition"] == "PocketSphinx US English"
    assert in_use["wake word"] == "hey_jarvis (microWakeWord)"
    assert in_use["DJ voice"].startswith("en_US-joe")
    assert "vosk-model-small-en-us" in listing["vosk_english"]


def test_a_configured_vosk_model_is_shown_in_use(capsys, korean_model) -> None:
    listing = run_models(capsys, config_with(listen={"vosk_model": str(korean_model)}))
    vosk = [m for m in listing["models"] if m["name"].startswith("Vosk")]
    assert vosk and vosk[0]["in_use"] and vosk[0]["where"] == str(korean_model)
    assert listing["vosk_english"] is None


def test_a_configured_vosk_folder_that_is_no_model_is_reported(capsys, tmp_path) -> None:
    text = run_models(capsys, config_with(listen={"vosk_model": str(tmp_path)}), as_json=False)
    assert f"{tmp_path} is not a Vosk model folder" in text
    assert "* PocketSphinx US English" in text
