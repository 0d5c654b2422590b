"""Benchmark the DJ's voice: load time, real-time factor, time to first audio, peak memory.

    tools/bench-voice                 table for the bundled voice, 1 synthesis thread
    tools/bench-voice --threads 2     let onnxruntime use two threads
    tools/bench-voice --voice X.onnx  another Piper voice
    tools/bench-voice --json          one JSON object instead of the table

Real-time factor is seconds spent (wall, and CPU of the whole process) per second of audio,
over ten typical links of 15-30 words, resampling to --rate included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


from booth.dj.voice import Voice
from lab.measure import peak_rss_mb

LINKS = (
    "That was Ocean by Maxstack, and before that a little something from the hyperrogue soundtrack.",
    "Still with me? Good. That last song was the longest on the album, almost nine minutes, and I "
    "hope you stayed for the quiet ending. Here is the opener.",
    "You're listening to Booth. Here's one I think you'll like: it's called Crossroads, and it builds slowly.",
    "Coming up next, three songs from the same album, starting with the title track. Stay with me.",
    "Good evening. Let's keep the calm going for a while with some slow piano and a few long strings.",
    "You skipped the last two loud ones, so here's something gentler from an artist you played a lot last week.",
    "Nobody tagged this next one, so I can't tell you its name, but it sounds like a sunrise to me.",
    "That's the end of the Singularity soundtrack. Next, a change of scene, from a game about a hyperbolic world.",
    "Turning it down a little for the late hour. This one is mostly synthesizer pads, perfect for reading.",
    "Here's a short one, barely two minutes, and then we'll go back to the longer pieces you asked for "
    "earlier this evening, starting with your favourite from Tuesday.",
)


def rss_mb() -> float:
    """Resident memory now (MB), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(voice_path: str | None, rate: int, threads: int) -> dict:
    start = time.perf_counter()
    voice = Voice.load(voice_path, sample_rate=rate, threads=threads)
    load_seconds = time.perf_counter() - start
    rss_after_load = rss_mb()
    peak_after_load = peak_rss_mb()

    start = time.perf_counter()
    voice.synthesize("Warming up.")
    warm_up_seconds = time.perf_counter() - start

    wall = cpu = audio = 0.0
    link_rtfs, first_audio = [], []
    for link in LINKS:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        seconds = len(voice.synthesize(link)) / voice.sample_rate
        link_wall = time.perf_counter() - wall_start
        wall, cpu, audio = wall + link_wall, cpu + time.process_time() - cpu_start, audio + seconds
        link_rtfs.append(link_wall / seconds)

        start = time.perf_counter()
        chunks = voice.stream(link)
        next(chunks)
        first_audio.append(time.perf_counter() - start)
        chunks.close()

    words = [len(link.split()) for link in LINKS]
    return {
        "voice": voice.name,
        "native_rate": voice.native_rate,
        "rate": voice.sample_rate,
        "threads": threads,
        "load_seconds": load_seconds,
        "warm_up_seconds": warm_up_seconds,
        "links": len(LINKS),
        "words": [min(words), max(words)],
        "audio_seconds": audio,
        "words_per_second": sum(words) / audio,
        "rtf_wall": wall / audio,
        "rtf_cpu": cpu / audio,
        "rtf_wall_per_link": [min(link_rtfs), statistics.median(link_rtfs), max(link_rtfs)],
        "first_audio_seconds": [min(first_audio), statistics.median(first_audio), max(first_audio)],
        "rss_after_load_mb": rss_after_load,
        "peak_rss_after_load_mb": peak_after_load,
        "peak_rss_mb": peak_rss_mb(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }


def table(result: dict) -> str:
    def trio(values: list[float], unit: str = "") -> str:
        return " / ".join(f"{v:.3f}" for v in values) + unit + "  (min / median / max)"

    rows = [
        ("voice", f"{result['voice']} ({result['native_rate']} Hz -> {result['rate']} Hz)"),
        ("onnxruntime threads", str(result["threads"])),
        ("load", f"{result['load_seconds']:.2f} s"),
        ("first synthesis", f"{result['warm_up_seconds']:.2f} s (espeak-ng start-up)"),
        ("links", f"{result['links']} of {result['words'][0]}-{result['words'][1]} words, "
                  f"{result['audio_seconds']:.1f} s of audio, {result['words_per_second']:.2f} words/s"),
        ("real-time factor, wall", f"{result['rtf_wall']:.3f}"),
        ("real-time factor, CPU", f"{result['rtf_cpu']:.3f}"),
        ("RTF per link, wall", trio(result["rtf_wall_per_link"])),
        ("first audio (stream)", trio(result["first_audio_seconds"], " s")),
        ("RSS after load", f"{result['rss_after_load_mb']:.0f} MB (peak so far "
                           f"{result['peak_rss_after_load_mb']:.0f} MB)"),
        ("peak RSS", f"{result['peak_rss_mb']:.0f} MB"),
        ("machine", f"{result['cpus']} CPUs, load average {result['load_average']:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voice", default=None, help="a Piper .onnx (with its .onnx.json); default: joe")
    parser.add_argument("--rate", type=int, default=48000, help="output sample rate (Hz)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads for synthesis")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    result = measure(args.voice, args.rate, args.threads)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
