"""The playback reference: what the speaker plays, sent to the listener on the same host.

Channel: a Unix datagram socket, `playback.sock` in Booth's runtime directory
($XDG_RUNTIME_DIR/booth, or the state directory without one). The player sends each block it
hands to its output as it will be heard: 16 kHz mono int16 with the `time.monotonic()` at
which its first sample reaches the loudspeaker (now + what the output still has buffered).
Datagrams, not a stream: when no listener runs, or it lags, blocks are dropped and the player
never waits. The listener keeps the last seconds in a ring indexed by time and reads back the
stretch that matches each microphone block; where nothing was played it reads silence.

    datagram = struct "<dI" (plays_at, samples) + samples × int16
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
HEADER = struct.Struct("<dI")
RESYNC = 0.05
"""Timestamps jitter by up to an audio period; a stream is read and written as one continuous
timeline unless its timestamps drift further than this (seconds) from it."""
MAX_SAMPLES = 8192
"""Largest block in one datagram (0.5 s); longer ones are split."""


def socket_path() -> Path:
    """Where the reference socket lives: the runtime directory, else the state directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("RUNTIME_DIRECTORY")
    if runtime:
        folder = Path(runtime.split(":")[0]) / "booth"
    else:
        from booth.config import state_dir
        folder = state_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "playback.sock"


class ReferenceSender:
    """The player's side: sends what is about to be heard (never blocks, drops when nobody
    listens)."""

    def __init__(self, path: str | Path | None = None):
        self.path = str(path or socket_path())
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._resampler = None
        self._rate = 0
        self._next_at: float | None = None
        self._origin = 0.0
        self._sent = 0
        self.dropped = 0

    def send(self, block: np.ndarray, rate: int, plays_at: float) -> None:
        """A block of the mix (float32 or int16; frames × channels or mono) at `rate`, whose
        first frame is heard at monotonic time `plays_at`."""
        import soxr
        mono = block.mean(axis=1) if block.ndim == 2 else block
        mono = mono.astype(np.float32) / (32768.0 if block.dtype == np.int16 else 1.0)
        continuous = (rate == self._rate and self._next_at is not None
                      and abs(plays_at - self._next_at) <= RESYNC)
        if not continuous:                       # a new timeline (start, seek, rate change)
            self._rate = rate
            self._resampler = (None if rate == SAMPLE_RATE else
                               soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32"))
            self._origin, self._sent = plays_at, 0
        self._next_at = plays_at + len(mono) / rate
        resampled = mono if self._resampler is None else self._resampler.resample_chunk(mono)
        # the resampler's output is one continuous stream behind its input by a fixed delay
        start = self._origin + self._sent / SAMPLE_RATE
        self._sent += len(resampled)
        samples = (np.clip(resampled, -1.0, 1.0) * 32767).astype(np.int16)
        for offset in range(0, len(samples), MAX_SAMPLES):
            part = samples[offset:offset + MAX_SAMPLES]
            self._send(HEADER.pack(start + offset / SAMPLE_RATE, len(part)) + part.tobytes())

    def _send(self, datagram: bytes) -> None:
        try:
            self._socket.sendto(datagram, self.path)
        except OSError as error:
            if error.errno not in (errno.ENOENT, errno.ECONNREFUSED, errno.EAGAIN,
                                   errno.ENOBUFS):
                raise
            self.dropped += 1

    def close(self) -> None:
        self._socket.close()


class TapSink:
    """An output sink (booth.audio.outputs) that also sends what it plays as the reference."""

    def __init__(self, sink, rate: int, sender: ReferenceSender | None = None):
        self.sink = sink
        self.rate = rate
        self.sender = sender or ReferenceSender()

    def write(self, block: np.ndarray) -> None:
        self.sender.send(block, self.rate,
                         time.monotonic() + self.sink.buffered_frames() / self.rate)
        self.sink.write(block)

    def buffered_frames(self) -> int:
        return self.sink.buffered_frames()

    def close(self) -> None:
        self.sink.close()
        self.sender.close()


class ReferenceReceiver:
    """The listener's side: receives the reference on a thread into a ring indexed by time."""

    def __init__(self, path: str | Path | None = None, seconds: float = 10.0):
        self.path = Path(path or socket_path())
        size = int(seconds * SAMPLE_RATE)
        self._audio = np.zeros(size, np.int16)
        self._stamp = np.full(size, -1, np.int64)   # the absolute sample index in each slot
        self._lock = threading.Lock()
        if self.path.exists():
            self.path.unlink()
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(str(self.path))
        self._socket.settimeout(0.2)
        self._running = True
        self.received = 0
        self._thread = threading.Thread(target=self._receive, name="booth-reference",
                                        daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while self._running:
            try:
                datagram = self._socket.recv(HEADER.size + 2 * MAX_SAMPLES)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(datagram) < HEADER.size:
                continue
            plays_at, count = HEADER.unpack_from(datagram)
            samples = np.frombuffer(datagram, np.int16, count, HEADER.size)
            self.put(samples, plays_at)

    def put(self, samples: np.ndarray, plays_at: float) -> None:
        """Store samples heard from `plays_at` on (the receiving thread calls this)."""
        first = round(plays_at * SAMPLE_RATE)
        indices = np.arange(first, first + len(samples), dtype=np.int64)
        slots = indices % len(self._audio)
        with self._lock:
            self._audio[slots] = samples
            self._stamp[slots] = indices
        self.received += len(samples)

    def window(self, start: float, count: int) -> np.ndarray:
        """The reference from monotonic time `start` for `count` samples; silence where
        nothing was played."""
        first = round(start * SAMPLE_RATE)
        indices = np.arange(first, first + count, dtype=np.int64)
        slots = indices % len(self._audio)
        with self._lock:
            audio = self._audio[slots].copy()
            valid = self._stamp[slots] == indices
        audio[~valid] = 0
        return audio

    def reader(self) -> ReferenceReader:
        """A continuous reader of this reference for one microphone stream."""
        return ReferenceReader(self)

    def close(self) -> None:
        self._running = False
        self._socket.close()
        self._thread.join(timeout=1.0)
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class ReferenceReader:
    """Reads the reference for consecutive microphone blocks as one continuous stream.

    Block timestamps jitter; reading each block at its own timestamp would tear the reference
    apart every block, and an echo canceller cannot follow that. The reader advances by
    exactly the block's length and re-syncs only when the timestamps drift more than RESYNC.
    """

    def __init__(self, receiver: ReferenceReceiver):
        self.receiver = receiver
        self.aligner = ReferenceAligner()
        self._next: float | None = None
        self.resyncs = 0

    def read(self, captured_at: float, samples: np.ndarray) -> np.ndarray:
        """The reference that goes with a microphone block."""
        wanted = captured_at + self.aligner.offset
        if self._next is None or abs(wanted - self._next) > RESYNC:
            self._next = wanted
            self.resyncs += 1
        reference = self.receiver.window(self._next, len(samples))
        self._next += len(samples) / SAMPLE_RATE
        before = self.aligner.offset
        self.aligner.observe(samples, reference)
        if self.aligner.offset != before:
            self._next = None
        return reference


class ReferenceAligner:
    """Keeps the reference a little ahead of its echo in the microphone.

    The two clocks' estimates (the output's buffered frames, the input's reported latency)
    are off by tens of milliseconds on real sound servers, and an echo canceller cannot
    model an echo that arrives *before* its reference. Every few seconds of music the
    aligner cross-correlates the microphone with the reference and moves the read offset so
    that the reference leads by `lead` seconds. Read the reference at
    `captured_at + aligner.offset`, and show the aligner both blocks.
    """

    def __init__(self, window: float = 2.0, max_lag: float = 0.3, lead: float = 0.01,
                 every: float = 3.0):
        self.offset = 0.0
        """Seconds to add to a block's capture time when reading the reference."""
        self.window = int(window * SAMPLE_RATE)
        self.max_lag = int(max_lag * SAMPLE_RATE)
        self.lead = int(lead * SAMPLE_RATE)
        self.every = int(every * SAMPLE_RATE)
        self.updates = 0
        self._mic: list[np.ndarray] = []
        self._ref: list[np.ndarray] = []
        self._held = 0
        self._since = 0

    def observe(self, mic: np.ndarray, reference: np.ndarray) -> None:
        """The microphone block and the reference read for it (at the current offset)."""
        self._mic.append(mic)
        self._ref.append(reference)
        self._held += len(mic)
        self._since += len(mic)
        while self._held - len(self._mic[0]) >= self.window:
            self._held -= len(self._mic.pop(0))
            self._ref.pop(0)
        if self._since >= self.every and self._held >= self.window:
            self._since = 0
            lag = self.lag(np.concatenate(self._mic), np.concatenate(self._ref))
            if lag is not None and abs(lag + self.lead) > self.lead // 2:
                self.offset += (lag + self.lead) / SAMPLE_RATE
                self.updates += 1
                self._mic.clear()              # what was read at the old offset is stale
                self._ref.clear()
                self._held = 0

    def lag(self, mic: np.ndarray, reference: np.ndarray) -> int | None:
        """L such that mic[n] ≈ reference[n + L], if the correlation is clear enough."""
        mic = mic.astype(np.float64)
        reference = reference.astype(np.float64)
        if not reference.any() or not mic.any():
            return None
        size = 1 << int(np.ceil(np.log2(len(mic) + len(reference))))
        spectrum = np.fft.rfft(reference, size) * np.conj(np.fft.rfft(mic, size))
        spectrum /= np.abs(spectrum) + 1e-9                 # PHAT: sharp peaks under music
        correlation = np.fft.irfft(spectrum, size)
        lags = np.concatenate([correlation[:self.max_lag + 1], correlation[-self.max_lag:]])
        values = np.concatenate([np.arange(self.max_lag + 1), np.arange(-self.max_lag, 0)])
        best = int(np.argmax(lags))
        if lags[best] < max(0.05, 5 * np.std(lags)):      # no clear echo of the reference
            return None
        return int(values[best])
