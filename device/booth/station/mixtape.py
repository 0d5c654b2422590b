"""`booth mixtape`: render a whole DJ session to a file, as fast as the CPU allows,
through the same station and mixer as live playback."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from booth.audio.outputs import FileSink
from booth.config import Config
from booth.library.db import Database
from booth.station.picker import Picker
from booth.station.station import LinkMaker, Station


@dataclass(frozen=True)
class MixtapeResult:
    """What was rendered and how fast."""

    path: Path
    seconds: float
    cpu_seconds: float
    segments: list[dict[str, Any]]

    @property
    def speed(self) -> float:
        """Seconds of audio rendered per CPU second (× real time)."""
        return self.seconds / max(self.cpu_seconds, 1e-9)


def render_mixtape(config: Config, db: Database, picker: Picker, minutes: float,
                   out: str | Path, stems: str | Path | None = None,
                   dj: LinkMaker | None = None, record: bool = False) -> MixtapeResult:
    """Render ``minutes`` of a session to ``out`` (WAV or FLAC); optional stems folder."""
    config = replace(config, audio=replace(config.audio, volume=10))
    station = Station(config, picker, dj=dj, offline=True)
    rate = station.rate
    total = int(minutes * 60 * rate)
    station.finish_at(minutes * 60, fade=min(5.0, minutes * 60 / 4))
    if record:
        session = f"mixtape-{int(time.time())}"
        station.listeners.append(lambda kind, data: _record(db, session, kind, data))
    mix_sink = FileSink(out, rate, skip=station.mixer.latency)
    stem_sinks = None
    if stems:
        stems = Path(stems)
        stem_sinks = (FileSink(stems / "music.wav", rate), FileSink(stems / "voice.wav", rate))
    block = config.audio.block_frames
    cpu0 = time.process_time()
    try:
        while station.mixer.position < total and not (station.stopped and not station.placed):
            n = min(block, total - station.mixer.position)
            mix, music, voice = station.render(n)
            mix_sink.write(mix)
            if stem_sinks:
                stem_sinks[0].write(music)
                stem_sinks[1].write(voice)
        import numpy as np  # noqa: PLC0415
        mix_sink.write(station.mixer.limiter.process(
            np.zeros((station.mixer.latency, 2), np.float32)))
    finally:
        mix_sink.close()
        for sink in stem_sinks or ():
            sink.close()
        station.mixer.close()
    return MixtapeResult(Path(out), total / rate, time.process_time() - cpu0, station.report())


def _record(db: Database, session: str, kind: str, data: dict[str, Any]) -> None:
    if kind == "track_started":
        db.record(data["track"].id, "play", session=session)
    elif kind == "track_ended":
        db.record(data["track"].id, data["outcome"], data.get("position"), session=session)


def write_report(result: MixtapeResult, path: str | Path, **meta: Any) -> None:
    """The mixtape's report: every segment in order, and how it was made."""
    Path(path).write_text(json.dumps({
        **meta, "output": str(result.path), "seconds": round(result.seconds, 3),
        "render_speed": round(result.speed, 1), "segments": result.segments,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
