"""The listener under an external Hermes dialogue manager: it reports the wake word, listens
when asked (losing nothing said meanwhile), answers NLU queries with the ids echoed, and
honours hotword and ASR toggles per reason. Real wake word, VAD and PocketSphinx."""

from __future__ import annotations

import numpy as np
import pytest
from booth.intents import IntentParser
from booth.listen.listener import PUSH_TO_TALK
from booth.listen.nlu import answer_query
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.dialogue import DialogueStartSession
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized, NluQuery
from rhasspyhermes.wake import HotwordDetected

RATE = 16000


@pytest.fixture()
def external(engines):
    return engines.listener(echo=False, wake=True, site_id="kitchen", dialogue="external")


def test_with_a_dialogue_manager_the_wake_word_is_reported_and_nothing_more(external,
                                                                          voice_clip) -> None:
    messages = external.process(voice_clip("w0004.flac"))    # "hey jarvis, next"
    assert [type(m) for m in messages] == [HotwordDetected]
    assert messages[0].site_id == "kitchen" and messages[0].model_id == "hey_jarvis"
    assert messages[0].session_id is None                    # the manager names the session
    assert not external.listening


def test_words_said_before_the_manager_asks_to_listen_are_not_lost(external, voice_clip) -> None:
    external.process(voice_clip("w0004.flac"))               # all of it heard before the ask
    messages = external.start_listening("session-7", "hey_jarvis")
    messages += external.process(np.zeros(RATE, np.int16))
    assert [type(m) for m in messages] == [AsrTextCaptured]
    text = messages[0]
    assert (text.session_id, text.site_id, text.wakeword_id) == ("session-7", "kitchen",
                                                                 "hey_jarvis")
    assert "next" in text.text.split()


def test_listening_without_stop_on_silence_waits_for_stop_listening(external, voice_clip) -> None:
    external.start_listening("s-2", stop_on_silence=False)
    assert external.process(voice_clip("c0002.flac")) == []
    assert external.process(np.zeros(2 * RATE, np.int16)) == []   # silence does not end it
    messages = external.stop_listening("s-2")
    assert [type(m) for m in messages] == [AsrTextCaptured]
    assert messages[0].session_id == "s-2" and messages[0].text


def test_stop_listening_for_another_session_changes_nothing(external) -> None:
    external.start_listening("mine", stop_on_silence=False)
    assert external.stop_listening("someone-else") == []
    assert external.listening


def test_the_wake_word_sleeps_while_any_reason_holds_it_off(external, voice_clip) -> None:
    external.toggle_hotword(False, "dialogueSession")
    external.toggle_hotword(False, "ttsSay")
    assert external.process(voice_clip("w0004.flac")) == []
    external.toggle_hotword(True, "ttsSay")
    assert external.process(voice_clip("w0004.flac")) == []  # dialogueSession still holds it
    external.toggle_hotword(True, "dialogueSession")
    assert [type(m) for m in external.process(voice_clip("w0004.flac"))] == [HotwordDetected]


def test_switching_on_without_a_reason_clears_every_reason(external) -> None:
    external.toggle_hotword(False, "playAudio")
    external.toggle_hotword(False, "dialogueSession")
    external.toggle_hotword(True, "")
    assert external.hotword_off == set()


def test_no_utterance_starts_while_listening_is_toggled_off(external) -> None:
    external.toggle_asr(False, "ttsSay")
    assert external.start_listening("s-3") == [] and not external.listening
    assert external.press() == []
    external.toggle_asr(True, "ttsSay")
    external.start_listening("s-3")
    assert external.listening


def test_a_press_asks_the_dialogue_manager_for_a_session(external, voice_clip) -> None:
    [start] = external.press()
    assert isinstance(start, DialogueStartSession)
    assert start.site_id == "kitchen" and start.custom_data == PUSH_TO_TALK
    external.process(voice_clip("c0002.flac"))               # said before the manager asks
    messages = external.start_listening("pressed")
    messages += external.process(np.zeros(RATE, np.int16))
    assert [type(m) for m in messages] == [AsrTextCaptured]
    assert messages[0].wakeword_id is None and messages[0].text


def test_built_in_sessions_are_unchanged_by_toggles_that_are_on(engines, voice_clip) -> None:
    listener = engines.listener(echo=False, wake=True, site_id="kitchen")
    listener.toggle_hotword(True, "")
    messages = listener.process(np.concatenate([voice_clip("w0004.flac"),
                                                np.zeros(RATE, np.int16)]))
    assert [type(m) for m in messages][:2] == [HotwordDetected, AsrTextCaptured]
    assert isinstance(messages[-1], NluIntent)
    assert messages[-1].session_id == messages[0].session_id is not None


def test_an_nlu_query_gets_the_intent_with_its_ids_echoed(vocabulary) -> None:
    query = NluQuery(input="volume to two", id="q-1", site_id="kitchen", session_id="s-1",
                     custom_data="from the test", wakeword_id="hey_jarvis")
    answer = answer_query(IntentParser(vocabulary), query)
    assert isinstance(answer, NluIntent)
    assert answer.intent.intent_name == "SetVolume"
    assert {s.slot_name: s.value["value"] for s in answer.slots} == {"level": 2}
    assert (answer.id, answer.site_id, answer.session_id, answer.custom_data) == (
        "q-1", "kitchen", "s-1", "from the test")


def test_an_nlu_query_outside_its_intent_filter_is_not_recognised(vocabulary) -> None:
    query = NluQuery(input="next song", id="q-2", site_id="kitchen", session_id="s-2",
                     intent_filter=["SetVolume"])
    answer = answer_query(IntentParser(vocabulary), query)
    assert isinstance(answer, NluIntentNotRecognized)
    assert (answer.id, answer.session_id, answer.input) == ("q-2", "s-2", "next song")


def test_an_nlu_query_that_is_no_command_is_not_recognised(vocabulary) -> None:
    query = NluQuery(input="what a lovely day for a walk", id="q-3", site_id="kitchen")
    assert isinstance(answer_query(IntentParser(vocabulary), query), NluIntentNotRecognized)
