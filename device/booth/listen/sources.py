"""Where the microphone audio comes from: a device (PyAudio), a file, or nothing.

Every source yields 16 kHz mono int16 blocks with the monotonic time their first sample was
captured (the echo canceller lines the playback reference up with it). Chosen by
`listen.source`: `device`, `device:NAME`, `file:PATH` or `null`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000
BLOCK = 1024
DRIFT = 0.1
"""Seconds a device's sample-counted time may drift from its clock before it re-anchors."""


class SourceError(RuntimeError):
    """A microphone cannot be opened; the message says which and how to fix it."""


@dataclass(frozen=True)
class Block:
    """Microphone samples and when they were captured."""

    samples: np.ndarray
    """int16, 16 kHz, mono."""
    captured_at: float
    """time.monotonic() of the first sample."""


class Source(Protocol):
    """A microphone."""

    def read(self) -> Block | None:
        """The next block (waits for it); None when the source has ended."""

    def close(self) -> None:
        """Release the device."""


class NullSource:
    """Silence, paced at real time unless `paced` is False; ends after `seconds` if given."""

    def __init__(self, seconds: float | None = None, paced: bool = True):
        self.paced = paced
        self.remaining = None if seconds is None else int(seconds * SAMPLE_RATE)
        self._start = time.monotonic()
        self._samples = 0

    def read(self) -> Block | None:
        if self.remaining is not None and self.remaining <= 0:
            return None
        size = BLOCK if self.remaining is None else min(BLOCK, self.remaining)
        at = self._start + self._samples / SAMPLE_RATE
        self._samples += size
        if self.remaining is not None:
            self.remaining -= size
        if self.paced:
            time.sleep(max(0.0, self._start + self._samples / SAMPLE_RATE - time.monotonic()))
        return Block(np.zeros(size, np.int16), at)

    def close(self) -> None:
        pass


class FileSource:
    """A recording played as if it were the microphone (paced at real time if asked; then,
    if `endless`, silence, as a microphone in a quiet room)."""

    def __init__(self, path: str, paced: bool = False, endless: bool = False):
        from booth.listen.audiofile import read_audio
        self.audio = read_audio(path)
        self.paced = paced
        self.endless = endless
        self._start = time.monotonic()
        self._position = 0

    def read(self) -> Block | None:
        if self._position >= len(self.audio) and not self.endless:
            return None
        samples = self.audio[self._position:self._position + BLOCK]
        if len(samples) < BLOCK and self.endless:
            samples = np.concatenate([samples, np.zeros(BLOCK - len(samples), np.int16)])
        at = self._start + self._position / SAMPLE_RATE
        self._position += len(samples)
        if self.paced:
            time.sleep(max(0.0, self._start + self._position / SAMPLE_RATE - time.monotonic()))
        return Block(samples, at)

    def close(self) -> None:
        pass


class DeviceSource:
    """A capture device through PyAudio (blocking reads: no work in a callback), resampled to
    16 kHz mono when the device cannot record that itself."""

    def __init__(self, device: str | None = None):
        import pyaudio
        from booth.audio.quiet import open_portaudio
        self._pa = open_portaudio()
        try:
            index = find_input_device(self._pa, device)
            info = self._pa.get_device_info_by_index(index)
            self.rate = SAMPLE_RATE
            try:
                self._stream = self._open(pyaudio, index, SAMPLE_RATE)
            except (OSError, ValueError):
                self.rate = int(info["defaultSampleRate"])
                self._stream = self._open(pyaudio, index, self.rate)
        except (OSError, ValueError) as error:
            self._pa.terminate()
            raise SourceError(f"cannot open microphone {device or 'default'}: {error}") from None
        except BaseException:
            self._pa.terminate()  # never leak PortAudio: it would keep a stale device list
            raise
        self._resampler = None
        if self.rate != SAMPLE_RATE:
            import soxr
            self._resampler = soxr.ResampleStream(self.rate, SAMPLE_RATE, 1, dtype="int16")
        self._frames = round(BLOCK * self.rate / SAMPLE_RATE)
        self.name = info["name"]
        self._origin: float | None = None
        self._count = 0

    def _open(self, pyaudio, index: int, rate: int):
        return self._pa.open(format=pyaudio.paInt16, channels=1, rate=rate, input=True,
                             input_device_index=index,
                             frames_per_buffer=round(BLOCK * rate / SAMPLE_RATE))

    def read(self) -> Block | None:
        data = self._stream.read(self._frames, exception_on_overflow=False)
        now = time.monotonic()
        samples = np.frombuffer(data, np.int16)
        # time by sample count, so that consecutive blocks are exactly consecutive; the
        # clock only re-anchors it after a drop-out (wake-up delays make it jitter)
        estimate = now - self._stream.get_input_latency() - len(samples) / self.rate
        counted = None if self._origin is None else self._origin + self._count / self.rate
        if counted is None or abs(counted - estimate) > DRIFT:
            self._origin, self._count = estimate, 0
            counted = estimate
        self._count += len(samples)
        captured_at = counted
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        return Block(samples, captured_at)

    def close(self) -> None:
        self._stream.stop_stream()
        self._stream.close()
        self._pa.terminate()


def find_input_device(pa, name: str | None) -> int:
    """The index of the first capture device whose name contains `name` (default: the
    system's default input)."""
    devices = [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
    inputs = [d for d in devices if d.get("maxInputChannels", 0) > 0]
    if not inputs:
        raise SourceError("no microphone found (is a sound card or PulseAudio there?)")
    if not name:
        try:
            return int(pa.get_default_input_device_info()["index"])
        except OSError:
            return int(inputs[0]["index"])
    for device in inputs:
        if name.lower() in device["name"].lower():
            return int(device["index"])
    raise SourceError(f"no microphone matching {name!r}; inputs: "
                      + ", ".join(repr(d["name"]) for d in inputs))


def open_source(spec: str) -> Source:
    """The source a `listen.source` setting names."""
    kind, _, argument = spec.partition(":")
    if kind == "device":
        return DeviceSource(argument or None)
    if kind == "file" and argument:
        return FileSource(argument, paced=True, endless=True)
    if kind == "null":
        return NullSource()
    raise SourceError(f"unknown microphone source {spec!r}: use device[:NAME], file:PATH or "
                      "null")
