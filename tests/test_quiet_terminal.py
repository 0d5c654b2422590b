"""A newcomer's terminal: Booth prints its own lines; what ALSA, JACK and libmpg123 print
while PortAudio starts or an MP3 decodes goes to Booth's debug log (`-v`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import soundfile

from lab.mosquitto import free_port

BOOTH = Path(sys.executable).parent / "booth"

BOOTHS_OWN = re.compile(r"booth: |library: |No audio device, so here is"
                        r"|(DEBUG|INFO|WARNING|ERROR|CRITICAL) booth[.:]")
"""The lines Booth writes: its log records and the command line's own messages."""

CHATTER = ("ALSA lib", "jack", "Jack", "Cannot connect", "mpg123", "Note: ")

RAW_CALLS = """
import sys, pyaudio, soundfile
pyaudio.PyAudio().terminate()
soundfile.read(sys.argv[1])
"""


def headless(tmp_path: Path) -> dict[str, str]:
    """This machine as a newcomer's without a sound card or sound server."""
    (tmp_path / "runtime").mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "PULSE_SERVER": "unix:/nonexistent"}


def chatty_mp3(path: Path, seconds: float = 20) -> Path:
    """An MP3 that decodes in full, with 64 stray bytes between two frames halfway through:
    libmpg123 resyncs past them and says so on stderr, as it does for many real files."""
    plain = path.with_name("plain-" + path.name)
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(plain), "synth", str(seconds),
                    "sine", "330", "vol", "0.3"], check=True, capture_output=True, timeout=60)
    data = plain.read_bytes()
    frames = mp3_frames(data)
    middle = frames[len(frames) // 2]
    path.write_bytes(data[:middle] + b"\x55" * 64 + data[middle:])
    plain.unlink()
    return path


def mp3_frames(data: bytes) -> list[int]:
    """The offsets of the MPEG-1 Layer III frames (as sox writes them), header to header."""
    kbps = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    rates = [44100, 48000, 32000]
    offsets, pos = [], 0
    if data[:3] == b"ID3":
        pos = 10 + (data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9])
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] & 0xFE == 0xFA:
        offsets.append(pos)
        bitrate, rate = kbps[data[pos + 2] >> 4] * 1000, rates[(data[pos + 2] >> 2) & 3]
        pos += 144 * bitrate // rate + ((data[pos + 2] >> 1) & 1)
    return offsets


def strays(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not BOOTHS_OWN.match(line)]


def test_booth_run_without_a_sound_card_prints_only_its_own_lines(tmp_path):
    music = tmp_path / "music"
    music.mkdir()
    chatty_mp3(music / "chatty.mp3")
    env = headless(tmp_path)
    # The same calls made directly on this machine do print pages of chatter.
    raw = subprocess.run([sys.executable, "-c", RAW_CALLS, str(music / "chatty.mp3")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert raw.stderr.count("ALSA lib") > 20 and "jack server is not running" in raw.stderr
    assert "Note: Trying to resync" in raw.stderr

    config = tmp_path / "booth.toml"
    config.write_text(f'[library]\nmusic_dirs = ["{music}"]\n')
    done = subprocess.run([str(BOOTH), "run", "--config", str(config), "--output", "device",
                           "--input", "none", "--no-voice"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No audio device, so here is a 10-minute mixtape instead" in done.stderr
    assert soundfile.info(done.stdout.strip().splitlines()[-1]).duration > 590
    assert strays(done.stderr) == []
    assert not [word for word in CHATTER if word in done.stderr]


def test_speaking_through_pulseaudio_prints_nothing_but_booths_lines(pulse_null_sink,
                                                                     tmp_path):
    # Nothing answers on the broker's port, so `booth say` speaks on this machine's device.
    done = subprocess.run([str(BOOTH), "say", "--broker", f"127.0.0.1:{free_port()}",
                           "--output", "device", "Hello."],
                          env=pulse_null_sink, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert strays(done.stderr) == []
    assert not [word for word in CHATTER if word in done.stderr]


VERBOSE = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
from booth.audio.decode import TrackReader, read_whole
from booth.audio.quiet import open_portaudio
open_portaudio().terminate()
read_whole(sys.argv[1])
reader = TrackReader(sys.argv[1], 48000, start=1.0)
while not reader.finished:
    reader.read(4800)
"""


def test_with_v_the_chatter_is_in_booths_debug_log(tmp_path):
    mp3 = chatty_mp3(tmp_path / "chatty.mp3", seconds=4)
    done = subprocess.run([sys.executable, "-c", VERBOSE, str(mp3)], env=headless(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("DEBUG booth.audio.quiet: ") for line in lines)
    assert "PortAudio: ALSA lib pcm.c" in done.stderr  # with its arguments filled in
    assert "PortAudio: jack server is not running" in done.stderr
    # When the scan reads the whole file, and again when it is played from a second in.
    assert done.stderr.count("libmpg123: Note: Trying to resync...") >= 2


ALSA_LATER = """
import ctypes, logging
logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
from booth.audio.quiet import quiet_alsa
assert quiet_alsa()
asound = ctypes.CDLL("libasound.so.2")
pcm = ctypes.c_void_p()
assert asound.snd_pcm_open(ctypes.byref(pcm), b"no_such_device", 0, 0) < 0
"""


def test_alsa_errors_after_start_up_go_to_the_debug_log_too(tmp_path):
    done = subprocess.run([sys.executable, "-c", ALSA_LATER], env=headless(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.fullmatch(r"DEBUG booth\.audio\.quiet: ALSA lib pcm\.c:\d+:"
                        r"\(snd_pcm_open_noupdate\) Unknown PCM %s\n", done.stderr)


RACE = """
import logging, os, threading, time
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
from booth.audio.quiet import native_chatter
inside = threading.Event()

def decode():
    with native_chatter("libmpg123"):
        inside.set()
        os.write(2, b"Note: Trying to resync...\\n")
        time.sleep(0.3)

thread = threading.Thread(target=decode)
thread.start()
inside.wait()
logging.getLogger("booth.station").warning("cannot play this track; picking another")
thread.join()
"""


def test_a_warning_logged_while_a_library_talks_still_reaches_the_terminal(tmp_path):
    done = subprocess.run([sys.executable, "-c", RACE], env=headless(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.splitlines() == [
        "WARNING booth.station: cannot play this track; picking another"]
