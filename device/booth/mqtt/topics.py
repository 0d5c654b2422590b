"""Every MQTT topic Booth uses, built in one place.

Booth's own topics live under ``booth/<site>/``; Home Assistant's discovery topics under
``homeassistant/``. Hermes topics are built by the rhasspy-hermes message classes
(``NluIntent.topic(intent_name=...)`` and friends) and never assembled by hand; this module
only lists which of them a role subscribes to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rhasspyhermes.audioserver import AudioPlayBytes
from rhasspyhermes.nlu import NluIntent
from rhasspyhermes.tts import TtsSay

HA_PREFIX = "homeassistant"
"""Home Assistant's default discovery prefix."""
HA_STATUS = f"{HA_PREFIX}/status"
"""Home Assistant publishes ``online`` here when it (re)starts; discovery is then re-sent."""

_SITE = re.compile(r"^[A-Za-z0-9_.-]+$")


def check_site(site: str) -> str:
    """Return ``site`` if it can name a topic level and a Hermes siteId, else raise ValueError."""
    if not _SITE.match(site):
        raise ValueError(
            f"site {site!r} cannot be used in MQTT topics: use letters, digits, '_', '-' or '.'"
        )
    return site


@dataclass(frozen=True)
class SiteTopics:
    """The ``booth/<site>/...`` topics of one speaker."""

    site: str
    """The speaker's siteId."""

    def __post_init__(self) -> None:
        check_site(self.site)

    @property
    def base(self) -> str:
        """``booth/<site>``: the prefix of every topic below."""
        return f"booth/{self.site}"

    @property
    def command(self) -> str:
        """JSON commands from buttons, home automation and intents."""
        return f"{self.base}/command"

    @property
    def state(self) -> str:
        """Retained: what is playing, volume, talk level, microphone."""
        return f"{self.base}/state"

    @property
    def event(self) -> str:
        """Things that happened: track changed, skipped, liked, disliked."""
        return f"{self.base}/event"

    @property
    def availability(self) -> str:
        """Retained ``online``/``offline``; ``offline`` is also the player's last will."""
        return f"{self.base}/availability"

    @property
    def error(self) -> str:
        """One message per rejected command or request."""
        return f"{self.base}/error"

    @property
    def vocabulary(self) -> str:
        """Retained: the library's names (artists, albums, titles, genres, moods) for intents."""
        return f"{self.base}/vocabulary"

    @property
    def speak(self) -> str:
        """JSON ``{"id", "text"}``: the player asks the `dj` role to voice a link."""
        return f"{self.base}/dj/speak"

    def voiced(self, request_id: str) -> str:
        """The `dj` role's answer to one `speak` request: a WAV file (empty on failure)."""
        return f"{self.base}/dj/voiced/{request_id}"

    @property
    def voiced_all(self) -> str:
        """Every answer of the `dj` role (a subscription)."""
        return f"{self.base}/dj/voiced/+"

    @property
    def dj_availability(self) -> str:
        """Retained ``online``/``offline`` of the `dj` role (its last will)."""
        return self.availability_of("dj")

    def availability_of(self, role: str) -> str:
        """Retained ``online``/``offline`` of a role (its last will): the player's is the
        speaker's own, ``booth/<site>/availability``; the others' ``booth/<site>/<role>/...``."""
        return self.availability if role == "player" else f"{self.base}/{role}/availability"

    def ha_config(self, component: str, object_id: str) -> str:
        """Home Assistant discovery topic of one entity of this speaker."""
        return f"{HA_PREFIX}/{component}/{self.ha_node}/{object_id}/config"

    @property
    def ha_node(self) -> str:
        """This speaker's node id in Home Assistant discovery topics."""
        return "booth_" + re.sub(r"[^A-Za-z0-9_-]", "_", self.site)


def hermes_player_subscriptions(sites: tuple[str, ...], intent_names: tuple[str, ...]) -> list[str]:
    """Hermes topics the player listens to: its intents, speech and audio for ``sites``."""
    topics = [NluIntent.topic(intent_name=name) for name in intent_names]
    topics.append(TtsSay.topic())
    topics.extend(AudioPlayBytes.topic(site_id=site) for site in sites)
    return topics
