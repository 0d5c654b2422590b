"""Decoding audio files: block by block for analysis, and streams for playback.

libsndfile (through `soundfile`) decodes WAV, FLAC, Ogg Vorbis, Opus and MP3; it also reads
some Ogg files that ffmpeg rejects. Resampling to the one internal rate is done by soxr.
Its MP3 decoder, libmpg123, prints notes on stderr about frames it resyncs past in files
that play fine; those go to the debug log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np
import soundfile
import soxr

from booth.audio.quiet import native_chatter

AUDIO_EXTENSIONS = frozenset({".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".wave"})
UNSUPPORTED_EXTENSIONS = frozenset({".m4a", ".aac", ".mp4", ".alac", ".wma", ".ape"})
"""Audio Booth sees but cannot decode (libsndfile has no AAC, ALAC, WMA or APE decoder):
reported as skipped, with the fix, rather than silently ignored."""


class DecodeError(Exception):
    """A file could not be decoded; the message says why, in words a user understands."""


def _decoding(path: str | Path) -> AbstractContextManager:
    """Around each call into libsndfile for ``path``: its MP3 decoder's chatter is caught."""
    return native_chatter("libmpg123") if Path(path).suffix.lower() == ".mp3" else nullcontext()


def _explain(path: Path, err: Exception) -> DecodeError:
    text = str(err)
    if path.stat().st_size == 0:
        return DecodeError("empty file")
    if "Format not recognised" in text or "unknown format" in text.lower():
        return DecodeError("not an audio file libsndfile can read (format not recognised)")
    return DecodeError(f"corrupt or truncated audio ({text.split(': ', 1)[-1].strip()})")


class FileBlocks:
    """A whole file decoded block by block, float32 frames × channels at its own rate: one
    pass over the audio in memory bounded by the block, whatever the file's length.

    Opening reads the header (``rate``, ``channels``, ``frames`` as announced); iterating
    decodes. Both raise DecodeError, as `read_whole` does, and the file is closed at the end.
    """

    def __init__(self, path: str | Path, block: int = 65536):
        self.path = Path(path)
        self._block = block
        try:
            with _decoding(self.path):
                self._file = soundfile.SoundFile(str(self.path))
        except (soundfile.LibsndfileError, RuntimeError, ValueError) as err:
            raise _explain(self.path, err) from err
        self.rate: int = self._file.samplerate
        self.channels: int = self._file.channels
        self.frames: int = max(0, self._file.frames)

    def __iter__(self) -> Iterator[np.ndarray]:
        decoded = 0
        try:
            while True:
                with _decoding(self.path):
                    block = self._file.read(self._block, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    break
                if not np.isfinite(block).all():
                    raise DecodeError("corrupt audio (decoded samples are not finite)")
                decoded += block.shape[0]
                yield block
        except (soundfile.LibsndfileError, RuntimeError, ValueError) as err:
            raise _explain(self.path, err) from err
        finally:
            self._file.close()
        if decoded == 0:
            raise DecodeError("no audio in the file (0 frames decoded)")


def read_whole(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode a file to float32 frames × channels at its own rate. Raises DecodeError."""
    blocks = FileBlocks(path)
    return np.concatenate(list(blocks)), blocks.rate


def to_stereo(block: np.ndarray) -> np.ndarray:
    """Mono is duplicated, more than two channels are folded down to two."""
    channels = block.shape[1]
    if channels == 2:
        return block
    if channels == 1:
        return np.repeat(block, 2, axis=1)
    left = block[:, 0::2].mean(axis=1)
    right = block[:, 1::2].mean(axis=1)
    return np.stack([left, right], axis=1)


class TrackReader:
    """Streams one file as stereo float32 at ``rate``, starting at ``start`` seconds.

    `read(n)` always returns exactly n frames; past the end of the file it pads with zeros.
    """

    def __init__(self, path: str | Path, rate: int, start: float = 0.0, chunk: int = 16384):
        self.path = str(path)
        try:
            with _decoding(path):
                self._file = soundfile.SoundFile(self.path)
                if start > 0:
                    self._file.seek(min(int(start * self._file.samplerate), self._file.frames))
        except (soundfile.LibsndfileError, RuntimeError) as err:
            raise _explain(Path(path), err) from err
        self._chunk = chunk
        self._resampler = None
        if self._file.samplerate != rate:
            self._resampler = soxr.ResampleStream(self._file.samplerate, rate, 2,
                                                  dtype="float32", quality="HQ")
        self._pending = np.zeros((0, 2), dtype=np.float32)
        self.finished = False

    def _pull(self) -> None:
        try:
            with _decoding(self.path):
                raw = self._file.read(self._chunk, dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError):
            raw = np.zeros((0, self._file.channels), dtype=np.float32)  # corrupt tail: stop
        last = raw.shape[0] < self._chunk
        block = to_stereo(raw)
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block, last=last)
        if last:
            self.finished = True
        if self._pending.shape[0]:
            self._pending = np.concatenate([self._pending, block])
        else:
            self._pending = block

    def read(self, frames: int) -> np.ndarray:
        while self._pending.shape[0] < frames and not self.finished:
            self._pull()
        out = self._pending[:frames]
        self._pending = self._pending[frames:]
        if out.shape[0] < frames:
            out = np.concatenate([out, np.zeros((frames - out.shape[0], 2), np.float32)])
        return out

    def close(self) -> None:
        self._file.close()
