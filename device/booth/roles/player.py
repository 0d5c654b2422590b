"""The `player` role: library, picker, DJ, mixer and output, driven over MQTT."""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from booth.config import Config
from booth.library.db import Database

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


@dataclass
class PlayerRole:
    """A running player role: speaker, MQTT service and maybe an embedded broker."""

    speaker: object
    service: object
    broker: object | None
    vocabulary: VocabularyKeeper | None = None

    def stop(self) -> None:
        if self.vocabulary is not None:
            self.vocabulary.stop()
        self.service.stop()
        self.speaker.stop()
        if self.broker is not None:
            self.broker.stop()


def start_player(config: Config, db: Database, output: str, voice: bool | str = True,
                 heartbeat=lambda: None) -> PlayerRole:
    """Open the output, start the music, connect to (or start) the broker.

    ``voice``: True or "local" loads Piper here; "remote" asks the `dj` role over MQTT;
    False or "none" runs without a DJ voice.
    """
    from booth.audio.outputs import open_output  # noqa: PLC0415
    from booth.mqtt.broker import ensure_broker  # noqa: PLC0415
    from booth.mqtt.service import PlayerService  # noqa: PLC0415
    from booth.station.player import Player  # noqa: PLC0415
    from booth.station.speaker import Speaker  # noqa: PLC0415

    picker = make_picker(config, db)
    sink = open_output(output, config.audio.sample_rate, config.audio.buffer_seconds)
    if config.listen.reference == "socket":
        from booth.listen.reference import TapSink  # noqa: PLC0415
        sink = TapSink(sink, config.audio.sample_rate)  # the echo canceller's reference
    host, port, broker = ensure_broker(config.mqtt)
    dj = None  # the DJ also speaks `say`, whatever dj.talk is
    if voice == "remote":
        from booth.dj.remote import RemoteVoice  # noqa: PLC0415
        from booth.mqtt.runner import Connection  # noqa: PLC0415
        remote = RemoteVoice(Connection.from_config(config.mqtt, host=host, port=port),
                             config.mqtt.site, config.audio.sample_rate)
        dj = make_dj(config, db, voice=remote)
    elif voice and voice != "none":
        dj = make_dj(config, db)
    player = Player(config, db, picker, sink, dj=dj, heartbeat=heartbeat)
    speaker = Speaker(player, dj)
    service = PlayerService(replace(config.mqtt, host=host, port=port), speaker)
    keeper = VocabularyKeeper(db.path, service)
    speaker.start()
    service.start()
    keeper.start()
    return PlayerRole(speaker, service, broker, keeper)

