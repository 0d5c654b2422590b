"""Booth's roles, each a small service that speaks only MQTT to the others:
`player` (the station, the DJ and the command API), `listen` (the microphone),
`buttons` (GPIO). `booth run` starts them all in one process."""
