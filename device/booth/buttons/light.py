"""The status light: what it shows, and how an LED shows it.

`LightTracker` follows the speaker's conversation on MQTT (Hermes wake word, recognition,
intents and speech for this machine's site; the player's errors and availability) and says
what the light shows at a given moment. `LightDriver` turns that into a gpiozero pattern:

| shows | when | LED |
| --- | --- | --- |
| idle | nothing is going on | off |
| listening | wake word heard, push-to-talk, or the recogniser started | on |
| thinking | speech captured, the intent not yet known | fast pulse |
| speaking | a spoken answer (`hermes/tts/say`) until it finished | slow pulse |
| error | for 2 s after an error, a request not understood; all the time while the
  broker or the speaker is gone | fast blink |

A state that is never closed (a lost message) falls back to idle after a while.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any

from rhasspyhermes.asr import AsrStartListening, AsrTextCaptured
from rhasspyhermes.base import Message
from rhasspyhermes.dialogue import DialogueSessionEnded
from rhasspyhermes.nlu import NluIntent, NluIntentNotRecognized
from rhasspyhermes.tts import TtsSay, TtsSayFinished
from rhasspyhermes.wake import HotwordDetected

from booth.mqtt.messages import Incoming
from booth.mqtt.runner import OFFLINE, ONLINE
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)


class Light(enum.Enum):
    """What the status light shows."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    ERROR = "error"


ERROR_FLASH_SECONDS = 2.0
"""How long an error or a request not understood shows."""
STALE_AFTER = {Light.LISTENING: 12.0, Light.THINKING: 12.0, Light.SPEAKING: 60.0}
"""Seconds after which an activity nobody ended falls back to idle."""

# Hermes message class -> what the light shows next for this site.
_HERMES: dict[type[Message], Light] = {
    HotwordDetected: Light.LISTENING,
    AsrStartListening: Light.LISTENING,
    AsrTextCaptured: Light.THINKING,
    NluIntent: Light.IDLE,
    NluIntentNotRecognized: Light.ERROR,
    TtsSay: Light.SPEAKING,
    TtsSayFinished: Light.IDLE,
    DialogueSessionEnded: Light.IDLE,
}


class LightTracker:
    """Says what the light shows, from messages and local events (one thread only)."""

    def __init__(self, site: str, speaker_site: str | None = None) -> None:
        """``site``: this machine's Hermes siteId; ``speaker_site``: the player whose errors
        and availability show (default: ``site``)."""
        self.site = site
        self.speaker = SiteTopics(speaker_site or site)
        self._activity = Light.IDLE
        self._since = 0.0
        self._error_until = 0.0
        self._connected = False
        self._speaker_online = True

    def subscriptions(self) -> list[str]:
        """The topics the tracker wants."""
        hermes = [cls.topic(wakeword_id="+") if cls is HotwordDetected else
                  cls.topic(intent_name="#") if cls is NluIntent else cls.topic()
                  for cls in _HERMES]
        return [*hermes, self.speaker.error, self.speaker.availability]

    # -- inputs --------------------------------------------------------------------------------

    def handle(self, message: Incoming, now: float) -> None:
        """A message on one of `subscriptions()`."""
        topic = message.topic
        if topic == self.speaker.availability:
            text = message.payload.decode("utf-8", "replace").strip()
            self._speaker_online = text != OFFLINE
            if text not in (ONLINE, OFFLINE):
                log.warning("unexpected availability %r on %s", text, topic)
            return
        if topic == self.speaker.error:
            self.flash_error(now)
            return
        for cls, light in _HERMES.items():
            if cls.is_topic(topic):
                self._on_hermes(cls, light, message.payload, now)
                return

    def _on_hermes(self, cls: type[Message], light: Light, payload: bytes, now: float) -> None:
        try:
            site = _site_of(cls.from_json(payload))
        except Exception:  # dataclasses-json raises many kinds; a bad message changes nothing
            log.debug("ignoring a malformed %s", cls.__name__)
            return
        if site != self.site:
            return
        if light is Light.ERROR:
            self.flash_error(now)
            self._set(Light.IDLE, now)
        else:
            self._set(light, now)

    def pushed_to_talk(self, now: float) -> None:
        """The action button was held: listening starts now."""
        self._set(Light.LISTENING, now)

    def flash_error(self, now: float) -> None:
        """Show an error for a moment."""
        self._error_until = now + ERROR_FLASH_SECONDS

    def set_connected(self, connected: bool) -> None:
        """Whether this role's broker connection is up."""
        self._connected = connected

    # -- output --------------------------------------------------------------------------------

    def shows(self, now: float) -> Light:
        """What the light shows at ``now``."""
        if not self._connected or not self._speaker_online or now < self._error_until:
            return Light.ERROR
        stale = STALE_AFTER.get(self._activity)
        if stale is not None and now - self._since > stale:
            self._activity = Light.IDLE
        return self._activity

    def deadline(self, now: float) -> float | None:
        """The next moment after ``now`` when what the light shows may change by itself."""
        times = [self._error_until]
        stale = STALE_AFTER.get(self._activity)
        if stale is not None:
            times.append(self._since + stale)
        future = [t for t in times if t > now]
        return min(future) if future else None

    def _set(self, light: Light, now: float) -> None:
        self._activity, self._since = light, now


def _site_of(message: Any) -> str | None:
    return getattr(message, "site_id", None)


class LightDriver:
    """Shows a `Light` on a gpiozero LED, PWM LED or LED board (anything with on/off/blink)."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self.showing: Light | None = None
        self._can_pulse = _can_pulse(device)
        self._patterns: dict[Light, Callable[[], None]] = {
            Light.IDLE: device.off,
            Light.LISTENING: device.on,
            Light.THINKING: lambda: self._pulse(0.25),
            Light.SPEAKING: lambda: self._pulse(0.8),
            Light.ERROR: lambda: device.blink(on_time=0.1, off_time=0.1),
        }

    def show(self, light: Light) -> None:
        """Switch to ``light``'s pattern (nothing happens when it already shows)."""
        if light is self.showing:
            return
        self.showing = light
        self._patterns[light]()

    def _pulse(self, seconds: float) -> None:
        if self._can_pulse:
            self.device.pulse(fade_in_time=seconds, fade_out_time=seconds)
        else:  # a plain LED: blink at the same pace
            self.device.blink(on_time=seconds, off_time=seconds)


def _can_pulse(device: Any) -> bool:
    from gpiozero import PWMLED, LEDBoard

    if isinstance(device, PWMLED):
        return True
    if isinstance(device, LEDBoard):
        return all(isinstance(led, PWMLED) for led in device.leds)
    return False
