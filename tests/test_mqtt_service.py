"""The player's MQTT service against a real Mosquitto broker."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import wave
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rhasspyhermes.audioserver import AudioPlayBytes, AudioPlayFinished
from rhasspyhermes.dialogue import DialogueEndSession
from rhasspyhermes.intent import Intent
from rhasspyhermes.nlu import NluIntent
from rhasspyhermes.tts import TtsSay, TtsSayFinished

from booth.config import MqttConfig
from booth.station import commands as c
from booth.station.api import PlayerEvent
from lab.fakes.player import TRACKS, FakeController
from booth.mqtt.runner import Connection
from booth.roles.player import PlayerService
from booth.mqtt.topics import HA_STATUS, SiteTopics
from lab.mosquitto import Mosquitto, Watcher, unique_site, wait_until

Start = Callable[..., tuple[PlayerService, FakeController, SiteTopics]]


@pytest.fixture
def start_service(mosquitto_broker: Mosquitto) -> Iterator[Start]:
    """``start_service(broker=None, site=None, **options)``: a connected player service on a
    site of its own, with a FakeController; stopped afterwards."""
    services: list[PlayerService] = []

    def start(
        broker: Mosquitto | None = None,
        site: str | None = None,
        *,
        satellites: tuple[str, ...] = (),
        hold_speech: bool = False,
        state_interval: float = 5.0,
    ) -> tuple[PlayerService, FakeController, SiteTopics]:
        broker = broker or mosquitto_broker
        config = MqttConfig(port=broker.port, site=site or unique_site(), satellites=satellites)
        controller = FakeController(hold_speech=hold_speech)
        service = PlayerService(
            config, controller,
            connection=Connection.from_config(config, reconnect_min=0.05, reconnect_max=0.5),
            state_interval=state_interval,
        )
        services.append(service)
        service.start()
        assert service.wait_connected(5), "the service did not connect"
        return service, controller, SiteTopics(config.site)

    yield start
    for service in services:
        service.stop()


def intent(name: str, site: str, session: str | None = None) -> str:
    return NluIntent(input=name, intent=Intent(intent_name=name, confidence_score=1.0),
                     site_id=site, session_id=session).payload()


def test_a_command_moves_the_player_and_the_new_state_is_retained(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    watcher = mqtt_watcher(topics.state)
    watcher.publish(topics.command, {"action": "volume", "level": 2})
    watcher.wait_for(topics.state, lambda m: m.json["volume"] == 2)
    assert controller.commands == [c.Volume(level=2)]

    latecomer = mqtt_watcher(topics.state)
    state = latecomer.wait_for(topics.state)
    assert state.retain and state.json["volume"] == 2 and state.json["track"]["title"] == "Nebula"


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ("turn it up", "not JSON"),
        ('{"action": "moonwalk"}', "unknown action 'moonwalk'"),
        ('{"action": "volume", "level": 42}', "from 0 to 10, not 42"),
        ('{"action": "volume", "level": "loud"}', "'level' must be an integer"),
        ('{"action": "pause", "please": true}', "unknown key(s) 'please'"),
    ],
)
def test_a_malformed_command_gets_an_error_and_the_service_keeps_working(
    start_service: Start, mqtt_watcher: Callable[..., Watcher], payload: str, complaint: str
) -> None:
    service, controller, topics = start_service()
    watcher = mqtt_watcher(f"{topics.base}/#")
    first_state = watcher.wait_for(topics.state).json
    watcher.publish(topics.command, payload)
    error = watcher.wait_for(topics.error).json
    assert complaint in error["error"]
    assert (error["topic"], error["payload"]) == (topics.command, payload)
    assert controller.commands == []

    watcher.publish(topics.command, {"action": "next"})
    state = watcher.wait_for(topics.state, lambda m: m.json["track"]["id"] == 2).json
    assert {**state, "track": None} == {**first_state, "track": None}  # the bad one changed nothing
    assert len(watcher.on(topics.error)) == 1


def test_an_intent_in_a_session_is_carried_out_and_the_session_ended_with_speech(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    watcher = mqtt_watcher(DialogueEndSession.topic())
    watcher.publish(NluIntent.topic(intent_name="WhatIsPlaying"),
                    intent("WhatIsPlaying", topics.site, "sess-1"))
    end = watcher.wait_for(DialogueEndSession.topic()).json
    assert end["sessionId"] == "sess-1" and end["text"] == "This is Nebula by Maxstack"
    assert controller.commands == [c.WhatIsPlaying(origin=f"hermes:{topics.site}")]


def test_intents_of_other_sites_are_ignored_and_of_satellites_honoured(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    satellite = unique_site("porch")
    service, controller, topics = start_service(satellites=(satellite,))
    watcher = mqtt_watcher(DialogueEndSession.topic())
    watcher.publish(NluIntent.topic(intent_name="Pause"), intent("Pause", unique_site("attic"), "other"))
    watcher.publish(NluIntent.topic(intent_name="NextTrack"), intent("NextTrack", satellite, "mine"))
    # Messages are handled in order: by the time "mine" is answered, "other" was seen.
    watcher.wait_for(DialogueEndSession.topic(), lambda m: m.json["sessionId"] == "mine")
    assert [m.json["sessionId"] for m in watcher.on(DialogueEndSession.topic())] == ["mine"]
    assert controller.commands == [c.Next(origin=f"hermes:{satellite}")]


def test_tts_say_is_spoken_and_say_finished_comes_after_playback(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service(hold_speech=True)
    watcher = mqtt_watcher(TtsSayFinished.topic())
    watcher.publish(TtsSay.topic(), TtsSay(text="Good evening", site_id=topics.site, id="t-1",
                                           session_id="s-1").payload())
    wait_until(lambda: controller.said == ["Good evening"], what="the speech")
    assert watcher.on(TtsSayFinished.topic()) == []
    controller.finish_speech()
    finished = watcher.wait_for(TtsSayFinished.topic()).json
    assert (finished["id"], finished["siteId"], finished["sessionId"]) == ("t-1", topics.site, "s-1")


def test_play_bytes_is_played_and_play_finished_answered(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    finished_topic = AudioPlayFinished.topic(site_id=topics.site)
    watcher = mqtt_watcher(finished_topic)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(22050)
        wav.writeframes(bytes(4410))
    watcher.publish(AudioPlayBytes.topic(site_id=topics.site, request_id="chime-7"), buffer.getvalue())
    assert watcher.wait_for(finished_topic).json["id"] == "chime-7"
    assert controller.played == [buffer.getvalue()]


def test_home_assistant_discovery_is_retained_and_resent_when_it_comes_online(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    configs = f"homeassistant/+/{topics.ha_node}/+/config"
    watcher = mqtt_watcher(configs)
    wait_until(lambda: len({m.topic for m in watcher.messages}) == 14, what="14 discovery configs")
    assert all(m.retain for m in watcher.messages)
    assert {m.json["availability_topic"] for m in watcher.messages} == {topics.availability}

    mark = watcher.mark()
    watcher.publish(HA_STATUS, "online")
    wait_until(lambda: len({m.topic for m in watcher.messages[mark:]}) == 14, what="discovery re-sent")


def test_availability_is_online_offline_and_the_will_fires_when_the_connection_dies(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    watcher = mqtt_watcher(topics.availability)
    assert watcher.wait_for(topics.availability).text == "online"

    mark = watcher.mark()
    service.runner.client.socket().shutdown(socket.SHUT_RDWR)  # dies without a DISCONNECT
    watcher.wait_for(topics.availability, lambda m: m.text == "offline", after=mark)
    watcher.wait_for(topics.availability, lambda m: m.text == "online", after=mark + 1)

    mark = watcher.mark()
    service.stop()
    watcher.wait_for(topics.availability, lambda m: m.text == "offline", after=mark)
    assert mqtt_watcher(topics.availability).wait_for(topics.availability).text == "offline"


def test_after_a_broker_restart_it_reconnects_resubscribes_and_republishes_retained_state(
    private_mosquitto: Mosquitto, start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service(private_mosquitto)
    watcher = mqtt_watcher(topics.state, broker=private_mosquitto)
    watcher.publish(topics.command, {"action": "volume", "level": 4})
    watcher.wait_for(topics.state, lambda m: m.json["volume"] == 4)
    watcher.close()

    private_mosquitto.restart()  # no persistence: the broker forgets every retained message
    wait_until(lambda: service.runner.connections == 2, what="the service to reconnect")
    assert service.wait_connected(5)

    after = mqtt_watcher(topics.state, topics.availability, broker=private_mosquitto)
    assert after.wait_for(topics.state).json["volume"] == 4
    assert after.wait_for(topics.availability).text == "online"
    after.publish(topics.command, {"action": "volume", "level": 6})
    after.wait_for(topics.state, lambda m: m.json["volume"] == 6)


def test_the_players_events_and_changes_from_other_threads_are_published(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    watcher = mqtt_watcher(topics.event, topics.state)
    watcher.wait_for(topics.state)

    def from_the_player_thread() -> None:
        controller.announce(PlayerEvent("track_changed", TRACKS[2], 0.0))
        controller.set_state("playing")

    thread = threading.Thread(target=from_the_player_thread)
    thread.start()
    thread.join(5)
    event = watcher.wait_for(topics.event).json
    assert event == {"event": "track_changed", "track": TRACKS[2], "position": 0.0}
    watcher.wait_for(topics.state, lambda m: m.json["state"] == "playing")


def test_the_state_is_republished_every_few_seconds_while_playing(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service(state_interval=0.1)
    watcher = mqtt_watcher(topics.state)
    watcher.publish(topics.command, {"action": "resume"})
    watcher.wait_for(topics.state, lambda m: m.json["state"] == "playing")

    def playing_positions() -> list[float]:
        return [m.json["position"] for m in watcher.on(topics.state) if m.json["state"] == "playing"]

    wait_until(lambda: len(playing_positions()) >= 3, what="three states while playing")
    positions = playing_positions()
    assert positions == sorted(positions) and positions[0] < positions[-1]


def test_the_vocabulary_is_published_retained_for_a_satellite_that_starts_later(
    start_service: Start, mqtt_watcher: Callable[..., Watcher]
) -> None:
    service, controller, topics = start_service()
    vocabulary: dict[str, Any] = {"artists": ["Maxstack", "Savino"], "albums": ["Singularity"]}
    live = mqtt_watcher(topics.vocabulary)
    service.set_vocabulary(json.dumps(vocabulary))
    assert live.wait_for(topics.vocabulary).json == vocabulary
    late = mqtt_watcher(topics.vocabulary).wait_for(topics.vocabulary)
    assert late.retain and late.json == vocabulary


def test_a_service_started_before_the_broker_connects_when_it_comes(
    private_mosquitto: Mosquitto, mqtt_watcher: Callable[..., Watcher]
) -> None:
    private_mosquitto.stop()
    config = MqttConfig(port=private_mosquitto.port, site=unique_site())
    service = PlayerService(config, FakeController(),
                            connection=Connection.from_config(config, reconnect_min=0.05, reconnect_max=0.2))
    service.start()
    try:
        assert not service.wait_connected(0.1)
        private_mosquitto.start()
        assert service.wait_connected(5)
        watcher = mqtt_watcher(f"{SiteTopics(config.site).base}/#", broker=private_mosquitto)
        assert watcher.wait_for(SiteTopics(config.site).availability).text == "online"
    finally:
        service.stop()


def test_a_service_stops_promptly_while_the_broker_is_away(private_mosquitto: Mosquitto) -> None:
    private_mosquitto.stop()
    config = MqttConfig(port=private_mosquitto.port, site=unique_site())
    service = PlayerService(config, FakeController())
    service.start()
    started = time.monotonic()
    service.stop()
    assert time.monotonic() - started < 2
