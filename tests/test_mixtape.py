"""A rendered mixtape of the real test music: loudness, peaks, crossfades, gaps, stems."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from booth.cli import main
from lab.measure import longest_silence, loudness, rms_db, true_peak


@pytest.fixture(scope="module")
def audio(mixtape):
    mix, rate = soundfile.read(mixtape.out, dtype="float32")
    music, _ = soundfile.read(mixtape.stems / "music.wav", dtype="float32")
    voice, _ = soundfile.read(mixtape.stems / "voice.wav", dtype="float32")
    return mix, music, voice, rate


def tracks_of(report):
    return [s for s in report["segments"] if s["kind"] == "track"]


def test_the_mixtape_lasts_exactly_as_long_as_asked(audio):
    mix, music, voice, rate = audio
    assert mix.shape[0] == music.shape[0] == voice.shape[0] == 12 * 60 * rate


def test_the_report_lists_each_track_with_its_tags_times_and_gain(mixtape, library):
    db = library.open()
    segments = tracks_of(mixtape.report)
    assert len(segments) >= 3
    for seg in segments:
        track = db.track(seg["id"])
        assert (seg["path"], seg["title"], seg["artist"], seg["album"]) == \
            (track.path, track.title, track.artist, track.album)
        assert seg["gain_db"] == pytest.approx(-17.0 - track.lufs, abs=0.01)
        assert 0 <= seg["start"] < seg["end"] <= 12 * 60
    assert [s["start"] for s in segments] == sorted(s["start"] for s in segments)


def test_every_track_plays_at_the_loudness_target_within_one_and_a_half_lu(
        mixtape, audio, library):
    _, music, _, rate = audio
    db = library.open()
    segments = tracks_of(mixtape.report)
    levels = []
    for seg in segments:
        track = db.track(seg["id"])
        if seg["end"] - seg["start"] < track.cue_out - track.cue_in - 0.1:
            continue  # cut short by the end of the mixtape: not the whole track's loudness
        # Whole track; the crossfades at either end are shared with its neighbours.
        lo, hi = seg["start"] + 4, seg["end"] - 4
        levels.append(loudness(music[int(lo * rate):int(hi * rate)], rate))
    assert len(levels) >= 2
    assert max(levels) - min(levels) <= 3.0
    assert all(abs(level + 17.0) <= 1.5 for level in levels), levels


def test_the_true_peak_never_exceeds_minus_one_dbtp(audio):
    mix, _, _, rate = audio
    assert true_peak(mix, rate) <= -1.0


def test_the_limiter_limits_rather_than_clips(audio):
    mix, _, _, _ = audio
    # A hard clip leaves runs of consecutive samples stuck at the top; a limiter scales the
    # waveform, so its peaks stay round.
    peak = np.abs(mix).max()
    top = np.abs(mix) >= peak * 0.999
    runs = top[1:] & top[:-1]
    assert runs.sum() < 10


def test_consecutive_tracks_crossfade(mixtape, audio):
    _, music, _, rate = audio
    segments = tracks_of(mixtape.report)
    for a, b in zip(segments, segments[1:]):
        overlap = a["end"] - b["start"]
        assert 1.0 <= overlap <= 4.01, (a["title"], b["title"], overlap)
        middle = int((b["start"] + overlap / 2) * rate)
        assert rms_db(music[middle - rate // 4: middle + rate // 4]) > -45


def test_there_is_no_silent_gap_longer_than_a_second_between_tracks(mixtape, audio):
    mix, _, _, rate = audio
    segments = tracks_of(mixtape.report)
    for a, b in zip(segments, segments[1:]):
        around = mix[int((b["start"] - 8) * rate):int((a["end"] + 8) * rate)]
        assert longest_silence(around, rate) < 1.0, (a["title"], b["title"])
    # Some tracks pause for a second within themselves; the player adds nothing longer.
    assert longest_silence(mix[: -6 * rate], rate) < 1.5


def test_the_last_track_fades_out_at_the_end(audio):
    mix, _, _, rate = audio
    assert rms_db(mix[-rate // 10:]) < rms_db(mix[-10 * rate:-6 * rate]) - 20


def test_the_stems_add_up_to_the_mix_up_to_the_limiter(audio):
    mix, music, voice, _ = audio
    residual = rms_db(mix - (music + voice))
    assert residual < rms_db(mix) - 30


def test_the_same_seed_gives_the_same_session(library, tmp_path):
    reports = []
    for name in ("a", "b"):
        assert main(["mixtape", "--db", str(library.path), "--minutes", "2", "--seed", "3",
                     "--no-voice", "--out", str(tmp_path / f"{name}.flac"),
                     "--report", str(tmp_path / f"{name}.json")]) == 0
        reports.append(json.loads((tmp_path / f"{name}.json").read_text())["segments"])
    assert reports[0] == reports[1]
    a, _ = soundfile.read(tmp_path / "a.flac")
    b, _ = soundfile.read(tmp_path / "b.flac")
    assert np.array_equal(a, b)


def test_a_mixtape_records_history_only_when_asked(library_copy, tmp_path):
    db_path = str(library_copy.path)
    args = ["mixtape", "--db", db_path, "--minutes", "1", "--no-voice", "--seed", "1",
            "--out", str(tmp_path / "m.wav")]
    assert main(args) == 0
    assert library_copy.events() == []
    assert main(args + ["--record"]) == 0
    kinds = [e["kind"] for e in library_copy.events()]
    assert kinds and kinds[0] == "play"
