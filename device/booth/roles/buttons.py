"""The `buttons` role: GPIO buttons, a volume knob and a status light, over MQTT.

Every gpiozero callback and every MQTT message crosses into the role's one loop thread in
one place (`ButtonsRole.cross`); gestures, the light and publishing happen only there.

| part | does | command |
| --- | --- | --- |
| action button | press: play/pause (sent once the double-press window has passed) | `toggle` |
| | double press: skip (sent at the second press) | `next` |
| | hold: push-to-talk, listening from the moment of the press | `listen` |
| skip button | skip, at the press | `next` |
| like button | like the track, at the press | `like` |
| knob | volume; clicks that arrive together are sent as one step | `volume_step` |

Commands go to ``booth/<site>/command`` with ``origin`` set, so the player (and whatever
else) knows they came from these buttons. ``local`` hands each command to a player in the
same process first, which then ignores the echo carrying the same origin.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import time
from collections.abc import Callable
from typing import Any

from booth.buttons.config import ButtonsConfig
from booth.buttons.gestures import ActionGestures, Gesture, Recognized
from booth.buttons.light import Light, LightDriver, LightTracker
from booth.buttons.panel import GpioError, Panel, PanelEvent
from booth.config import Config
from booth.mqtt import commands as c
from booth.mqtt.loop import RoleLoop
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
"""The loop wakes at least this often (heartbeat, broker connection shown on the light)."""

_LISTEN_HAS_AT = "at" in {f.name for f in dataclasses.fields(c.Listen)}
_Item = PanelEvent | Incoming | None  # None stops the loop


def buttons_config(config: Config) -> ButtonsConfig:
    """The ``[buttons]`` settings of ``config`` (defaults until Config has them)."""
    return getattr(config, "buttons", None) or ButtonsConfig()


def role_availability(topics: SiteTopics, role: str) -> str:
    """``booth/<site>/<role>/availability``: online/offline of a role that is not the player."""
    return f"{topics.base}/{role}/availability"


class ButtonsRole(RoleLoop):
    thread_name = "booth-buttons"

    """Turns panel events into commands and shows the conversation on the light."""

    def __init__(
        self,
        config: Config,
        panel: Panel,
        buttons: ButtonsConfig | None = None,
        *,
        local: Callable[[c.Command], None] | None = None,
        heartbeat: Callable[[], None] = lambda: None,
        connection: Connection | None = None,
    ) -> None:
        """``local``: a player in this process (called on the role's thread, must not block);
        ``heartbeat``: called on every turn of the loop (the systemd watchdog)."""
        self.buttons = buttons or buttons_config(config)
        self.panel = panel
        site = config.mqtt.site
        self.topics = SiteTopics(self.buttons.commands_site(site))
        self.origin = self.buttons.origin_for(site)
        self.local = local
        self.heartbeat = heartbeat
        self.gestures = ActionGestures(self.buttons.double_press_seconds,
                                       self.buttons.bounce_seconds)
        self.tracker = LightTracker(site, self.topics.site)
        self.driver = LightDriver(panel.light) if panel.light is not None else None
        self.sent: list[c.Command] = []
        """Every command sent, in order (for measurements)."""
        super().__init__()
        self.runner = MqttRunner(
            connection or Connection.from_config(config.mqtt),
            client_id=f"booth-buttons-{site}",
            availability_topic=role_availability(SiteTopics(site), "buttons"),
            subscriptions=self.tracker.subscriptions(),
            on_message=self.cross,
        )

    # -- public --------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to the panel and connect to the broker (in the background)."""
        super().start()
        self.panel.connect(self.cross)

    @property
    def light(self) -> Light | None:
        """What the status light shows now (None without a light)."""
        return self.driver.showing if self.driver else None

    # -- the loop thread -----------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            now = time.monotonic()
            deadlines = [d for d in (self.gestures.deadline(), self.tracker.deadline(now)) if d]
            timeout = max(0.0, min([now + TICK_SECONDS, *deadlines]) - now)
            try:
                batch = [self._inbox.get(timeout=timeout)]
            except queue.Empty:
                batch = []
            while True:  # take whatever else has arrived: knob clicks are sent together
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            try:
                if not self._handle(batch):
                    break
            except Exception:
                log.exception("the buttons loop failed on %r; carrying on", batch)
            self.heartbeat()
        if self.driver is not None:
            self.driver.show(Light.IDLE)

    def _handle(self, batch: list[_Item]) -> bool:
        """Handle a batch of items; False when asked to stop."""
        clicks = 0
        for item in batch:
            if item is None:
                self._turn(clicks)
                return False
            if isinstance(item, PanelEvent) and item.part == "knob":
                clicks += 1 if item.kind == "cw" else -1
                continue
            self._turn(clicks)
            clicks = 0
            if isinstance(item, PanelEvent):
                self._on_panel(item)
            else:
                self.tracker.handle(item, time.monotonic())
        self._turn(clicks)
        for recognized in self.gestures.tick(time.monotonic()):
            self._on_gesture(recognized)
        self._update_light()
        return True

    def _on_panel(self, event: PanelEvent) -> None:
        if event.part == "skip" and event.kind == "pressed":
            self._send(c.Next(origin=self.origin))
        elif event.part == "like" and event.kind == "pressed":
            self._send(c.Like(origin=self.origin))
        elif event.part == "action":
            gesture_of = {"pressed": self.gestures.press, "released": self.gestures.release,
                          "held": self.gestures.held}[event.kind]
            for recognized in gesture_of(event.at):
                self._on_gesture(recognized)

    def _on_gesture(self, recognized: Recognized) -> None:
        if recognized.gesture is Gesture.PRESS:
            self._send(c.Toggle(origin=self.origin))
        elif recognized.gesture is Gesture.DOUBLE:
            self._send(c.Next(origin=self.origin))
        elif recognized.gesture is Gesture.HOLD:
            self.tracker.pushed_to_talk(time.monotonic())
            self._send(self._listen(recognized.pressed.wall))

    def _listen(self, pressed_wall: float) -> c.Command:
        if _LISTEN_HAS_AT:
            return c.Listen(origin=self.origin, at=round(pressed_wall, 3))  # type: ignore[call-arg]
        return c.Listen(origin=self.origin)

    def _turn(self, clicks: int) -> None:
        if not clicks:
            return
        steps = clicks * self.buttons.volume_steps_per_click
        delta = max(-c.VOLUME_MAX, min(c.VOLUME_MAX, steps))
        self._send(c.VolumeStep(delta=delta, origin=self.origin))

    def _send(self, command: c.Command) -> None:
        log.debug("button: %s", command.to_json())
        self.sent.append(command)
        if self.local is not None:
            try:
                self.local(command)
            except Exception:  # the command still goes out over MQTT
                log.exception("the local player failed on %s", command)
        self.runner.publish(Outgoing(self.topics.command, command.to_json()))

    def _update_light(self) -> None:
        self.tracker.set_connected(self.runner.connected)
        if self.driver is not None:
            self.driver.show(self.tracker.shows(time.monotonic()))


def run_buttons(config: Config, buttons: ButtonsConfig | None = None,
                pin_factory: Any = None) -> None:
    """Run the buttons role until SIGTERM or SIGINT (`booth serve buttons`).

    Tells systemd when it is ready and feeds its watchdog while the role's loop and the main
    loop both run. Without GPIO it exits with a message saying how to fix that.
    """
    from booth.systemd_notify import Notifier, Watchdog

    notifier = Notifier()
    watchdog = Watchdog.from_environment(notifier)
    try:
        panel = Panel(buttons or buttons_config(config), pin_factory)
    except GpioError as err:
        notifier.status(str(err))
        raise SystemExit(f"booth: {err}") from err
    from booth.cli import wait_for_signal

    role = ButtonsRole(config, panel, buttons, heartbeat=lambda: watchdog.heartbeat("buttons"))
    watchdog.register("buttons", "main")
    role.start()
    watchdog.start()
    notifier.ready(f"buttons for site {role.topics.site}")
    log.info("buttons: commands to %s as %r", role.topics.command, role.origin)
    try:
        wait_for_signal(tick=lambda: watchdog.heartbeat("main"))
    finally:
        notifier.stopping()
        watchdog.stop()
        role.stop()
        panel.close()
