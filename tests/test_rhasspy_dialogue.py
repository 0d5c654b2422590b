"""Rhasspy's own dialogue manager (`rhasspy-dialogue-hermes`, in .venv-rhasspy because of its
pins) runs a voice session through Booth's listen and player roles on a real Mosquitto:
wake word → text → intent → the DJ's spoken answer, with Rhasspy's session id throughout."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from booth.roles.listen import ListenRole
from booth.roles.player import start_player

from lab.mosquitto import unique_site
from tests.conftest import listening_config, playing_track

ROOT = Path(__file__).resolve().parent.parent
RHASSPY_DIALOGUE = ROOT / ".venv-rhasspy" / "bin" / "rhasspy-dialogue-hermes"


@pytest.fixture()
def rhasspy(mosquitto_broker, tmp_path):
    """Start Rhasspy's dialogue manager for a site; yields a function that starts it."""
    if not RHASSPY_DIALOGUE.exists():
        pytest.fail(f"{RHASSPY_DIALOGUE} is missing: run tools/install-deps --test")
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(site: str) -> Path:
        log = tmp_path / "rhasspy-dialogue.log"
        process = subprocess.Popen(
            [str(RHASSPY_DIALOGUE), "--host", mosquitto_broker.host,
             "--port", str(mosquitto_broker.port), "--site-id", site, "--debug"],
            stdout=log.open("w"), stderr=subprocess.STDOUT)
        started.append((process, log))
        deadline = time.monotonic() + 30
        while "Subscribed to hermes/intent/#" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"rhasspy-dialogue-hermes did not start:\n{log.read_text()}")
            time.sleep(0.05)
        return log

    yield start
    for process, _ in started:
        process.terminate()
        process.wait(10)


def test_rhasspys_dialogue_manager_runs_a_session_through_booth(library_copy, mosquitto_broker,
                                                                mqtt_watcher, rhasspy, voice_set):
    site = unique_site("rhasspy")
    config = listening_config(mosquitto_broker, site, f"file:{voice_set / 'w0084.flac'}",
                              dialogue="external")          # "hey jarvis, who sings this"
    watcher = mqtt_watcher()
    player = start_player(config, library_copy, "null", voice=True)
    try:
        playing = playing_track(watcher, site)
        log = rhasspy(site)
        mark = watcher.mark()
        role = ListenRole(config)
        role.start()
        try:
            def step(topic, where=lambda body: True, timeout=30.0):
                try:
                    return watcher.wait_for(topic, lambda m: where(m.json), after=mark,
                                            timeout=timeout).json
                except AssertionError as error:
                    raise AssertionError(f"{error}\nRhasspy said:\n{log.read_text()}") from None

            detected = step("hermes/hotword/hey_jarvis/detected")
            assert detected["siteId"] == site
            started = step("hermes/dialogueManager/sessionStarted")
            session = started["sessionId"]
            ours = lambda body: body.get("sessionId") == session  # noqa: E731
            step("hermes/asr/startListening", ours)
            text = step("hermes/asr/textCaptured", ours)
            assert text["siteId"] == site and text["wakewordId"] == "hey_jarvis"
            query = step("hermes/nlu/query", ours)
            assert query["input"] == text["text"]
            intent = step("hermes/intent/WhatIsPlaying", ours)
            assert intent["siteId"] == site and intent["id"] == query["id"]
            end = step("hermes/dialogueManager/endSession", ours)
            assert playing["title"] in end["text"]
            say = step("hermes/tts/say", ours)
            assert say["text"] == end["text"] and say["siteId"] == site
            finished = step("hermes/tts/sayFinished", lambda body: body.get("id") == say["id"])
            assert finished["siteId"] == site
            ended = step("hermes/dialogueManager/sessionEnded", ours)
            assert ended["termination"]["reason"] == "nominal"
            spoken = [s for s in player.speaker.station.report()
                      if s["kind"] == "voice" and s["text"] == say["text"]]
            assert spoken and spoken[0]["end"] - spoken[0]["start"] > 1.0   # the DJ said it
            step("hermes/hotword/toggleOn", lambda body: body.get("siteId") == site)
        finally:
            role.stop()
    finally:
        player.stop()
