"""Where the mix goes: a real (PulseAudio null-sink) device, files, Snapcast, null."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile

from booth.audio.outputs import NullSink, OutputError, SnapcastSink, open_output

RATE = 48000


def tone(seconds: float, hz: float = 1000.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


PLAY_TONE = """
import sys, numpy as np
from booth.audio.outputs import open_output
t = np.arange(int(1.5 * 48000)) / 48000
mono = (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
sink = open_output(sys.argv[1], 48000, buffer_seconds=0.3)
for block in np.array_split(np.stack([mono, mono], axis=1), 18):
    sink.write(block)
import time; time.sleep(0.6)
sink.close()
"""


def run_python(code: str, *args: str, env) -> subprocess.CompletedProcess:
    # A fresh process, as Booth runs: PortAudio and ALSA read the sound setup once.
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_device_output_really_plays_through_pulseaudio(pulse_null_sink, tmp_path):
    recording = tmp_path / "heard.raw"
    with open(recording, "wb") as out:
        recorder = subprocess.Popen(["parec", "-d", "booth_test.monitor", "--raw",
                                     "--format=s16le", "--rate=48000", "--channels=2"],
                                    env=pulse_null_sink, stdout=out)
        time.sleep(0.5)
        played = run_python(PLAY_TONE, "device:pulse", env=pulse_null_sink)
        recorder.terminate()
        recorder.wait(10)
    assert played.returncode == 0, played.stderr[-2000:]
    heard = np.frombuffer(recording.read_bytes(), dtype="<i2").reshape(-1, 2) / 32768.0
    windows = np.abs(heard[: len(heard) // 480 * 480, 0]).reshape(-1, 480).max(axis=1)
    sounding = np.flatnonzero(windows > 0.1)
    assert len(sounding) * 480 > 1.2 * RATE  # the 1.5 s tone arrived
    start = (sounding[0] + 10) * 480
    piece = heard[start:start + RATE // 2, 0]
    peak_hz = np.argmax(np.abs(np.fft.rfft(piece))) * RATE / len(piece)
    assert abs(peak_hz - 1000) < 10


def test_an_unknown_device_name_lists_the_devices_there_are(pulse_null_sink):
    done = run_python(PLAY_TONE, "device:no such card", env=pulse_null_sink)
    assert done.returncode != 0
    assert "no output device matching 'no such card'" in done.stderr
    assert "'pulse'" in done.stderr  # the devices that do exist are named


def test_booth_run_without_an_audio_device_renders_a_mixtape_instead(library, tmp_path):
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "none"),
           "PULSE_SERVER": "unix:/nonexistent", "XDG_STATE_HOME": str(tmp_path / "state"),
           "AUDIODEV": "null"}
    # An empty ~/Music: the Debian music is used, scanned into a copy of the test library.
    shutil.copy(library.path, tmp_path / "booth.db")
    done = subprocess.run([sys.executable, "-m", "booth.cli", "run", "--db",
                           str(tmp_path / "booth.db"), "--no-voice", "--output", "device:pulse"],
                          env={**env, "HOME": str(tmp_path)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "No audio device" in done.stderr
    path = done.stdout.strip().splitlines()[-1]
    info = soundfile.info(path)
    assert info.duration == pytest.approx(600, abs=0.1)


def test_a_file_output_writes_flac(tmp_path):
    sink = open_output(f"file:{tmp_path / 'out.flac'}", RATE)
    sink.write(tone(1.0))
    sink.close()
    data, rate = soundfile.read(tmp_path / "out.flac", dtype="float32")
    assert rate == RATE and data.shape == (RATE, 2)
    np.testing.assert_allclose(data, tone(1.0), atol=1 / 16384)  # the tone, as written


def test_the_null_output_keeps_real_time_pace():
    sink = NullSink(RATE)
    start = time.monotonic()
    for _ in range(10):
        sink.write(np.zeros((4800, 2), np.float32))  # 1 s of audio
    assert 0.8 <= time.monotonic() - start <= 1.5


def test_the_snapcast_fifo_receives_16_bit_pcm(tmp_path):
    fifo = tmp_path / "snapfifo"
    os.mkfifo(fifo)
    received = bytearray()

    def read():
        with open(fifo, "rb") as f:
            while chunk := f.read(65536):
                received.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.1)
    sink = SnapcastSink(fifo, RATE)
    sink.write(tone(0.5))
    sink.close()
    reader.join(5)
    pcm = np.frombuffer(bytes(received), dtype="<i2").reshape(-1, 2)
    assert pcm.shape[0] == RATE // 2
    assert abs(pcm.max() / 32767 - 0.3) < 0.01


def test_an_unknown_output_says_what_is_accepted():
    with pytest.raises(OutputError, match="device\\[:NAME\\], file:PATH"):
        open_output("speakers", RATE)
