"""Debian's `mpd` with a private configuration, for the MPD side-by-side test and
tools/bench-mpd: its own database and log, a free loopback port, a null output with a
software mixer (without a mixer `status` has no volume), no Zeroconf. Debian's own `mpd`
service is never touched."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from lab.mosquitto import HOST, free_port, wait_until

MPD = shutil.which("mpd") or "/usr/bin/mpd"
MPC = shutil.which("mpc") or "/usr/bin/mpc"


def config_text(root: Path, music: Path, port: int) -> str:
    """The private configuration."""
    return "\n".join([
        f'music_directory "{music}"', f'db_file "{root / "database"}"',
        f'log_file "{root / "log"}"', f'playlist_directory "{root}"',
        f'bind_to_address "{HOST}"', f'port "{port}"', 'zeroconf_enabled "no"',
        'auto_update "no"',
        'audio_output {', '  type "null"', '  name "null"', '  mixer_type "software"', '}', ""])


class DebianMpd:
    """A private `mpd` serving ``music_dirs`` (each linked into one music folder under
    ``root`` by its parent folder's name)."""

    def __init__(self, root: Path, music_dirs: list[str]) -> None:
        self.root = Path(root)
        self.music = self.root / "music"
        self.music.mkdir(parents=True, exist_ok=True)
        for folder in music_dirs:
            link = self.music / Path(folder).parent.name
            if not link.exists():
                link.symlink_to(folder)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> DebianMpd:
        """Start it and wait until its database is up to date."""
        if not Path(MPD).exists():
            raise FileNotFoundError("mpd is missing: tools/install-deps --test installs it "
                                    "(apt install mpd)")
        config = self.root / "mpd.conf"
        config.write_text(config_text(self.root, self.music, self.port))
        self.process = subprocess.Popen([MPD, "--no-daemon", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout, f"Debian's mpd on port {self.port}")
        subprocess.run([MPC, "-h", HOST, "-p", str(self.port), "update", "--wait"],
                       check=True, capture_output=True, timeout=10 * timeout)
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"mpd exited at start-up: {(self.root / 'log').read_text()}")
        try:
            with socket.create_connection((HOST, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout)
            self.process = None
