"""tools/install-pi into a scratch root (--root): idempotent, the right files, a Mosquitto
password that works, valid ALSA configuration, a satellite, and the way back out."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import subprocess
import tomllib
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import ROOT
from lab.mosquitto import MOSQUITTO, Mosquitto

INSTALL = ROOT / "tools" / "install-pi"
ROLES = ("player", "dj", "listen", "buttons")


def install(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(INSTALL), "--root", str(root), *args], capture_output=True, check=False,
                            text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def snapshot(root: Path) -> dict[str, tuple[str, str]]:
    """Every path under ``root``: its mode and, for files, a hash of its content."""
    out = {}
    for path in sorted(root.rglob("*")):
        mode = oct(path.stat().st_mode)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[str(path.relative_to(root))] = (mode, digest)
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, str]:
    """A speaker installed once into a scratch root, and what the installer printed."""
    root = tmp_path_factory.mktemp("pi")
    return root, install(root, "--speaker-card", "seeed2micvoicec", "--mic-card", "Device").stdout


def test_installing_again_changes_nothing(installed) -> None:
    root, _ = installed
    before = snapshot(root)
    again = install(root, "--speaker-card", "seeed2micvoicec", "--mic-card", "Device").stdout
    assert snapshot(root) == before
    assert not [line for line in again.splitlines() if line.startswith(("wrote", "copied"))]


def test_under_root_system_commands_are_printed_not_run(installed) -> None:
    root, out = installed
    would = [line.removeprefix("would run: ") for line in out.splitlines()
             if line.startswith("would run: ")]
    assert any("apt-get install" in cmd and "mosquitto" in cmd for cmd in would)
    assert "systemd-sysusers /etc/sysusers.d/booth.conf" in would
    assert ("systemctl enable booth.target " + " ".join(f"booth-{r}.service" for r in ROLES)) in would
    assert any("pip install -q -e /opt/booth/src" in cmd for cmd in would)
    assert not (root / "opt/booth/venv").exists(), "a venv was built under --root"


def test_the_units_the_user_and_the_source_are_installed(installed) -> None:
    root, _ = installed
    system = root / "etc/systemd/system"
    for role in ROLES:
        unit = (system / f"booth-{role}.service").read_text()
        assert unit == (ROOT / f"systemd/booth-{role}.service").read_text()
        assert f"ExecStart=/opt/booth/venv/bin/booth serve {role}\n" in unit
    assert (system / "booth.target").exists()
    assert "u booth" in (root / "etc/sysusers.d/booth.conf").read_text()
    assert (root / "opt/booth/src/device/booth/roles/buttons.py").exists()
    assert not (root / "opt/booth/src/.venv").exists() and not (root / "opt/booth/src/.git").exists()
    wrapper = (root / "usr/local/bin/booth").read_text()
    assert "STATE_DIRECTORY=/var/lib/booth" in wrapper and "/opt/booth/venv/bin/booth" in wrapper
    assert (root / "var/lib/booth/music").is_dir()


def test_another_prefix_moves_the_venv_the_units_run(tmp_path) -> None:
    out = install(tmp_path, "--prefix", "/srv/booth", "--roles", "player").stdout
    unit = (tmp_path / "etc/systemd/system/booth-player.service").read_text()
    assert "ExecStart=/srv/booth/venv/bin/booth serve player\n" in unit
    assert "/opt/booth" not in unit
    assert "systemctl enable booth.target booth-player.service\n" in out
    assert "disable --now booth-buttons.service booth-dj.service booth-listen.service" in out


def test_the_generated_password_opens_the_installed_mosquitto_and_nothing_else_does(
        installed, tmp_path) -> None:
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is missing: tools/test installs it (apt install mosquitto)")
    root, _ = installed
    settings = tomllib.loads((root / "etc/booth/booth.toml").read_text())
    password = settings["mqtt"]["password"]
    assert len(password) >= 24 and settings["mqtt"]["username"] == "booth"
    assert oct((root / "etc/booth/booth.toml").stat().st_mode)[-3:] == "640"
    conf = (root / "etc/mosquitto/conf.d/booth.conf").read_text()
    conf = conf.replace("listener 1883", "listener {port}").replace(
        "/etc/mosquitto", str(root / "etc/mosquitto"))
    broker = Mosquitto(tmp_path, config=conf).start()
    try:
        assert connect(broker, "booth", password) == 0
        assert connect(broker, "booth", password + "x") != 0
        assert connect(broker, None, None) != 0
    finally:
        broker.stop()


def connect(broker: Mosquitto, user: str | None, password: str | None) -> int:
    """The CONNACK reason code (0: accepted)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    if user:
        client.username_pw_set(user, password)
    codes: list[int] = []
    client.on_connect = lambda c, u, f, reason, p: codes.append(reason.value)
    client.connect(broker.host, broker.port)
    for _ in range(50):
        client.loop(0.1)
        if codes:
            break
    client.disconnect()
    assert codes, "no answer from the broker"
    return codes[0]


def _alsa_setting(path: Path, key: str) -> str:
    """Load an ALSA configuration file with alsa-lib itself and read one string from it."""
    name = ctypes.util.find_library("asound")
    if name is None:
        pytest.fail("alsa-lib is missing: tools/test installs it (apt install libasound2)")
    lib = ctypes.CDLL(name)
    config, stream, node = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.snd_config_top(ctypes.byref(config)) == 0
    assert lib.snd_input_stdio_open(ctypes.byref(stream), str(path).encode(), b"r") == 0
    try:
        assert lib.snd_config_load(config, stream) == 0, f"{path} is not valid ALSA configuration"
    finally:
        lib.snd_input_close(stream)
    try:
        assert lib.snd_config_search(config, key.encode(), ctypes.byref(node)) == 0, key
        value = ctypes.c_char_p()
        assert lib.snd_config_get_string(node, ctypes.byref(value)) == 0, key
        return value.value.decode()
    finally:
        lib.snd_config_delete(config)


def test_asound_conf_shares_the_speaker_and_the_microphone_through_dmix_and_dsnoop(installed) -> None:
    root, _ = installed
    conf = root / "etc/asound.conf"
    assert _alsa_setting(conf, "pcm.booth_dmix.type") == "dmix"
    assert _alsa_setting(conf, "pcm.booth_dmix.slave.pcm") == "hw:seeed2micvoicec"
    assert _alsa_setting(conf, "pcm.booth_dsnoop.type") == "dsnoop"
    assert _alsa_setting(conf, "pcm.booth_dsnoop.slave.pcm") == "hw:Device"
    assert _alsa_setting(conf, "pcm.booth_dsnoop.ipc_gid") == "audio"


def test_an_asound_conf_of_ones_own_is_kept(tmp_path) -> None:
    own = "pcm.!default { type hw card 1 }\n"
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/asound.conf").write_text(own)
    result = install(tmp_path, "--roles", "player")
    assert (tmp_path / "etc/asound.conf").read_text() == own
    assert "kept your /etc/asound.conf" in result.stderr


def test_a_satellite_runs_the_listener_and_buttons_against_the_speakers_broker(tmp_path) -> None:
    out = install(tmp_path, "--satellite", "booth.local", "--site", "kitchen").stdout
    settings = tomllib.loads((tmp_path / "etc/booth/booth.toml").read_text())
    assert settings["mqtt"]["host"] == "booth.local" and settings["mqtt"]["site"] == "kitchen"
    assert settings["mqtt"]["tls"] is True
    assert not (tmp_path / "etc/mosquitto").exists(), "a satellite got a broker of its own"
    assert "systemctl enable booth.target booth-listen.service booth-buttons.service" in out
    assert "disable --now booth-dj.service booth-player.service" in out
    assert "restart mosquitto" not in out


def test_uninstall_removes_booth_but_keeps_the_library_and_settings_unless_purged(tmp_path) -> None:
    install(tmp_path)
    (tmp_path / "var/lib/booth/booth.db").write_text("history")
    out = install(tmp_path, "--uninstall").stdout
    assert "systemctl disable --now booth.target" in out
    assert not list((tmp_path / "etc/systemd/system").glob("booth*"))
    assert not (tmp_path / "opt/booth").exists() and not (tmp_path / "etc/asound.conf").exists()
    assert not (tmp_path / "etc/mosquitto/conf.d/booth.conf").exists()
    assert (tmp_path / "var/lib/booth/booth.db").read_text() == "history"
    assert (tmp_path / "etc/booth/booth.toml").exists()
    install(tmp_path, "--uninstall", "--purge")
    assert not (tmp_path / "var/lib/booth").exists() and not (tmp_path / "etc/booth").exists()


def test_bad_options_are_refused_with_what_was_wrong(tmp_path) -> None:
    result = install(tmp_path, "--roles", "player,radio", check=False)
    assert result.returncode == 2 and "unknown role 'radio'" in result.stderr
    result = install(tmp_path, "--site", "living room", check=False)
    assert result.returncode == 2 and "--site 'living room'" in result.stderr
    result = install(tmp_path, "--speaker-card", "hw:0; rm -rf /", check=False)
    assert result.returncode == 2 and "not an ALSA card name" in result.stderr
