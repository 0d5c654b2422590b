"""Running roles until a stop signal: what `booth run`, `booth serve ROLE` and the systemd
units share.

:func:`serve` starts the roles it is given, tells systemd it is ready, feeds systemd's watchdog
while every loop of every role keeps beating, and stops them all on SIGTERM or SIGINT. A role
whose loop died (:attr:`booth.roles.base.Role.failed`) ends the process with exit status 1, so
systemd restarts the unit.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from booth.systemd_notify import Notifier, Watchdog

log = logging.getLogger(__name__)

_stopping: list[bool] = []


class Running(Protocol):
    """What :func:`serve` needs of a role (a :class:`~booth.roles.base.Role`, or the player
    role's bundle)."""

    name: str
    loops: tuple[str, ...]
    failed: BaseException | None

    def set_heartbeat(self, beat: Callable[[str], None]) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


def catch_stop_signals() -> None:
    """From now on SIGTERM and SIGINT ask for a clean stop (see :func:`wait_for_signal`).

    The handler only sets a flag: it runs on the main thread, possibly inside a lock's wait.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: _stopping.append(True))


def wait_for_signal(tick: Callable[[], bool | None] = lambda: None) -> None:
    """Block until SIGTERM or SIGINT, calling ``tick`` twice a second; a tick that returns
    True ends the wait too."""
    catch_stop_signals()
    while not _stopping:
        time.sleep(0.5)
        if tick():
            return


def serve(roles: Sequence[Running], status: str, notifier: Notifier | None = None) -> int:
    """Start ``roles`` (those not started yet), then run until a signal or a dead role.

    Returns the process's exit status: 0 after a signal, 1 when a role's loop died.
    """
    notifier = notifier or Notifier()
    watchdog = Watchdog.from_environment(notifier)
    for role in roles:
        role.set_heartbeat(watchdog.heartbeat)
        watchdog.register(*role.loops)
        role.start()
    watchdog.register("main")
    watchdog.start()
    notifier.ready(status)
    dead: list[Running] = []

    def tick() -> bool:
        dead.extend(role for role in roles if role.failed is not None)
        if not dead:
            watchdog.heartbeat("main")
        return bool(dead)

    try:
        wait_for_signal(tick)
    finally:
        notifier.stopping()
        watchdog.stop()
        for role in reversed(roles):
            role.stop()
    if dead:
        for role in dead:
            log.error("booth: the %s role stopped (%s); exiting so that it is restarted",
                      role.name, role.failed)
        return 1
    return 0
