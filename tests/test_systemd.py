"""The systemd units (checked by systemd-analyze) and the notification protocol (against a
fake NOTIFY_SOCKET): readiness, stopping, and a watchdog fed only while every loop runs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from booth.systemd_notify import Notifier, Watchdog, watchdog_interval

from tests.conftest import ROOT
from lab.mosquitto import unique_site, wait_until

UNITS = ROOT / "systemd"
ROLES = ("player", "dj", "listen", "buttons")


def unit_files() -> list[Path]:
    return [UNITS / f"booth-{role}.service" for role in ROLES] + [UNITS / "booth.target"]


def settings(path: Path) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit file (a key may repeat)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def systemd_analyze() -> str:
    """The path of systemd-analyze; fails with the fix when it is missing."""
    program = shutil.which("systemd-analyze")
    if program is None:
        pytest.fail("systemd-analyze is missing: tools/test installs it (apt install systemd)")
    return program


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The units as installed, with ExecStart pointing at a program that exists here."""
    where = tmp_path_factory.mktemp("units")
    for path in unit_files():
        text = path.read_text().replace("/opt/booth/venv/bin/booth", shutil.which("true") or "/bin/true")
        (where / path.name).write_text(text)
    return where


# -- the units --------------------------------------------------------------------------------

def test_every_role_has_a_notify_unit_run_as_booth_with_a_watchdog_and_restart_limit() -> None:
    for role in ROLES:
        unit = settings(UNITS / f"booth-{role}.service")
        assert unit["ExecStart"] == [f"/opt/booth/venv/bin/booth serve {role}"]
        assert unit["Type"] == ["notify"] and int(unit["WatchdogSec"][0]) > 0
        assert unit["Restart"] == ["on-failure"] and int(unit["StartLimitBurst"][0]) > 0
        assert unit["User"] == ["booth"] and unit["StateDirectory"] == ["booth"]
        assert unit["PartOf"] == ["booth.target"] and unit["WantedBy"] == ["booth.target"]
        assert {"mosquitto.service", "sound.target"} <= set(unit["After"][0].split())
        assert unit["ProtectSystem"] == ["strict"] and unit["NoNewPrivileges"] == ["yes"]
        assert unit["PrivateTmp"] == ["yes"] and unit["IPAddressDeny"] == ["any"]
        assert "localhost" in unit["IPAddressAllow"][0]
    groups = {role: settings(UNITS / f"booth-{role}.service").get("SupplementaryGroups", [""])[0]
              for role in ROLES}
    assert groups == {"player": "audio", "dj": "", "listen": "audio", "buttons": "gpio"}
    assert settings(UNITS / "booth-player.service")["Wants"] == ["booth-dj.service"]


def test_systemd_analyze_verify_accepts_every_unit(rendered: Path) -> None:
    names = [str(rendered / p.name) for p in unit_files()]
    result = subprocess.run([systemd_analyze(), "verify", "--man=no", *names],
                            capture_output=True, check=False, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


def test_systemd_analyze_security_rates_every_service_ok_or_better(rendered: Path) -> None:
    ratings = {}
    for role in ROLES:
        result = subprocess.run(
            [systemd_analyze(), "security", "--offline=true", "--no-pager",
             str(rendered / f"booth-{role}.service")],
            capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        found = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
        assert found, result.stdout[-500:]
        ratings[role] = (float(found[1]), found[2])
    assert all(word in ("OK", "SAFE", "PERFECT") for _, word in ratings.values()), ratings


# -- the notification protocol ------------------------------------------------------------------

class FakeSystemd:
    """A NOTIFY_SOCKET that records what a service tells systemd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.05)
        self.received: list[str] = []

    def collect(self, seconds: float = 0.0) -> list[str]:
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.received.append(self.sock.recv(4096).decode())
            except TimeoutError:
                if time.monotonic() >= deadline:
                    return self.received

    def wait_for(self, text: str, timeout: float = 10.0) -> None:
        wait_until(lambda: any(text in m for m in self.collect()), timeout, f"{text!r} from the service")

    def count(self, text: str) -> int:
        return sum(text in m for m in self.collect())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def fake_systemd(tmp_path: Path):
    fake = FakeSystemd(tmp_path / "notify")
    yield fake
    fake.close()


def test_readiness_status_and_stopping_reach_systemd(fake_systemd: FakeSystemd) -> None:
    notifier = Notifier(environ={"NOTIFY_SOCKET": str(fake_systemd.path)})
    notifier.ready("playing Nebula")
    notifier.status("volume 7")
    notifier.stopping()
    assert fake_systemd.collect(0.1) == ["READY=1\nSTATUS=playing Nebula", "STATUS=volume 7",
                                         "STOPPING=1"]


def test_outside_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier(environ={})
    watchdog = Watchdog.from_environment(notifier, environ={})
    assert not notifier.enabled and not watchdog.active
    notifier.ready()
    watchdog.register("audio")
    watchdog.start()
    watchdog.stop()


def test_the_watchdog_interval_is_read_from_systemd_only_for_this_process() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_interval({}) is None


def test_the_watchdog_is_fed_only_while_every_loop_beats(fake_systemd: FakeSystemd) -> None:
    env = {"NOTIFY_SOCKET": str(fake_systemd.path), "WATCHDOG_USEC": "400000"}
    watchdog = Watchdog.from_environment(environ=env)
    watchdog.register("audio", "main")
    watchdog.start()
    try:
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:  # both loops alive
            watchdog.heartbeat("audio")
            watchdog.heartbeat("main")
            time.sleep(0.02)
        alive = fake_systemd.count("WATCHDOG=1")
        assert alive >= 4, fake_systemd.received
        fake_systemd.received.clear()
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:  # the audio loop hangs
            watchdog.heartbeat("main")
            time.sleep(0.02)
        hung = fake_systemd.collect()
        assert hung.count("WATCHDOG=1") <= 2, "kept feeding the watchdog for a hung loop"
        assert any("audio" in m and m.startswith("STATUS=") for m in hung)
        assert watchdog.silent() == ["audio"]
    finally:
        watchdog.stop()


def test_the_buttons_role_tells_systemd_it_is_ready_feeds_the_watchdog_and_stops_on_sigterm(
        fake_systemd: FakeSystemd, mosquitto_broker, mqtt_watcher) -> None:
    site = unique_site("unit")
    watcher = mqtt_watcher(f"booth/{site}/buttons/availability")
    command = [sys.executable, "-m", "booth.cli", "serve", "buttons", "--site", site,
               "--broker", f"{mosquitto_broker.host}:{mosquitto_broker.port}"]
    env = {**os.environ, "GPIOZERO_PIN_FACTORY": "mock", "NOTIFY_SOCKET": str(fake_systemd.path),
           "WATCHDOG_USEC": "400000"}
    process = subprocess.Popen(command, env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        fake_systemd.wait_for("READY=1", timeout=30)
        watcher.wait_for(f"booth/{site}/buttons/availability", lambda m: m.text == "online")
        before = fake_systemd.count("WATCHDOG=1")
        wait_until(lambda: fake_systemd.count("WATCHDOG=1") >= before + 3, 5, "watchdog pings")
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0, process.stderr.read() if process.stderr else ""
        fake_systemd.wait_for("STOPPING=1", timeout=2)
        watcher.wait_for(f"booth/{site}/buttons/availability", lambda m: m.text == "offline")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
