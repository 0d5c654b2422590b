"""Commands: strict JSON validation, and what each intent asks the player to do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import booth.mqtt
from booth.station import commands as c
from booth.station.commands import CommandError, command_from_intent, parse_command

TOPICS_MD = Path(booth.mqtt.__file__).with_name("TOPICS.md")


def documented_command_examples() -> list[str]:
    """The example payloads in TOPICS.md's command table."""
    text = TOPICS_MD.read_text(encoding="utf-8")
    section = text.split("### `booth/<site>/command`")[1].split("###")[0]
    return re.findall(r"`(\{\"action\".*?\})`", section)


def test_every_action_has_a_documented_example_that_is_accepted() -> None:
    examples = documented_command_examples()
    parsed = [parse_command(example) for example in examples]
    assert {command.action for command in parsed} == set(c.COMMANDS)
    for example, command in zip(examples, parsed, strict=True):
        assert command.to_dict() == json.loads(example), "an example does not round-trip"


@pytest.mark.parametrize(
    ("payload", "command"),
    [
        ('{"action": "volume", "level": 0}', c.Volume(level=0)),
        ('{"action": "volume", "level": 10, "origin": "knob"}', c.Volume(level=10, origin="knob")),
        ('{"action": "volume_step", "delta": -3}', c.VolumeStep(delta=-3)),
        ('{"action": "play"}', c.Play()),
        ('{"action": "play", "mood": "calm"}', c.Play(mood="calm")),
        ('{"action": "play", "genre": "jazz", "mood": "calm"}', c.Play(genre="jazz", mood="calm")),
        ('{"action": "sleep", "minutes": 0}', c.Sleep(minutes=0)),
        ('{"action": "sleep", "minutes": 600}', c.Sleep(minutes=600)),
        ('{"action": "mute_mic", "on": false}', c.MuteMic(on=False)),
        ('{"action": "talk", "level": "off"}', c.Talk(level="off")),
        (b'{"action": "say", "text": "Caf\xc3\xa9 au lait"}', c.Say(text="Café au lait")),
    ],
)
def test_valid_commands_become_typed_commands(payload: str | bytes, command: c.Command) -> None:
    assert parse_command(payload) == command


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ("next", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        ('["next"]', "JSON object"),
        ('{"level": 3}', 'missing "action"'),
        ('{"action": "dance"}', "unknown action 'dance'"),
        ('{"action": 7}', "unknown action 7"),
        ('{"action": "volume"}', "needs 'level'"),
        ('{"action": "volume", "level": 11}', "from 0 to 10, not 11"),
        ('{"action": "volume", "level": -1}', "from 0 to 10, not -1"),
        ('{"action": "volume", "level": "5"}', "'level' must be an integer"),
        ('{"action": "volume", "level": 5.5}', "'level' must be an integer"),
        ('{"action": "volume", "level": true}', "'level' must be an integer"),
        ('{"action": "volume_step", "delta": 0}', "must not be 0"),
        ('{"action": "next", "level": 3}', "unknown key(s) 'level'"),
        ('{"action": "play", "artist": "A", "album": "B"}', "play takes one of artist, album, title"),
        ('{"action": "play", "title": "A", "mood": "calm"}', "or a genre and/or a mood; got title, mood"),
        ('{"action": "play", "genre": "  "}', "genre must not be empty"),
        ('{"action": "talk", "level": "loud"}', "one of off, less, normal, more"),
        ('{"action": "sleep", "minutes": 601}', "from 0 to 600"),
        ('{"action": "mute_mic", "on": "yes"}', "'on' must be true or false"),
        ('{"action": "request", "text": ""}', "text must not be empty"),
        ('{"action": "say", "text": "' + "a" * 1001 + '"}', "limit is 1000"),
        ('{"action": "next", "origin": 5}', "'origin' must be a string"),
    ],
)
def test_bad_commands_are_refused_with_a_reason(payload: str | bytes, complaint: str) -> None:
    with pytest.raises(CommandError, match=re.escape(complaint)):
        parse_command(payload)


@pytest.mark.parametrize(
    ("intent", "slots", "command"),
    [
        ("NextTrack", {}, c.Next()),
        ("PreviousTrack", {}, c.Previous()),
        ("Pause", {}, c.Pause()),
        ("Resume", {}, c.Resume()),
        ("VolumeUp", {}, c.VolumeStep(delta=1)),
        ("VolumeDown", {}, c.VolumeStep(delta=-1)),
        ("SetVolume", {"level": 4}, c.Volume(level=4)),
        ("SetVolume", {"level": "4"}, c.Volume(level=4)),
        ("SetVolume", {"level": 4.0}, c.Volume(level=4)),
        ("Like", {}, c.Like()),
        ("Dislike", {}, c.Dislike()),
        ("WhatIsPlaying", {}, c.WhatIsPlaying()),
        ("MoreLikeThis", {}, c.MoreLikeThis()),
        ("SwitchItUp", {}, c.SwitchItUp()),
        ("StartDJ", {}, c.StartDj()),
        ("PlayMusic", {}, c.Play()),
        ("PlayMusic", {"artist": "Maxstack"}, c.Play(artist="Maxstack")),
        ("PlayMusic", {"artist": "Maxstack", "title": "Nebula"}, c.Play(title="Nebula")),
        ("PlayMusic", {"mood": "relaxing", "genre": "jazz"}, c.Play(genre="jazz", mood="relaxing")),
        ("PlayMusic", {"artist": "Savino", "mood": "calm"}, c.Play(artist="Savino")),
        ("SleepTimer", {"minutes": 20}, c.Sleep(minutes=20)),
        ("Cancel", {}, c.Cancel()),
        ("MuteMicrophone", {}, c.MuteMic(on=True)),
        ("MuteMicrophone", {"on": "off"}, c.MuteMic(on=False)),
    ],
)
def test_intents_become_the_matching_command(intent: str, slots: dict, command: c.Command) -> None:
    assert command_from_intent(intent, slots) == command


def test_every_listed_intent_is_understood() -> None:
    slots = {"level": 5, "minutes": 5}
    assert all(command_from_intent(name, slots) is not None for name in c.INTENT_NAMES)


def test_the_player_acts_on_exactly_the_intents_booth_understands() -> None:
    from booth.intents import IntentName

    assert set(c.INTENT_NAMES) == {str(name) for name in IntentName}


def test_every_json_block_in_the_topic_docs_is_valid_json() -> None:
    blocks = re.findall(r"```json\n(.*?)```", TOPICS_MD.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 6
    for block in blocks:
        json.loads(block)


@pytest.mark.parametrize(
    ("intent", "now", "then"),
    [
        ("DJTalkLess", "normal", "less"),
        ("DJTalkLess", "less", "off"),
        ("DJTalkLess", "off", "off"),
        ("DJTalkMore", "off", "less"),
        ("DJTalkMore", "normal", "more"),
        ("DJTalkMore", "more", "more"),
    ],
)
def test_talk_less_and_more_step_from_the_current_level(intent: str, now: str, then: str) -> None:
    assert command_from_intent(intent, {}, talk_level=now) == c.Talk(level=then)


def test_an_intent_of_another_app_is_not_the_players() -> None:
    assert command_from_intent("GetTime", {}) is None


@pytest.mark.parametrize(
    ("intent", "slots", "complaint"),
    [
        ("SetVolume", {}, "needs the slot 'level'"),
        ("SetVolume", {"level": "loud"}, "whole number"),
        ("SetVolume", {"level": 12}, "from 0 to 10, not 12"),
        ("SleepTimer", {"minutes": 9999}, "from 0 to 600"),
        ("MuteMicrophone", {"on": "maybe"}, "on or off"),
    ],
)
def test_intents_with_bad_slots_are_refused(intent: str, slots: dict, complaint: str) -> None:
    with pytest.raises(CommandError, match=re.escape(complaint)):
        command_from_intent(intent, slots)
