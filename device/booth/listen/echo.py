"""Echo cancellation: remove what the speaker itself plays from the microphone signal.

Every canceller takes the microphone block and the playback reference block (int16, 16 kHz,
the same length and time-aligned to within the filter's tail) and returns the cleaned block.

- `SpeexEchoCanceller` (default): libspeexdsp's MDF adaptive filter through ctypes (Debian
  `libspeexdsp1`). Its output is the *linear* echo estimate subtracted and nothing else: the
  speech under the music is left intact for the recogniser, which is what recognition needs.
- `WebRtcEchoCanceller`: WebRTC's AEC3 (`aec-audio-processing`). More echo removed, but its
  residual-echo suppressor also removes speech during double talk (docs/performance.md,
  "Echo").
- `NoEchoCanceller`: passes the microphone through.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000


class EchoCanceller(Protocol):
    """Removes the playback echo from microphone audio."""

    def process(self, mic: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        """The cleaned microphone block (int16, as long as `mic`)."""


class NoEchoCanceller:
    """Passes the microphone signal through unchanged."""

    def process(self, mic: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        return mic


class _Framed:
    """Feeds a frame-based canceller from blocks of any length; output lags by < 1 frame."""

    frame: int

    def __init__(self) -> None:
        self._mic = np.zeros(0, np.int16)
        self._ref = np.zeros(0, np.int16)
        self._out = np.zeros(0, np.int16)

    def process(self, mic: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
        if reference is None:
            reference = np.zeros(len(mic), np.int16)
        if len(reference) != len(mic):
            raise ValueError(f"reference block has {len(reference)} samples, microphone "
                             f"block {len(mic)}")
        self._mic = np.concatenate([self._mic, mic.astype(np.int16, copy=False)])
        self._ref = np.concatenate([self._ref, reference.astype(np.int16, copy=False)])
        whole = len(self._mic) // self.frame * self.frame
        pieces = [self._out]
        for start in range(0, whole, self.frame):
            pieces.append(self._cancel(self._mic[start:start + self.frame],
                                       self._ref[start:start + self.frame]))
        self._mic, self._ref = self._mic[whole:], self._ref[whole:]
        ready = np.concatenate(pieces)
        if len(ready) < len(mic):            # the first blocks: pad the start with silence
            ready = np.concatenate([np.zeros(len(mic) - len(ready), np.int16), ready])
        out, self._out = ready[:len(mic)], ready[len(mic):]
        return out

    def _cancel(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SpeexEchoCanceller(_Framed):
    """libspeexdsp's linear echo canceller (MDF)."""

    def __init__(self, frame: int = 512, tail: int = 4096, library: str | None = None):
        super().__init__()
        path = library or ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
        try:
            self._lib = ctypes.CDLL(path)
        except OSError as error:
            raise RuntimeError(f"the speex echo canceller needs libspeexdsp ({error}); install "
                               "Debian's libspeexdsp1, or set listen.echo_canceller") from None
        self._lib.speex_echo_state_init.restype = ctypes.c_void_p
        self._lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
        self._lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p] + [ctypes.c_void_p] * 3
        self._lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        self._lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
        self.frame = frame
        self._state = self._lib.speex_echo_state_init(frame, tail)
        rate = ctypes.c_int(SAMPLE_RATE)
        self._lib.speex_echo_ctl(self._state, 24, ctypes.byref(rate))  # SET_SAMPLING_RATE
        self._buffer = np.zeros(frame, np.int16)

    def _cancel(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        mic = np.ascontiguousarray(mic)
        reference = np.ascontiguousarray(reference)
        out = np.empty(self.frame, np.int16)
        self._lib.speex_echo_cancellation(self._state, mic.ctypes.data, reference.ctypes.data,
                                          out.ctypes.data)
        return out

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.speex_echo_state_destroy(state)


class WebRtcEchoCanceller(_Framed):
    """WebRTC's AEC3 through `aec-audio-processing`; noise suppression and gain control off."""

    frame = SAMPLE_RATE // 100

    def __init__(self, delay_ms: int = 0, noise_suppression: bool = False):
        super().__init__()
        try:
            from aec_audio_processing import AudioProcessor
        except ImportError as err:
            raise RuntimeError("listen.echo_canceller = \"webrtc\" needs the optional "
                               "package: .venv/bin/pip install 'booth[webrtc]' (it builds from "
                               "source on a Pi); the default \"speex\" needs nothing") from err
        self._apm = AudioProcessor(enable_aec=True, enable_ns=noise_suppression, ns_level=1,
                                   enable_agc=False, enable_vad=False)
        self._apm.set_stream_format(SAMPLE_RATE, 1)
        self._apm.set_reverse_stream_format(SAMPLE_RATE, 1)
        self._apm.set_stream_delay(delay_ms)

    def _cancel(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        self._apm.process_reverse_stream(reference.tobytes())
        return np.frombuffer(self._apm.process_stream(mic.tobytes()), np.int16)


def make_echo_canceller(name: str) -> EchoCanceller:
    """The canceller a setting names: `speex`, `webrtc` or `none`."""
    if name == "speex":
        return SpeexEchoCanceller()
    if name == "webrtc":
        return WebRtcEchoCanceller()
    if name == "none":
        return NoEchoCanceller()
    raise ValueError(f"unknown echo canceller {name!r}: use speex, webrtc or none")
