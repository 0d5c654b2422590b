"""Where the mix goes: an audio device (PyAudio), a file, a Snapcast FIFO, or nowhere.

Every sink takes stereo float32 blocks from the render thread through `write`, which
blocks to pace the renderer. The device sink's PortAudio callback never blocks: it copies
from a preallocated ring buffer and counts an underrun when the buffer runs dry.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import threading
import time
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class OutputError(RuntimeError):
    """An output cannot be opened; the message says which and how to fix it."""


class Sink(Protocol):
    """A destination for the mix."""

    def write(self, block: np.ndarray) -> None: ...
    def buffered_frames(self) -> int: ...
    def close(self) -> None: ...


class NullSink:
    """Discards audio at real-time pace (or as fast as possible when ``paced`` is False)."""

    def __init__(self, rate: int, paced: bool = True):
        self.rate = rate
        self.paced = paced
        self._t0 = time.monotonic()
        self._frames = 0

    def write(self, block: np.ndarray) -> None:
        self._frames += block.shape[0]
        if self.paced:
            ahead = self._frames / self.rate - (time.monotonic() - self._t0)
            if ahead > 0.1:
                time.sleep(ahead - 0.1)

    def buffered_frames(self) -> int:
        ahead = self._frames / self.rate - (time.monotonic() - self._t0)
        return max(0, int(ahead * self.rate))

    def close(self) -> None:
        pass


class FileSink:
    """Writes a WAV (32-bit float) or FLAC (24-bit) file, as fast as the CPU allows."""

    def __init__(self, path: str | Path, rate: int, skip: int = 0):
        import soundfile

        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flac = self.path.suffix.lower() == ".flac"
        try:
            self._file = soundfile.SoundFile(str(self.path), "w", samplerate=rate, channels=2,
                                             subtype="PCM_24" if flac else "FLOAT",
                                             format="FLAC" if flac else "WAV")
        except (soundfile.LibsndfileError, OSError) as err:
            raise OutputError(f"cannot write {self.path}: {err}") from err
        self._skip = skip  # drop the limiter's latency so the file lines up with its stems

    def write(self, block: np.ndarray) -> None:
        if self._skip:
            dropped = min(self._skip, block.shape[0])
            block = block[dropped:]
            self._skip -= dropped
        if block.shape[0]:
            self._file.write(block)

    def buffered_frames(self) -> int:
        return 0

    def close(self) -> None:
        self._file.close()


class SnapcastSink:
    """Raw 16-bit little-endian stereo PCM into a Snapcast server's pipe source, paced.

    The FIFO is opened for reading and writing at once, so the open never fails for want of
    a reader and the reader never sees end of file: snapserver's pipe source (``mode=read``)
    closes the FIFO at its first end of file and reopens it only now and then, which a writer
    that opens and closes with the reader would never meet. While nobody reads, the pipe's
    own buffer fills and further blocks are dropped without waiting, so the music never
    stalls for a server that is down.
    """

    def __init__(self, path: str | Path, rate: int):
        self.path = Path(path)
        if not self.path.exists():
            os.mkfifo(self.path)
        elif not stat.S_ISFIFO(self.path.stat().st_mode):
            raise OutputError(f"{self.path} is not a FIFO: point --output snapcast: at the "
                              "pipe of snapserver's source (source = pipe://...)")
        self._pace = NullSink(rate)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        self._reader_keeps_up = True
        self.dropped_frames = 0
        """Frames dropped because nobody read the pipe."""

    def write(self, block: np.ndarray) -> None:
        if self._fd is None:
            raise OutputError(f"{self.path} is closed")
        pcm = memoryview((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
        while pcm:
            try:
                pcm = pcm[os.write(self._fd, pcm):]
            except BlockingIOError:
                # The pipe is full. A reader that kept up gets one block's time to catch up;
                # with none (snapserver stopped or between reopens), drop at once.
                wait = len(block) / self._pace.rate if self._reader_keeps_up else 0.0
                if not select.select([], [self._fd], [], wait)[1]:
                    self._reader_keeps_up = False
                    self.dropped_frames += len(pcm) // 4
                    break
            else:
                self._reader_keeps_up = True
        self._pace.write(block)

    def buffered_frames(self) -> int:
        return self._pace.buffered_frames()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class DeviceSink:
    """An audio device through PyAudio, in callback mode with a ring buffer."""

    def __init__(self, rate: int, device: str | None = None, buffer_seconds: float = 0.3,
                 period: int = 1024):
        import pyaudio

        from booth.audio.quiet import open_portaudio

        self.rate = rate
        self._pa = open_portaudio()
        try:
            index = find_output_device(self._pa, device)
        except OutputError:
            # PortAudio keeps its device list until the last PyAudio is terminated: a leaked
            # one would hide a sound server started later in this process.
            self._pa.terminate()
            raise
        size = max(int(rate * buffer_seconds), period * 2)
        self._ring = np.zeros((size, 2), np.float32)
        self._read = 0      # total frames consumed by the callback
        self._written = 0   # total frames written by the renderer
        self._space = threading.Condition()
        self.underruns = 0
        try:
            self._stream = self._pa.open(format=pyaudio.paFloat32, channels=2, rate=rate,
                                         output=True, output_device_index=index,
                                         frames_per_buffer=period, stream_callback=self._callback)
        except OSError as err:
            self._pa.terminate()
            raise OutputError(f"cannot open audio device {device or 'default'}: {err}") from err

    def _callback(self, _in, frames, _time, _status):
        import pyaudio

        available = self._written - self._read
        out = np.zeros((frames, 2), np.float32)
        take = min(frames, available)
        if take:
            start = self._read % self._ring.shape[0]
            first = min(take, self._ring.shape[0] - start)
            out[:first] = self._ring[start:start + first]
            out[first:take] = self._ring[:take - first]
            self._read += take
        if take < frames and self._written:
            self.underruns += 1
        if self._space.acquire(blocking=False):  # never wait in the callback
            self._space.notify()
            self._space.release()
        return out.tobytes(), pyaudio.paContinue

    def write(self, block: np.ndarray) -> None:
        size = self._ring.shape[0]
        pos = 0
        while pos < block.shape[0]:
            with self._space:
                while self._written - self._read >= size:
                    self._space.wait(0.05)
            free = size - (self._written - self._read)
            take = min(free, block.shape[0] - pos)
            start = self._written % size
            first = min(take, size - start)
            self._ring[start:start + first] = block[pos:pos + first]
            self._ring[:take - first] = block[pos + first:pos + take]
            self._written += take
            pos += take

    def buffered_frames(self) -> int:
        return self._written - self._read

    def close(self) -> None:
        if self.underruns:
            log.warning("audio device: %d underruns", self.underruns)
        self._stream.stop_stream()
        self._stream.close()
        self._pa.terminate()


def find_output_device(pa, name: str | None) -> int | None:
    """The index of the first output device whose name contains ``name``; None: default."""
    count = pa.get_device_count()
    outputs = [pa.get_device_info_by_index(i) for i in range(count)]
    outputs = [d for d in outputs if d.get("maxOutputChannels", 0) > 0]
    if not outputs:
        raise OutputError("no audio output device found (is a sound card or PulseAudio there?)")
    if not name:
        try:
            return pa.get_default_output_device_info()["index"]
        except OSError as err:
            raise OutputError("no default audio output device") from err
    for d in outputs:
        if name.lower() in d["name"].lower():
            return int(d["index"])
    names = ", ".join(repr(d["name"]) for d in outputs)
    raise OutputError(f"no output device matching {name!r}; devices: {names}")


def open_output(spec: str, rate: int, buffer_seconds: float = 0.3, latency: int = 0) -> Sink:
    """Open ``device[:NAME]``, ``file:PATH``, ``snapcast:FIFO`` or ``null``."""
    kind, _, arg = spec.partition(":")
    if kind == "device":
        return DeviceSink(rate, arg or None, buffer_seconds)
    if kind == "file" and arg:
        return FileSink(arg, rate, skip=latency)
    if kind == "snapcast" and arg:
        return SnapcastSink(arg, rate)
    if kind == "null":
        return NullSink(rate, paced=arg != "fast")
    raise OutputError(f"unknown output {spec!r}: use device[:NAME], file:PATH, "
                      "snapcast:FIFO or null")
