"""The whole player role — real library, recommender, Piper, mixer — driven over a real
Mosquitto: commands, Hermes, requests, restarts of Booth and of the broker. What the listener
hears is read from the music and voice stems the live station renders; levels are measured
on a library of steady noise, where any change of level is Booth's doing."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest
from rhasspyhermes.nlu import NluIntent
from rhasspyhermes.tts import TtsSay, TtsSayFinished

from booth.config import Config
from booth.library.db import Database
from booth.roles.player import start_player
from tests.conftest import config_with
from lab.measure import rms_db
from lab.mosquitto import unique_site, wait_until

DUCK_DB = Config().audio.duck_db
"""How far the music steps back under speech and sounds (−12 dB unless configured)."""


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


@pytest.fixture(scope="module")
def steady_library(tmp_path_factory):
    """Three tracks of steady noise, scanned: any change in the music's level is Booth's."""
    import soundfile

    from booth.library.scan import scan

    folder = tmp_path_factory.mktemp("steady")
    rng = np.random.default_rng(18)
    for name in ("hiss one", "hiss two", "hiss three"):
        noise = 0.05 * rng.standard_normal((45 * 48000, 2))
        soundfile.write(folder / f"{name}.flac", noise.astype(np.float32), 48000)
    db = Database(folder / "steady.db")
    scan(db, [folder], progress=False)
    db.close()
    return folder / "steady.db"


@pytest.fixture()
def steady_speaker(steady_library, tmp_path, mosquitto_broker, mqtt_watcher):
    """A running player role playing steady noise, a watcher of its site, and a tap on what
    it renders."""
    source = Database(steady_library)
    source.conn.execute("VACUUM INTO ?", (str(tmp_path / "steady.db"),))
    source.close()
    site = unique_site("steady")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    watcher = mqtt_watcher()
    role = start_player(config, Database(tmp_path / "steady.db"), "null", voice=False)
    tap = Tap(role.speaker.station)
    yield role, watcher, topics(site), config, tap
    role.stop()


def state_of(watcher, topic, where=lambda s: True, after=0, timeout=20.0):
    return watcher.wait_for(topic, lambda m: where(m.json), timeout=timeout, after=after).json


class Tap:
    """What the live speaker rendered: its music and voice stems on the station's timeline
    (the stems are what the listener hears, before the limiter), from now on."""

    def __init__(self, station) -> None:
        self.rate = station.rate
        self._lock = threading.Lock()
        self._music: list[np.ndarray] = []
        self._voice: list[np.ndarray] = []
        self.start: int | None = None
        """Timeline frame of the first recorded block."""
        render = station.render

        def recording(n: int):
            t0 = station.mixer.position
            mix, music, voice = render(n)
            if station.mixer.position > t0:  # paused, the timeline stands still
                with self._lock:
                    if self.start is None:
                        self.start = t0
                    self._music.append(music.copy())
                    self._voice.append(voice.copy())
            return mix, music, voice

        station.render = recording  # the player's render thread calls this from now on

    def end(self) -> float:
        """Seconds on the timeline up to which the stems are recorded."""
        with self._lock:
            if self.start is None:
                return 0.0
            return (self.start + sum(len(b) for b in self._music)) / self.rate

    def wait_until(self, seconds: float, timeout: float = 20.0) -> None:
        wait_until(lambda: self.end() >= seconds, timeout, f"{seconds:.1f} s rendered")

    def level(self, stem: str, start: float, end: float) -> float:
        """RMS level (dBFS) of the ``music`` or ``voice`` stem between two timeline seconds."""
        with self._lock:
            audio = np.concatenate(self._music if stem == "music" else self._voice)
            first = self.start or 0
        lo, hi = int(start * self.rate) - first, int(end * self.rate) - first
        assert 0 <= lo < hi <= len(audio), f"{start:.2f}-{end:.2f} s was not recorded"
        return rms_db(audio[lo:hi])


def heard(role, text: str, timeout: float = 20.0) -> dict:
    """The voice segment of ``text`` in the station's report, once placed."""
    return wait_until(lambda: next((s for s in role.speaker.station.report()
                                    if s["kind"] == "voice" and s["text"] == text), None),
                      timeout, f"{text!r} in the report")


def test_the_speaker_announces_itself_and_what_it_plays_to_late_subscribers_too(
        speaker, mqtt_watcher):
    role, watcher, t, _ = speaker
    watcher.wait_for(t["availability"], lambda m: m.text == "online")
    state = state_of(watcher, t["state"], lambda s: s["track"] is not None)
    assert state["state"] == "playing" and state["volume"] == 7
    assert {"id", "path", "title", "artist", "album", "duration"} <= set(state["track"])
    assert "Maxstack" in watcher.wait_for(t["vocabulary"]).text
    # Home Assistant or a satellite that connects later learns all of it from the broker.
    late = mqtt_watcher(t["availability"], t["state"], t["vocabulary"])
    availability = late.wait_for(t["availability"])
    assert availability.retain and availability.text == "online"
    retained = late.wait_for(t["state"])
    assert retained.retain and retained.json["track"]["id"] == state["track"]["id"]
    vocabulary = late.wait_for(t["vocabulary"])
    assert vocabulary.retain and "Maxstack" in vocabulary.text


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
    assert role.speaker.station.now_playing.track.id == changed["track"]["id"]


def test_a_like_is_an_event_naming_the_track_and_who_liked_it_and_is_remembered(
        speaker, library_copy):
    role, watcher, t, _ = speaker
    playing = state_of(watcher, t["state"], lambda s: s["track"] is not None)["track"]
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "like", "origin": "button-2"})
    liked = watcher.wait_for(t["event"], lambda m: m.json["event"] == "liked", after=mark).json
    assert liked["track"]["id"] == playing["id"] and liked["origin"] == "button-2"
    assert Database(library_copy.path).history(playing["id"])["likes"] == 1


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
    assert "from 0 to 10, not 11" in error["error"]
    assert role.speaker.snapshot()["volume"] == 3


def test_turning_the_volume_from_7_to_3_makes_the_music_12_db_quieter(steady_speaker):
    role, watcher, t, _, tap = steady_speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    tap.wait_until(2.0)
    before = tap.end()
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "volume", "level": 3})
    state_of(watcher, t["state"], lambda s: s["volume"] == 3, after=mark)
    after = tap.end() + 0.4  # the blocks from here on are rendered at the new volume
    tap.wait_until(after + 0.5)
    drop = tap.level("music", after, after + 0.5) - tap.level("music", before - 0.5, before)
    assert drop == pytest.approx(-12.0, abs=0.5)


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
    tap = Tap(role.speaker.station)
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    say = TtsSay(text="The washing machine has finished.", site_id=config.mqtt.site, id="say-1")
    mark = watcher.mark()
    watcher.publish(TtsSay.topic(), say.to_json())
    done = watcher.wait_for(TtsSayFinished.topic(), after=mark, timeout=30).json
    assert done["id"] == "say-1"
    spoken = heard(role, say.text)
    assert spoken["end"] - spoken["start"] > 1.0
    assert tap.level("voice", spoken["start"], spoken["end"]) > -40, "the words were not heard"
    assert tap.level("music", spoken["start"], spoken["end"]) > -60, "the music stopped"


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
    watcher.wait_for(t["availability"], lambda m: m.text == "offline")

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
        # The restarted broker forgot everything: the speaker publishes its retained
        # availability and state again.
        watcher.wait_for(t["availability"], lambda m: m.text == "online", timeout=30)
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
    tap = Tap(role.speaker.station)
    try:
        state_of(watcher, f"booth/{site}/state", lambda s: s["track"] is not None)
        mark = watcher.mark()
        say = TtsSay(text="Your tea is ready.", site_id=site, id="remote-1")
        watcher.publish(TtsSay.topic(), say.to_json())
        assert watcher.wait_for(TtsSayFinished.topic(), after=mark, timeout=30).json["id"] \
            == "remote-1"
        assert service.spoken >= 1
        spoken = heard(role, say.text)
        assert spoken["end"] - spoken["start"] > 0.8
        assert tap.level("voice", spoken["start"], spoken["end"]) > -40
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


def test_the_vocabulary_is_republished_when_the_library_changes(speaker, library_copy,
                                                                 mqtt_watcher):
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
    watcher.wait_for(t["vocabulary"], lambda m: "Zebra Orchestra" in m.text, after=mark,
                     timeout=30)
    late = mqtt_watcher(t["vocabulary"])  # a satellite starting now gets the new names
    retained = late.wait_for(t["vocabulary"])
    assert retained.retain and "Zebra Orchestra" in retained.text
    mark = watcher.mark()
    watcher.publish(t["command"], {"action": "request", "text": "play zebra orchestra"})
    state = state_of(watcher, t["state"],
                     lambda s: s["track"] and s["track"]["artist"] == "Zebra Orchestra",
                     after=mark)
    assert state["state"] == "playing"


def test_booth_say_speaks_through_the_running_speaker(speaker):
    from booth.cli import main

    role, watcher, t, config = speaker
    tap = Tap(role.speaker.station)
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    assert main(["say", "--broker", f"{config.mqtt.host}:{config.mqtt.port}", "--site",
                 config.mqtt.site, "The door is open."]) == 0
    said = heard(role, "The door is open.")
    assert said["end"] - said["start"] > 0.5
    tap.wait_until(said["end"])
    assert tap.level("voice", said["start"], said["end"]) > -40  # spoken, not just queued


def test_hermes_play_bytes_are_played_over_the_ducked_music_and_answered(steady_speaker):
    import io

    import soundfile
    from rhasspyhermes.audioserver import AudioPlayBytes, AudioPlayFinished

    role, watcher, t, config, tap = steady_speaker
    state_of(watcher, t["state"], lambda s: s["track"] is not None)
    tap.wait_until(2.0)
    chime = io.BytesIO()
    tone = 0.3 * np.sin(2 * np.pi * 880 * np.arange(16000) / 16000)
    soundfile.write(chime, tone, 16000, format="WAV", subtype="PCM_16")
    mark = watcher.mark()
    watcher.publish(AudioPlayBytes.topic(site_id=config.mqtt.site, request_id="chime-1"),
                    chime.getvalue())
    done = watcher.wait_for(AudioPlayFinished.topic(site_id=config.mqtt.site), after=mark,
                            timeout=20).json
    assert done["id"] == "chime-1"
    played = heard(role, "")  # sounds carry no text
    assert played["end"] - played["start"] == pytest.approx(1.0, abs=0.05)
    tap.wait_until(played["end"])
    assert tap.level("voice", played["start"], played["end"]) > -40, "the chime was not heard"
    attack = Config().audio.duck_attack
    music = tap.level("music", played["start"] - attack - 0.5, played["start"] - attack)
    under = tap.level("music", played["start"], played["end"])
    assert under - music == pytest.approx(DUCK_DB, abs=0.5), "the music did not step back"


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
        watcher.wait_for(f"booth/{site}/availability", lambda m: m.text == "offline")
    finally:
        if booth.poll() is None:
            booth.kill()
