"""Booth's mix reaches the rooms through the real Snapcast (Debian's snapserver and snapclient):
a pipe source started before Booth, as on a device, and a client writing what it plays to a
file."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from booth.audio.outputs import SnapcastSink
from booth.roles.player import start_player
from lab.measure import rms_db
from lab.mosquitto import free_port, unique_site
from tests.conftest import config_with

RATE = 48000


class Snapcast:
    """snapserver with Booth's pipe source (``mode=read``, 48000:16:2) on free loopback
    ports, and snapclients that write their room's audio to files."""

    def __init__(self, folder: Path) -> None:
        for program in ("snapserver", "snapclient"):
            if shutil.which(program) is None:
                pytest.fail(f"{program} is missing: tools/test installs it (apt install {program})")
        self.folder = folder
        self.fifo = folder / "booth.fifo"
        self.stream_port, self.control_port = free_port(), free_port()
        (folder / "data").mkdir()
        config = folder / "snapserver.conf"
        config.write_text(f"""[server]
datadir = {folder / "data"}
[http]
enabled = false
[tcp]
bind_to_address = 127.0.0.1
port = {self.control_port}
[stream]
bind_to_address = 127.0.0.1
port = {self.stream_port}
source = pipe://{self.fifo}?name=booth&mode=read&sampleformat=48000:16:2
[logging]
sink = stderr
filter = *:info
""")
        self.log = folder / "snapserver.log"
        os.mkfifo(self.fifo)  # as the installer makes it: snapserver 0.26 does not
        self.processes = [subprocess.Popen(["snapserver", "-c", str(config)],
                                           stdout=subprocess.DEVNULL, stderr=self.log.open("w"))]

    def wait_for_pipe(self, timeout: float = 10.0) -> None:
        """Until snapserver has read an end of file from the FIFO (no writer yet): it has
        then closed it, and reopens it only now and then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "end of file" in self.log.read_text():
                return
            time.sleep(0.1)
        raise AssertionError(f"snapserver did not open {self.fifo}:\n{self.log.read_text()}")

    def client(self, host_id: str) -> Path:
        """A room: a snapclient whose speaker is a raw 48 kHz stereo 16-bit file."""
        out = self.folder / f"{host_id}.raw"
        self.processes.append(subprocess.Popen(
            ["snapclient", "-h", "127.0.0.1", "-p", str(self.stream_port), "--hostID", host_id,
             "--player", f"file:filename={out}", "--logsink", "null"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return out

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()


def room_audio(path: Path) -> np.ndarray:
    """What a room's client played so far, as float frames."""
    raw = np.fromfile(path, dtype="<i2") if path.exists() else np.zeros(0, np.int16)
    return raw[: len(raw) // 2 * 2].reshape(-1, 2).astype(np.float32) / 32768


def loud_seconds(frames: np.ndarray, floor_db: float = -45.0) -> float:
    """Seconds of 100 ms windows louder than ``floor_db`` (music, not silence)."""
    window = RATE // 10
    count = len(frames) // window
    return sum(rms_db(frames[i * window:(i + 1) * window]) > floor_db
               for i in range(count)) / 10


@pytest.fixture()
def snapcast(tmp_path):
    server = Snapcast(tmp_path)
    yield server
    server.stop()


def test_the_music_reaches_a_room_through_a_pipe_source_started_before_booth(
        snapcast, library_copy, mosquitto_broker) -> None:
    snapcast.wait_for_pipe()            # started first, it has already read an end of file
    room = snapcast.client("kitchen")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": unique_site("rooms")})
    player = start_player(config, library_copy, f"snapcast:{snapcast.fifo}", voice=False)
    try:
        deadline = time.monotonic() + 30
        while loud_seconds(room_audio(room)) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        player.stop()
    assert loud_seconds(room_audio(room)) >= 3, "the kitchen heard no music"


def test_with_no_snapserver_reading_the_sink_drops_blocks_without_stalling(tmp_path) -> None:
    sink = SnapcastSink(tmp_path / "nobody.fifo", RATE)
    tone = np.full((RATE // 10, 2), 0.25, np.float32)
    started = time.monotonic()
    for _ in range(20):                      # 2 s of audio: far more than the pipe holds
        sink.write(tone)
    took = time.monotonic() - started
    sink.close()
    assert took < 4.0, f"two seconds of audio took {took:.1f} s to write"
    assert sink.dropped_frames > 0


def test_a_path_that_is_not_a_fifo_is_refused_with_the_fix(tmp_path) -> None:
    plain = tmp_path / "music.raw"
    plain.write_bytes(b"")
    with pytest.raises(Exception, match="not a FIFO"):
        SnapcastSink(plain, RATE)
