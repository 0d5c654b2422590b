"""systemd's notification protocol: readiness, status, stopping and a watchdog fed by loops.

Under a ``Type=notify`` unit systemd sets ``NOTIFY_SOCKET`` (and, with ``WatchdogSec=``,
``WATCHDOG_USEC`` and ``WATCHDOG_PID``); elsewhere every call here does nothing, so a role
runs the same from a terminal. `Watchdog` pings systemd only while every registered loop
(e.g. ``audio`` and ``main``) has called `Watchdog.heartbeat` within half the watchdog time:
a hung loop stops the pings and systemd restarts the service (``Restart=on-failure``), with
``PYTHONFAULTHANDLER`` printing every thread's stack to the journal first.

    watchdog = Watchdog.from_environment()          # in the role's start-up
    watchdog.register("audio", "main"); watchdog.start()
    ... watchdog.heartbeat("audio")                 # once per rendered block
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Tells systemd about this service (no-op without ``NOTIFY_SOCKET``)."""

    def __init__(self, send: Callable[[str], None] | None = None,
                 environ: Mapping[str, str] = os.environ) -> None:
        """``send`` replaces the socket; by default, ``NOTIFY_SOCKET`` of ``environ``."""
        address = environ.get("NOTIFY_SOCKET", "")
        self.enabled = send is not None or bool(address)
        if send is None and address:
            send = _socket_sender(address)
        self._send = send or (lambda state: None)

    def ready(self, status: str | None = None) -> None:
        """Start-up is finished (``Type=notify`` units count as started from here)."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def watchdog(self) -> None:
        """Still alive."""
        self._send("WATCHDOG=1")

    def status(self, text: str) -> None:
        """A one-line status, shown by `systemctl status`."""
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        """Shutting down."""
        self._send("STOPPING=1")


def _socket_sender(address: str) -> Callable[[str], None]:
    """Datagrams to systemd's socket (a path, or ``@name`` in the abstract namespace)."""
    target = "\0" + address[1:] if address.startswith("@") else address
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def send(state: str) -> None:
        try:
            sock.sendto(state.encode(), target)
        except OSError as err:  # systemd gone (shutting down): nothing to tell
            log.debug("could not notify systemd (%s): %s", state.split("=")[0], err)

    return send


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float | None:
    """``WatchdogSec=`` of this service in seconds, or None when no watchdog watches us."""
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6


class Watchdog:
    """Pings systemd's watchdog while every registered loop keeps beating."""

    def __init__(self, notifier: Notifier, interval: float | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``interval``: the watchdog time in seconds (None: no watchdog, nothing is sent)."""
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self._beats: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: frozenset[str] = frozenset()

    @classmethod
    def from_environment(cls, notifier: Notifier | None = None,
                         environ: Mapping[str, str] = os.environ) -> Watchdog:
        """The watchdog systemd configured for this process (inactive outside systemd)."""
        return cls(notifier or Notifier(environ=environ), watchdog_interval(environ))

    @property
    def active(self) -> bool:
        """Whether systemd watches this process."""
        return self.interval is not None and self.notifier.enabled

    def register(self, *names: str) -> None:
        """Loops that must keep beating; each counts as having beaten now."""
        now = self.clock()
        for name in names:
            self._beats[name] = now

    def unregister(self, name: str) -> None:
        """A loop that ended on purpose (stopping) no longer counts."""
        self._beats.pop(name, None)

    def heartbeat(self, name: str) -> None:
        """Called by a loop on every turn; cheap (no lock, no I/O)."""
        self._beats[name] = self.clock()

    def silent(self) -> list[str]:
        """Registered loops that have not beaten within half the watchdog time."""
        if self.interval is None:
            return []
        limit = self.clock() - self.interval / 2
        return sorted(name for name, beat in list(self._beats.items()) if beat < limit)

    def check(self) -> bool:
        """Ping systemd if every loop beat lately; returns whether it pinged."""
        silent = self.silent()
        if silent:
            if frozenset(silent) != self._reported:
                log.error("not feeding the watchdog: loop(s) %s stopped beating", ", ".join(silent))
                self.notifier.status(f"hung: {', '.join(silent)} loop stopped")
            self._reported = frozenset(silent)
            return False
        self._reported = frozenset()
        self.notifier.watchdog()
        return True

    def start(self) -> None:
        """Check and ping in the background, four times per watchdog time."""
        if not self.active or self._thread is not None:
            return
        assert self.interval is not None
        period = self.interval / 4

        def run() -> None:
            while not self._stop.wait(period):
                self.check()

        self.check()
        self._thread = threading.Thread(target=run, name="booth-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop pinging."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
