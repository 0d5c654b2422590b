"""The `[buttons]` table: which GPIO pins the buttons, knob and light are on, and timings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from booth.errors import ConfigError

NOT_FITTED = -1
"""A pin setting of -1 means the part is not fitted."""
GPIO_PINS = range(28)
"""BCM GPIO numbers on the Pi's 40-pin header."""


@dataclass(frozen=True)
class ButtonsConfig:
    """Buttons, volume knob and status light on the GPIO header (BCM numbers; -1: not fitted).

    The defaults suit a ReSpeaker 2-mic HAT (its button is GPIO 17) plus parts wired to pins
    the HAT leaves free."""

    action_pin: int = 17
    """Action button: press plays/pauses, double press skips, hold talks without the wake word."""
    skip_pin: int = 5
    """Skip button: the next track, at once."""
    like_pin: int = 6
    """Like button: tells the DJ you like this track."""
    encoder_a_pin: int = 22
    """Rotary encoder (volume knob), pin A (CLK on a KY-040)."""
    encoder_b_pin: int = 23
    """Rotary encoder, pin B (DT on a KY-040)."""
    light_pins: tuple[int, ...] = (24,)
    """Status light: one pin drives a (PWM) LED, several an LED board lit together; [] none."""
    double_press_seconds: float = 0.3
    """A second press of the action button within this many seconds of releasing it skips;
    a single press therefore plays/pauses this long after its release."""
    hold_seconds: float = 0.5
    """Holding the action button this long starts listening (push-to-talk)."""
    bounce_seconds: float = 0.02
    """Contacts are debounced for this long (adds as much latency to every button)."""
    volume_steps_per_click: int = 1
    """Volume steps (of 10) per click of the knob."""
    speaker_site: str = ""
    """The site whose player the buttons control; empty: this machine's `mqtt.site`
    (set it on a satellite whose buttons drive the speaker in another room)."""
    origin: str = ""
    """`origin` of the commands sent; empty: `buttons-<mqtt.site>`."""

    def __post_init__(self) -> None:
        used: dict[int, str] = {}
        for name, pin in self.pins().items():
            if not isinstance(pin, int) or isinstance(pin, bool) or (
                    pin != NOT_FITTED and pin not in GPIO_PINS):
                raise ConfigError(f"buttons.{name}: {pin!r} is not a GPIO number "
                                  f"(0–27, BCM numbering) or -1 (not fitted)")
            if pin == NOT_FITTED:
                continue
            if pin in used:
                raise ConfigError(f"buttons.{name}: GPIO {pin} is already buttons.{used[pin]}")
            used[pin] = name
        if (self.encoder_a_pin == NOT_FITTED) != (self.encoder_b_pin == NOT_FITTED):
            raise ConfigError("buttons: the encoder needs both encoder_a_pin and encoder_b_pin "
                              "(or neither: -1)")
        for name in ("double_press_seconds", "hold_seconds"):
            if not 0.05 <= getattr(self, name) <= 5.0:
                raise ConfigError(f"buttons.{name} must be from 0.05 to 5 seconds, "
                                  f"not {getattr(self, name)}")
        if not 0.0 <= self.bounce_seconds <= 0.2:
            raise ConfigError(f"buttons.bounce_seconds must be from 0 to 0.2, "
                              f"not {self.bounce_seconds}")
        if not 1 <= self.volume_steps_per_click <= 10:
            raise ConfigError(f"buttons.volume_steps_per_click must be from 1 to 10, "
                              f"not {self.volume_steps_per_click}")

    def pins(self) -> dict[str, Any]:
        """Every pin setting by name (light pins as ``light_pins[i]``)."""
        pins: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)
                                if f.name.endswith("_pin")}
        for i, pin in enumerate(self.light_pins):
            pins[f"light_pins[{i}]"] = pin
        return pins

    def fitted(self, pin: int) -> bool:
        """Whether a pin setting names a pin (not -1)."""
        return pin != NOT_FITTED

    def commands_site(self, own_site: str) -> str:
        """The site the buttons' commands go to."""
        return self.speaker_site or own_site

    def origin_for(self, own_site: str) -> str:
        """The ``origin`` put on every command."""
        return self.origin or f"buttons-{own_site}"
