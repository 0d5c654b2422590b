"""Buttons in the same process as the player (`booth run`): the press acts at once, and
the command's echo from the broker is not carried out a second time."""

from __future__ import annotations

import argparse
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from booth.buttons.config import ButtonsConfig
from booth.cli import companions
from booth.roles.player import start_player
from tests.conftest import config_with
from lab.mosquitto import unique_site


@pytest.fixture
def mock_pins():
    """gpiozero's default pin factory is a mock one for the test (as gpiozero's own tests
    do), so `booth run` finds buttons on any machine."""
    before = Device.pin_factory
    Device.pin_factory = MockFactory(pin_class=MockPWMPin)
    yield Device.pin_factory
    Device.pin_factory.close()
    Device.pin_factory = before


def test_an_in_process_skip_acts_once_and_ignores_its_echo(library_copy, mosquitto_broker,
                                                          mqtt_watcher, mock_pins):
    site = unique_site("local")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    watcher = mqtt_watcher()
    player = start_player(config, library_copy, "null", voice=False)
    (buttons,) = companions(config, argparse.Namespace(input="none"), player)  # as `booth run`
    buttons.start()
    try:
        first = watcher.wait_for(f"booth/{site}/state",
                                 lambda m: m.json["track"] is not None).json["track"]
        time.sleep(1.0)
        mark = watcher.mark()
        mock_pins.pin(ButtonsConfig().skip_pin).drive_low()
        mock_pins.pin(ButtonsConfig().skip_pin).drive_high()
        watcher.wait_for(f"booth/{site}/command", after=mark)  # the command went out too
        watcher.wait_for(f"booth/{site}/event", lambda m: m.json["event"] == "skipped",
                         after=mark)
        time.sleep(2.0)  # time for a second, echoed skip to show up if it were carried out
        skips = [m.json for m in watcher.messages[mark:]
                 if m.topic == f"booth/{site}/event" and m.json["event"] == "skipped"]
        assert [skip["track"]["id"] for skip in skips] == [first["id"]]
        assert player.speaker.station.now_playing.track.id != first["id"]
    finally:
        buttons.stop()
        player.stop()
