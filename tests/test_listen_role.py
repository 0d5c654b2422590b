"""The listen role on a real Mosquitto beside the real player: a spoken "hey jarvis, next"
ducks the music, becomes a Hermes intent, and the player skips."""

from __future__ import annotations

import time

import pytest
from booth.roles.listen import ListenRole
from booth.roles.player import start_player
from rhasspyhermes.nlu import NluIntentNotRecognized

from lab.mosquitto import unique_site
from tests.conftest import listening_config, playing_track


@pytest.fixture()
def clip(voice_set):
    return voice_set / "w0004.flac"  # "hey jarvis ... next", Piper voice, clean


def test_a_spoken_wake_word_and_command_skips_the_track(library_copy, mosquitto_broker,
                                                        mqtt_watcher, clip):
    site = unique_site("ears")
    config = listening_config(mosquitto_broker, site, f"file:{clip}")
    watcher = mqtt_watcher()
    player = start_player(config, library_copy, "null", voice=False)
    try:
        first = playing_track(watcher, site)
        mark = watcher.mark()
        role = ListenRole(config)
        role.start()
        try:
            detected = watcher.wait_for("hermes/hotword/+/detected".replace("+", "hey_jarvis"),
                                        after=mark, timeout=30).json
            assert detected["siteId"] == site
            intent = watcher.wait_for("hermes/intent/NextTrack", after=mark, timeout=30).json
            assert intent["siteId"] == site
            state = watcher.wait_for(f"booth/{site}/state",
                                     lambda m: m.json["track"]["id"] != first["id"],
                                     after=mark, timeout=20).json
            assert state["state"] == "playing"
        finally:
            role.stop()
    finally:
        player.stop()


def test_asked_by_voice_what_plays_the_dj_says_it(library_copy, mosquitto_broker,
                                                 mqtt_watcher, voice_set):
    site = unique_site("asked")
    config = listening_config(mosquitto_broker, site,
                              f"file:{voice_set / 'w0084.flac'}")  # "hey jarvis, who sings this"
    watcher = mqtt_watcher()
    player = start_player(config, library_copy, "null", voice=True)
    try:
        playing = playing_track(watcher, site)
        mark = watcher.mark()
        role = ListenRole(config)
        role.start()
        try:
            watcher.wait_for("hermes/intent/WhatIsPlaying", after=mark, timeout=30)
            deadline = time.monotonic() + 30
            while not (answers := [s for s in player.speaker.station.report()
                                   if s["kind"] == "voice" and playing["title"] in s["text"]
                                   and s["text"].startswith("This is")]):
                assert time.monotonic() < deadline, "the DJ never answered"
                time.sleep(0.1)
            assert answers[0]["end"] - answers[0]["start"] > 1.0
            assert not watcher.on("hermes/dialogueManager/endSession")  # nobody else to ask
        finally:
            role.stop()
    finally:
        player.stop()


def test_a_malformed_dialogue_request_gets_an_error_reply(mosquitto_broker, mqtt_watcher):
    site = unique_site("bad-query")
    config = listening_config(mosquitto_broker, site, "null", dialogue="external")
    watcher = mqtt_watcher()
    role = ListenRole(config)
    role.start()
    try:
        watcher.wait_for(f"booth/{site}/listen/availability", lambda m: m.payload == b"online")
        watcher.publish("hermes/nlu/query", {"siteId": site, "id": "q-1"})   # no input
        error = watcher.wait_for("hermes/error/nlu").json
        assert error["siteId"] == site and "input" in error["error"]
        watcher.publish("hermes/nlu/query", {"input": "skip this song", "siteId": site,
                                             "id": "q-2", "sessionId": "s-2"})
        answer = watcher.wait_for("hermes/intent/NextTrack").json
        assert (answer["id"], answer["sessionId"]) == ("q-2", "s-2")
    finally:
        role.stop()


def test_a_muted_microphone_acts_on_nothing(library_copy, mosquitto_broker, mqtt_watcher,
                                            clip):
    site = unique_site("muted")
    config = listening_config(mosquitto_broker, site, "null")
    watcher = mqtt_watcher()
    role = ListenRole(config)
    role.start()
    try:
        watcher.wait_for(f"booth/{site}/listen/availability", lambda m: m.payload == b"online")
        watcher.publish(f"booth/{site}/command", {"action": "mute_mic", "on": True})
        deadline = time.monotonic() + 10
        while not role.muted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert role.muted
        role.publish(NluIntentNotRecognized(input="x", site_id=site))
        assert role.heard == []
    finally:
        role.stop()
