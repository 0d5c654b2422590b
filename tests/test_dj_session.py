"""The DJ on air: links from real facts, spoken by Piper over the intros, ducking the music."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
import soundfile

from booth.config import Config
from booth.dj.host import DJHost
from booth.dj.spoken import speakable
from booth.dj.talk import expected_links
from booth.station.station import Station
from tests.conftest import config_with
from lab.fakes.voice import SlowVoice, ToneVoice
from lab.measure import longest_silence, rms_db

BLOCK = 4096


def segments(report, kind):
    return [s for s in report["segments"] if s["kind"] == kind]


def introduced_by(report, link):
    """The track a link introduces: the first track starting after the link begins, or
    the one it talks over when it is placed inside a track's intro."""
    tracks = segments(report, "track")
    starting = [t for t in tracks if t["start"] <= link["end"]]
    return starting[-1]


def test_the_mixtape_reports_each_link_with_its_text_and_a_voice_stem(voiced_mixtape):
    links = segments(voiced_mixtape.report, "voice")
    assert len(links) >= 2
    voice, rate = soundfile.read(voiced_mixtape.stems / "voice.wav", dtype="float32")
    for link in links:
        assert link["text"].strip()
        span = voice[int(link["start"] * rate):int(link["end"] * rate)]
        assert rms_db(span) > -40, link
    quiet = voice[int((links[0]["end"] + 1) * rate):int((links[1]["start"] - 1) * rate)]
    assert rms_db(quiet) < -100


def test_the_facts_in_each_link_are_those_of_its_tracks(voiced_mixtape, library):
    db = library.open()
    names = {t.artist for t in db.tracks() if t.artist} | {t.title for t in db.tracks()}
    report = voiced_mixtape.report
    tracks = segments(report, "track")
    for link in segments(report, "voice"):
        track = introduced_by(report, link)
        before = [t for t in tracks if t["start"] < track["start"]]
        allowed = {track["title"], track["artist"], *(b["title"] for b in before[-1:]),
                   *(b["artist"] for b in before[-1:])}
        said = speakable(link["text"]).lower()
        for name in names - allowed:
            if len(name) > 4 and re.search(rf"\b{re.escape(speakable(name).lower())}\b", said):
                pytest.fail(f"{link['text']!r} names {name!r}, not a fact of its tracks")
        if track["artist"] is None:
            assert not any(a and a.lower() in said for a in
                           {t.artist for t in db.tracks()} - {None}
                           - {b["artist"] for b in before[-1:]})


def test_the_music_ducks_under_each_link_by_the_configured_depth(voiced_mixtape, mixtape):
    plain, rate = soundfile.read(mixtape.stems / "music.wav", dtype="float32")
    ducked, _ = soundfile.read(voiced_mixtape.stems / "music.wav", dtype="float32")
    assert segments(voiced_mixtape.report, "track") == segments(mixtape.report, "track")
    for link in segments(voiced_mixtape.report, "voice"):
        lo, hi = int((link["start"] + 0.1) * rate), int(link["end"] * rate)
        depth = rms_db(ducked[lo:hi]) - rms_db(plain[lo:hi])
        assert depth == pytest.approx(Config().audio.duck_db, abs=2.0), link["text"]
        assert link["duck_db"] == Config().audio.duck_db  # the report says how deep
    after = segments(voiced_mixtape.report, "voice")[0]["end"] + 2.0  # released again
    lo = int(after * rate)
    assert rms_db(ducked[lo:lo + rate]) == pytest.approx(rms_db(plain[lo:lo + rate]), abs=0.5)


PACE = 1.0
"""Seconds a link may run over its slot: Piper speaks a little slower or faster than the
writer's estimate."""


def misplaced_links(report_segments, db) -> list:
    """Links that last longer than a link may, or run on into the song they introduce (past
    its intro, or past the crossfade when they are spoken over the outgoing outro); the
    session's opening greets at once instead, over the first seconds of the first track."""
    report = {"segments": report_segments}
    tracks = segments(report, "track")
    wrong = []
    for link in segments(report, "voice"):
        track = introduced_by(report, link)
        i = tracks.index(track)
        incoming = db.track(track["id"])
        post = track["start"] + incoming.intro_end - incoming.cue_in  # the song proper starts
        crossfaded = tracks[i - 1]["end"] if i else track["start"]
        too_long = link["end"] - link["start"] > 10.0 + PACE
        if i == 0:
            late = link["start"] > track["start"] + 3.0
        else:
            late = link["end"] > max(post, crossfaded) + PACE
        if too_long or late:
            wrong.append((link, {"post": post, "crossfaded": crossfaded}))
    return wrong


def test_links_are_spoken_over_intros_and_outros_not_over_the_songs(voiced_mixtape, library):
    assert misplaced_links(voiced_mixtape.report["segments"], library.open()) == []


def _session(library, joe, minutes: float, talk: str):
    db = library.open()
    from booth.roles.player import make_picker

    config = config_with(dj={"talk": talk})
    dj = DJHost(config, db, joe, seed=11, clock=lambda: datetime(2026, 11, 27, 20, 30))
    station = Station(config, make_picker(config, db.copy_to(db.path.parent / f"s{talk}.db"),
                                          seed=11), dj=dj, offline=True)
    station.finish_at(minutes * 60)
    while not station.stopped:
        station.render(BLOCK * 4)
    dj.close()
    return station


@pytest.fixture(scope="module")
def two_hours(library, joe, tmp_path_factory):
    return _session(library, joe, 120, "normal")


def test_no_line_repeats_over_a_two_hour_session(two_hours):
    links = [s["text"] for s in two_hours.report() if s["kind"] == "voice"]
    sentences = [s.strip() for text in links for s in re.split(r"(?<=[.!?])\s+", text)
                 if len(s.split()) >= 4]
    assert len(links) >= 8
    assert len(set(links)) == len(links)
    assert len(set(sentences)) == len(sentences), [s for s in sentences
                                                   if sentences.count(s) > 1]


def test_over_two_hours_every_link_is_spoken_over_an_intro_or_outro(two_hours, library):
    assert misplaced_links(two_hours.report(), library.open()) == []


def test_a_two_hour_session_has_the_links_its_talk_setting_promises(two_hours):
    report = two_hours.report()
    transitions = len([s for s in report if s["kind"] == "track"]) - 1
    links = len([s for s in report if s["kind"] == "voice"])
    requests = 0  # nobody asked for anything in this session
    assert links == expected_links(transitions, "normal") + requests


def _live_station(library, voice, lookahead: float):
    db = library.open()
    from booth.station.picker import ShufflePicker

    config = replace(Config(), dj=replace(Config().dj, lookahead_seconds=lookahead,
                                          talk="more"))
    dj = DJHost(config, db, voice, seed=3)
    return Station(config, ShufflePicker(db.tracks(min_seconds=30), seed=3), dj=dj), dj


def test_a_link_not_ready_in_time_is_dropped_without_a_gap(library):
    station, dj = _live_station(library, SlowVoice(ToneVoice(), delay=3.0), lookahead=2.0)
    mix = []
    for _ in range(int(8 * station.rate / BLOCK)):  # unpaced: far faster than the voice
        mix.append(station.render(BLOCK)[0])
    dj.close()
    assert station.dropped_links >= 1
    assert [s for s in station.report() if s["kind"] == "voice"] == []
    assert longest_silence(np.concatenate(mix), station.rate) < 1.0


def test_a_link_ready_in_time_is_spoken(library):
    station, dj = _live_station(library, ToneVoice(), lookahead=2.0)
    for _ in range(int(6 * station.rate / BLOCK)):
        station.render(BLOCK)
        time.sleep(0.005)  # let the DJ's thread run, as real time would
    dj.close()
    assert station.dropped_links == 0
    assert [s for s in station.report() if s["kind"] == "voice"]


def test_say_speaks_over_the_music_at_once_and_ducks_it(library, joe):
    db = library.open()
    from booth.station.picker import ShufflePicker

    config = config_with(dj={"talk": "off"})
    dj = DJHost(config, db, joe)
    station = Station(config, ShufflePicker(db.tracks(min_seconds=30), seed=1), dj=dj)
    for _ in range(int(3 * station.rate / BLOCK)):
        station.render(BLOCK)
    done = []
    samples = dj.speak("Hello from the booth. This is a test.")
    station.say(samples, "Hello from the booth.", lambda: done.append(True))
    music, voice = [], []
    for _ in range(int((samples.shape[0] / station.rate + 3) * station.rate / BLOCK)):
        _, m, v = station.render(BLOCK)
        music.append(m)
        voice.append(v)
    music, voice = np.concatenate(music), np.concatenate(voice)
    rate = station.rate
    assert rms_db(voice[: rate // 2]) > -40  # speech within half a second
    assert rms_db(music[rate // 4: rate]) < rms_db(music[-rate // 2:]) - 8  # ducked, then back
    assert done == [True]
    dj.close()


def test_a_voice_that_fails_costs_the_link_and_nothing_else(library):
    station, dj = _live_station(library, SlowVoice(ToneVoice(), delay=0.0,
                                                   error=RuntimeError("piper crashed")), 2.0)
    mix = []
    for _ in range(int(8 * station.rate / BLOCK)):
        mix.append(station.render(BLOCK)[0])
        time.sleep(0.002)
    dj.close()
    assert station.dropped_links >= 1
    assert longest_silence(np.concatenate(mix), station.rate) < 1.0
