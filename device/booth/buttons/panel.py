"""The gpiozero devices of the buttons role, built on one pin factory.

The factory is the one given (tests pass a `MockFactory`), else gpiozero's own choice:
`GPIOZERO_PIN_FACTORY` (``mock`` runs the role on a laptop), else lgpio on a Pi.
gpiozero calls back on its own threads (synchronously inside `drive_low()` on mock pins);
`Panel.connect` hands every callback to one function, which must only enqueue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from booth.buttons.config import ButtonsConfig
from booth.buttons.gestures import Stamp

log = logging.getLogger(__name__)

NO_GPIO_FIX = (
    "on a Raspberry Pi: install lgpio into Booth's venv (`/opt/booth/venv/bin/pip install "
    "lgpio`, done by tools/install-pi) and put the user in the `gpio` group; to try the "
    "buttons role elsewhere, set GPIOZERO_PIN_FACTORY=mock"
)


class GpioError(RuntimeError):
    """The GPIO pins cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class PanelEvent:
    """Something a part of the panel did."""

    part: str
    """``action``, ``skip``, ``like`` or ``knob``."""
    kind: str
    """``pressed``, ``released``, ``held``; for the knob ``cw`` or ``ccw`` (one click)."""
    at: Stamp
    """When gpiozero reported it."""


def now() -> Stamp:
    """The current time on both clocks."""
    return Stamp(time.monotonic(), time.time())


class Panel:
    """The buttons, knob and light that ``config`` names; parts set to -1 are None."""

    def __init__(self, config: ButtonsConfig, pin_factory: Any = None) -> None:
        from gpiozero import Button, RotaryEncoder
        from gpiozero.exc import BadPinFactory, GPIOZeroError

        self.config = config
        self.devices: list[Any] = []
        bounce = config.bounce_seconds or None

        def make(factory: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            device = factory(*args, pin_factory=pin_factory, **kwargs)
            self.devices.append(device)
            return device

        try:
            self.action = make(Button, config.action_pin, bounce_time=bounce,
                               hold_time=config.hold_seconds) \
                if config.fitted(config.action_pin) else None
            self.skip = make(Button, config.skip_pin, bounce_time=bounce) \
                if config.fitted(config.skip_pin) else None
            self.like = make(Button, config.like_pin, bounce_time=bounce) \
                if config.fitted(config.like_pin) else None
            self.knob = make(RotaryEncoder, config.encoder_a_pin, config.encoder_b_pin,
                             bounce_time=bounce, max_steps=0) \
                if config.fitted(config.encoder_a_pin) else None
            self.light = self._make_light(make)
        except BadPinFactory as err:
            self.close()
            raise GpioError(f"no GPIO on this machine ({err}): {NO_GPIO_FIX}") from err
        except GPIOZeroError as err:
            self.close()
            raise GpioError(f"cannot use the GPIO pins of [buttons]: {err} (is another "
                            "program using them? `booth doctor gpio` checks)") from err

    def _make_light(self, make: Callable[..., Any]) -> Any:
        from gpiozero import LED, PWMLED, LEDBoard
        from gpiozero.exc import PinPWMUnsupported

        pins = [pin for pin in self.config.light_pins if self.config.fitted(pin)]
        if not pins:
            return None
        try:
            return make(PWMLED, pins[0]) if len(pins) == 1 else make(LEDBoard, *pins, pwm=True)
        except PinPWMUnsupported:
            log.info("no PWM on the light's pins: it blinks instead of pulsing")
            return make(LED, pins[0]) if len(pins) == 1 else make(LEDBoard, *pins, pwm=False)

    def connect(self, emit: Callable[[PanelEvent], None]) -> None:
        """Send every button and knob event to ``emit`` (called on gpiozero's threads)."""
        def on(part: str, kind: str) -> Callable[[], None]:
            return lambda: emit(PanelEvent(part, kind, now()))

        for part in ("action", "skip", "like"):
            button = getattr(self, part)
            if button is None:
                continue
            button.when_pressed = on(part, "pressed")
            button.when_released = on(part, "released")
            if part == "action":
                button.when_held = on(part, "held")
        if self.knob is not None:
            self.knob.when_rotated_clockwise = on("knob", "cw")
            self.knob.when_rotated_counter_clockwise = on("knob", "ccw")

    def close(self) -> None:
        """Release every pin (the light goes off)."""
        for device in reversed(self.devices):
            try:
                device.close()
            except Exception:  # closing must never hide the error that led here
                log.exception("could not close %r", device)
        self.devices.clear()
