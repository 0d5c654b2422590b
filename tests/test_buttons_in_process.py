"""Buttons in the same process as the player (`booth run`): the press acts at once, and
the command's echo from the broker is not carried out a second time."""

from __future__ import annotations

import time

from gpiozero.pins.mock import MockFactory, MockPWMPin

from booth.buttons.config import ButtonsConfig
from booth.buttons.panel import Panel
from booth.roles.buttons import ButtonsRole
from booth.roles.player import start_player
from tests.conftest import config_with
from lab.mosquitto import unique_site


def test_an_in_process_skip_acts_once_and_ignores_its_echo(library_copy, mosquitto_broker,
                                                          mqtt_watcher):
    site = unique_site("local")
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    watcher = mqtt_watcher()
    player = start_player(config, library_copy, "null", voice=False)
    factory = MockFactory(pin_class=MockPWMPin)
    panel = Panel(ButtonsConfig(), factory)
    buttons = ButtonsRole(config, panel, local=player.speaker.apply)
    player.service.handler.ignore_origins.add(buttons.origin)
    buttons.start()
    try:
        watcher.wait_for(f"booth/{site}/state", lambda m: m.json["track"] is not None)
        time.sleep(1.0)
        mark = watcher.mark()
        factory.pin(ButtonsConfig().skip_pin).drive_low()
        factory.pin(ButtonsConfig().skip_pin).drive_high()
        watcher.wait_for(f"booth/{site}/command", after=mark)  # the command went out too
        watcher.wait_for(f"booth/{site}/event", lambda m: m.json["event"] == "skipped",
                         after=mark)
        time.sleep(2.0)  # time for a second, echoed skip to show up if it were carried out
        skips = [m for m in watcher.messages[mark:]
                 if m.topic == f"booth/{site}/event" and m.json["event"] == "skipped"]
        assert len(skips) == 1
    finally:
        buttons.stop()
        panel.close()
        player.stop()
