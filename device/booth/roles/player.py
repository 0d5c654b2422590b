"""The `player` role: library, picker, DJ, mixer and output, driven over MQTT.

:class:`PlayerService` is the role's loop: it connects the speaker (the station's
:class:`~booth.station.api.Controller`) to MQTT through the frontend's handler
(:class:`~booth.mqtt.handler.PlayerHandler`): ``booth/<site>/...``, Hermes and Home Assistant.
Everything that arrives from another thread (paho's network thread, the player's listener
calls, speech that finished playing) crosses into the loop in one place, ``cross()``.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from booth.config import Config, MqttConfig
from booth.library.db import Database
from booth.mqtt.handler import IntentParser, PlayerHandler
from booth.mqtt.messages import Incoming, Outgoing
from booth.mqtt.runner import Connection
from booth.roles.base import Messages, Role, RoleOptions
from booth.station.api import Controller, PlayerEvent

log = logging.getLogger(__name__)


def make_picker(config: Config, db: Database, seed: int | None = None):
    """The recommender (the ONNX model in models/); the plain shuffle if it is missing."""
    from booth.recommender.model import ModelMissing  # noqa: PLC0415
    from booth.recommender.recommender import Recommender  # noqa: PLC0415

    if not db.tracks():
        raise SystemExit("booth: the library is empty — run `booth scan DIR` first "
                         f"(database {db.path})")
    try:
        return Recommender.open(db, config, seed=seed)
    except ModelMissing as err:
        from booth.station.picker import ShufflePicker  # noqa: PLC0415
        log.warning("%s; shuffling instead", err)
        return ShufflePicker(db.tracks(), seed=seed, min_seconds=config.library.min_track_seconds)


def dry_run_copy(config: Config, db: Database, where: Path):
    """A copy of the database and learned taste: a mixtape reads history, records nothing."""
    from booth.recommender.recommender import Recommender, default_state_path  # noqa: PLC0415

    copy = db.copy_to(where / "booth.db")
    taste = default_state_path(db)
    private_taste = where / "recommender.npz"
    if taste.exists():
        shutil.copy(taste, private_taste)
    return copy, lambda seed: Recommender.open(copy, config, seed=seed,
                                               state_path=private_taste)


def load_voice(config: Config):
    """The Piper voice named by dj.voice (default: the bundled joe voice)."""
    from booth.dj.voice import Voice  # noqa: PLC0415

    return Voice.load(config.dj.voice or None, config.audio.sample_rate)


def make_dj(config: Config, db: Database, seed: int | None = None, voice=None):
    from booth.dj.host import DJHost  # noqa: PLC0415

    return DJHost(config, db, voice or load_voice(config), seed=seed)


class VocabularyKeeper:
    """Rebuilds and republishes the vocabulary when the library changes (a `booth scan`
    from another process, say), checking every few seconds."""

    def __init__(self, db_path: Path, service, every: float = 5.0):
        from booth.intents import IntentParser, Vocabulary  # noqa: PLC0415

        self._db = Database(db_path)  # its own connection: it runs in its own thread
        self._service = service
        self._every = every
        self._make = lambda tracks: Vocabulary.from_tracks(tracks)
        self._parser = IntentParser
        self.digest: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="booth-vocabulary", daemon=True)

    def refresh(self) -> bool:
        """Publish the vocabulary if it changed; True when it did."""
        vocabulary = self._make(self._db.tracks())
        if vocabulary.digest == self.digest:
            return False
        self.digest = vocabulary.digest
        self._service.set_vocabulary(vocabulary.to_json(), self._parser(vocabulary))
        log.info("vocabulary published (%s)", vocabulary.digest)
        return True

    def start(self) -> None:
        self.refresh()
        self._thread.start()

    def _loop(self) -> None:
        version = None
        while not self._stop.wait(self._every):
            now = self._db.conn.execute("PRAGMA data_version").fetchone()[0]
            if now != version:
                version = now
                try:
                    self.refresh()
                except Exception:  # a half-written library: try again next time
                    log.exception("could not rebuild the vocabulary")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._db.close()


class PlayerService(Role):
    """The player's MQTT side. ``start()`` returns at once; ``stop()`` says ``offline`` and
    disconnects."""

    name = "player"

    def __init__(
        self,
        config: MqttConfig,
        controller: Controller,
        parser: IntentParser | None = None,
        *,
        connection: Connection | None = None,
        client_id: str | None = None,
        state_interval: float = 5.0,
    ) -> None:
        """``state_interval``: how often the state (its position) is republished while
        playing."""
        self.handler = PlayerHandler(
            config.site, controller, parser, satellites=config.satellites,
            dialogue=config.dialogue, later=lambda messages: self.cross(lambda: messages),
        )
        self.state_interval = state_interval
        self._next_state = 0.0
        super().__init__(config, connection=connection, client_id=client_id)
        controller.add_listener(_Announcer(self))

    def subscriptions(self) -> list[str]:
        return self.handler.subscriptions()

    def set_vocabulary(self, vocabulary: str | Mapping[str, Any],
                       parser: IntentParser | None = None) -> None:
        """Publish the library's vocabulary (``Vocabulary.to_json()``, retained) and use
        ``parser`` for requests from now on. Safe from any thread."""
        self.cross(lambda: self.handler.set_vocabulary(vocabulary, parser))

    def call_soon(self, task: Callable[[], list[Outgoing]]) -> None:
        """Run ``task`` on the service's thread and publish what it returns. Any thread."""
        self.cross(task)

    # -- the loop thread ----------------------------------------------------------------------

    def on_start(self) -> Messages:
        self._next_state = time.monotonic() + self.state_interval
        return self.handler.startup()

    def on_message(self, message: Incoming) -> Messages:
        return self.handler.handle(message)

    def next_deadline(self) -> float | None:
        return self._next_state

    def on_tick(self) -> Messages:
        if time.monotonic() < self._next_state:
            return self.handler.state()
        self._next_state = time.monotonic() + self.state_interval
        return self.handler.state(force=True)


class _Announcer:
    """The player's way to announce changes: each call crosses into the loop, never blocks."""

    def __init__(self, service: PlayerService) -> None:
        self._service = service

    def state_changed(self) -> None:
        handler = self._service.handler
        self._service.cross(lambda: handler.state(force=True))

    def event(self, event: PlayerEvent) -> None:
        handler = self._service.handler
        self._service.cross(lambda: handler.event(event))


@dataclass
class PlayerRole:
    """A running player role: speaker, MQTT service and maybe an embedded broker."""

    speaker: Any
    service: PlayerService
    broker: Any | None
    vocabulary: VocabularyKeeper | None = None
    mpd: Any | None = None
    """The MPD server (None: off, or its address was taken)."""
    name = "player"
    loops = ("player", "audio")
    """The service's loop and the audio loop (the player's render thread)."""

    @property
    def failed(self) -> BaseException | None:
        return self.service.failed

    def start(self) -> None:
        """Started by :func:`start_player`; here for :func:`booth.roles.serve.serve`."""

    def set_heartbeat(self, beat: Callable[[str], None]) -> None:
        self.service.set_heartbeat(beat)
        self.speaker.player.heartbeat = lambda: beat("audio")

    def stop(self) -> None:
        if self.mpd is not None:
            self.mpd.stop()
        if self.vocabulary is not None:
            self.vocabulary.stop()
        self.service.stop()
        self.speaker.stop()
        if self.broker is not None:
            self.broker.stop()


def start_player(config: Config, db: Database, output: str,
                 voice: bool | str = True) -> PlayerRole:
    """Open the output, start the music, connect to (or start) the broker.

    ``voice``: True or "local" loads Piper here; "remote" asks the `dj` role over MQTT;
    False or "none" runs without a DJ voice.
    """
    from booth.audio.outputs import open_output  # noqa: PLC0415
    from booth.mqtt.broker import ensure_broker  # noqa: PLC0415
    from booth.station.player import Player  # noqa: PLC0415
    from booth.station.speaker import Speaker  # noqa: PLC0415

    mpd_address = mpd_bind(config)  # a refusal comes before anything starts
    picker = make_picker(config, db)
    sink = open_output(output, config.audio.sample_rate, config.audio.buffer_seconds)
    if config.listen.reference == "socket":
        from booth.listen.reference import TapSink  # noqa: PLC0415
        sink = TapSink(sink, config.audio.sample_rate)  # the echo canceller's reference
    host, port, broker = ensure_broker(config.mqtt)
    dj = None  # the DJ also speaks `say`, whatever dj.talk is
    if voice == "remote":
        from booth.mqtt.voice import RemoteVoice  # noqa: PLC0415
        from booth.mqtt.runner import Connection  # noqa: PLC0415
        remote = RemoteVoice(Connection.from_config(config.mqtt, host=host, port=port),
                             config.mqtt.site, config.audio.sample_rate)
        dj = make_dj(config, db, voice=remote)
    elif voice and voice != "none":
        dj = make_dj(config, db)
    player = Player(config, db, picker, sink, dj=dj)
    speaker = Speaker(player, dj)
    service = PlayerService(replace(config.mqtt, host=host, port=port), speaker)
    keeper = VocabularyKeeper(db.path, service)
    speaker.start()
    service.start()
    keeper.start()
    mpd = start_mpd(config, db, speaker, mpd_address)
    return PlayerRole(speaker, service, broker, keeper, mpd)


def mpd_bind(config: Config) -> tuple[str, int] | None:
    """Where to serve MPD (None: off); an unsafe setting stops Booth with the fix."""
    from booth.mpd.server import MpdRefused, parse_bind  # noqa: PLC0415

    try:
        return parse_bind(config.mpd.bind, config.mpd.password)
    except MpdRefused as err:
        raise SystemExit(f"booth: {err}") from err


def start_mpd(config: Config, db: Database, speaker, address: tuple[str, int] | None):
    """The MPD server on its own thread; None when off or when its address is taken (the
    music plays on without it)."""
    from booth.library.folders import default_music_dirs  # noqa: PLC0415
    from booth.library.scan import scan  # noqa: PLC0415
    from booth.mpd.server import MpdServer  # noqa: PLC0415

    if address is None:
        return None

    def rescan() -> None:
        library = Database(db.path)  # the scan's own connection, on the scan's thread
        try:
            scan(library, default_music_dirs(config), progress=False)
        finally:
            library.close()

    server = MpdServer(speaker, db.path, *address, password=config.mpd.password,
                       rescan=rescan)
    try:
        server.start()
    except OSError as err:
        log.warning("MPD server not started: %s:%d is taken (%s); playing on without it",
                    *address, err.strerror or err)
        return None
    log.info("MPD server on %s:%d", server.host, server.port)
    return server



def create(config: Config, options: RoleOptions) -> PlayerRole:
    """`booth serve player`: scans the music folders (incrementally), then plays."""
    from booth.library.folders import default_music_dirs  # noqa: PLC0415
    from booth.library.scan import scan  # noqa: PLC0415

    db = Database(config.db_path())
    dirs = default_music_dirs(config)
    if dirs:
        log.info("scanning %s", ", ".join(dirs))
        scan(db, dirs, progress=False)
    return start_player(config, db, options.output or config.audio.output, voice=options.voice)
