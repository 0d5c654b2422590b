"""Where the music is: the configured folders, or Debian's free game music when they are empty."""

from __future__ import annotations

from pathlib import Path

from booth.config import DEBIAN_MUSIC, Config
from booth.library.scan import find_audio_files


def default_music_dirs(config: Config) -> list[str]:
    """The configured music folders, or Debian's free game music when they hold no audio."""
    dirs = [str(Path(d).expanduser()) for d in config.library.music_dirs]
    if any(True for _ in find_audio_files(d for d in dirs if Path(d).exists())):
        return dirs
    return [d for d in DEBIAN_MUSIC if Path(d).exists()]
