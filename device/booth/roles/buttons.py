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

import logging
import time
from collections.abc import Callable
from typing import Any

from booth.buttons.config import ButtonsConfig
from booth.buttons.gestures import ActionGestures, Gesture, Recognized
from booth.buttons.light import Light, LightDriver, LightTracker
from booth.buttons.panel import Panel, PanelEvent
from booth.config import Config
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection
from booth.mqtt.topics import SiteTopics
from booth.roles.base import Messages, Role, RoleOptions
from booth.station import commands as c

log = logging.getLogger(__name__)

class ButtonsRole(Role):
    """Turns panel events into commands and shows the conversation on the light."""

    name = "buttons"

    def __init__(
        self,
        config: Config,
        panel: Panel,
        buttons: ButtonsConfig | None = None,
        *,
        local: Callable[[c.Command], None] | None = None,
        connection: Connection | None = None,
    ) -> None:
        """``local``: a player in this process (called on the role's thread, must not block)."""
        self.buttons = buttons or config.buttons
        self.panel = panel
        site = config.mqtt.site
        self.topics = SiteTopics(self.buttons.commands_site(site))
        self.origin = self.buttons.origin_for(site)
        self.local = local
        self.gestures = ActionGestures(self.buttons.double_press_seconds,
                                       self.buttons.bounce_seconds)
        self.tracker = LightTracker(site, self.topics.site)
        self.driver = LightDriver(panel.light) if panel.light is not None else None
        self.owns_panel = False
        """Whether stopping the role releases the panel's pins (it made the panel)."""
        self.sent: list[c.Command] = []
        """Every command sent, in order (for measurements)."""
        super().__init__(config.mqtt, connection=connection)

    def subscriptions(self) -> list[str]:
        return self.tracker.subscriptions()

    # -- public --------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to the panel and connect to the broker (in the background)."""
        super().start()
        self.panel.connect(self.cross)

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        if self.owns_panel:
            self.panel.close()

    @property
    def light(self) -> Light | None:
        """What the status light shows now (None without a light)."""
        return self.driver.showing if self.driver else None

    # -- the loop thread -----------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (self.gestures.deadline(),
                                 self.tracker.deadline(time.monotonic())) if d]
        return min(deadlines) if deadlines else None

    def on_batch(self, items: list[Any]) -> Messages:
        """Knob clicks that arrived together are sent as one step."""
        clicks, out = 0, []
        for item in items:
            if isinstance(item, PanelEvent) and item.part == "knob":
                clicks += 1 if item.kind == "cw" else -1
                continue
            self._turn(clicks)
            clicks = 0
            if isinstance(item, PanelEvent):
                out += self._guarded(lambda event=item: self._on_panel(event), "a button")
            elif isinstance(item, Incoming):
                out += self._guarded(lambda m=item: self.tracker.handle(m, time.monotonic()),
                                     item.topic)
            else:
                out += super().on_batch([item])
        self._turn(clicks)
        return out

    def on_tick(self) -> Messages:
        for recognized in self.gestures.tick(time.monotonic()):
            self._on_gesture(recognized)
        self._update_light()
        return ()

    def on_stop(self) -> None:
        if self.driver is not None:
            self.driver.show(Light.IDLE)

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
            self._send(c.Listen(origin=self.origin, at=round(recognized.pressed.wall, 3)))

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


def create(config: Config, options: RoleOptions) -> ButtonsRole:
    """`booth serve buttons`: the panel on this host's GPIO (its wiring: ``[buttons]``)."""
    import warnings  # noqa: PLC0415

    with warnings.catch_warnings():  # gpiozero warns of each back-end it cannot load
        warnings.simplefilter("ignore")
        panel = Panel(config.buttons, options.pin_factory)
    role = ButtonsRole(config, panel, local=options.local)
    role.owns_panel = True
    log.info("buttons: commands to %s as %r", role.topics.command, role.origin)
    return role
