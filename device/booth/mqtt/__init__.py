"""MQTT, a frontend of the station: Booth's commands, state and events, Hermes (Rhasspy) and
Home Assistant discovery.

- :mod:`~booth.mqtt.topics` builds every topic; TOPICS.md documents each payload.
- :mod:`~booth.mqtt.handler` turns received messages into messages to publish (no client),
  calling the station's API (:mod:`booth.station.api`, :mod:`booth.station.commands`).
- :mod:`~booth.mqtt.runner` is the paho-mqtt connection; :mod:`~booth.mqtt.broker` finds or
  starts a broker. The roles (:mod:`booth.roles`) tie a handler and a runner together.
"""
