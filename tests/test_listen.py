"""Booth's ears, part by part: pronunciations, the command language model, echo cancellation,
end of speech, the listener's Hermes messages, `booth hear`, and the Vosk path."""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from booth.intents import IntentParser, Vocabulary, load_templates
from booth.listen.echo import NoEchoCanceller, SpeexEchoCanceller
from booth.listen.endpoint import (
    CHUNK,
    Endpoint,
    Endpointer,
    EndpointSettings,
    SpeechVad,
)
from booth.listen.grammar import (
    LanguageModelSettings,
    build_arpa,
    count_ngrams,
    training_sentences,
)
from booth.listen.audiofile import read_audio
from booth.listen.hear import Recording, hear
from booth.listen.lexicon import Lexicon, ipa_to_arpabet
from booth.listen.listener import Listener, understand
from booth.listen.transcript import Transcript
from booth.listen.settings import ListenSettings
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized
from rhasspyhermes.wake import HotwordDetected

from tests.conftest import espeak_ng


RATE = 16000


# -- pronunciations and the language model ---------------------------------------------------

def test_a_name_missing_from_the_dictionary_is_said_as_its_parts() -> None:
    lexicon = Lexicon()
    assert lexicon.pronunciations("maxstack") == ("M AE K S T AE K",)
    assert lexicon.pronunciations("neoncorridor")[0].startswith("N IY AA N K AO R")


def test_british_speakers_may_drop_the_r_but_start_never_sounds_like_stop() -> None:
    lexicon = Lexicon(non_rhotic=True)
    assert lexicon.pronunciations("louder") == ("L AW D ER", "L AW D AH")
    assert "M AO" in lexicon.pronunciations("more")
    assert "HH IY AH" in lexicon.pronunciations("here")
    assert lexicon.pronunciations("start") == ("S T AA R T",)
    assert lexicon.pronunciations("very") == ("V EH R IY",)      # r before a vowel stays
    assert Lexicon().pronunciations("louder") == ("L AW D ER",)


def test_scots_may_raise_the_vowel_of_down_as_well_as_drop_an_r() -> None:
    lexicon = Lexicon(non_rhotic=True, raised_mouth=True)
    assert lexicon.pronunciations("down") == ("D AW N", "D AH UW N")
    assert lexicon.pronunciations("louder") == ("L AW D ER", "L AW D AH", "L AH UW D ER",
                                                "L AH UW D AH")
    assert lexicon.pronunciations("play") == ("P L EY",)
    assert Lexicon().pronunciations("down") == ("D AW N",)


def test_espeak_phonemes_become_arpabet() -> None:
    assert ipa_to_arpabet("ʃˈʌʃ") == "SH AH SH"
    assert ipa_to_arpabet("dˈʌbstɛp") == "D AH B S T EH P"


def test_every_name_of_the_library_is_in_the_training_sentences(vocabulary) -> None:
    sentences = {" ".join(s) for s in training_sentences(load_templates(), vocabulary)}
    text = "\n".join(sentences)
    for form in vocabulary.values("title"):
        assert f" {form}" in text or text.startswith(form), form


def test_training_sentences_are_commands_the_parser_understands(vocabulary) -> None:
    parser = IntentParser(vocabulary)
    sentences = list(training_sentences(load_templates(), vocabulary,
                                        LanguageModelSettings(samples_per_template=3)))
    understood = sum(parser.parse(" ".join(s)) is not None for s in sentences)
    assert understood / len(sentences) > 0.97


def test_the_language_model_is_a_proper_distribution() -> None:
    corpus = [["play", "some", "jazz"], ["play", "some", "rock"], ["skip", "this", "song"],
              ["play", "this", "song"]]
    background = {"the": 0.5, "a": 0.4, "</s>": 0.1}
    arpa = build_arpa(count_ngrams(corpus, order=2), background, 0.2)
    probs: dict[tuple[str, ...], float] = {}
    backoffs: dict[tuple[str, ...], float] = {}
    for line in arpa.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0][0] in "-0123456789" and not line.startswith("ngram"):
            words = tuple(w for w in parts[1:] if not w[0] in "-0123456789")
            probs[words] = 10 ** float(parts[0])
            if len(parts) == len(words) + 2:
                backoffs[words] = 10 ** float(parts[-1])
    vocabulary = [w for (w, *rest) in probs if not rest and w != "<s>"]
    for history in ("play", "some", "<s>", "the"):
        total = sum(probs.get((history, w)) or backoffs.get((history,), 1.0) * probs[(w,)]
                    for w in vocabulary)
        assert math.isclose(total, 1.0, rel_tol=1e-3), (history, total)


# -- echo cancellation -----------------------------------------------------------------------

def _room(reference: np.ndarray, delay: int = 400) -> np.ndarray:
    """The reference as a microphone hears it: delayed, quieter, with a short reflection."""
    echo = np.zeros(len(reference))
    echo[delay:] += 0.5 * reference[:-delay]
    echo[delay + 160:] += 0.2 * reference[:-delay - 160]
    return echo


def _cancel(canceller, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.concatenate([canceller.process(mic[i:i + 1024], reference[i:i + 1024])
                           for i in range(0, len(mic), 1024)])


def test_the_echo_canceller_removes_what_the_speaker_plays_and_keeps_a_voice() -> None:
    rng = np.random.default_rng(1)
    seconds = 6
    reference = (rng.standard_normal(seconds * RATE) * 3000).astype(np.int16)
    voice = np.zeros(seconds * RATE)
    t = np.arange(RATE) / RATE
    voice[4 * RATE:5 * RATE] = 2000 * np.sin(2 * np.pi * 300 * t)
    mic = np.clip(_room(reference) + voice, -32768, 32767).astype(np.int16)
    cleaned = _cancel(SpeexEchoCanceller(), mic, reference).astype(float)

    def db(x: np.ndarray) -> float:
        return 10 * np.log10(np.mean(np.square(x.astype(float))) + 1e-9)

    echo_only = slice(3 * RATE, 4 * RATE)
    talk = slice(4 * RATE + 1000, 5 * RATE)
    assert db(mic[echo_only]) - db(cleaned[echo_only]) > 15
    kept = db(cleaned[talk] - (cleaned[talk] - voice[talk])) - db(voice[talk])
    assert abs(kept) < 1.0
    # the voice dominates what is left while it speaks
    assert db(cleaned[talk]) > db(cleaned[echo_only]) + 10


def test_without_a_reference_the_microphone_passes_unchanged() -> None:
    mic = np.arange(1000, dtype=np.int16)
    assert np.array_equal(NoEchoCanceller().process(mic, None), mic)
    assert len(SpeexEchoCanceller().process(mic, None)) == len(mic)


# -- end of speech ---------------------------------------------------------------------------

def test_silence_times_out_when_nobody_speaks() -> None:
    endpointer = Endpointer(SpeechVad(), EndpointSettings(no_speech_timeout=1.0))
    results = [endpointer.process(np.zeros(CHUNK, np.int16)) for _ in range(40)]
    first = results.index(Endpoint.TIMEOUT)
    assert 0.95 <= (first + 1) * CHUNK / RATE <= 1.1
    assert all(r is Endpoint.LISTENING for r in results[:first])


def test_an_utterance_ends_about_half_a_second_after_the_last_word(voice_clip) -> None:
    audio = voice_clip("c0002.flac")                        # "skip this song", clean
    endpointer = Endpointer(SpeechVad(), EndpointSettings(end_silence=0.5))
    ended = None
    for i in range(0, len(audio) - CHUNK, CHUNK):
        if endpointer.process(audio[i:i + CHUNK]) is Endpoint.SPOKEN:
            ended = (i + CHUNK) / RATE
            break
    assert ended is not None and endpointer.last_speech_end is not None
    assert 0.45 <= ended - endpointer.last_speech_end <= 0.6
    # the last word ends where the energy of the recording does
    loud = np.flatnonzero(np.abs(audio) > 0.05 * np.abs(audio).max())
    assert abs(endpointer.last_speech_end - loud[-1] / RATE) < 0.25


# -- the listener ----------------------------------------------------------------------------

class ScriptedRecognizer:
    """Hears a given text whatever it is fed (counts what it was fed)."""

    name = "scripted"

    def __init__(self, text: str, word_confidence: float = 0.9):
        self.text = text
        self.word_confidence = word_confidence
        self.samples = 0

    def start(self) -> None:
        self.samples = 0

    def feed(self, block: np.ndarray) -> None:
        self.samples += len(block)

    def finish(self) -> Transcript:
        return Transcript(self.text, 0.9, word_confidence=self.word_confidence)


def _listener(text: str, vocabulary: Vocabulary, word_confidence: float = 0.9,
              **kwargs) -> Listener:
    return Listener(ScriptedRecognizer(text, word_confidence), IntentParser(vocabulary),
                    Endpointer(SpeechVad(), EndpointSettings(no_speech_timeout=1.0)),
                    site_id="kitchen", **kwargs)


def test_a_press_then_a_command_gives_hermes_text_and_intent(vocabulary, voice_clip) -> None:
    listener = _listener("play something by neon corridor", vocabulary, pre_roll=0.3)
    audio = voice_clip("c0002.flac")
    listener.process(np.zeros(RATE, np.int16))         # a second before the press
    listener.press()
    messages = listener.process(audio)
    kinds = [type(m) for m in messages]
    assert kinds == [AsrTextCaptured, NluIntent]
    text, intent = messages
    assert text.site_id == intent.site_id == "kitchen"
    assert text.session_id == intent.session_id is not None
    assert intent.intent.intent_name == "PlayMusic"
    assert {s.slot_name: s.value["value"] for s in intent.slots} == {"artist": "NeonCorridor"}
    # the pre-roll from before the press reached the recogniser
    assert listener.recognizer.samples >= 0.25 * RATE + 0.5 * RATE


def test_a_command_whose_words_the_recogniser_doubts_is_not_carried_out(vocabulary,
                                                                         caplog,
                                                                         voice_clip) -> None:
    caplog.set_level("INFO", logger="booth.listen.listener")
    def heard(word_confidence: float, **kwargs) -> tuple[list, Listener]:
        listener = _listener("skip this song", vocabulary, word_confidence, **kwargs)
        listener.press()
        return listener.process(voice_clip("c0002.flac")), listener

    messages, _ = heard(0.9)
    assert isinstance(messages[-1], NluIntent)
    assert messages[-1].intent.intent_name == "NextTrack"
    assert messages[-1].intent.confidence_score == pytest.approx(0.9)   # the words' share
    messages, listener = heard(0.1)          # Booth says it did not catch that instead
    assert [type(m) for m in messages] == [AsrTextCaptured, NluIntentNotRecognized]
    assert listener.utterances[0].doubted == "NextTrack"
    assert "'skip this song': not sure that was NextTrack" in caplog.text   # the log says why
    messages, _ = heard(0.1, min_intent_confidence=0.0)
    assert isinstance(messages[-1], NluIntent)


def test_nobody_speaking_after_a_press_is_not_recognised(vocabulary) -> None:
    listener = _listener("skip", vocabulary)
    listener.press()
    messages = listener.process(np.zeros(2 * RATE, np.int16))
    assert [type(m) for m in messages] == [AsrTextCaptured, NluIntentNotRecognized]
    assert messages[0].text == "" and not listener.listening


def test_a_recording_that_stops_right_after_the_command_ends_the_utterance_there(
        engines, tmp_path, voice_clip) -> None:
    import soundfile
    audio = voice_clip("c0002.flac")          # "skip this song", clean
    said = audio[:np.flatnonzero(np.abs(audio) > 300)[-1] + 800]   # 50 ms after the last word
    soundfile.write(tmp_path / "cut.wav", said, RATE)
    result, listener = hear(engines, Recording(tmp_path / "cut.wav", press=0.2), wake=False)
    assert result["intent"] == "NextTrack"
    (utterance,) = listener.utterances
    assert utterance.ended <= len(said) / RATE         # no silence made up after the end


def test_a_recording_that_ends_before_anyone_speaks_is_not_recognised(vocabulary) -> None:
    listener = _listener("skip", vocabulary)
    listener.press()
    assert listener.process(np.zeros(RATE // 2, np.int16)) == []
    messages = listener.end_of_audio()
    assert [type(m) for m in messages] == [AsrTextCaptured, NluIntentNotRecognized]
    assert messages[0].text == "" and not listener.listening
    assert listener.end_of_audio() == []                  # nothing open any more


def test_speech_that_is_mostly_the_speakers_own_echo_is_not_a_command(vocabulary,
                                                                       voice_clip) -> None:
    # the DJ talking over the music (the canceller has had the music to adapt to)
    mic, reference = voice_clip("n0180.flac"), voice_clip("n0180.ref.flac")
    listener = _listener("play some music", vocabulary, echo_canceller=SpeexEchoCanceller())
    messages = []
    for i in range(0, len(mic), 1024):
        if i <= 4.7 * RATE < i + 1024:
            listener.press()
        messages += listener.process(mic[i:i + 1024], reference[i:i + 1024])
    silence = np.zeros(5 * RATE, np.int16)
    messages += listener.process(silence, silence)
    assert any(isinstance(m, NluIntentNotRecognized) for m in messages)
    assert not any(isinstance(m, NluIntent) for m in messages)
    assert listener.utterances[0].echo_share > 0.85


def test_the_wake_word_opens_a_session(engines, voice_clip) -> None:
    listener = engines.listener(echo=False, wake=True)
    messages = listener.process(voice_clip("w0004.flac"))       # "hey jarvis, next"
    assert isinstance(messages[0], HotwordDetected)
    assert messages[0].model_id == "hey_jarvis"
    assert messages[-1].session_id == messages[0].session_id


def test_openwakeword_is_an_alternative_wake_word_engine(voice_clip) -> None:
    from booth.listen.wake import make_wake_word_detector
    detector = make_wake_word_detector("open", "hey_jarvis")
    clip = voice_clip("w0004.flac")
    heard = [i for i in range(0, len(clip), 1024) if detector.process(clip[i:i + 1024])]
    assert len(heard) == 1 and heard[0] < 2 * RATE      # "hey jarvis" opens the clip
    detector.reset()
    negative = voice_clip("n0172.flac")
    assert not any(detector.process(negative[i:i + 1024]) for i in range(0, len(negative), 1024))


def test_a_wake_word_without_a_bundled_model_is_a_clear_error() -> None:
    from booth.listen.wake import make_wake_word_detector
    with pytest.raises(ValueError, match="choose one of okay_nabu, hey_jarvis"):
        make_wake_word_detector("micro", "hey_siri")


def test_stray_words_at_the_ends_and_homophones_do_not_hide_a_command(vocabulary) -> None:
    parser = IntentParser(vocabulary)
    assert understand(parser, "pause playback in").name == "Pause"
    assert understand(parser, "volume to").slots == {"level": 2}
    assert understand(parser, "what is the weather like tomorrow") is None
    assert understand(parser, "i think we should order pizza tonight") is None


# -- booth hear ------------------------------------------------------------------------------

def _hear_cli(argv: list[str]) -> int:
    from booth.cli import common_options
    from booth.listen.commands import register
    parser = argparse.ArgumentParser(prog="booth")
    register(parser.add_subparsers(), common_options())
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="session")
def names_db(music_dirs, tmp_path_factory) -> Path:
    """A library database with the Debian music's names (tags only, no audio analysis)."""
    from dataclasses import asdict

    from booth.library.db import Database
    from booth.listen.names import tracks_from_tags
    path = tmp_path_factory.mktemp("names") / "booth.db"
    db = Database(path)
    for track in tracks_from_tags(music_dirs):
        row = asdict(track)
        del row["id"], row["features"]
        db.upsert_track(row | {"mtime": 0.0, "size": 0})
    db.conn.commit()
    db.close()
    return path


def test_pocketsphinx_is_far_more_confident_of_a_command_than_of_chatter(engines,
                                                                         voice_set) -> None:
    from lab.listen.evaluate import read_clips
    clips = read_clips(voice_set)
    commands = [c for c in clips if c.intent and c.condition == "clean"
                and c.voice.startswith("piper")][:8]
    chatter = [c for c in clips if c.intent is None]

    def confidence(clip) -> float:
        _, listener = hear(engines, clip.recording, wake=False)
        return listener.utterances[0].confidence if listener.utterances else 0.0

    sure = sorted(map(confidence, commands))
    unsure = sorted(map(confidence, chatter))
    assert all(0.0 <= c <= 1.0 for c in sure + unsure)
    assert sure[len(sure) // 2] > 10 * unsure[len(unsure) // 2], (sure, unsure)


def test_booth_hear_prints_one_json_line_per_recording(tmp_path, capsys, names_db,
                                                       vocabulary, voice_set) -> None:
    from booth.listen.names import vocabulary_from_db
    assert vocabulary_from_db(names_db) == vocabulary
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("\n".join(json.dumps(r) for r in [
        {"file": str(voice_set / "c0002.flac"), "press": 0.2},
        {"file": str(voice_set / "c0001.flac"), "reference": str(voice_set / "c0001.ref.flac"),
         "press": 4.7}]) + "\n")
    assert _hear_cli(["hear", "--db", str(names_db), "--manifest", str(manifest),
                      "--no-wake", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [Path(r["file"]).name for r in lines] == ["c0002.flac", "c0001.flac"]
    assert all(set(r) == {"file", "wake", "text", "intent", "slots"} for r in lines)
    assert lines[0]["intent"] == "NextTrack" and lines[0]["wake"] is False


def test_booth_hear_without_a_library_knows_the_names_of_the_music_booth_would_play(
        tmp_path, capsys, voice_set) -> None:
    (tmp_path / "Music").mkdir()
    config = tmp_path / "booth.toml"
    config.write_text(f'[library]\nmusic_dirs = ["{tmp_path / "Music"}"]\n')
    clip = voice_set / "c0130.flac"          # "play something by neon corridor"
    assert _hear_cli(["hear", "--config", str(config), "--db", str(tmp_path / "none.db"),
                      "--no-wake", "--press", "0.2", str(clip)]) == 0
    captured = capsys.readouterr()
    (line,) = [json.loads(text) for text in captured.out.splitlines()]
    assert (line["intent"], line["slots"]) == ("PlayMusic", {"artist": "NeonCorridor"})
    assert "no library database" in captured.err and "/usr/share/games" in captured.err


def test_booth_hear_names_a_missing_recording(tmp_path) -> None:
    with pytest.raises(SystemExit, match="no such file: .*absent.wav"):
        _hear_cli(["hear", "--db", str(tmp_path / "x.db"), str(tmp_path / "absent.wav")])


def test_a_recording_that_is_not_audio_is_a_clear_error(engines, tmp_path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    from booth.listen.hear import hear_all
    (result,) = hear_all(engines, [Recording(bad)], wake=False)
    assert "notes.wav" in result["error"] and "cannot read audio" in result["error"]


def test_a_recording_at_another_rate_is_heard_the_same(engines, tmp_path, voice_clip) -> None:
    import soundfile
    import soxr
    audio = voice_clip("c0002.flac").astype(np.float32) / 32768
    resampled = tmp_path / "skip-44k.wav"
    soundfile.write(resampled, soxr.resample(audio, RATE, 44100), 44100)
    result, _ = hear(engines, Recording(resampled, press=0.2), wake=False)
    assert result["intent"] == "NextTrack"


# -- Vosk ------------------------------------------------------------------------------------

def _espeak(text: str, voice: str, out: Path) -> np.ndarray:
    subprocess.run([espeak_ng(), "-v", voice, "-w", str(out), text], check=True, timeout=30)
    return read_audio(out)


@pytest.fixture(scope="module")
def korean(korean_model):
    from booth.listen.vosk import VoskRecognizer
    return VoskRecognizer(korean_model, ["안녕하세요", "다음", "노래", "음악"])


def test_vosk_streams_an_utterance_within_its_grammar(korean, tmp_path) -> None:
    audio = _espeak("다음 노래", "ko", tmp_path / "next.wav")
    korean.start()
    for i in range(0, len(audio), 512):
        korean.feed(audio[i:i + 512])
    heard = korean.finish()
    assert heard.text == "다음 노래"
    assert 0.0 < heard.confidence <= 1.0
    audio = _espeak("안녕하세요", "ko", tmp_path / "hello.wav")
    korean.start()                                     # a second utterance starts afresh
    korean.feed(audio)
    assert korean.finish().text == "안녕하세요"


def test_vosk_hears_only_the_words_of_its_grammar(korean, voice_clip) -> None:
    audio = voice_clip("c0002.flac")                        # English: none of its words
    korean.start()
    korean.feed(audio)
    assert set(korean.finish().text.split()) <= {"안녕하세요", "다음", "노래", "음악"}


# -- live: the reference channel and the microphone loop -------------------------------------

def test_the_players_mix_reaches_the_listener_lined_up_in_time(tmp_path) -> None:
    import time

    from booth.listen.reference import ReferenceReceiver, ReferenceSender
    receiver = ReferenceReceiver(tmp_path / "playback.sock")
    sender = ReferenceSender(tmp_path / "playback.sock")
    try:
        t = np.arange(48000) / 48000
        tone = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1).astype(np.float32) * 0.5
        plays_at = time.monotonic() + 0.5
        for i in range(0, 48000, 4800):                # as a player writes its blocks
            sender.send(tone[i:i + 4800], 48000, plays_at + i / 48000)
        deadline = time.monotonic() + 5
        while receiver.received < 15000 and time.monotonic() < deadline:
            time.sleep(0.01)
        heard = receiver.window(plays_at + 0.25, 1600).astype(float) / 32767
        before = receiver.window(plays_at - 0.2, 1600)
    finally:
        sender.close()
        receiver.close()
    expected = 0.5 * np.sin(2 * np.pi * 440 * (0.25 + np.arange(1600) / RATE))
    assert np.abs(heard - expected).max() < 0.05
    assert not before.any()                            # nothing played then: silence


def test_a_sender_without_a_listener_drops_blocks_and_never_waits(tmp_path) -> None:
    from booth.listen.reference import ReferenceSender
    sender = ReferenceSender(tmp_path / "nobody.sock")
    sender.send(np.zeros((4800, 2), np.float32), 48000, 0.0)
    assert sender.dropped == 1
    sender.close()


def test_the_live_listener_publishes_what_a_press_hears(engines, voice_set) -> None:
    from booth.listen.live import LiveListener
    from booth.listen.sources import FileSource
    published = []
    live = LiveListener(engines.listener(echo=False, wake=True),
                        FileSource(str(voice_set / "c0002.flac")), None, published.append)
    live.press()
    live.start()
    live._thread.join(timeout=30)
    live.close()
    assert [type(m).__name__ for m in published] == ["AsrTextCaptured", "NluIntent"]
    assert published[-1].intent.intent_name == "NextTrack"


def test_new_library_names_reach_a_running_listener(engines, tmp_path) -> None:
    from booth.listen.live import LiveListener
    from booth.listen.sources import NullSource
    live = LiveListener(engines.listener(echo=False, wake=False), NullSource(0.2, paced=False),
                        None, [].append, engines, tmp_path)
    assert live.listener.parser.parse("play zorblax") is None
    live.set_vocabulary(Vocabulary.build(artists=["Zorblax"]))
    live.run()                                            # swaps between two blocks
    assert live.listener.parser.parse("play zorblax").slots == {"artist": "Zorblax"}
    assert live.listener.recognizer is not engines.recognizer


def _means(text: str) -> np.ndarray:
    return np.array([float(n) for n in text.split(",")])


def test_new_library_names_keep_what_the_recogniser_learnt_of_the_room(engines,
                                                                       tmp_path,
                                                                       voice_set) -> None:
    from booth.listen.live import LiveListener
    from booth.listen.sources import NullSource
    live = LiveListener(engines.listener(echo=False, wake=False), NullSource(0.2, paced=False),
                        None, [].append, engines, tmp_path)
    hear(engines, Recording(voice_set / "c0002.flac"), wake=False)   # it has heard someone
    learnt = engines.recognizer.cepstral_mean
    live.set_vocabulary(Vocabulary.build(artists=["Zorblax"]))
    live.run()
    assert live.listener.recognizer is not engines.recognizer
    assert np.allclose(_means(live.listener.recognizer.cepstral_mean), _means(learnt),
                       atol=1e-3)
    assert not np.allclose(_means(learnt)[:3], [40, 3, -1])     # not the model's first guess


@pytest.fixture()
def live_after_a_press(vocabulary, voice_set, listen_cache):
    """``live_after_a_press(clip, cache, published, learn=False)``: the live listener on a file
    microphone playing `clip` (a press as it starts), with the built language model in
    `cache`, publishing into `published`."""
    from booth.listen.live import LiveListener

    def start(clip: str, cache: Path, published: list, learn: bool = False):
        shutil.copytree(listen_cache, cache)   # the language model, built
        settings = ListenSettings(recognizer="pocketsphinx", reference="none",
                                  source=f"file:{voice_set / clip}", learn_voice=learn)
        live = LiveListener.open(settings, vocabulary, published.append, cache_dir=cache)
        live.press()
        live.start()
        return live
    return start


def test_what_the_recogniser_learnt_of_the_room_outlives_a_restart(
        engines, vocabulary, tmp_path, live_after_a_press) -> None:
    from booth.listen.live import CEPSTRAL_MEAN_FILE, LiveListener
    cache = tmp_path / "listen"
    published: list = []
    first = live_after_a_press("c0002.flac", cache, published)
    settings = first.engines.settings
    deadline = time.monotonic() + 30
    kept = cache / CEPSTRAL_MEAN_FILE
    while not kept.exists() and time.monotonic() < deadline:    # kept after each utterance,
        time.sleep(0.05)                                        # not only at a clean stop
    assert kept.exists()
    first.close()
    assert published[-1].intent.intent_name == "NextTrack"
    saved = _means(kept.read_text(encoding="utf-8"))
    assert saved.shape == (13,) and not np.allclose(saved[:3], [40, 3, -1])
    again = LiveListener.open(settings, vocabulary, [].append, cache_dir=cache)
    assert np.allclose(_means(again.listener.recognizer.cepstral_mean), saved, atol=1e-3)
    again.close()


def test_a_damaged_saved_cepstral_mean_is_ignored(engines, vocabulary, tmp_path, listen_cache,
                                                  caplog) -> None:
    from booth.listen.live import CEPSTRAL_MEAN_FILE, LiveListener
    cache = tmp_path / "listen"
    shutil.copytree(listen_cache, cache)
    (cache / CEPSTRAL_MEAN_FILE).write_text("41,oops\n", encoding="utf-8")
    settings = ListenSettings(recognizer="pocketsphinx", reference="none", source="null")
    live = LiveListener.open(settings, vocabulary, [].append, cache_dir=cache)
    assert _means(live.listener.recognizer.cepstral_mean)[:3].tolist() == [40, 3, -1]
    assert "13 comma-separated numbers" in caplog.text
    live.close()


def test_an_unknown_microphone_source_is_a_clear_error() -> None:
    from booth.listen.sources import SourceError, open_source
    with pytest.raises(SourceError, match="use device\\[:NAME\\], file:PATH or null"):
        open_source("telepathy")


def test_a_press_over_music_is_heard_through_a_real_sound_server(
        pulse_null_sink, engines, tmp_path, voice_clip) -> None:
    """Music plays through the player's output (tapped as the reference) into a PulseAudio
    null sink; a voice is played into the same sink beside it; the listener records the
    sink's monitor as its microphone, cancels the music and hears the command."""
    import threading
    import time

    import soxr
    from booth.audio.outputs import open_output
    from booth.listen.live import LiveListener
    from booth.listen.reference import ReferenceReceiver, ReferenceSender, TapSink
    from booth.listen.sources import DeviceSource

    music = voice_clip("c0001.ref.flac").astype(np.float32) / 32768 * 0.5
    music48 = soxr.resample(np.tile(music, 3), RATE, 48000).astype(np.float32)
    voice = tmp_path / "command.wav"
    import soundfile
    soundfile.write(voice, voice_clip("c0002.flac"), RATE)    # "skip this song"

    socket_file = tmp_path / "playback.sock"
    published: list = []
    live = LiveListener(engines.listener(echo=True, wake=False), DeviceSource("pulse"),
                        ReferenceReceiver(socket_file), published.append)
    player = TapSink(open_output("device:pulse", 48000, buffer_seconds=0.5), 48000,
                     ReferenceSender(socket_file))
    stop = threading.Event()

    def play() -> None:
        for i in range(0, len(music48), 2400):
            if stop.is_set():
                break
            block = music48[i:i + 2400]
            player.write(np.stack([block, block], axis=1))

    thread = threading.Thread(target=play, daemon=True)
    live.start()
    thread.start()
    try:
        time.sleep(8.0)                                  # the canceller adapts to the music
        live.press()
        subprocess.run(["paplay", "--device=booth_test", str(voice)], env=pulse_null_sink,
                       check=True, timeout=30)
        deadline = time.monotonic() + 15
        while not any(type(m).__name__ == "NluIntent" for m in published) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
        live.close()
        player.close()
    intents = [m for m in published if type(m).__name__ == "NluIntent"]
    assert intents, [getattr(m, "text", m) for m in published]
    assert intents[0].intent.intent_name == "NextTrack"
    assert live.reference.received > 4 * RATE            # the reference really arrived


def test_the_live_listener_keeps_a_command_it_understood_and_swaps_in_a_learnt_model(
        engines, vocabulary, tmp_path, live_after_a_press) -> None:
    from booth.listen.learn import HEARD, VoiceLearner
    from booth.listen.sphinx import model_dir
    cache = tmp_path / "listen"
    published: list = []
    live = live_after_a_press("c0002.flac", cache, published, learn=True)
    deadline = time.monotonic() + 30
    while not VoiceLearner(cache).kept() and time.monotonic() < deadline:
        time.sleep(0.05)
    [kept] = VoiceLearner(cache).kept()
    assert published[-1].intent.intent_name == "NextTrack"
    assert IntentParser(vocabulary).parse(kept["text"]).name == "NextTrack"
    audio = read_audio(cache / HEARD / kept["file"])
    assert 0.5 < len(audio) / 16000 < 5.0                       # the command, not the silence

    new_model = shutil.copytree(model_dir() / "en-us", tmp_path / "learnt")  # as if learnt
    live.use_acoustic_model(new_model)
    while live.listener.recognizer.acoustic_model != new_model and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.listener.recognizer.acoustic_model == new_model
    assert live.listener.parser.vocabulary is vocabulary        # the same names as before
    live.close()


def test_unless_asked_to_learn_the_live_listener_keeps_nothing_it_hears(
        engines, vocabulary, tmp_path, live_after_a_press) -> None:
    from booth.listen.learn import HEARD
    cache = tmp_path / "listen"
    published: list = []
    live = live_after_a_press("c0002.flac", cache, published)
    deadline = time.monotonic() + 30
    while not any(isinstance(m, NluIntent) for m in published) and time.monotonic() < deadline:
        time.sleep(0.05)
    live.close()
    assert published[-1].intent.intent_name == "NextTrack"      # understood, and not kept
    assert live.learner is None and not (cache / HEARD).exists()


# -- the noise floor ---------------------------------------------------------------------------

def test_digital_silence_is_lifted_to_the_floor_and_louder_sound_passes_unchanged() -> None:
    from booth.listen.floor import NoiseFloor
    tone = (3000 * np.sin(np.arange(1600) * 2 * np.pi * 440 / RATE)).astype(np.int16)
    block = np.concatenate([np.zeros(1600, np.int16), tone])
    floor = NoiseFloor(-72.0)
    lifted = floor.lift(block)
    hiss = 20 * np.log10(np.sqrt(np.mean(lifted[:1600].astype(float) ** 2)) / 32768)
    assert -74.0 < hiss < -70.0
    assert np.array_equal(lifted[1600:], tone)
    floor.reset()
    assert np.array_equal(floor.lift(block), lifted)      # the same utterance, the same hiss


def test_commands_with_digital_silence_between_words_are_heard_better_with_the_floor(
        engines, vocabulary, voice_set, listen_cache) -> None:
    """The voice set's clean espeak clips (made as the development set's were) are exact zeros
    between words, which no microphone gives: PocketSphinx misheard most of them until the
    floor lifted the silence."""
    from lab.listen.evaluate import read_clips
    from booth.listen.floor import FLOOR_DBFS
    from booth.listen.sphinx import PocketSphinxRecognizer
    clips = [c for c in read_clips(voice_set)
             if c.intent and c.condition == "clean" and c.voice.startswith("espeak")]
    assert len(clips) >= 10

    def understood(noise_floor: float | None) -> int:
        recognizer = PocketSphinxRecognizer.build(load_templates(), vocabulary,
                                                  cache_dir=listen_cache,
                                                  noise_floor=noise_floor)
        ears = replace(engines, recognizer=recognizer, wake=None)
        results = [hear(ears, clip.recording, wake=False)[0] for clip in clips]
        return sum(c.heard_right(r) for r, c in zip(results, clips))

    without, with_floor = understood(None), understood(FLOOR_DBFS)
    assert with_floor >= without + 2, (without, with_floor)


# -- doubt -------------------------------------------------------------------------------------

def test_commands_misheard_as_others_are_declined_when_the_words_are_doubtful(
        vocabulary, voice_set, listen_cache) -> None:
    """The voice set's espeak voice, an accent far from the US model's speakers, is sometimes
    heard as words that happen to read as another command. When PocketSphinx is unsure of
    those words, Booth says it did not catch that instead of doing the wrong thing, and it
    seldom doubts a command it heard right. Engines of its own, so that what the recogniser
    learnt of the room from other tests' clips does not change what it hears. Measured on the
    generated voice set: 2 of 43 commands spared, none doubted that was heard right, 8 carried
    out as another (the development set's recordings: 6 spared, 7 carried out)."""
    from booth.listen.engines import Engines
    from lab.listen.evaluate import Report, read_clips, run_push_to_talk
    clips = [c for c in read_clips(voice_set) if c.intent and c.voice.startswith("espeak")]
    assert len(clips) >= 30
    ears = Engines.load(ListenSettings(recognizer="pocketsphinx"), vocabulary, wake=False,
                        cache_dir=listen_cache)
    report = Report()
    run_push_to_talk(ears, clips, report)
    doubted = [e for e in report.errors if "doubted" in e]
    spared = [e for e in doubted if e["doubted"] != e["expected"]]
    assert len(spared) >= 1, report.errors
    assert len(doubted) - len(spared) <= 1, doubted
    assert report.acted_wrongly < len(clips) // 4, report.errors
