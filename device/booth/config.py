"""Settings: frozen dataclasses loaded once from TOML files, overridden by the command line.

Files are read in order, later ones overriding earlier ones: ``/etc/booth/booth.toml``,
``~/.config/booth/booth.toml``, then ``--config PATH``. Each table of the file matches a
dataclass below (``[audio]``, ``[library]``, ...); unknown keys are an error that names them.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

SYSTEM_CONFIG = Path("/etc/booth/booth.toml")
USER_CONFIG = Path(platformdirs.user_config_dir("booth")) / "booth.toml"

DEBIAN_MUSIC = (
    "/usr/share/games/singularity/music",
    "/usr/share/hyperrogue/music",
    "/usr/share/games/asc/music",
)


from booth.buttons.config import ButtonsConfig
from booth.errors import ConfigError
from booth.listen.settings import ListenSettings

__all__ = ["ButtonsConfig", "Config", "ConfigError", "ListenSettings", "load", "merge",
           "state_dir"]


@dataclass(frozen=True)
class LibraryConfig:
    """Where the music is and what the DJ may pick."""

    music_dirs: tuple[str, ...] = ("~/Music",)
    """Folders scanned by `booth run`; when all are empty, Debian's free game music is used."""
    min_track_seconds: float = 30.0
    """Shorter files (jingles, effects) are indexed but never picked unless asked for."""


@dataclass(frozen=True)
class AudioConfig:
    """The player and mixer."""

    output: str = "device"
    """`device`, `device:NAME`, `file:PATH`, `snapcast:FIFO` or `null`."""
    sample_rate: int = 48000
    """The one internal and output sample rate (Hz); every track is resampled to it."""
    block_frames: int = 8192
    """Frames mixed per block; larger costs less CPU and adds latency."""
    buffer_seconds: float = 0.3
    """Audio mixed ahead of the device; the callback only copies from this buffer."""
    loudness_target: float = -17.0
    """Every track is normalised to this integrated loudness (LUFS)."""
    true_peak_limit: float = -1.0
    """The limiter keeps the output's true peak at or below this (dBTP)."""
    crossfade_seconds: float = 4.0
    """Overlap between tracks at their cue points; tracks of one album play gapless."""
    duck_db: float = -12.0
    """How far the music dips under a voice (dB)."""
    duck_attack: float = 0.08
    """Seconds for the music to dip when a voice starts."""
    duck_hold: float = 0.25
    """Seconds the dip is held after the voice stops."""
    duck_release: float = 0.8
    """Seconds for the music to come back up."""
    volume: int = 7
    """Start-up volume, 0–10 (10 is full scale, 0 is silent)."""


@dataclass(frozen=True)
class DJConfig:
    """The DJ's voice and manner."""

    voice: str = ""
    """Path to a Piper voice (.onnx with its .onnx.json); empty: the bundled `joe` voice."""
    talk: str = "normal"
    """How often the DJ talks: `off`, `less`, `normal` or `more`."""
    words_per_second: float = 3.0
    """Speaking pace used to fit a link into an intro."""
    max_link_seconds: float = 10.0
    """A link never runs longer than this."""
    lookahead_seconds: float = 30.0
    """How long before a transition the next pick and its link are prepared."""


@dataclass(frozen=True)
class MqttConfig:
    """The MQTT broker all roles talk through."""

    host: str = ""
    """Broker host; empty means localhost, or an embedded broker when none answers there."""
    port: int = 1883
    """Broker port."""
    username: str = ""
    """User name for the broker, if it asks for one."""
    password: str = ""
    """Password for the broker."""
    tls: bool = False
    """Connect with TLS."""
    ca_certs: str = ""
    """CA bundle for TLS; empty uses the system's."""
    certfile: str = ""
    """Client certificate for TLS, if the broker wants one."""
    keyfile: str = ""
    """Key of the client certificate."""
    site: str = "default"
    """This speaker's Hermes siteId and the `<site>` in `booth/<site>/...` topics."""
    satellites: tuple[str, ...] = ()
    """Other siteIds whose intents this speaker acts on (microphones in other rooms)."""
    dialogue: str = "booth"
    """Who runs voice sessions: `booth` (wake → intent → act → spoken answer, built in) or
    `external` (a Hermes dialogue manager such as Rhasspy's: the listener reports the wake
    word, listens on `asr/startListening`, answers `nlu/query`; answers go out as
    `endSession`)."""


@dataclass(frozen=True)
class MpdConfig:
    """The MPD protocol server of the player role (Home Assistant, mpc, ncmpcpp, Cantata)."""

    bind: str = "127.0.0.1:6600"
    """`HOST:PORT` to serve MPD on, or `off`; an address reachable from the network needs `mpd.password`."""
    password: str = ""
    """What MPD clients must send (`password`) before any other command; empty: none asked."""


@dataclass(frozen=True)
class Config:
    """Everything Booth is configured with."""

    db: str = ""
    """The library database; empty: `booth.db` in the state directory."""
    library: LibraryConfig = field(default_factory=LibraryConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    dj: DJConfig = field(default_factory=DJConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    buttons: ButtonsConfig = field(default_factory=ButtonsConfig)
    listen: ListenSettings = field(default_factory=ListenSettings)
    mpd: MpdConfig = field(default_factory=MpdConfig)

    def db_path(self) -> Path:
        """The database file, in the state directory unless configured."""
        if self.db:
            return Path(self.db).expanduser()
        return state_dir() / "booth.db"


def state_dir() -> Path:
    """Where Booth writes at run time: `$STATE_DIRECTORY` under systemd, else XDG state."""
    configured = os.environ.get("STATE_DIRECTORY")
    path = Path(configured.split(":")[0]) if configured else Path(platformdirs.user_state_dir("booth"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _coerce(cls: type, table: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in table.items():
        default = getattr(cls(), name)
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.{name}: expected a table")
            values[name] = _coerce(type(default), value, f"{where}.{name}")
        elif isinstance(default, tuple):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                raise ConfigError(f"{where}.{name}: expected a list")
            values[name] = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}.{name}: expected true or false, got {value!r}")
            values[name] = value
        elif isinstance(default, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}.{name}: expected a number, got {value!r}")
            values[name] = type(default)(value)
        else:
            if not isinstance(value, str):
                raise ConfigError(f"{where}.{name}: expected a string, got {value!r}")
            values[name] = value
    return values


def merge(config: Config, table: dict[str, Any], where: str) -> Config:
    """Return ``config`` with the settings of a parsed TOML table applied."""
    values = _coerce(Config, table, where)
    for name, value in list(values.items()):
        if isinstance(value, dict):
            values[name] = replace(getattr(config, name), **value)
    return replace(config, **values)


def load(extra: str | os.PathLike[str] | None = None) -> Config:
    """Read the system file, the user file and ``extra`` (if given), in that order."""
    config = Config()
    paths = [SYSTEM_CONFIG, USER_CONFIG] + ([Path(extra)] if extra else [])
    for path in paths:
        if not path.exists():
            if path == Path(extra or ""):
                raise ConfigError(f"{path}: no such configuration file")
            continue
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: {err}") from err
        config = merge(config, table, str(path))
    return config


def _toml(value: Any) -> str:
    import json

    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)


def settings_table() -> list[tuple[str, str, str]]:
    """(key, default, description) for every setting: the README's configuration table."""
    import ast
    import inspect

    def docs(cls: type) -> dict[str, str]:
        tree = ast.parse(inspect.getsource(cls))
        body = tree.body[0].body  # type: ignore[attr-defined]
        out = {}
        for node, nxt in zip(body, body[1:]):
            if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr):
                out[node.target.id] = " ".join(nxt.value.value.split())  # type: ignore[union-attr]
        return out

    rows = []
    for f in fields(Config):
        default = getattr(Config(), f.name)
        if dataclasses.is_dataclass(default):
            d = docs(type(default))
            for sub in fields(default):
                rows.append((f"{f.name}.{sub.name}", _toml(getattr(default, sub.name)),
                             d.get(sub.name, "")))
        else:
            rows.append((f.name, _toml(default), docs(Config).get(f.name, "")))
    return rows
