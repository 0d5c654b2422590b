"""Shared fixtures: the Debian test music is scanned once per run, a mixtape rendered once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lab.mosquitto import MOSQUITTO, Mosquitto, Watcher

from booth.config import DEBIAN_MUSIC, Config, merge
from booth.library.db import Database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _isolated_state(tmp_path_factory):
    """Booth never writes into the developer's real state or config while testing."""
    home = tmp_path_factory.mktemp("home")
    os.environ["XDG_STATE_HOME"] = str(home / "state")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ.pop("STATE_DIRECTORY", None)
    yield


@pytest.fixture(scope="session")
def music_dirs() -> list[str]:
    dirs = [d for d in DEBIAN_MUSIC if Path(d).is_dir()]
    if len(dirs) < 3:
        pytest.fail("the Debian test music is missing: run tools/test (it installs "
                    "singularity-music, hyperrogue-music and asc-music)")
    return dirs


@dataclass(frozen=True)
class ScannedLibrary:
    path: Path
    report: dict

    def open(self) -> Database:
        return Database(self.path)


@pytest.fixture(scope="session")
def library(tmp_path_factory, music_dirs) -> ScannedLibrary:
    """The real test music, scanned once for the whole run (read-only for tests)."""
    from booth.library.scan import scan

    path = tmp_path_factory.mktemp("library") / "booth.db"
    db = Database(path)
    report = scan(db, music_dirs, progress=False)
    db.close()
    return ScannedLibrary(path, report.as_json())


@pytest.fixture()
def library_copy(library, tmp_path) -> Database:
    """A private copy of the scanned library that a test may change."""
    src = library.open()
    dst = tmp_path / "booth.db"
    src.conn.execute("VACUUM INTO ?", (str(dst),))
    src.close()
    return Database(dst)


def config_with(**tables) -> Config:
    """A Config with some settings changed, as a TOML file would."""
    return merge(Config(), tables, "test")


@dataclass(frozen=True)
class Mixtape:
    out: Path
    stems: Path
    report: dict


def _render_mixtape(library, where: Path, *extra: str) -> Mixtape:
    from booth.cli import main

    rc = main(["mixtape", "--db", str(library.path), "--minutes", "12", "--seed", "7",
               "--out", str(where / "mix.wav"), "--report", str(where / "report.json"),
               "--stems", str(where / "stems"), *extra])
    assert rc == 0
    return Mixtape(where / "mix.wav", where / "stems",
                   json.loads((where / "report.json").read_text()))


@pytest.fixture(scope="session")
def mixtape(library, tmp_path_factory) -> Mixtape:
    """A 12-minute mixtape of the real library without the DJ, rendered once per run."""
    return _render_mixtape(library, tmp_path_factory.mktemp("mixtape"), "--no-voice")


@pytest.fixture(scope="session")
def voiced_mixtape(library, tmp_path_factory) -> Mixtape:
    """The same session (same seed) with the DJ talking in the joe voice."""
    return _render_mixtape(library, tmp_path_factory.mktemp("voiced"))


@pytest.fixture(scope="session")
def joe():
    """The real Piper voice, loaded once."""
    from booth.dj.voice import Voice

    return Voice.load(None, 48000)




# -- Mosquitto ------------------------------------------------------------------------------------

def _need_mosquitto() -> None:
    if not os.path.exists(MOSQUITTO):
        pytest.fail("mosquitto is missing: tools/test installs it (apt install mosquitto)")


@pytest.fixture(scope="session")
def mosquitto_broker() -> Iterator[Mosquitto]:
    """A Mosquitto broker shared by the whole test session."""
    _need_mosquitto()
    with tempfile.TemporaryDirectory(prefix="booth-mosquitto-") as directory:
        broker = Mosquitto(Path(directory)).start()
        yield broker
        broker.stop()


@pytest.fixture
def private_mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto broker for one test, which it may stop, restart or kill."""
    _need_mosquitto()
    broker = Mosquitto(tmp_path / "mosquitto").start()
    yield broker
    broker.stop()


@pytest.fixture
def mqtt_watcher(mosquitto_broker: Mosquitto) -> Iterator[Callable[..., Watcher]]:
    """``mqtt_watcher(*topics, broker=None)``: a connected :class:`Watcher`, closed afterwards."""
    watchers: list[Watcher] = []

    def make(*topics: str, broker: Mosquitto | None = None, **client_args: Any) -> Watcher:
        broker = broker or mosquitto_broker
        watcher = Watcher(broker.host, broker.port, topics or ("#",), **client_args)
        watchers.append(watcher)
        return watcher

    yield make
    for watcher in watchers:
        watcher.close()


# -- PulseAudio -----------------------------------------------------------------------------------

@pytest.fixture()
def pulse_null_sink(tmp_path, monkeypatch):
    """A private PulseAudio server whose only sink is a null sink we can record from."""
    if shutil.which("pulseaudio") is None:
        pytest.fail("pulseaudio is missing: tools/test installs it")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}
    subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n",
                    "--load=module-null-sink sink_name=booth_test",
                    "--load=module-native-protocol-unix", "--log-target=stderr"],
                   env=env, check=True, capture_output=True, timeout=30)
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("HOME", str(tmp_path))
    yield env
    subprocess.run(["pulseaudio", "-k"], env=env, capture_output=True, timeout=30)
