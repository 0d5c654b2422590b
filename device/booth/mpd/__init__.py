"""A frontend: the MPD protocol, so that Home Assistant's MPD integration, `mpc`, ncmpcpp,
Cantata and M.A.L.P. drive the speaker.

It uses only the station's API (:class:`booth.station.api.Controller`) and the library
database: ``server.py`` (the asyncio server: framing, command lists, idle, the password),
``protocol.py`` (arguments, quoting, ACK errors), ``format.py`` (songs and their fields),
``library.py`` (the library as MPD's tree of files), ``playlist.py`` (what has played and
what plays next, as MPD's queue) and ``commands/`` (one module per group of commands).
"""
