"""Finding a broker (embedded amqtt when none runs) and the shipped Mosquitto configuration."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from booth.config import MqttConfig
from booth.mqtt.broker import ensure_broker
from lab.fakes.player import FakeController
from booth.mqtt.runner import Connection, MqttRunner
from booth.roles.player import PlayerService
from booth.mqtt.topics import SiteTopics
from lab.mosquitto import HOST, MOSQUITTO, TIMEOUT, Mosquitto, Watcher, free_port, unique_site

SHIPPED = Path(__file__).resolve().parents[1] / "systemd" / "mosquitto"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (IPv4 and IPv6, from /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
                          if len(address) == 8 else f"ipv6:{address}")
    return found


def command_round_trip(config: MqttConfig, connection: Connection, watcher: Watcher) -> None:
    """A player service on ``connection`` takes a command and publishes the new state."""
    topics = SiteTopics(config.site)
    service = PlayerService(config, FakeController(), connection=connection)
    service.start()
    try:
        assert service.wait_connected(TIMEOUT), "the service did not connect"
        watcher.publish(topics.command, {"action": "volume", "level": 1})
        watcher.wait_for(topics.state, lambda m: m.json["volume"] == 1)
    finally:
        service.stop()


def connack(port: int, **login: str) -> mqtt.ReasonCode:
    """What the broker answers a client that connects with ``login`` (or anonymously)."""
    answered = threading.Event()
    result: list[mqtt.ReasonCode] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    if login:
        client.username_pw_set(login["username"], login["password"])
    client.on_connect = lambda c, u, f, reason, p: (result.append(reason), answered.set())
    client.connect(HOST, port)
    client.loop_start()
    try:
        assert answered.wait(TIMEOUT), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return result[0]


def test_with_no_broker_on_localhost_an_embedded_one_starts_on_loopback_only() -> None:
    config = MqttConfig(port=free_port(), site=unique_site())
    host, port, broker = ensure_broker(config)
    assert broker is not None and (host, port) == ("127.0.0.1", config.port)
    try:
        assert listening_addresses(port) == {"127.0.0.1"}
        watcher = Watcher(host, port, (f"booth/{config.site}/#",))
        try:
            command_round_trip(config, Connection.from_config(config), watcher)
        finally:
            watcher.close()
    finally:
        broker.stop()
    assert listening_addresses(port) == set()


def test_a_broker_already_on_localhost_is_used_instead(mosquitto_broker: Mosquitto) -> None:
    assert ensure_broker(MqttConfig(port=mosquitto_broker.port)) == ("127.0.0.1", mosquitto_broker.port, None)


def test_a_configured_broker_is_used_as_it_is_even_when_down() -> None:
    port = free_port()
    assert ensure_broker(MqttConfig(host="broker.invalid", port=port)) == ("broker.invalid", port, None)
    assert listening_addresses(port) == set()


def need(program: str, package: str) -> str:
    """The path of ``program``; fails with the fix when it is missing."""
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is missing: tools/test installs it (apt install {package})")
    return path


def broker_with(directory: Path, config: str) -> Mosquitto:
    """A started Mosquitto with a configuration of its own; fails with the fix if missing."""
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is missing: tools/test installs it (apt install mosquitto)")
    return Mosquitto(directory, config=config).start()


def shipped_config(tmp_path: Path) -> str:
    """booth.conf with its port and paths pointed into ``tmp_path``, plus a password file."""
    need("mosquitto_passwd", "mosquitto")
    passwd = tmp_path / "booth.passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "booth", "s3cret"], check=True,
                   capture_output=True)
    shutil.copy(SHIPPED / "booth.acl", tmp_path / "booth.acl")
    text = (SHIPPED / "booth.conf").read_text()
    assert "listener 1883 127.0.0.1" in text
    return (text.replace("listener 1883 127.0.0.1", "listener {port} 127.0.0.1")
            .replace("/etc/mosquitto/booth.passwd", str(passwd))
            .replace("/etc/mosquitto/booth.acl", str(tmp_path / "booth.acl")))


def test_the_shipped_mosquitto_config_wants_a_password_and_booth_logs_in_with_one(tmp_path: Path) -> None:
    broker = broker_with(tmp_path / "broker", shipped_config(tmp_path))
    try:
        assert connack(broker.port).is_failure
        assert connack(broker.port, username="booth", password="wrong").is_failure
        config = MqttConfig(port=broker.port, site=unique_site(), username="booth", password="s3cret")
        watcher = Watcher(HOST, broker.port, (f"booth/{config.site}/#",), username="booth", password="s3cret")
        try:
            command_round_trip(config, Connection.from_config(config), watcher)
        finally:
            watcher.close()
    finally:
        broker.stop()


def make_certificates(directory: Path) -> dict[str, Path]:
    """A CA and a broker certificate for 127.0.0.1, as the README makes them."""
    program = need("openssl", "openssl")

    def openssl(*args: str) -> None:
        subprocess.run([program, *args], cwd=directory, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    openssl("req", "-x509", "-new", "-nodes", *ec, "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=Booth test CA")
    openssl("req", "-new", "-nodes", *ec, "-keyout", "broker.key", "-out", "broker.csr",
            "-subj", "/CN=127.0.0.1")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "broker.crt", "-days", "2", "-extfile", "san.ext")
    names = {"ca": "ca.crt", "broker": "broker.crt", "broker_key": "broker.key"}
    return {key: directory / name for key, name in names.items()}


def test_booth_connects_over_tls_to_the_shipped_lan_listener(tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    lan = (SHIPPED / "booth-lan.conf.example").read_text()
    assert "listener 8883\n" in lan
    lan = (lan.replace("listener 8883\n", "listener {port} 127.0.0.1\nallow_anonymous true\n")
           .replace("/etc/mosquitto/certs/booth-ca.crt", str(certs["ca"]))
           .replace("/etc/mosquitto/certs/booth-broker.crt", str(certs["broker"]))
           .replace("/etc/mosquitto/certs/booth-broker.key", str(certs["broker_key"])))
    broker = broker_with(tmp_path / "broker", lan)
    try:
        without_ca = MqttConfig(port=broker.port, site=unique_site(), tls=True)
        stranger = MqttRunner(Connection.from_config(without_ca), client_id="no-ca",
                              availability_topic="booth/x/availability", subscriptions=(), on_message=print)
        with pytest.raises(ssl.SSLCertVerificationError):
            stranger.client.connect(HOST, broker.port)  # the system's CAs do not vouch for it

        config = MqttConfig(port=broker.port, site=unique_site(), tls=True, ca_certs=str(certs["ca"]))
        watcher = Watcher(HOST, broker.port, (f"booth/{config.site}/#",), tls=True, ca_certs=str(certs["ca"]))
        try:
            command_round_trip(config, Connection.from_config(config), watcher)
        finally:
            watcher.close()
    finally:
        broker.stop()
