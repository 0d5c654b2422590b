"""The station live: skipping, pausing, volume, gapless albums, unreadable files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from booth.config import Config
from booth.station.picker import Pick, ShufflePicker
from booth.station.station import Station
from lab.measure import rms_db

BLOCK = 4096


def run(station: Station, seconds: float) -> np.ndarray:
    blocks = []
    for _ in range(int(seconds * station.rate / BLOCK)):
        mix, _, _ = station.render(BLOCK)
        blocks.append(mix)
    return np.concatenate(blocks)


@pytest.fixture()
def station(library):
    db = library.open()
    return Station(Config(), ShufflePicker(db.tracks(), seed=5))


def test_skipping_changes_the_track_within_a_second(station):
    run(station, 3)
    before = station.now_playing.track
    station.skip()
    run(station, 1.0)
    assert station.now_playing.track.id != before.id
    assert station.now_playing.track.artist != before.artist or before.artist is None


def test_a_skip_is_reported_with_the_position(station):
    events = []
    station.listeners.append(lambda kind, data: events.append((kind, data)))
    run(station, 4)
    station.skip()
    run(station, 0.5)
    (skipped,) = [d for k, d in events if k == "skipped"]
    assert 3.5 < skipped["position"] - skipped["track"].cue_in < 5.0


def test_pausing_silences_the_music_and_resuming_continues_the_same_track(station):
    run(station, 2)
    playing = station.now_playing.track
    station.pause()
    silent = run(station, 1)
    assert rms_db(silent[station.rate // 2:]) < -100
    station.resume()
    back = run(station, 1)
    assert rms_db(back[station.rate // 2:]) > -40
    assert station.now_playing.track.id == playing.id


def test_turning_the_volume_down_lowers_the_output(station):
    loud = run(station, 2)
    station.set_volume(3)
    quiet = run(station, 2)
    assert rms_db(quiet[BLOCK:]) < rms_db(loud) - 10


def test_an_album_plays_in_order_and_gapless(library):
    db = library.open()
    album = [t for t in db.album_tracks("HyperRogue") if t.artist == "Will Savino"]
    assert [t.track_no for t in album] == [21, 22, 23, 24]
    picker = ShufflePicker(db.tracks(), seed=1)
    picker.play_album(album)
    station = Station(Config(), picker)
    mix = run(station, 70)
    report = [s for s in station.report() if s["kind"] == "track"]
    assert [s["title"] for s in report[:2]] == ["Caribbean", "Ocean"]
    assert report[0]["end"] == pytest.approx(report[1]["start"], abs=1e-3)  # no crossfade
    boundary = int(report[1]["start"] * station.rate)
    assert rms_db(mix[boundary - 2400: boundary + 2400]) > -40


def test_an_unreadable_file_is_skipped_and_the_music_goes_on(library, tmp_path):
    db = library.open()
    good = db.tracks(min_seconds=30)
    broken_path = tmp_path / "gone.ogg"
    shutil.copy(good[0].path, broken_path)
    from dataclasses import replace
    broken = replace(good[0], path=str(broken_path))
    broken_path.unlink()

    class Picker:
        def __init__(self):
            self.picks = [broken, good[1]]

        def next(self, now_playing=None):
            return Pick(self.picks.pop(0) if self.picks else good[2])

    station = Station(Config(), Picker())
    mix = run(station, 2)
    assert station.now_playing.track.id == good[1].id
    assert rms_db(mix) > -40
