"""Scanning real music and broken files into the library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from booth.library.db import Database
from booth.library.scan import scan
from lab.measure import loudness, true_peak

SINGULARITY = Path("/usr/share/games/singularity/music")
HYPERROGUE = Path("/usr/share/hyperrogue/music")
ASC = Path("/usr/share/games/asc/music")


def by_file(db: Database) -> dict[str, object]:
    return {Path(t.path).name: t for t in db.tracks()}


def test_every_test_track_is_indexed_and_nothing_is_skipped(library, music_dirs):
    files = [p for d in music_dirs for p in Path(d).rglob("*")
             if p.suffix.lower() in {".ogg", ".mp3"}]
    assert library.report["tracks"] == len(files) >= 30
    assert library.report["skipped"] == []


def test_tags_are_read_with_their_real_values(library):
    tracks = by_file(library.open())
    nebula = tracks["Nebula.ogg"]
    assert (nebula.title, nebula.artist, nebula.year) == ("Nebula", "Maxstack", 2012)
    assert nebula.album.startswith("Endgame: Singularity")
    ocean = tracks["hr-savino-ocean.ogg"]  # ffmpeg rejects this file; libsndfile reads it
    assert (ocean.title, ocean.artist, ocean.album, ocean.track_no) == \
        ("Ocean", "Will Savino", "HyperRogue", 22)


def test_a_title_tag_listing_the_whole_album_yields_the_files_own_title(library):
    tracks = by_file(library.open())
    desert = tracks["hr3-desert.ogg"]
    assert desert.title == "Desert" and desert.track_no == 10
    assert tracks["hr3-crossroads.ogg"].title == "Crossroads"


def test_untagged_files_get_a_title_from_their_name_and_no_invented_artist(library):
    tracks = by_file(library.open())
    frontiers = tracks["frontiers.mp3"]
    assert frontiers.title == "Frontiers" and not frontiers.title_from_tags
    assert frontiers.artist is None and frontiers.album is None  # "music" says nothing
    assert tracks["machine_wars.mp3"].title == "Machine Wars"


def test_the_stored_loudness_and_peak_are_what_libebur128_measures_in_the_file(library):
    tracks = library.open().tracks()
    for t in tracks:
        assert -30 < t.lufs < -5, t.path
        assert -20 < t.true_peak < 3, t.path
    by_name = {Path(t.path).name: t for t in tracks}
    for name in ("Nebula.ogg", "hr-savino-ocean.ogg", "frontiers.mp3"):  # Ogg, odd Ogg, MP3
        t = by_name[name]
        audio, rate = soundfile.read(t.path, dtype="float32", always_2d=True)
        assert t.lufs == pytest.approx(loudness(audio, rate), abs=0.1), name
        assert t.true_peak == pytest.approx(true_peak(audio, rate), abs=0.2), name
        assert t.duration == pytest.approx(len(audio) / rate, abs=0.05), name


def _tone(seconds: float, rate: int = 44100, lead: float = 0.0, tail: float = 0.0):
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    audio = np.concatenate([np.zeros(int(lead * rate)), tone, np.zeros(int(tail * rate))])
    return np.stack([audio, audio], axis=1).astype(np.float32), rate


def test_cue_points_skip_leading_and_trailing_silence(tmp_path):
    audio, rate = _tone(40, lead=3.0, tail=2.5)
    soundfile.write(tmp_path / "gap.flac", audio, rate)
    db = Database(tmp_path / "db.sqlite")
    scan(db, [tmp_path], progress=False)
    (track,) = db.tracks()
    assert abs(track.cue_in - 3.0) < 0.1
    assert abs(track.cue_out - 43.0) < 0.1
    assert track.title == "Gap" and track.artist is None


def test_unicode_names_and_every_format_are_indexed(tmp_path):
    audio, rate = _tone(35)
    names = ["Sigur Rós – Ágætis byrjun.flac", "03 - café_del_mar.wav", "東京.ogg"]
    for name in names:
        soundfile.write(tmp_path / name, audio, rate)
    soundfile.write(tmp_path / "voice.opus", audio[:, :1], 48000, format="OGG", subtype="OPUS")
    db = Database(tmp_path / "db.sqlite")
    report = scan(db, [tmp_path], progress=False)
    assert report.skipped == [] and report.tracks == 4
    titles = {t.title for t in db.tracks()}
    assert {"Sigur Rós – Ágætis byrjun", "Café Del Mar", "東京", "Voice"} == titles


def test_broken_files_are_skipped_with_the_reason_and_the_scan_exits_0(tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    shutil.copy(SINGULARITY / "Awakening.ogg", music / "good.ogg")
    (music / "empty.mp3").write_bytes(b"")
    (music / "phone.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(200))
    (music / "notes.flac").write_text("this is not audio at all\n" * 50)
    whole = (SINGULARITY / "Nebula.ogg").read_bytes()
    (music / "truncated.ogg").write_bytes(whole[: len(whole) // 3])
    db_path = tmp_path / "db.sqlite"
    done = subprocess.run([sys.executable, "-m", "booth.cli", "scan", "--json", "--db",
                           str(db_path), str(music)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["tracks"], result["added"]) == (1, 1)
    reasons = {Path(s["path"]).name: s["error"] for s in result["skipped"]}
    assert set(reasons) == {"empty.mp3", "notes.flac", "truncated.ogg", "phone.m4a"}
    assert "not supported" in reasons["phone.m4a"] and "FLAC" in reasons["phone.m4a"]
    assert "empty" in reasons["empty.mp3"]
    assert "not an audio file" in reasons["notes.flac"]
    assert "truncated" in reasons["truncated.ogg"] or "corrupt" in reasons["truncated.ogg"]


def test_rescans_are_incremental_keep_ids_and_forget_deleted_files(tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    for name in ["Awakening.ogg", "Coherence.ogg", "Inevitable.ogg"]:
        shutil.copy(SINGULARITY / name, music / name)
    db = Database(tmp_path / "db.sqlite")
    first = scan(db, [music], progress=False)
    ids = {Path(t.path).name: t.id for t in db.tracks()}
    assert first.added == 3

    again = scan(db, [music], progress=False)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)

    (music / "Coherence.ogg").unlink()
    shutil.copy(HYPERROGUE / "hr-savino-palace.ogg", music / "Awakening.ogg")  # changed
    third = scan(db, [music], progress=False)
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 1, 1, 1)
    after = {Path(t.path).name: t for t in db.tracks()}
    assert after["Awakening.ogg"].id == ids["Awakening.ogg"]
    assert after["Awakening.ogg"].title == "Palace"
    assert after["Inevitable.ogg"].id == ids["Inevitable.ogg"]

    shutil.copy(SINGULARITY / "Nebula.ogg", music / "Nebula.ogg")
    fourth = scan(db, [music], progress=False)
    new_id = {Path(t.path).name: t.id for t in db.tracks()}["Nebula.ogg"]
    assert fourth.added == 1 and new_id not in ids.values()  # ids are never reused


def test_the_database_is_in_wal_mode(library):
    assert library.open().conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
