"""MQTT: Booth's commands, state and events, Hermes (Rhasspy) and Home Assistant discovery.

- :mod:`~booth.mqtt.topics` builds every topic; TOPICS.md documents each payload.
- :mod:`~booth.mqtt.commands` validates commands into typed dataclasses.
- :mod:`~booth.mqtt.controller` is the boundary the player implements.
- :mod:`~booth.mqtt.handler` turns received messages into messages to publish (no client).
- :mod:`~booth.mqtt.runner` is the paho-mqtt connection; :mod:`~booth.mqtt.service` ties the
  two together for the player role; :mod:`~booth.mqtt.broker` finds or starts a broker.
"""
