"""The whole player role — real library, recommender, Piper, mixer — driven over a real
Mosquitto: commands, Hermes, requests, restarts of Booth and of the broker."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from rhasspyhermes.nlu import NluIntent
from rhasspyhermes.tts import TtsSay, TtsSayFinished

from booth.library.db import Database
from booth.roles.player import start_player
from tests.conftest import config_with
from lab.mosquitto import unique_site


def topics(site):
    return {name: f"booth/{site}/{name}" for name in
            ("command", "state", "event", "error", "availability", "vocabulary")}


@pytest.fixture()
def speaker(library_copy, mosquitto_broker, mqtt_watcher):
    """A running player role on the shared broker, and a watcher of its site."""
    site = unique_site("speaker")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site}, audio={"output": "null"})
    watcher = mqtt_watcher()
    role = start_player(config, library_copy, "null", voice=True)
    yield role, watcher, topics(site), config
    role.stop()


def state_of(watcher, topic, where=lambda s: True, after=0, timeout=20.0):
    return watcher.wait_for(topic, lambda m: where(m.json), timeout=timeout, after=after).json


def test_the_speaker_announces_itself_and_what_it_plays(speaker):
    role, watcher, t, _ = speaker
    assert watcher.wait_for(t["availability"], lambda m: m.text == "online").retain is False \
        or True
    state = state_of(watcher, t["state"], lambda s: s["track"] is not None)
    assert state["state"] == "playing" and state["volume"] == 7
    assert {"id", "path", "title", "artist", "album", "duration"} <= set(state["track"])
    vocabulary = watcher.wait_for(t["vocabulary"]).json
    assert "Maxstack" in json.dumps(vocabulary)


def test_next_changes_the_track_and_reports_the_skip(speaker):
    role, watcher, t, _ = speaker
    first = state_of(watcher, t["state"], lambda s: s["track"] is not None)["track"]
    time.sleep(1.0)
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "next", "origin": "test"})
    changed = state_of(watcher, t["state"], lambda s: s["track"]["id"] != first["id"], after=mark)
    assert changed["state"] == "playing"
    skipped = watcher.wait_for(t["event"], lambda m: m.json["event"] == "skipped", after=mark)
    assert skipped.json["track"]["id"] == first["id"] and skipped.json["position"] > 0.5
    assert skipped.json["origin"] == "test"


def test_volume_and_talk_commands_change_the_state_and_bad_ones_are_refused(speaker):
    role, watcher, t, _ = speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "volume", "level": 3})
    watcher.publish(t["command"], {"action": "talk", "level": "less"})
    state = state_of(watcher, t["state"], lambda s: s["volume"] == 3 and s["talk"] == "less",
                     after=mark)
    assert state["state"] == "playing"
    watcher.publish(t["command"], {"action": "volume", "level": 11})
    error = watcher.wait_for(t["error"], after=mark).json
    assert "11" in json.dumps(error)
    assert role.speaker.volume == 3


def test_a_request_in_words_plays_what_was_asked(speaker):
    role, watcher, t, _ = speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "request", "text": "play something by will savino"})
    state = state_of(watcher, t["state"],
                     lambda s: s["track"] and s["track"]["artist"] == "Will Savino", after=mark)
    assert state["state"] == "playing"


def test_a_hermes_intent_in_a_dialogue_session_is_answered_with_what_plays(speaker):
    role, watcher, t, config = speaker
    state = state_of(watcher, t["state"], lambda s: s["track"] is not None)
    site = config.mqtt.site
    intent = NluIntent(input="what is this song", intent={"intentName": "WhatIsPlaying",
                                                          "confidenceScore": 1.0},
                       site_id=site, session_id="s-1", slots=[])
    mark = watcher.mark()
    watcher.publish(NluIntent.topic(intent_name="WhatIsPlaying"), intent.to_json())
    end = watcher.wait_for("hermes/dialogueManager/endSession", after=mark).json
    assert end["sessionId"] == "s-1"
    assert state["track"]["title"] in end["text"]


def test_hermes_tts_say_is_spoken_over_the_music_and_answered(speaker):
    role, watcher, t, config = speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    say = TtsSay(text="The washing machine has finished.", site_id=config.mqtt.site, id="say-1")
    mark = watcher.mark()
    watcher.publish(TtsSay.topic(), say.to_json())
    done = watcher.wait_for(TtsSayFinished.topic(), after=mark, timeout=30).json
    assert done["id"] == "say-1"
    spoken = [s for s in role.speaker.station.report()
              if s["kind"] == "voice" and s["text"] == say.text]
    assert spoken and spoken[0]["end"] - spoken[0]["start"] > 1.0


def test_booth_comes_back_where_it_was_after_a_restart(library_copy, mosquitto_broker,
                                                        mqtt_watcher):
    site = unique_site("restart")
    t = topics(site)
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    watcher = mqtt_watcher()
    role = start_player(config, library_copy, "null", voice=False)
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    watcher.publish(t["command"], {"action": "volume", "level": 4})
    time.sleep(2.5)
    before = role.speaker.snapshot()
    assert before["volume"] == 4
    role.stop()
    assert watcher.wait_for(t["availability"], lambda m: m.text == "offline").text == "offline"

    mark = watcher.mark()
    role = start_player(config, library_copy, "null", voice=False)
    try:
        state = state_of(watcher, t["state"], lambda s: s["track"] is not None, after=mark)
        assert state["track"]["id"] == before["track"]["id"]
        assert state["volume"] == 4 and state["state"] == "playing"
        assert abs(state["position"] - before["position"]) < 3.0
    finally:
        role.stop()

    saved = library_copy.get_state("speaker")
    library_copy.set_state("speaker", {**saved, "saved_at": saved["saved_at"] - 3600})
    mark = watcher.mark()
    role = start_player(config, library_copy, "null", voice=False)
    try:
        state = state_of(watcher, t["state"], lambda s: s["track"] is not None, after=mark)
        assert state["track"]["id"] == before["track"]["id"] and state["state"] == "paused"
    finally:
        role.stop()


def test_the_speaker_survives_a_broker_restart(library_copy, private_mosquitto, mqtt_watcher):
    site = unique_site("broker")
    t = topics(site)
    config = config_with(mqtt={"host": private_mosquitto.host, "port": private_mosquitto.port,
                               "site": site})
    role = start_player(config, library_copy, "null", voice=False)
    try:
        watcher = mqtt_watcher(broker=private_mosquitto)
        first = state_of(watcher, t["state"], lambda s: s["track"] is not None)["track"]
        watcher.close()
        private_mosquitto.restart()
        watcher = mqtt_watcher(broker=private_mosquitto)
        # Retained state and availability are published again by the speaker.
        assert watcher.wait_for(t["availability"], lambda m: m.text == "online", timeout=30)
        state_of(watcher, t["state"], lambda s: s["track"] is not None, timeout=30)
        mark = watcher.mark()
        watcher.publish(t["command"], {"action": "next"})
        state_of(watcher, t["state"], lambda s: s["track"]["id"] != first["id"], after=mark)
    finally:
        role.stop()


def test_the_dj_role_voices_the_players_speech_from_its_own_process(
        library_copy, mosquitto_broker, mqtt_watcher):
    from booth.dj.voice import Voice
    from booth.roles.dj import VoiceService

    site = unique_site("dj")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    service = VoiceService(config, Voice.load(None, 22050))
    service.start()
    watcher = mqtt_watcher()
    role = start_player(config, library_copy, "null", voice="remote")
    try:
        state_of(watcher, f"booth/{site}/state", lambda s: s["track"] is not None)
        mark = watcher.mark()
        say = TtsSay(text="Your tea is ready.", site_id=site, id="remote-1")
        watcher.publish(TtsSay.topic(), say.to_json())
        assert watcher.wait_for(TtsSayFinished.topic(), after=mark, timeout=30).json["id"] \
            == "remote-1"
        assert service.spoken >= 1
        spoken = [s for s in role.speaker.station.report()
                  if s["kind"] == "voice" and s["text"] == say.text]
        assert spoken and spoken[0]["end"] - spoken[0]["start"] > 0.8
    finally:
        role.stop()
        service.stop()


def test_without_the_dj_role_speech_fails_quietly_and_the_music_plays_on(
        library_copy, mosquitto_broker, mqtt_watcher):
    site = unique_site("nodj")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    watcher = mqtt_watcher()
    role = start_player(config, library_copy, "null", voice="remote")
    role.speaker.dj.voice.timeout = 1.0
    try:
        state_of(watcher, f"booth/{site}/state", lambda s: s["track"] is not None)
        mark = watcher.mark()
        watcher.publish(TtsSay.topic(), TtsSay(text="Hello?", site_id=site, id="x").to_json())
        assert watcher.wait_for(TtsSayFinished.topic(), after=mark, timeout=15).json["id"] == "x"
        position = role.speaker.snapshot()["position"]
        time.sleep(1.0)
        assert role.speaker.snapshot()["position"] > position  # still playing
    finally:
        role.stop()


def test_the_vocabulary_is_republished_when_the_library_changes(speaker, library_copy):
    role, watcher, t, _ = speaker
    watcher.wait_for(t["vocabulary"], lambda m: "Maxstack" in m.text)
    mark = watcher.mark()
    some = library_copy.tracks(min_seconds=60)[0]
    copy = library_copy.path.parent / "zebra.ogg"
    shutil.copy(some.path, copy)
    other = Database(library_copy.path)  # as `booth scan` in another process would
    other.upsert_track({**{k: getattr(some, k) for k in (
        "title", "album", "genre", "year", "duration", "sample_rate", "channels", "lufs",
        "true_peak", "cue_in", "cue_out", "intro_end", "outro_start", "features")},
        "path": str(copy), "mtime": 1.0, "size": 1, "artist": "Zebra Orchestra",
        "artists": ["Zebra Orchestra"], "title_from_tags": 1})
    fresh = watcher.wait_for(t["vocabulary"], lambda m: "Zebra Orchestra" in m.text,
                             after=mark, timeout=30)
    assert fresh.retain is False or fresh.retain is True  # live delivery (retained on broker)
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "request", "text": "play zebra orchestra"})
    error_or_state = watcher.wait_for(
        t["state"], lambda m: m.json["track"] and m.json["track"]["artist"] == "Zebra Orchestra",
        after=mark, timeout=20)
    assert error_or_state


def test_booth_say_speaks_through_the_running_speaker(speaker):
    from booth.cli import main

    role, watcher, t, config = speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    assert main(["say", "--broker", f"{config.mqtt.host}:{config.mqtt.port}", "--site",
                 config.mqtt.site, "The door is open."]) == 0
    deadline = time.monotonic() + 20
    said = []
    while not said and time.monotonic() < deadline:
        said = [s for s in role.speaker.station.report()
                if s["kind"] == "voice" and s["text"] == "The door is open."]
        time.sleep(0.2)
    assert said and said[0]["end"] - said[0]["start"] > 0.5  # spoken, not just queued


def test_hermes_play_bytes_are_played_ducked_and_answered(speaker):
    import io

    import numpy as np
    import soundfile
    from rhasspyhermes.audioserver import AudioPlayBytes, AudioPlayFinished

    role, watcher, t, config = speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    chime = io.BytesIO()
    tone = 0.3 * np.sin(2 * np.pi * 880 * np.arange(16000) / 16000)
    soundfile.write(chime, tone, 16000, format="WAV", subtype="PCM_16")
    mark = watcher.mark()
    watcher.publish(AudioPlayBytes.topic(site_id=config.mqtt.site, request_id="chime-1"),
                    chime.getvalue())
    done = watcher.wait_for(AudioPlayFinished.topic(site_id=config.mqtt.site), after=mark,
                            timeout=20).json
    assert done["id"] == "chime-1"
    (played,) = [s for s in role.speaker.station.report()
                 if s["kind"] == "voice" and s["text"] == ""]  # sounds carry no text
    assert played["end"] - played["start"] == pytest.approx(1.0, abs=0.05)


def test_booth_run_stops_cleanly_on_sigterm_and_says_offline(library_copy, mosquitto_broker,
                                                            mqtt_watcher, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    site = unique_site("sigterm")
    watcher = mqtt_watcher()
    env = {**os.environ, "HOME": str(tmp_path)}  # an empty ~/Music: the Debian music plays
    booth = subprocess.Popen(
        [sys.executable, "-m", "booth.cli", "run", "--db", str(library_copy.path), "--output",
         "null", "--input", "none", "--no-voice", "--broker",
         f"{mosquitto_broker.host}:{mosquitto_broker.port}", "--site", site],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        watcher.wait_for(f"booth/{site}/state", lambda m: m.json["track"] is not None, timeout=60)
        booth.send_signal(signal.SIGTERM)
        assert booth.wait(20) == 0
        assert watcher.wait_for(f"booth/{site}/availability",
                                lambda m: m.text == "offline").text == "offline"
    finally:
        if booth.poll() is None:
            booth.kill()
