"""The test voice set through the whole listening pipeline: the development set's 184 clips
(their words, voices and conditions, tests/data/voice-set.jsonl) spoken again by Piper and
espeak-ng over hyperrogue-music (the `voice_set` fixture).

A representative third of the clips of every condition (tools/eval-voice runs them all). The
thresholds sit a little below what was measured on this subset of the generated clips, so a
change that makes Booth hear worse fails here. On all 184 generated clips (tools/eval-voice
--set on the cached set, PocketSphinx, speex canceller): intent+slots 82 % clean,
90 % / 88 % / 88 % at 0 / +5 / +10 dB music echo; negatives 12/12 rejected; wake word 50/50
heard, no false wake in 134 clips; Piper's voice 124 of 129 commands, espeak's 24 of 43.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from lab.listen.evaluate import Clip, Report, read_clips, run_push_to_talk, run_wake
from booth.listen.engines import Engines
from booth.listen.settings import ListenSettings

pytestmark = pytest.mark.slow


def every_third(clips: list[Clip]) -> list[Clip]:
    """A third of each condition's commands (spread over voices and intents) and every
    negative."""
    by_condition: dict[str, list[Clip]] = defaultdict(list)
    for clip in clips:
        if clip.intent is not None:
            by_condition[clip.condition].append(clip)
    chosen = [c for group in by_condition.values() for c in group[::3]]
    return chosen + [c for c in clips if c.intent is None]


@pytest.fixture(scope="module")
def clips(voice_set) -> list[Clip]:
    return every_third(read_clips(voice_set))


@pytest.fixture(scope="module")
def engines(vocabulary, listen_cache) -> Engines:
    """Engines of its own: the recogniser's running cepstral mean starts afresh, so what is
    measured here does not depend on what other tests had it hear before."""
    return Engines.load(ListenSettings(recognizer="pocketsphinx", echo_canceller="speex"),
                        vocabulary, wake=True, cache_dir=listen_cache)


@pytest.fixture(scope="module")
def pressed(engines, clips) -> Report:
    report = Report()
    run_push_to_talk(engines, clips, report)
    return report


@pytest.fixture(scope="module")
def woken(engines, clips) -> Report:
    report = Report()
    run_wake(engines, [c for c in clips if c.wake or c.intent is None], report)
    return report


def test_clean_commands_are_understood(pressed) -> None:
    assert pressed.accuracy["clean"].rate >= 0.75, pressed.errors   # measured 0.86


def test_a_natural_voice_is_understood_nearly_always(pressed) -> None:
    piper = pressed.accuracy_by_voice["piper"]
    assert piper.total >= 30
    assert piper.rate >= 0.9, pressed.errors                       # measured 0.93 (41/44)


def test_commands_over_music_are_understood_once_the_echo_is_cancelled(pressed) -> None:
    music = [pressed.accuracy[c] for c in ("music+10", "music+5", "music0")]
    right, total = sum(t.right for t in music), sum(t.total for t in music)
    assert total >= 25
    assert right / total >= 0.8, pressed.errors                    # measured 0.86


def test_without_echo_cancellation_loud_music_drowns_the_commands(engines, clips,
                                                                 pressed) -> None:
    loud = [c for c in clips if c.condition == "music0"]
    plain = Engines(ListenSettings(echo_canceller="none"), engines.recognizer, engines.parser,
                    engines.vad, None)
    without = Report()
    run_push_to_talk(plain, loud, without)
    missed = {e["file"] for e in pressed.errors}
    with_echo = sum(c.file.name not in missed for c in loud)
    print(f"music0: {with_echo}/{len(loud)} with the canceller, "
          f"{without.accuracy['music0'].right} without")
    assert with_echo >= without.accuracy["music0"].right + 4


def test_what_is_not_a_command_is_rejected(pressed) -> None:
    assert pressed.rejection.total == 12
    assert pressed.rejection.rate >= 0.9, pressed.errors           # measured 1.0


def test_the_wake_word_is_heard_and_nothing_else_wakes_booth(woken) -> None:
    assert woken.wake_recall.total >= 10
    assert woken.wake_recall.rate >= 0.85, woken.errors            # measured 1.0
    assert woken.false_wakes.right == 0, woken.errors    # "right" counts the false wakes


def test_the_intent_follows_the_end_of_speech_quickly(pressed) -> None:
    assert statistics.median(pressed.decision_to_intent) < 0.3
    assert statistics.median(pressed.last_word_to_intent) < 1.0
