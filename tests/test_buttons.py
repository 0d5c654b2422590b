"""The buttons role on gpiozero's mock pins, publishing to a real Mosquitto; one test drives
the real player with the skip button."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest
from booth.buttons import light as light_mod
from booth.buttons.config import ButtonsConfig
from booth.buttons.gestures import ActionGestures, Gesture, Stamp
from booth.buttons.light import Light
from booth.buttons.panel import Panel
from booth.config import ConfigError
from booth.station import commands as c
from booth.mqtt.runner import Connection
from booth.mqtt.topics import SiteTopics
from booth.roles.buttons import ButtonsRole
from gpiozero.pins.mock import MockFactory, MockPWMPin
from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.tts import TtsSay, TtsSayFinished
from rhasspyhermes.wake import HotwordDetected

from tests.conftest import ROOT, config_with
from lab.mosquitto import Mosquitto, Watcher, unique_site, wait_until

FAST = ButtonsConfig(double_press_seconds=0.3, hold_seconds=0.25, bounce_seconds=0.0)
"""Timings short enough for quick tests, long enough for a busy machine."""


@dataclass
class Rig:
    """A running buttons role on mock pins, and a watcher of its site's commands."""

    role: ButtonsRole
    factory: MockFactory
    panel: Panel
    watcher: Watcher
    topics: SiteTopics
    buttons: ButtonsConfig

    def pin(self, name: str):
        return self.factory.pin(getattr(self.buttons, name))

    def press(self, name: str = "action_pin") -> float:
        """Press a button; returns the monotonic time of the press."""
        t = time.monotonic()
        self.pin(name).drive_low()
        return t

    def release(self, name: str = "action_pin") -> float:
        t = time.monotonic()
        self.pin(name).drive_high()
        return t

    def click(self, name: str) -> None:
        self.press(name)
        self.release(name)

    def turn(self, clicks: int) -> None:
        """Turn the knob: positive clockwise (A leads B), negative counter-clockwise."""
        a, b = self.pin("encoder_a_pin"), self.pin("encoder_b_pin")
        first, second = (a, b) if clicks > 0 else (b, a)
        for _ in range(abs(clicks)):
            first.drive_low()
            second.drive_low()
            first.drive_high()
            second.drive_high()

    def commands(self, after: int = 0) -> list[dict]:
        return [m.json for m in self.watcher.messages[after:] if m.topic == self.topics.command]

    def next_command(self, after: int, timeout: float = 5.0) -> tuple[dict, float]:
        """The first command published after mark ``after``, and when it arrived."""
        message = self.watcher.wait_for(self.topics.command, after=after, timeout=timeout)
        return message.json, time.monotonic()


@pytest.fixture
def rig(mosquitto_broker: Mosquitto, mqtt_watcher) -> Iterator[Callable[..., Rig]]:
    """``rig(buttons=FAST, **mqtt)``: a started buttons role on a site of its own."""
    made: list[tuple[ButtonsRole, Panel]] = []

    def make(buttons: ButtonsConfig = FAST, local=None, broker: Mosquitto | None = None,
             **mqtt) -> Rig:
        broker = broker or mosquitto_broker
        site = unique_site("buttons")
        config = config_with(mqtt={"host": broker.host, "port": broker.port, "site": site,
                                   **mqtt})
        factory = MockFactory(pin_class=MockPWMPin)
        panel = Panel(buttons, factory)
        topics = SiteTopics(buttons.commands_site(site))
        watcher = mqtt_watcher(topics.command, broker=broker)
        role = ButtonsRole(config, panel, buttons, local=local, connection=Connection.from_config(
            config.mqtt, reconnect_min=0.05, reconnect_max=0.3))
        made.append((role, panel))
        role.start()
        assert role.wait_connected(5), "the buttons role did not connect"
        return Rig(role, factory, panel, watcher, topics, buttons)

    yield make
    for role, panel in made:
        role.stop()
        panel.close()


# -- buttons ----------------------------------------------------------------------------------

def test_the_skip_button_skips_at_once_without_waiting_for_a_double_press(rig) -> None:
    r = rig(replace(FAST, double_press_seconds=1.0))
    mark = r.watcher.mark()
    pressed = r.press("skip_pin")
    command, arrived = r.next_command(mark)
    assert command == {"action": "next", "origin": r.role.origin}
    assert arrived - pressed < 0.5, "the skip button waited like the action button"
    r.release("skip_pin")


def test_the_like_button_likes_the_track(rig) -> None:
    r = rig()
    mark = r.watcher.mark()
    r.click("like_pin")
    assert r.next_command(mark)[0] == {"action": "like", "origin": r.role.origin}


def test_a_single_press_plays_or_pauses_once_the_double_press_window_has_passed(rig) -> None:
    r = rig(replace(FAST, double_press_seconds=0.4))
    mark = r.watcher.mark()
    r.press()
    released = r.release()
    command, arrived = r.next_command(mark)
    assert command == {"action": "toggle", "origin": r.role.origin}
    assert arrived - released >= 0.4
    time.sleep(0.2)
    assert len(r.commands(mark)) == 1


def test_a_double_press_skips_at_the_second_press_and_does_not_pause(rig) -> None:
    r = rig(replace(FAST, double_press_seconds=0.5))
    mark = r.watcher.mark()
    r.click("action_pin")
    time.sleep(0.05)
    second = r.press()
    command, arrived = r.next_command(mark)
    assert command["action"] == "next"
    assert arrived - second < 0.4, "the double press waited for something"
    r.release()
    time.sleep(0.7)
    assert [m["action"] for m in r.commands(mark)] == ["next"]


def test_two_presses_further_apart_than_the_window_are_two_toggles(rig) -> None:
    r = rig(replace(FAST, double_press_seconds=0.15))
    mark = r.watcher.mark()
    r.click("action_pin")
    time.sleep(0.4)
    r.click("action_pin")
    wait_until(lambda: len(r.commands(mark)) >= 2, what="two toggles")
    time.sleep(0.3)
    assert [m["action"] for m in r.commands(mark)] == ["toggle", "toggle"]


def test_holding_the_action_button_starts_listening_from_the_moment_of_the_press(rig) -> None:
    r = rig(replace(FAST, hold_seconds=0.3))
    mark = r.watcher.mark()
    pressed_wall = time.time()
    pressed = r.press()
    command, arrived = r.next_command(mark)
    assert command["action"] == "listen" and command["origin"] == r.role.origin
    assert arrived - pressed >= 0.3, "listening started before the hold time"
    assert abs(command["at"] - pressed_wall) < 0.05, "the listener would miss the first word"
    wait_until(lambda: r.role.light is Light.LISTENING, what="the light to show listening")
    assert r.panel.light.value == 1
    r.release()
    time.sleep(0.5)
    assert [m["action"] for m in r.commands(mark)] == ["listen"], "a hold also toggled"


def test_the_knob_turns_the_volume_up_and_down(rig) -> None:
    r = rig()
    mark = r.watcher.mark()
    r.turn(+3)

    def total(after):
        return sum(m["delta"] for m in r.commands(after) if m["action"] == "volume_step")

    wait_until(lambda: total(mark) == 3, what="three steps up")
    assert all(m["delta"] > 0 for m in r.commands(mark))
    mark = r.watcher.mark()
    r.turn(-2)
    wait_until(lambda: total(mark) == -2, what="two steps down")
    assert all(m["delta"] < 0 for m in r.commands(mark))


def test_a_fast_spin_turns_the_volume_all_the_way_up_in_a_few_commands_the_player_accepts(
        rig) -> None:
    r = rig(replace(FAST, volume_steps_per_click=2))
    mark = r.watcher.mark()
    r.turn(+12)  # 24 steps: from silence to full volume and beyond
    wait_until(lambda: sum(m["delta"] for m in r.commands(mark)) >= c.VOLUME_MAX,
               what="volume steps up to full volume")
    time.sleep(0.2)
    deltas = [m["delta"] for m in r.commands(mark)]
    assert all(d > 0 for d in deltas) and sum(deltas) <= 24
    assert len(deltas) < 12, "every click was sent on its own"
    for body in r.commands(mark):  # the player refuses a step beyond the scale: nothing happens
        c.parse_command(json.dumps(body))


def test_buttons_on_a_satellite_command_the_speaker_of_another_room(rig) -> None:
    speaker = unique_site("living-room")
    r = rig(replace(FAST, speaker_site=speaker))
    assert r.topics.command == f"booth/{speaker}/command"
    mark = r.watcher.mark()
    r.click("skip_pin")
    assert r.next_command(mark)[0]["action"] == "next"


def test_a_player_in_the_same_process_gets_the_command_before_the_broker_does(rig) -> None:
    seen: list[tuple[c.Command, int]] = []
    holder: list[Rig] = []
    r = rig(local=lambda command: seen.append((command, len(holder[0].commands()))))
    holder.append(r)
    r.click("skip_pin")
    wait_until(lambda: r.commands(), what="the published command")
    assert seen == [(c.Next(origin=r.role.origin), 0)]
    assert r.commands()[0]["origin"] == seen[0][0].origin


# -- the status light -------------------------------------------------------------------------

def _sampled(led, seconds: float = 0.5) -> set[float]:
    values = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        values.add(round(led.value, 2))
        time.sleep(0.01)
    return values


def test_the_light_follows_the_conversation_of_its_own_site(rig, mqtt_watcher, monkeypatch) -> None:
    monkeypatch.setattr(light_mod, "ERROR_FLASH_SECONDS", 0.4)
    r = rig()
    site = r.topics.site
    talk = mqtt_watcher(broker=None)

    def shows(light: Light) -> None:
        wait_until(lambda: r.role.light is light, what=f"the light to show {light.value}")

    shows(Light.IDLE)
    assert _sampled(r.panel.light, 0.1) == {0.0}
    talk.publish(HotwordDetected.topic(wakeword_id="hey_jarvis"),
                 HotwordDetected(model_id="hey_jarvis", site_id="some-other-room").payload())
    time.sleep(0.2)
    assert r.role.light is Light.IDLE, "another room's wake word lit this light"
    talk.publish(HotwordDetected.topic(wakeword_id="hey_jarvis"),
                 HotwordDetected(model_id="hey_jarvis", site_id=site).payload())
    shows(Light.LISTENING)
    assert r.panel.light.value == 1
    talk.publish(AsrTextCaptured.topic(), AsrTextCaptured(
        text="what is playing", likelihood=1, seconds=1, site_id=site).payload())
    shows(Light.THINKING)
    assert len(_sampled(r.panel.light)) > 3, "thinking should pulse"
    talk.publish(TtsSay.topic(), TtsSay(text="This is Nebula", site_id=site, id="1").payload())
    shows(Light.SPEAKING)
    talk.publish(TtsSayFinished.topic(), TtsSayFinished(site_id=site, id="1").payload())
    shows(Light.IDLE)
    talk.publish(r.topics.error, {"error": "nothing is playing", "topic": r.topics.command,
                                  "payload": "{}"})
    shows(Light.ERROR)
    assert {0.0, 1.0} <= _sampled(r.panel.light, 0.3), "an error should blink"
    shows(Light.IDLE)


def test_the_light_blinks_while_the_speaker_is_offline(rig, mqtt_watcher) -> None:
    r = rig()
    talk = mqtt_watcher()
    wait_until(lambda: r.role.light is Light.IDLE, what="idle")
    talk.publish(r.topics.availability, "offline")
    wait_until(lambda: r.role.light is Light.ERROR, what="the error light")
    assert {0.0, 1.0} <= _sampled(r.panel.light), "the light should blink"
    talk.publish(r.topics.availability, "online")
    wait_until(lambda: r.role.light is Light.IDLE, what="idle again")
    assert _sampled(r.panel.light, 0.2) == {0.0}


def test_the_light_blinks_while_the_broker_is_gone(rig, private_mosquitto) -> None:
    r = rig(broker=private_mosquitto)
    wait_until(lambda: r.role.light is Light.IDLE, what="idle")
    private_mosquitto.stop()
    wait_until(lambda: r.role.light is Light.ERROR, what="the error light")
    assert {0.0, 1.0} <= _sampled(r.panel.light), "the light should blink"
    private_mosquitto.start()
    wait_until(lambda: r.role.light is Light.IDLE, what="idle after the broker came back")
    assert _sampled(r.panel.light, 0.2) == {0.0}


# -- the real player ---------------------------------------------------------------------------

def test_the_skip_button_changes_the_track_of_the_real_player(rig, library_copy, mqtt_watcher,
                                                              mosquitto_broker) -> None:
    from booth.roles.player import start_player

    r = rig()
    site = r.topics.site
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site}, audio={"output": "null"})
    states = mqtt_watcher(r.topics.state, r.topics.event)
    player = start_player(config, library_copy, "null", voice=False)
    try:
        first = states.wait_for(r.topics.state, lambda m: m.json["track"] is not None,
                                timeout=20).json["track"]
        mark = states.mark()
        r.click("skip_pin")
        changed = states.wait_for(r.topics.state, lambda m: m.json["track"]["id"] != first["id"],
                                  after=mark, timeout=10).json
        assert changed["state"] == "playing"
        skipped = states.wait_for(r.topics.event, lambda m: m.json["event"] == "skipped",
                                  after=mark).json
        assert skipped["origin"] == r.role.origin and skipped["track"]["id"] == first["id"]
        assert player.speaker.station.now_playing.track.id != first["id"]
    finally:
        player.stop()


# -- settings and start-up ----------------------------------------------------------------------

def test_a_pin_used_twice_or_off_the_header_is_refused_with_the_setting_named() -> None:
    with pytest.raises(ConfigError, match=r"buttons.skip_pin: GPIO 17 is already buttons.action_pin"):
        ButtonsConfig(skip_pin=17)
    with pytest.raises(ConfigError, match=r"buttons.like_pin: 40 is not a GPIO number"):
        ButtonsConfig(like_pin=40)
    with pytest.raises(ConfigError, match="both encoder_a_pin and encoder_b_pin"):
        ButtonsConfig(encoder_b_pin=-1)


def test_parts_set_to_minus_one_are_not_built() -> None:
    panel = Panel(ButtonsConfig(skip_pin=-1, encoder_a_pin=-1, encoder_b_pin=-1, light_pins=()),
                  MockFactory(pin_class=MockPWMPin))
    try:
        assert panel.skip is None and panel.knob is None and panel.light is None
        assert panel.action is not None and panel.like is not None
    finally:
        panel.close()


def test_without_gpio_the_role_says_how_to_fix_it() -> None:
    # gpiozero finds no pin library it can load: here as on a laptop, and so even on a Pi.
    env = {**os.environ, "GPIOZERO_PIN_FACTORY": "no-such-pin-library"}
    result = subprocess.run([sys.executable, "-m", "booth.cli", "serve", "buttons"],
                            capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
                            check=False)
    assert result.returncode != 0
    assert "no GPIO" in result.stderr and "GPIOZERO_PIN_FACTORY=mock" in result.stderr


# -- gestures, without hardware -------------------------------------------------------------------

def _at(t: float) -> Stamp:
    return Stamp(t, 1000 + t)


def test_contact_bounce_right_after_a_release_is_not_a_double_press() -> None:
    g = ActionGestures(double_press_seconds=0.3, bounce_seconds=0.02)
    assert g.press(_at(0.0)) == [] and g.release(_at(0.1)) == []
    assert g.press(_at(0.105)) == [], "a bounce 5 ms after the release"
    g.release(_at(0.11))
    assert g.tick(0.3) == []
    recognized = g.tick(0.41)
    assert [(x.gesture, x.pressed.monotonic) for x in recognized] == [(Gesture.PRESS, 0.0)]


def test_a_hold_carries_the_time_of_the_press() -> None:
    g = ActionGestures(double_press_seconds=0.3)
    g.press(_at(5.0))
    (hold,) = g.held(_at(5.5))
    assert hold.gesture is Gesture.HOLD and hold.pressed.wall == 1005.0
    assert g.release(_at(7.0)) == [] and g.deadline() is None and g.tick(99) == []
