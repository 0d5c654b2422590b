"""The MPD server: asyncio on a thread of its own, one coroutine per client.

It greets with ``OK MPD 0.23.0``, reads one command per line (UTF-8, at most ``LINE_LIMIT``
bytes; anything else closes the connection),
runs command lists and ``idle``/``noidle``, asks for the password when one is set, and closes
a client that says nothing for ``timeout`` seconds (unless it waits in ``idle``). The
speaker's announcements cross into the server's loop in one place, :meth:`MpdServer._cross`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booth.library.db import Database
from booth.mpd import commands
from booth.mpd.context import Context, Session
from booth.mpd.format import lines
from booth.mpd.library import Library
from booth.mpd.protocol import ERROR_ARG, ERROR_SYSTEM, ERROR_UNKNOWN, Ack, split
from booth.station.api import Controller, PlayerEvent

log = logging.getLogger(__name__)

GREETING = b"OK MPD 0.23.0\n"
LINE_LIMIT = 64 * 1024
"""Longest command line accepted; a longer one is answered with an ACK and the client closed."""
LIST_LIMIT = 4096
"""Most commands in one command list."""
MAX_CLIENTS = 100
"""Clients served at once (MPD's default); one more is closed at once."""
TIMEOUT = 60.0
"""Seconds a client may say nothing outside ``idle`` (MPD's default)."""
SUBSYSTEMS = ("database", "update", "stored_playlist", "playlist", "player", "mixer",
              "output", "options", "partition", "sticker", "subscription", "message",
              "neighbor", "mount")


class MpdRefused(ValueError):
    """The MPD settings are unsafe or malformed; the message says how to fix them."""


def parse_bind(text: str, password: str) -> tuple[str, int] | None:
    """``HOST:PORT`` (``[::1]:6600`` for IPv6) or ``off`` (None). A LAN address without a
    password is refused: anyone on the network could drive the speaker."""
    if text.strip().lower() == "off":
        return None
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise MpdRefused(f"mpd.bind wants HOST:PORT or off, not {text!r}")
    if not password and not _loopback(host):
        raise MpdRefused(f"the MPD server would listen on {text}, reachable from the network, "
                         "without a password: set mpd.password, or bind to 127.0.0.1")
    return host, int(port)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(eq=False)
class _Client:
    session: Session
    pending: set[str] = field(default_factory=set)
    """Subsystems changed since the client last heard of them (from ``idle``)."""
    waiting: set[str] | None = None
    """While in ``idle``: the subsystems it waits for."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    said: str | None = None
    """A line read while the client was in ``idle`` but answered after it."""


class MpdServer:
    """Serves the MPD protocol for one speaker. ``start()`` returns once it listens (or
    raises OSError, e.g. when the address is taken); ``stop()`` closes every client."""

    def __init__(self, speaker: Controller, db_path: Path, host: str, port: int, *,
                 password: str = "", rescan: Callable[[], None] | None = None,
                 timeout: float = TIMEOUT, max_clients: int = MAX_CLIENTS) -> None:
        self.speaker = speaker
        self.db_path = Path(db_path)
        self.host, self.port = host, port
        self.password = password
        self.rescan = rescan
        self.timeout = timeout
        self.max_clients = max_clients
        self.clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._context: Context | None = None
        self._last: dict[str, Any] = {}

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failed),
                                        name="booth-mpd", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            self._thread.join()
            raise failed[0]
        self.speaker.add_listener(_Listener(self))

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        self._thread = None

    def _run(self, ready: threading.Event, failed: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        db = Database(self.db_path)  # this thread's own connection
        self._context = Context(self.speaker, Library(db), rescan=self.rescan,
                                password=self.password, announce=self._announce,
                                run_blocking=self._run_blocking)
        try:
            self._server = loop.run_until_complete(asyncio.start_server(
                self._serve, self.host, self.port, limit=LINE_LIMIT, reuse_address=True))
        except OSError as err:
            failed.append(err)
            ready.set()
            loop.close()
            db.close()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._loop = loop
        self._notice()
        ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()
            db.close()

    # -- what the speaker announces ------------------------------------------------------------

    def _cross(self, call: Callable[[], None]) -> None:
        """The only way in from another thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(call)
            except RuntimeError:  # closed between the check and the call: we are stopping
                pass

    def _notice(self) -> None:
        """The speaker changed something: tell idle clients which subsystems."""
        context = self._context
        if context is None:
            return
        snap = context.snapshot()
        now = {"volume": snap.get("volume"), "state": snap.get("state"),
               "track": (snap.get("track") or {}).get("id")}
        changed = set()
        if now["volume"] != self._last.get("volume"):
            changed.add("mixer")
        if now["state"] != self._last.get("state") or now["track"] != self._last.get("track"):
            changed.add("player")
        if context.refresh_playlist():
            changed.add("playlist")
        self._last = now
        if changed:
            self._announce(changed)

    def _announce(self, subsystems: set[str]) -> None:
        for client in self.clients:
            client.pending |= subsystems
            if client.waiting is not None and client.pending & client.waiting:
                client.wake.set()

    def _run_blocking(self, work: Callable[[], None], then: Callable[[], None]) -> None:
        assert self._loop is not None
        future = self._loop.run_in_executor(None, work)

        def finished(done: asyncio.Future) -> None:
            if done.exception() is not None:
                log.error("MPD: %s failed: %s", getattr(work, "__name__", "a task"),
                          done.exception())
            then()
        future.add_done_callback(finished)

    # -- one client ----------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self.clients) >= self.max_clients:
            log.warning("MPD: %d clients already; closing a new one", len(self.clients))
            writer.close()
            return
        client = _Client(Session(authorized=not self.password))
        self.clients.add(client)
        try:
            writer.write(GREETING)
            await self._converse(client, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # gone, or the server stops
        finally:
            self.clients.discard(client)
            writer.close()

    async def _line(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    timeout: float | None) -> str | None:
        """The next line without its end, or None when the client is gone or must go."""
        try:
            async with asyncio.timeout(timeout):  # no task per line, unlike wait_for
                raw = await reader.readline()
        except TimeoutError:
            return None
        except (ValueError, asyncio.LimitOverrunError):  # longer than LINE_LIMIT
            writer.write(Ack(ERROR_ARG, "line too long").line())
            return None
        if not raw.endswith(b"\n"):
            return None  # end of file
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            return None  # not text: closed, as MPD does

    async def _converse(self, client: _Client, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        session = client.session
        while not session.closing:
            line, client.said = client.said, None
            if line is None:
                line = await self._line(reader, writer, self.timeout)
            if line is None:
                return
            if line in ("command_list_begin", "command_list_ok_begin"):
                batch = await self._command_list(reader, writer)
                if batch is None:
                    return
                writer.write(self._run_list(client, batch, line == "command_list_ok_begin"))
            elif line.split(" ", 1)[0] == "idle":
                if not await self._idle(client, line, reader, writer):
                    return
            elif line == "noidle":
                pass  # not idle: nothing to stop, and MPD says nothing either
            else:
                writer.write(self._run_list(client, [line], False))
            await writer.drain()

    async def _command_list(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> list[str] | None:
        batch: list[str] = []
        while True:
            line = await self._line(reader, writer, self.timeout)
            if line is None:
                return None
            if line == "command_list_end":
                return batch
            batch.append(line)
            if len(batch) > LIST_LIMIT:
                writer.write(Ack(ERROR_ARG, "command list too long").line())
                return None

    def _run_list(self, client: _Client, batch: list[str], list_ok: bool) -> bytes:
        assert self._context is not None
        out: list[bytes] = []
        for index, line in enumerate(batch):
            try:
                words = split(line)
                if words and words[0] in ("idle", "noidle") or not words:
                    raise Ack(ERROR_UNKNOWN, f'unknown command "{words[0] if words else ""}"')
                out += lines(commands.run(self._context, client.session, words))
            except Ack as ack:
                out.append(ack.line(index if len(batch) > 1 or list_ok else 0))
                return b"".join(out)
            except Exception as err:  # a bug must not take the server down
                log.exception("MPD: %r failed", line)
                out.append(Ack(ERROR_SYSTEM, f"{type(err).__name__}: {err}",
                               line.split(" ", 1)[0]).line(index))
                return b"".join(out)
            if client.session.closing:  # `close`: no answer, as in mpd
                return b"".join(out)
            if list_ok:
                out.append(b"list_OK\n")
        out.append(b"OK\n")
        return b"".join(out)

    async def _idle(self, client: _Client, line: str, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> bool:
        """``idle [SUBSYSTEM...]``: answer at the first change, or at ``noidle``. False: the
        client must go."""
        try:
            wanted = set(split(line)[1:]) or set(SUBSYSTEMS)
        except Ack as ack:
            writer.write(ack.line())
            return True
        unknown = sorted(wanted - set(SUBSYSTEMS))
        if unknown:
            writer.write(Ack(ERROR_ARG, f"Unrecognized idle event: {unknown[0]}", "idle").line())
            return True
        client.waiting = wanted
        client.wake.clear()
        reading = asyncio.ensure_future(self._line(reader, writer, None))
        try:
            if not client.pending & wanted:
                waking = asyncio.ensure_future(client.wake.wait())
                await asyncio.wait({reading, waking}, return_when=asyncio.FIRST_COMPLETED)
                waking.cancel()
            if reading.done():
                said = reading.result()
                if said != "noidle":  # anything else while idle: MPD closes the connection
                    return False
                reading = None
            if client.session.closing:
                return False
            news = client.pending & wanted
            client.pending -= news
            writer.write(b"".join(f"changed: {name}\n".encode() for name in sorted(news)))
            writer.write(b"OK\n")
            return True
        finally:
            client.waiting = None
            if reading is not None:
                await self._stop_reading(client, reading)

    @staticmethod
    async def _stop_reading(client: _Client, reading: asyncio.Future) -> None:
        """Stop the read begun in ``idle``; a line it completed meanwhile is kept for the
        conversation (a line not yet complete stays in the reader's buffer)."""
        reading.cancel()
        try:
            client.said = await reading
        except asyncio.CancelledError:
            pass


class _Listener:
    """The speaker's announcements (any thread, never blocking) cross into the server."""

    def __init__(self, server: MpdServer) -> None:
        self._server = server

    def state_changed(self) -> None:
        self._server._cross(self._server._notice)  # noqa: SLF001

    def event(self, event: PlayerEvent) -> None:
        self._server._cross(self._server._notice)  # noqa: SLF001
