"""Buttons, a volume knob and a status light on the Pi's GPIO (gpiozero).

- `config`: `ButtonsConfig`, the pins and timings (the `[buttons]` table).
- `gestures`: the action button's press / double press / hold, as a pure state machine.
- `light`: what the status light shows (idle, listening, thinking, speaking, error), from
  Hermes and Booth messages, and how a gpiozero LED shows it.
- `panel`: the gpiozero devices, built on one injectable pin factory.

The role that ties them to MQTT is `booth.roles.buttons`.
"""
