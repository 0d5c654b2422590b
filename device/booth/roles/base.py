"""The shape every role shares: one broker connection, one loop thread, one way in.

A role writes only its handler — :meth:`Role.subscriptions`, :meth:`Role.on_start`,
:meth:`Role.on_message`, :meth:`Role.on_tick`, :meth:`Role.next_deadline` — each returning the
messages to publish. The base owns the thread, the inbox, the error policy, the heartbeat and
the :class:`~booth.mqtt.runner.MqttRunner` (client id ``booth-<role>-<site>``, availability
``online``/``offline``).

Everything that arrives from another thread (paho's, gpiozero's, the player's, the
microphone's) enters through :meth:`Role.cross`: an :class:`Incoming` message, a callable run on
the loop thread (its return value is published), or None, which stops the loop.

Error policy: a handler that fails on one item is logged and the loop goes on with the next.
A loop that dies — :class:`RoleFailed` from a handler, a part of the role reporting through
:meth:`Role.fail`, or anything escaping the policy — takes the role offline: it publishes
``offline``, stops beating (so systemd's watchdog stops being fed) and sets
:attr:`Role.failed`, which :func:`booth.roles.serve.serve` turns into a non-zero exit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from booth.config import MqttConfig
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection, MqttRunner
from booth.mqtt.topics import SiteTopics

log = logging.getLogger(__name__)

Messages = Iterable[Outgoing]


@dataclass(frozen=True)
class RoleOptions:
    """What the command line adds to the configuration when it starts a role."""

    output: str | None = None
    """player: where the audio goes (``--output``; default ``audio.output``)."""
    voice: str = "remote"
    """player: the DJ's voice here (``local``), from the dj role (``remote``), or ``none``."""
    input: str | None = None
    """listen: the microphone (``--input``; default ``listen.source``)."""
    pin_factory: Any = None
    """buttons: gpiozero's pin factory (default: gpiozero's choice)."""
    local: Callable[[Any], None] | None = None
    """buttons: a player in the same process, which hears each command first."""


class RoleFailed(RuntimeError):
    """Raised by a handler (or given to :meth:`Role.fail`) when the role cannot go on."""


class Role:
    """Base of every role. Subclasses set :attr:`name`, build their state, then call
    ``super().__init__(...)`` (which asks them for their subscriptions)."""

    name = "role"
    """The role's name: ``player``, ``dj``, ``listen`` or ``buttons``."""
    tick_seconds = 0.5
    """The loop wakes at least this often (heartbeat, :meth:`on_tick`)."""

    def __init__(self, mqtt: MqttConfig, *, site: str | None = None,
                 connection: Connection | None = None, client_id: str | None = None) -> None:
        """``site``: the role's own site (default ``mqtt.site``); ``connection`` overrides
        where ``mqtt`` points (an embedded broker, a test's)."""
        self.site = site or mqtt.site
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.failed: BaseException | None = None
        """Why the loop died (None while it runs, or after a clean stop)."""
        self.heartbeat: Callable[[str], None] = lambda loop: None
        """Called with a loop's name on every turn of it (systemd's watchdog, by `serve`)."""
        # The client id is fixed per site and role: a restarted role takes over its dead
        # predecessor's session at once, so that one's last will cannot follow the new online.
        self.runner = MqttRunner(
            connection or Connection.from_config(mqtt),
            client_id=client_id or f"booth-{self.name}-{self.site}",
            availability_topic=SiteTopics(self.site).availability_of(self.name),
            subscriptions=self.subscriptions(),
            on_message=self.cross,
        )

    # -- what a role writes -----------------------------------------------------------------

    @property
    def loops(self) -> tuple[str, ...]:
        """The loops systemd's watchdog waits for: this role's, and any of its parts'."""
        return (self.name,)

    def subscriptions(self) -> list[str]:
        """Topics to receive (asked once, by the constructor)."""
        return []

    def on_start(self) -> Messages:
        """First thing on the loop thread."""
        return ()

    def on_message(self, message: Incoming) -> Messages:
        """A message from the broker."""
        return ()

    def on_batch(self, items: list[Any]) -> Messages:
        """Whatever arrived together (default: each in turn, each under the error policy)."""
        out: list[Outgoing] = []
        for item in items:
            out += self._handle(item)
        return out

    def on_tick(self) -> Messages:
        """After every turn of the loop, including a quiet one."""
        return ()

    def on_stop(self) -> None:
        """Last thing on the loop thread after a stop."""

    def next_deadline(self) -> float | None:
        """A ``time.monotonic()`` by which the loop must wake (None: within a tick)."""
        return None

    # -- public -----------------------------------------------------------------------------

    def set_heartbeat(self, beat: Callable[[str], None]) -> None:
        """Call ``beat(loop)`` on every turn of each of :attr:`loops`."""
        self.heartbeat = beat

    def cross(self, item: Incoming | Callable[[], Messages | None] | None) -> None:
        """The only way into the loop thread, from any thread."""
        self._inbox.put(item)

    def fail(self, error: BaseException) -> None:
        """A part of the role (a thread of its own) cannot go on: the role goes offline."""
        self.cross(_Fail(error))

    def start(self) -> None:
        """Start the loop thread, then connect (in the background)."""
        self._thread = threading.Thread(target=self._run, name=f"booth-{self.name}", daemon=True)
        self._thread.start()
        self.runner.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Handle what has already arrived, say ``offline`` and disconnect."""
        if self._thread is not None:
            self.cross(None)
            self._thread.join(timeout)
            self._thread = None
        self.runner.stop(timeout)

    def wait_connected(self, timeout: float) -> bool:
        """Whether the broker connection is up (and subscribed), waiting up to ``timeout``."""
        return self.runner.wait_connected(timeout)

    def _publish(self, messages: Messages) -> None:
        for message in messages:
            self.runner.publish(message)

    # -- the loop thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._publish(self.on_start())
            while (batch := self._take()) is not None:
                self._publish(self.on_batch(batch))
                self._publish(self._guarded(self.on_tick, "tick"))
                self.heartbeat(self.name)
            self.on_stop()
        except BaseException as err:  # noqa: BLE001 - whatever it was, the role is down
            self._die(err)

    def _take(self) -> list[Any] | None:
        """What arrives within a tick (at least one item unless quiet); None: stop."""
        now = time.monotonic()
        deadline = min(now + self.tick_seconds, self.next_deadline() or now + self.tick_seconds)
        try:
            first = self._inbox.get(timeout=max(0.0, deadline - now))
        except queue.Empty:
            return []
        if first is None:
            return None
        batch = [first]
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return batch
            if item is None:
                self._inbox.put(None)  # stop after this batch
                return batch
            batch.append(item)

    def _handle(self, item: Any) -> list[Outgoing]:
        if isinstance(item, _Fail):
            raise RoleFailed(str(item.error)) from item.error
        if isinstance(item, Incoming):
            return self._guarded(lambda: self.on_message(item), item.topic)
        return self._guarded(item, "task")

    def _guarded(self, call: Callable[[], Messages | None], what: str) -> list[Outgoing]:
        try:
            return list(call() or ())
        except RoleFailed:
            raise
        except Exception:
            log.exception("the %s role failed on %s; carrying on", self.name, what)
            return []

    def _die(self, error: BaseException) -> None:
        self.failed = error
        log.critical("the %s role stopped: %s: %s", self.name, type(error).__name__, error,
                     exc_info=error)
        self.heartbeat = lambda loop: None
        self.runner.stop()


class _Fail:
    def __init__(self, error: BaseException) -> None:
        self.error = error
