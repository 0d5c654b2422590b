"""Booth's roles, each a small service that speaks only MQTT to the others. `booth run`
starts player, listen and buttons in one process; `booth serve ROLE` and the systemd units
run one each. Every role is a :class:`booth.roles.base.Role` (the player's comes with its
speaker); :func:`booth.roles.serve.serve` runs them."""

from __future__ import annotations

import importlib

from booth.config import Config
from booth.roles.base import RoleOptions
from booth.roles.serve import Running

ROLES = {
    "player": "the library, the recommender, the DJ's writer, the mixer and the command API",
    "dj": "the DJ's Piper voice as a service for the player",
    "listen": "the microphone: wake word, speech, intents, as Hermes messages",
    "buttons": "the GPIO buttons, knob and status light",
}
"""Every role, with what it does. Each is the module ``booth.roles.<name>``, whose
``create(config, options)`` makes it."""


def create_role(name: str, config: Config, options: RoleOptions) -> Running:
    """Make the role ``name`` (its models loaded, its hardware opened), not yet started."""
    if name not in ROLES:
        raise ValueError(f"unknown role {name!r}: {', '.join(ROLES)}")
    return importlib.import_module(f"booth.roles.{name}").create(config, options)
