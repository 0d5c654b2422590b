"""`booth scan`: index audio files into the library database.

Incremental: files whose size and modification time are unchanged are not decoded again;
files that are gone are forgotten. A broken file is skipped with the reason, never fatal.
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from booth.audio.decode import AUDIO_EXTENSIONS, UNSUPPORTED_EXTENSIONS, DecodeError, FileBlocks
from booth.library import analysis
from booth.library.db import Database
from booth.library.features import ExcerptKeeper, compute_features
from booth.library.tags import read_tags

log = logging.getLogger(__name__)


@dataclass
class ScanReport:
    """What a scan did; printed as JSON by `booth scan --json`."""

    tracks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("unchanged")
        return data


def find_audio_files(dirs: Iterable[str | Path]) -> Iterator[Path]:
    """Audio files below each folder (or the file itself), by extension, sorted."""
    for top in dirs:
        top = Path(top).expanduser()
        if top.is_file():
            yield top.resolve()
            continue
        found = []
        for root, subdirs, files in os.walk(top, followlinks=True):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            found += [Path(root, f) for f in files if not f.startswith(".")
                      and Path(f).suffix.lower() in AUDIO_EXTENSIONS | UNSUPPORTED_EXTENSIONS]
        yield from sorted(p.resolve() for p in found)


def analyse_file(path: str) -> dict[str, Any]:
    """Everything the database stores about one file. Raises DecodeError.

    The file is decoded once, block by block: loudness, true peak and cue points are measured
    as the blocks arrive, and only the excerpts the sound features use are kept, so a
    worker's memory does not grow with the track's length."""
    p = Path(path)
    stat = p.stat()
    if p.suffix.lower() in UNSUPPORTED_EXTENSIONS:
        raise DecodeError(f"{p.suffix[1:].upper()} is not supported (libsndfile has no decoder "
                          "for it): convert it to FLAC, Opus or MP3")
    if stat.st_size == 0:
        raise DecodeError("empty file")
    tags = read_tags(p)
    blocks = FileBlocks(p)
    rate, channels = blocks.rate, blocks.channels
    kept = ExcerptKeeper(round(blocks.frames * analysis.ANALYSIS_RATE / rate))
    meter = analysis.TrackMeter(rate, channels, on_mono=kept.add)
    for block in blocks:
        meter.add(block)
    measured = meter.finish()
    decoded = measured.duration
    if tags.ends_early:
        raise DecodeError(f"truncated: the Ogg stream stops after {decoded:.1f} s without "
                          "its end-of-stream page")
    if tags.length and decoded < 0.9 * tags.length - 1.0:
        raise DecodeError(f"truncated: decodes {decoded:.1f} s of the {tags.length:.1f} s "
                          "its header announces")
    return {
        "path": str(p), "mtime": stat.st_mtime, "size": stat.st_size,
        "title": tags.title, "title_from_tags": int(tags.title_from_tags),
        "artist": tags.artist, "artists": list(tags.artists), "album": tags.album,
        "albumartist": tags.albumartist, "genre": tags.genre, "genres": list(tags.genres),
        "year": tags.year, "track_no": tags.track_no, "disc_no": tags.disc_no,
        "sample_rate": rate, "channels": channels,
        **asdict(measured),
        "features": compute_features(kept.samples(), analysis.ANALYSIS_RATE),
    }


def _analyse_safely(path: str) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        return path, analyse_file(path), None
    except DecodeError as err:
        return path, None, str(err)
    except (OSError, ValueError, RuntimeError) as err:  # unreadable, odd headers
        return path, None, f"{type(err).__name__}: {err}"


def scan(db: Database, dirs: Iterable[str | Path], jobs: int | None = None,
         progress: bool | None = None, forget_missing: bool = True) -> ScanReport:
    """Index ``dirs`` into ``db``; returns what changed."""
    report = ScanReport()
    dirs = [Path(d).expanduser() for d in dirs]
    for d in dirs:
        if not d.exists():
            report.skipped.append({"path": str(d), "error": "no such file or folder"})
    files = list(find_audio_files(d for d in dirs if d.exists()))
    known = db.file_stamps()
    todo = []
    for path in files:
        stat = path.stat()
        if known.get(str(path)) == (stat.st_mtime, stat.st_size):
            report.unchanged += 1
        else:
            todo.append(str(path))
    if forget_missing:
        seen = {str(p) for p in files}
        gone = [p for p in known if p not in seen and any(_under(p, d) for d in dirs)]
        report.removed = db.remove_paths(gone)

    jobs = jobs or max(1, min(len(todo), os.cpu_count() or 1, _workers_that_fit()))
    show = sys.stderr.isatty() if progress is None else progress
    results = _run(todo, jobs)
    if show and todo:
        from tqdm import tqdm  # noqa: PLC0415
        results = tqdm(results, total=len(todo), unit="file", desc="scanning")
    for path, values, error in results:
        if error:
            log.warning("skipped %s: %s", path, error)
            report.skipped.append({"path": path, "error": error})
            continue
        if db.upsert_track(values):
            report.added += 1
        else:
            report.updated += 1
    report.tracks = db.conn.execute("SELECT count(*) FROM tracks").fetchone()[0]
    return report


WORKER_MEMORY = 150 * 2**20
"""Memory set aside per scan worker: a worker streams its file in blocks and keeps only the
excerpts the sound features use, so its peak, interpreter included, stays under this
whatever the track's length (measured: docs/performance.md, "Player and scan")."""


def _workers_that_fit() -> int:
    """Workers that fit in the memory available now (at least one)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = dict(line.split(":", 1) for line in f)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 1
    return max(1, available // WORKER_MEMORY)


def _under(path: str, top: Path) -> bool:
    try:
        Path(path).relative_to(top.resolve())
        return True
    except ValueError:
        return False


def _run(paths: list[str], jobs: int) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    if jobs <= 1 or len(paths) <= 1:
        yield from map(_analyse_safely, paths)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_analyse_safely, paths, chunksize=1)
