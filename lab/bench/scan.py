"""Benchmark one scan worker: peak memory and CPU per file, and every value it stores.

    tools/bench-scan                         the Debian music, one worker process per file
    tools/bench-scan --long-minutes 60       also a 60-minute FLAC made by looping a track
    tools/bench-scan --save before.json      keep every file's values ...
    tools/bench-scan --compare before.json   ... and later print the largest difference per field

Each file is analysed by `booth.library.scan.analyse_file` in a fresh process, so its peak RSS
(VmHWM) is that of a scan worker holding that one file; "baseline" is the same process that imports
the scanner and analyses nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from booth.config import DEBIAN_MUSIC


def one(path: str | None) -> dict[str, Any]:
    """In the child: analyse one file (or nothing) and report its values, CPU and peak RSS."""
    from booth.library.scan import analyse_file  # noqa: PLC0415

    cpu = time.process_time()
    values = analyse_file(path) if path else {}
    cpu = time.process_time() - cpu
    if "features" in values:
        values["features"] = [float(v) for v in values["features"]]
    return {"values": values, "cpu_s": cpu, "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """Peak RSS of this process since it started its program. Not ru_maxrss: that keeps the
    peak of the parent process it was forked from across exec."""
    with open("/proc/self/status", encoding="ascii") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmHWM"].split()[0]) / 1024


def measure(path: str | None) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "lab.bench.scan", "--one", path or ""],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def long_file(source: Path, minutes: float, folder: Path) -> Path:
    """A FLAC of ``minutes`` made by repeating ``source``, written block by block."""
    import numpy as np  # noqa: PLC0415
    import soundfile  # noqa: PLC0415

    data, rate = soundfile.read(str(source), dtype="float32", always_2d=True)
    target = folder / f"long-{minutes:g}min.flac"
    left = int(minutes * 60 * rate)
    with soundfile.SoundFile(str(target), "w", rate, data.shape[1], format="FLAC") as out:
        while left > 0:
            block = data[:left]
            out.write(np.asarray(block))
            left -= block.shape[0]
    return target


def numbers(values: dict[str, Any]) -> dict[str, float]:
    """The numeric fields of one file's values, features by name."""
    from booth.library.features import FEATURE_NAMES  # noqa: PLC0415

    out = {k: float(v) for k, v in values.items()
           if isinstance(v, (int, float)) and k not in ("mtime", "size")}
    out.update({f"features.{n}": float(v) for n, v in zip(FEATURE_NAMES, values.get("features", []))})
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, float, str]]:
    """(field, largest absolute difference, file) over the files both runs measured."""
    worst: dict[str, tuple[float, str]] = {}
    for path in sorted(set(before) & set(after)):
        a, b = numbers(before[path]), numbers(after[path])
        for key in a.keys() & b.keys():
            diff = abs(a[key] - b[key])
            if diff >= worst.get(key, (-1.0, ""))[0]:
                worst[key] = (diff, Path(path).name)
    return [(k, d, f) for k, (d, f) in sorted(worst.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--music", nargs="*", default=list(DEBIAN_MUSIC))
    parser.add_argument("--long-minutes", type=float, default=0.0,
                        help="also analyse a file this long, made by looping the first track")
    parser.add_argument("--save", help="write every file's values to this JSON file")
    parser.add_argument("--compare", help="a JSON file from --save: largest difference per field")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one or None)))
        return

    from booth.library.scan import find_audio_files  # noqa: PLC0415

    files = [str(p) for p in find_audio_files(args.music)]
    baseline = measure(None)["peak_rss_mb"]
    results = {path: measure(path) for path in files}
    print(f"baseline (interpreter + scanner imported): {baseline:.0f} MB")
    largest = max(results, key=lambda p: results[p]["peak_rss_mb"])
    peaks = sorted(r["peak_rss_mb"] for r in results.values())
    cpu = sum(r["cpu_s"] for r in results.values())
    audio = sum(r["values"]["duration"] for r in results.values())
    print(f"{len(files)} files, {audio / 60:.0f} min: worker peak {peaks[0]:.0f}–{peaks[-1]:.0f} MB "
          f"(largest: {Path(largest).name}); {cpu / len(files):.2f} CPU s per file, "
          f"{cpu / audio * 60:.2f} per minute of audio")
    if args.long_minutes:
        with tempfile.TemporaryDirectory() as tmp:
            path = long_file(Path(files[0]), args.long_minutes, Path(tmp))
            r = measure(str(path))
        print(f"{args.long_minutes:g}-minute FLAC: worker peak {r['peak_rss_mb']:.0f} MB, "
              f"{r['cpu_s']:.1f} CPU s")
    if args.save:
        Path(args.save).write_text(json.dumps({p: r["values"] for p, r in results.items()}))
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        after = {p: r["values"] for p, r in results.items()}
        print("| field | largest difference | on |\n|---|---|---|")
        for key, diff, name in compare(before, after):
            print(f"| {key} | {diff:.4g} | {name} |")


if __name__ == "__main__":
    main()
