"""The player's MQTT handler on its own: messages in, messages out, no broker."""

from __future__ import annotations

import io
import json
import time
import wave
from dataclasses import dataclass, field
from typing import Any

import pytest
from booth.station import commands as c
from booth.station.api import PlayerEvent
from lab.fakes.player import FakeController
from booth.mqtt.handler import PlayerHandler
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.topics import HA_STATUS, SiteTopics, check_site
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.audioserver import AudioPlayBytes, AudioPlayFinished
from rhasspyhermes.dialogue import DialogueEndSession
from rhasspyhermes.intent import Intent
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized, Slot
from rhasspyhermes.tts import TtsSay, TtsSayFinished

SITE = "kitchen"
TOPICS = SiteTopics(SITE)


@dataclass
class Rig:
    handler: PlayerHandler
    controller: FakeController
    later: list[Outgoing] = field(default_factory=list)

    def send(self, topic: str, payload: bytes | str | dict[str, Any]) -> list[Outgoing]:
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        if isinstance(payload, str):
            payload = payload.encode()
        return self.handler.handle(Incoming(topic, payload)) + self.handler.state()

    def command(self, body: dict[str, Any] | str) -> list[Outgoing]:
        return self.send(TOPICS.command, body)


def rig(*, satellites: tuple[str, ...] = (), parser: Any = None, hold_speech: bool = True,
        dialogue: str = "booth") -> Rig:
    controller = FakeController(hold_speech=hold_speech)
    later: list[Outgoing] = []
    handler = PlayerHandler(SITE, controller, parser, satellites=satellites, later=later.extend,
                            dialogue=dialogue)
    handler.startup()
    return Rig(handler, controller, later)


def on(messages: list[Outgoing], topic: str) -> list[Any]:
    """Payloads published on ``topic``, JSON decoded."""
    return [json.loads(m.payload) for m in messages if m.topic == topic]


def intent(name: str, *, site: str = SITE, session: str | None = None, **slots: Any) -> str:
    return NluIntent(
        input=name,
        intent=Intent(intent_name=name, confidence_score=1.0),
        site_id=site,
        session_id=session,
        slots=[Slot(entity=k, slot_name=k, value={"kind": "Unknown", "value": v}) for k, v in slots.items()],
    ).payload()


def wav_bytes(seconds: float = 0.05) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\0\0" * int(16000 * seconds))
    return buffer.getvalue()


def test_a_command_reaches_the_player_and_the_new_state_is_published_retained() -> None:
    r = rig()
    out = r.command({"action": "volume", "level": 3})
    assert r.controller.commands == [c.Volume(level=3)]
    [state] = [m for m in out if m.topic == TOPICS.state]
    assert state.retain and json.loads(state.payload)["volume"] == 3


def test_a_rejected_command_changes_nothing_and_says_why_with_topic_and_payload() -> None:
    r = rig()
    out = r.command('{"action": "volume", "level": 11, "origin": "knob"}')
    assert r.controller.commands == []
    assert on(out, TOPICS.state) == []
    assert on(out, TOPICS.error) == [{
        "error": "level must be from 0 to 10, not 11",
        "topic": TOPICS.command,
        "payload": '{"action": "volume", "level": 11, "origin": "knob"}',
        "origin": "knob",
    }]


def test_a_binary_payload_is_described_not_copied_into_the_error() -> None:
    [error] = on(rig().command(b"\x89PNG\xff\x00"), TOPICS.error)  # type: ignore[arg-type]
    assert error["payload"] == "<6 bytes, not UTF-8 text>"


def test_what_is_playing_from_a_button_is_spoken_by_the_speaker() -> None:
    r = rig()
    r.command({"action": "what_is_playing"})
    assert r.controller.said == ["This is Nebula by Maxstack"]


def test_say_speaks_the_text_without_bothering_the_player_logic() -> None:
    r = rig()
    r.command({"action": "say", "text": "Dinner is ready"})
    assert r.controller.said == ["Dinner is ready"] and r.controller.commands == []


def test_an_intent_in_a_dialogue_session_ends_the_session_with_the_spoken_answer() -> None:
    r = rig()
    out = r.send(NluIntent.topic(intent_name="WhatIsPlaying"), intent("WhatIsPlaying", session="s-1"))
    assert on(out, DialogueEndSession.topic()) == [
        json.loads(DialogueEndSession(session_id="s-1", text="This is Nebula by Maxstack").payload())
    ]
    assert r.controller.said == []  # the dialogue manager speaks it


def test_an_intent_without_a_session_speaks_its_answer_itself() -> None:
    r = rig()
    out = r.send(NluIntent.topic(intent_name="WhatIsPlaying"), intent("WhatIsPlaying"))
    assert on(out, DialogueEndSession.topic()) == []
    assert r.controller.said == ["This is Nebula by Maxstack"]


def heard(r: Rig, text: str, session: str, *, site: str = SITE) -> None:
    """Booth's listener on `site` heard `text` in `session` and found no command in it."""
    r.send(AsrTextCaptured.topic(), AsrTextCaptured(text=text, likelihood=0.01, seconds=1.0,
                                                    site_id=site, session_id=session).payload())
    r.send(NluIntentNotRecognized.topic(),
           NluIntentNotRecognized(input=text, site_id=site, session_id=session).payload())


def test_words_that_are_no_command_get_a_spoken_sorry_in_booths_own_session() -> None:
    r = rig()
    heard(r, "the weather is nice", "s-1")
    heard(r, "what a day", "s-2")
    assert len(r.controller.said) == 2
    assert r.controller.said[0].startswith("Sorry")
    assert r.controller.said[0] != r.controller.said[1]       # not the same words every time


def test_silence_after_a_press_and_other_managers_sessions_get_no_sorry() -> None:
    r = rig()
    heard(r, "", "s-1")                                      # pressed, said nothing
    heard(r, "the weather is nice", "s-2", site="attic")     # another speaker's session
    r.send(NluIntentNotRecognized.topic(),                   # a session Booth did not run
           NluIntentNotRecognized(input="hm", site_id=SITE, session_id="s-3").payload())
    assert r.controller.said == []
    external = rig(dialogue="external")                      # Rhasspy's manager answers
    heard(external, "the weather is nice", "s-4")
    assert external.controller.said == []


def test_an_intent_with_a_bad_slot_apologises_and_ends_the_session() -> None:
    r = rig()
    out = r.send(NluIntent.topic(intent_name="SetVolume"), intent("SetVolume", session="s-2", level=99))
    [end] = on(out, DialogueEndSession.topic())
    assert end["sessionId"] == "s-2" and end["text"].startswith("Sorry, level must be from 0 to 10")
    assert on(out, TOPICS.error)[0]["topic"] == "hermes/intent/SetVolume"
    assert r.controller.commands == []


def test_a_player_failure_is_reported_and_still_ends_the_session() -> None:
    r = rig()

    def broken(command: c.Command) -> None:
        raise RuntimeError("mixer on fire")

    r.controller.apply = broken  # type: ignore[method-assign]
    out = r.send(NluIntent.topic(intent_name="NextTrack"), intent("NextTrack", session="s-3"))
    assert "mixer on fire" in on(out, TOPICS.error)[0]["error"]
    assert on(out, DialogueEndSession.topic())[0]["sessionId"] == "s-3"


def test_slots_arrive_as_command_values() -> None:
    r = rig()
    r.send(NluIntent.topic(intent_name="PlayMusic"), intent("PlayMusic", artist="Savino"))
    r.send(NluIntent.topic(intent_name="SleepTimer"), intent("SleepTimer", minutes=15))
    assert r.controller.commands == [c.Play(artist="Savino", origin=f"hermes:{SITE}"),
                                     c.Sleep(minutes=15, origin=f"hermes:{SITE}")]


def test_intents_of_other_sites_are_ignored_but_satellites_are_served() -> None:
    r = rig(satellites=("porch",))
    assert r.send(NluIntent.topic(intent_name="Pause"), intent("Pause", site="attic", session="a")) == []
    out = r.send(NluIntent.topic(intent_name="Pause"), intent("Pause", site="porch", session="p"))
    assert r.controller.commands == [c.Pause(origin="hermes:porch")]
    assert on(out, DialogueEndSession.topic())[0]["sessionId"] == "p"


def test_a_malformed_hermes_intent_is_reported() -> None:
    out = rig().send(NluIntent.topic(intent_name="Pause"), '{"siteId": "kitchen"}')
    assert on(out, TOPICS.error)[0]["error"].startswith("not a Hermes intent")


def test_tts_say_finishes_only_after_the_speech_has_been_heard() -> None:
    r = rig()
    say = TtsSay(text="Hello there", site_id=SITE, id="req-1", session_id="s-9")
    assert r.send(TtsSay.topic(), say.payload()) == []
    assert r.controller.said == ["Hello there"] and r.later == []
    r.controller.finish_speech()
    assert r.later == [Outgoing.hermes(TtsSayFinished(site_id=SITE, id="req-1", session_id="s-9"))]


def test_tts_say_for_another_site_is_not_spoken() -> None:
    r = rig()
    r.send(TtsSay.topic(), TtsSay(text="Not for you", site_id="attic").payload())
    assert r.controller.said == []


def test_play_bytes_plays_the_wav_and_answers_play_finished_after() -> None:
    r = rig()
    topic = AudioPlayBytes.topic(site_id=SITE, request_id="beep-1")
    r.handler.handle(Incoming(topic, wav_bytes()))
    assert r.controller.played == [wav_bytes()] and r.later == []
    r.controller.finish_speech()
    assert [m.topic for m in r.later] == [AudioPlayFinished.topic(site_id=SITE)]
    assert json.loads(r.later[0].payload)["id"] == "beep-1"


def test_play_bytes_that_are_not_a_wav_are_refused_but_still_answered() -> None:
    r = rig()
    out = r.handler.handle(Incoming(AudioPlayBytes.topic(site_id=SITE, request_id="x"), b"not a wav"))
    assert r.controller.played == []
    assert on(out, TOPICS.error)[0]["payload"] == "not a wav"
    assert on(out, AudioPlayFinished.topic(site_id=SITE))[0]["id"] == "x"


@dataclass(frozen=True)
class StubIntent:
    name: str
    slots: dict[str, Any]


class StubParser:
    """Understands exactly two sentences."""

    def parse(self, text: str) -> StubIntent | None:
        return {
            "play something by savino": StubIntent("PlayMusic", {"artist": "Savino"}),
            "what time is it": StubIntent("GetTime", {}),
        }.get(text.lower())


def test_a_request_in_words_goes_through_the_parser() -> None:
    r = rig(parser=StubParser())
    r.command({"action": "request", "text": "Play something by Savino", "origin": "ha"})
    assert r.controller.commands == [c.Play(artist="Savino", origin="ha")]


@pytest.fixture(scope="module")
def booth_parser() -> Any:
    """The real intent parser over the fake library's names."""
    from booth.intents import IntentParser, Vocabulary

    tracks = FakeController().tracks
    return IntentParser(Vocabulary.build(
        artists=[t["artist"] for t in tracks], albums=[t["album"] for t in tracks],
        titles=[t["title"] for t in tracks],
    ))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("play something by savino", c.Play(artist="Savino")),
        ("play some relaxing jazz", c.Play(genre="jazz", mood="relaxing")),
        ("set the volume to five", c.Volume(level=5)),
        ("turn it up", c.VolumeStep(delta=1)),
        ("talk less", c.Talk(level="less")),
        ("sleep in twenty minutes", c.Sleep(minutes=20)),
    ],
)
def test_requests_are_understood_by_booths_own_parser(
    booth_parser: Any, text: str, command: c.Command
) -> None:
    r = rig(parser=booth_parser)
    r.command({"action": "request", "text": text})
    assert r.controller.commands == [command]


@pytest.mark.parametrize(
    ("parser", "text", "complaint"),
    [
        (StubParser(), "sing me a song", "did not understand 'sing me a song'"),
        (StubParser(), "what time is it", "understood as GetTime, which the player does not do"),
        (None, "play something by savino", "the intent parser is not loaded"),
    ],
)
def test_a_request_that_is_not_understood_is_reported(parser: Any, text: str, complaint: str) -> None:
    r = rig(parser=parser)
    out = r.command({"action": "request", "text": text})
    assert complaint in on(out, TOPICS.error)[0]["error"]
    assert r.controller.commands == []


def test_state_is_published_on_change_and_position_only_when_forced() -> None:
    r = rig()
    r.command({"action": "resume"})
    time.sleep(0.01)
    assert r.handler.state() == []  # only the position moved
    [state] = r.handler.state(force=True)
    assert state.topic == TOPICS.state and json.loads(state.payload)["state"] == "playing"


def test_events_are_published_as_json() -> None:
    r = rig()
    event = PlayerEvent("skipped", {"id": 1, "title": "Nebula"}, 61.25, "button-1")
    assert on(r.handler.event(event), TOPICS.event) == [
        {"event": "skipped", "track": {"id": 1, "title": "Nebula"}, "position": 61.25, "origin": "button-1"}
    ]


def test_the_vocabulary_is_published_retained_and_resent_at_startup() -> None:
    r = rig()
    [message] = r.handler.set_vocabulary('{"artists": ["Maxstack"]}')
    assert message.topic == TOPICS.vocabulary and message.retain
    assert message in r.handler.startup()
    [decoded] = r.handler.set_vocabulary({"artists": ["Savino"]})
    assert json.loads(decoded.payload) == {"artists": ["Savino"]}
    with pytest.raises(ValueError):
        r.handler.set_vocabulary("{broken")


def test_home_assistant_gets_one_device_with_every_control() -> None:
    configs = {
        m.topic: json.loads(m.payload)
        for m in rig().handler.startup() if m.topic.startswith("homeassistant/")
    }
    node = TOPICS.ha_node
    expected = {
        f"homeassistant/sensor/{node}/{k}/config" for k in ("title", "artist", "album", "state")
    } | {
        f"homeassistant/button/{node}/{k}/config"
        for k in ("next", "previous", "play_pause", "like", "dislike", "switch_it_up")
    } | {
        f"homeassistant/number/{node}/volume/config", f"homeassistant/select/{node}/talk/config",
        f"homeassistant/switch/{node}/mic_mute/config", f"homeassistant/text/{node}/request/config",
    }
    assert set(configs) == expected
    assert {json.dumps(cfg["device"], sort_keys=True) for cfg in configs.values()} == {
        json.dumps(configs[f"homeassistant/number/{node}/volume/config"]["device"], sort_keys=True)
    }
    assert all(cfg["availability_topic"] == TOPICS.availability for cfg in configs.values())
    assert len({cfg["unique_id"] for cfg in configs.values()}) == len(configs)
    # every button presses a command the speaker accepts
    for key in ("next", "previous", "play_pause", "like", "dislike", "switch_it_up"):
        c.parse_command(configs[f"homeassistant/button/{node}/{key}/config"]["payload_press"])
    volume = configs[f"homeassistant/number/{node}/volume/config"]
    assert (volume["min"], volume["max"], volume["command_topic"]) == (0, 10, TOPICS.command)


def test_home_assistant_coming_online_gets_the_discovery_again() -> None:
    r = rig()
    discovery = {m.topic: m for m in r.handler.startup() if m.topic.startswith("homeassistant/")}
    again = [m for m in r.send(HA_STATUS, "online") if m.topic.startswith("homeassistant/")]
    assert {m.topic: m for m in again} == discovery and len(again) == len(discovery)
    assert all(m.retain for m in again)
    assert r.send(HA_STATUS, "offline") == []


@pytest.mark.parametrize("site", ["", "a/b", "a+b", "#", "two words"])
def test_a_site_that_cannot_name_a_topic_is_refused(site: str) -> None:
    with pytest.raises(ValueError, match="cannot be used in MQTT topics"):
        check_site(site)
