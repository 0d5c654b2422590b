"""Home Assistant MQTT discovery: one device per speaker, its entities bound to Booth's topics.

Each entity's config is published retained under ``homeassistant/<component>/booth_<site>/...``
and re-sent whenever Home Assistant announces ``online`` on ``homeassistant/status``.
"""

from __future__ import annotations

from typing import Any

from booth import __version__
from booth.station.commands import (
    TALK_LEVELS,
    VOLUME_MAX,
    Command,
    Dislike,
    Like,
    MuteMic,
    Next,
    Previous,
    SwitchItUp,
    Toggle,
)
from booth.mqtt.messages import Outgoing
from booth.mqtt.topics import SiteTopics

_SENSORS = (
    ("title", "Title", "{{ (value_json.track or {}).title | default('', true) }}", "mdi:music-note"),
    ("artist", "Artist", "{{ (value_json.track or {}).artist | default('', true) }}", "mdi:account-music"),
    ("album", "Album", "{{ (value_json.track or {}).album | default('', true) }}", "mdi:album"),
    ("state", "State", "{{ value_json.state }}", "mdi:play-pause"),
)

_BUTTONS: tuple[tuple[str, str, Command, str], ...] = (
    ("next", "Next", Next(origin="homeassistant"), "mdi:skip-next"),
    ("previous", "Previous", Previous(origin="homeassistant"), "mdi:skip-previous"),
    ("play_pause", "Play/pause", Toggle(origin="homeassistant"), "mdi:play-pause"),
    ("like", "Like", Like(origin="homeassistant"), "mdi:thumb-up"),
    ("dislike", "Dislike", Dislike(origin="homeassistant"), "mdi:thumb-down"),
    ("switch_it_up", "Switch it up", SwitchItUp(origin="homeassistant"), "mdi:shuffle-variant"),
)


def discovery_messages(topics: SiteTopics) -> list[Outgoing]:
    """The retained discovery configs of every entity of this speaker."""
    site = topics.site
    device = {
        "identifiers": [topics.ha_node],
        "name": f"Booth {site}",
        "manufacturer": "Booth",
        "model": "Booth speaker",
        "sw_version": __version__,
    }

    def entity(component: str, object_id: str, name: str, icon: str, **extra: Any) -> Outgoing:
        config = {
            "name": name,
            "unique_id": f"{topics.ha_node}_{object_id}",
            "object_id": f"{topics.ha_node}_{object_id}",
            "icon": icon,
            "device": device,
            "availability_topic": topics.availability,
            "payload_available": "online",
            "payload_not_available": "offline",
            **extra,
        }
        return Outgoing.json(topics.ha_config(component, object_id), config, retain=True)

    messages = [
        entity("sensor", key, name, icon, state_topic=topics.state, value_template=template)
        for key, name, template, icon in _SENSORS
    ]
    messages += [
        entity("button", key, name, icon, command_topic=topics.command, payload_press=command.to_json())
        for key, name, command, icon in _BUTTONS
    ]
    messages.append(entity(
        "number", "volume", "Volume", "mdi:volume-high",
        command_topic=topics.command,
        command_template='{"action": "volume", "level": {{ value | int }}, "origin": "homeassistant"}',
        state_topic=topics.state,
        value_template="{{ value_json.volume }}",
        min=0, max=VOLUME_MAX, step=1, mode="slider",
    ))
    messages.append(entity(
        "select", "talk", "DJ talk", "mdi:account-voice",
        command_topic=topics.command,
        command_template='{"action": "talk", "level": "{{ value }}", "origin": "homeassistant"}',
        state_topic=topics.state,
        value_template="{{ value_json.talk }}",
        options=list(TALK_LEVELS),
    ))
    messages.append(entity(
        "switch", "mic_mute", "Microphone mute", "mdi:microphone-off",
        command_topic=topics.command,
        payload_on=MuteMic(on=True, origin="homeassistant").to_json(),
        payload_off=MuteMic(on=False, origin="homeassistant").to_json(),
        state_topic=topics.state,
        value_template="{{ 'ON' if value_json.mic_muted else 'OFF' }}",
        state_on="ON",
        state_off="OFF",
    ))
    messages.append(entity(
        "text", "request", "Request", "mdi:message-text",
        command_topic=topics.command,
        command_template='{"action": "request", "text": {{ value | tojson }}, "origin": "homeassistant"}',
        min=1, max=255,
    ))
    return messages
