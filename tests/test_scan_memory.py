"""A scan worker streams its file: its memory does not grow with the track's length, and
streaming measures what the whole decoded track measures."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from booth.audio.decode import read_whole
from booth.library import analysis
from booth.library.features import FEATURE_NAMES, compute_features
from booth.library.scan import analyse_file
from lab.measure import loudness, true_peak

HYPERROGUE = Path("/usr/share/hyperrogue/music")
SINGULARITY = Path("/usr/share/games/singularity/music")

WORKER_PEAK_MB = 150
"""A worker's peak resident memory, interpreter and libraries included (the issue's bound:
a Raspberry Pi Zero 2 has 512 MB for everything)."""

WORKER = """
import json, sys
from booth.library.scan import analyse_file
values = analyse_file(sys.argv[1])
with open("/proc/self/status") as f:
    status = dict(line.split(":", 1) for line in f)
print(json.dumps({"peak_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "duration": values["duration"], "cue_out": values["cue_out"]}))
"""
BASELINE = """
import json
import booth.library.scan
with open("/proc/self/status") as f:
    status = dict(line.split(":", 1) for line in f)
print(json.dumps({"peak_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def in_a_worker(code: str, *args: str) -> dict:
    # VmHWM, not ru_maxrss: ru_maxrss keeps the peak of the forked pytest process across exec.
    done = subprocess.run([sys.executable, "-c", code, *args], check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def an_hour_of(track: Path, folder: Path) -> Path:
    """A 60-minute FLAC of a real track repeated, mono at 22.05 kHz (quick to write; a
    whole-file decode of it alone would be 300 MB)."""
    audio, rate = soundfile.read(str(track), dtype="float32", always_2d=True)
    mono = soxr.resample(audio.mean(axis=1), rate, 22050)
    path = folder / "an hour.flac"
    left = 3600 * 22050
    with soundfile.SoundFile(str(path), "w", 22050, 1, format="FLAC") as out:
        while left > 0:
            out.write(mono[:left])
            left -= min(left, mono.size)
    return path


def test_a_worker_scanning_a_60_minute_file_peaks_under_150_mb(tmp_path):
    hour = an_hour_of(HYPERROGUE / "hr3-caves.ogg", tmp_path)
    worker = in_a_worker(WORKER, str(hour))
    baseline = in_a_worker(BASELINE)["peak_mb"]
    assert worker["duration"] == pytest.approx(3600.0)
    assert worker["cue_out"] > 3500
    assert worker["peak_mb"] <= WORKER_PEAK_MB, \
        f"peak {worker['peak_mb']:.0f} MB, of which {baseline:.0f} MB is the interpreter"


def test_a_streamed_scan_measures_what_the_whole_decoded_track_measures():
    path = SINGULARITY / "Deprecation.ogg"  # 48 kHz (resampled), longer than the excerpts
    streamed = analyse_file(str(path))

    frames, rate = read_whole(path)
    whole = asdict(analysis.analyse(frames, rate))
    mono = soxr.resample(frames.mean(axis=1), rate, analysis.ANALYSIS_RATE, quality="MQ")
    features = compute_features(mono, analysis.ANALYSIS_RATE)

    assert streamed["duration"] == whole["duration"] == frames.shape[0] / rate
    assert streamed["lufs"] == pytest.approx(whole["lufs"], abs=1e-6)
    assert streamed["lufs"] == pytest.approx(loudness(frames, rate), abs=1e-6)
    assert streamed["true_peak"] == pytest.approx(whole["true_peak"], abs=0.01)
    assert streamed["true_peak"] == pytest.approx(true_peak(frames, rate), abs=0.2)
    for cue in ("cue_in", "cue_out", "intro_end", "outro_start"):
        assert streamed[cue] == pytest.approx(whole[cue], abs=analysis.CUE_STEP), cue
    for name, got, want in zip(FEATURE_NAMES, streamed["features"], features):
        assert got == pytest.approx(want, rel=1e-4, abs=1e-4), name
    assert np.isfinite(streamed["features"]).all()
