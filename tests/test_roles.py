"""Every role runs on one base: a loop that dies takes its role offline, stops feeding
systemd's watchdog and ends the process, so that systemd restarts it."""

from __future__ import annotations

import threading
import time

import pytest

from booth.mqtt.messages import Incoming
from booth.roles.base import Role, RoleFailed
from booth.roles.listen import ListenRole
from booth.roles.serve import serve
from booth.systemd_notify import Notifier
from lab.mosquitto import unique_site
from tests.conftest import config_with


class UnpluggedMicrophone:
    """A live listener whose microphone hears a few blocks, then fails as a USB microphone
    pulled out does (the role gives it `beat` and `failed`, as to the real one)."""

    def __init__(self, blocks: int = 20) -> None:
        self.blocks = blocks
        self.beat = lambda: None
        self.failed = lambda error: None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for _ in range(self.blocks):
            self.beat()
            time.sleep(0.05)
        self.failed(OSError("[Errno -9988] Stream closed: the microphone is gone"))

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join(5)


@pytest.fixture()
def systemd(monkeypatch) -> list[str]:
    """What the process tells systemd, with a 0.4 s watchdog."""
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    return []


def test_a_listen_role_whose_microphone_dies_goes_offline_and_the_process_exits(
        systemd, mosquitto_broker, mqtt_watcher) -> None:
    site = unique_site("deaf")
    availability = f"booth/{site}/listen/availability"
    watcher = mqtt_watcher(availability)
    config = config_with(mqtt={"host": mosquitto_broker.host, "port": mosquitto_broker.port,
                               "site": site})
    role = ListenRole(config, listener_factory=lambda config, publish: UnpluggedMicrophone())
    started = time.monotonic()
    status = serve([role], "listening", notifier=Notifier(send=systemd.append))
    assert status == 1, "the process must exit non-zero so that systemd restarts it"
    assert time.monotonic() - started < 10
    assert isinstance(role.failed, RoleFailed) and "microphone is gone" in str(role.failed)
    watcher.wait_for(availability, lambda m: m.text == "online")
    watcher.wait_for(availability, lambda m: m.text == "offline")
    assert "READY=1\nSTATUS=listening" in systemd and "STOPPING=1" in systemd
    pings = [i for i, m in enumerate(systemd) if m == "WATCHDOG=1"]
    assert pings, "the watchdog was fed while the microphone lived"
    last_ping = pings[-1]
    assert any(m.startswith("STATUS=hung") for m in systemd[last_ping:]) or \
        systemd.index("STOPPING=1") > last_ping


class Exploding(Role):
    """A role whose handler fails on every message, and gives up on 'fatal'."""

    name = "exploding"

    def __init__(self, config) -> None:
        self.seen: list[str] = []
        super().__init__(config.mqtt)

    def subscriptions(self) -> list[str]:
        return [f"booth/{self.site}/exploding"]

    def on_message(self, message: Incoming):
        text = message.payload.decode()
        self.seen.append(text)
        if text == "fatal":
            raise RoleFailed("cannot go on")
        raise ValueError(f"cannot handle {text}")


def test_a_handler_failing_on_one_message_carries_on_with_the_next(mosquitto_broker,
                                                                     mqtt_watcher) -> None:
    site = unique_site("flaky")
    role = Exploding(config_with(mqtt={"host": mosquitto_broker.host,
                                       "port": mosquitto_broker.port, "site": site}))
    watcher = mqtt_watcher(f"booth/{site}/exploding/availability")
    role.start()
    try:
        assert role.wait_connected(10)
        for text in ("one", "two"):
            watcher.publish(f"booth/{site}/exploding", text)
        deadline = time.monotonic() + 10
        while role.seen != ["one", "two"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert role.seen == ["one", "two"] and role.failed is None
        watcher.publish(f"booth/{site}/exploding", "fatal")
        watcher.wait_for(f"booth/{site}/exploding/availability", lambda m: m.text == "offline")
        assert isinstance(role.failed, RoleFailed)
    finally:
        role.stop()
