"""Evaluation of the recommender (run as ``tools/eval-recommender``); prints figures.

1. Simulated listeners with hidden tastes (a direction in sound space plus loved and
   hated artists) who skip what they don't like: skip rate over a 40-track session for
   shuffle, a content nearest-neighbour baseline, the model frozen (its adapted inputs
   never updated) and the model adapting; then a second session a day later.
2. Transitions on the real Debian music, scanned here from the audio: tempo and energy
   jumps and artist spread, recommender against shuffle; and compute_features' cost.
3. Latency of one pick with 1,000 and 50,000 tracks; model size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from booth.config import DEBIAN_MUSIC, Config
from booth.library.db import Database
from booth.library.features import compute_features, feature
from lab.recommender import synthetic
from booth.recommender.model import model_path
from booth.recommender.recommender import Recommender
from booth.recommender.taste import EARLY_SKIP_FRACTION

MIN_SECONDS = Config().library.min_track_seconds


# -- 1. simulated listeners ----------------------------------------------------------------


class Listener:
    """A hidden taste: utility = sound·direction + artist bonus; skips below the median."""

    def __init__(self, info: synthetic.SyntheticLibrary, rng: np.random.Generator):
        direction = rng.standard_normal(info.sound.shape[1])
        sound = info.sound @ direction
        sound = (sound - sound.mean()) / sound.std()
        artists = np.unique(info.artist)
        bonus = np.zeros(artists.max() + 1)
        bonus[rng.choice(artists, 3, replace=False)] = 1.0
        bonus[rng.choice(artists, 3, replace=False)] = -2.0
        self.utility = sound + bonus[info.artist]
        self.threshold = float(np.median(self.utility[info.duration >= MIN_SECONDS]))
        self.duration = info.duration
        self.rng = rng

    def hear(self, row: int) -> tuple[str, float | None, bool]:
        """(outcome, skip position, liked) for one track."""
        margin = self.utility[row] - self.threshold
        if self.rng.random() < 1 / (1 + np.exp(3 * margin)):
            return "skip", float(self.rng.uniform(3, EARLY_SKIP_FRACTION * self.duration[row])), False
        return "complete", None, bool(margin > 1.0 and self.rng.random() < 0.3)


class Shuffle:
    name = "shuffle"

    def __init__(self, info, rng, window):
        self.ok = np.flatnonzero(info.duration >= MIN_SECONDS)
        self.rng, self.window, self.recent = rng, window, []

    def pick(self) -> int:
        choices = np.setdiff1d(self.ok, self.recent[-self.window:])
        row = int(self.rng.choice(choices))
        self.recent.append(row)
        return row

    def feedback(self, row, outcome, position, liked):
        pass


class NearestNeighbour(Shuffle):
    """Plays the track that sounds most like the last one the listener kept."""

    name = "content kNN"

    def __init__(self, info, rng, window):
        super().__init__(info, rng, window)
        self.sound, self.last_kept = info.sound, None

    def pick(self) -> int:
        if self.last_kept is None:
            return super().pick()
        choices = np.setdiff1d(self.ok, self.recent[-self.window:])
        d = ((self.sound[choices] - self.sound[self.last_kept]) ** 2).sum(axis=1)
        row = int(choices[np.argmin(d)])
        self.recent.append(row)
        return row

    def feedback(self, row, outcome, position, liked):
        if outcome == "complete":
            self.last_kept = row


class Model:
    def __init__(self, db, info, seed, adapt, state_path, clock):
        self.name = "model, adapting" if adapt else "model, frozen"
        self.rec = Recommender.open(db, Config(), state_path=state_path, adapt=adapt, seed=seed,
                                    clock=clock)
        self.row_of = {int(t): i for i, t in enumerate(info.ids)}

    def pick(self) -> int:
        return self.row_of[self.rec.next().track.id]

    def feedback(self, row, outcome, position, liked):
        track_id = row + 1
        self.rec.feedback(track_id, outcome, position)
        if liked:
            self.rec.feedback(track_id, "like")


class _Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _reset(db: Database) -> None:
    db.forget_history()
    db.conn.execute("DELETE FROM state")


def simulated_listeners(listeners: int = 16, tracks: int = 2000, session: int = 40,
                        seed: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "sim.db")
        rows, info = synthetic.track_rows(tracks, seed=seed, short_fraction=0.02)
        synthetic.fill(db, rows)
        window = min(250, math.ceil(0.6 * (info.duration >= MIN_SECONDS).sum()))
        results: dict[str, dict[str, list[float]]] = {}
        for n in range(listeners):
            for kind in ("shuffle", "knn", "frozen", "adapting"):
                _reset(db)
                clock = _Clock()
                rng = np.random.default_rng(1000 + n)
                if kind == "shuffle":
                    policy = Shuffle(info, rng, window)
                elif kind == "knn":
                    policy = NearestNeighbour(info, rng, window)
                else:
                    policy = Model(db, info, n, kind == "adapting",
                                   Path(tmp) / f"{kind}{n}.npz", clock)
                listener = Listener(info, np.random.default_rng(n))
                skips, artists = [], []
                for day in range(2):
                    count = session if day == 0 else 10
                    for _ in range(count):
                        row = policy.pick()
                        outcome, position, liked = listener.hear(row)
                        policy.feedback(row, outcome, position, liked)
                        skips.append(outcome == "skip")
                        artists.append(int(info.artist[row]))
                        clock.now += 240
                    clock.now += 86400  # the next day: a new session
                out = results.setdefault(policy.name, {"first 10": [], "after 10": [], "all 40": [],
                                                       "next day, first 10": [],
                                                       "artists in 40": []})
                out["first 10"].append(np.mean(skips[:10]))
                out["after 10"].append(np.mean(skips[10:session]))
                out["all 40"].append(np.mean(skips[:session]))
                out["next day, first 10"].append(np.mean(skips[session:]))
                out["artists in 40"].append(len(set(artists[:session])))
        db.close()
    return {name: {k: round(float(np.mean(v)), 3) for k, v in parts.items()}
            for name, parts in results.items()}


# -- 2. transitions on the real music ------------------------------------------------------


def scan_real_music(db: Database, dirs=DEBIAN_MUSIC) -> dict:
    """Decode (soundfile, soxr to 22.05 kHz mono), compute features, store with tags."""
    import soundfile  # noqa: PLC0415
    import soxr  # noqa: PLC0415

    from booth.library.tags import read_tags  # noqa: PLC0415

    seconds, durations = [], []
    paths = sorted(p for d in dirs if Path(d).exists() for p in Path(d).rglob("*")
                   if p.suffix.lower() in (".ogg", ".mp3", ".flac", ".wav"))
    for path in paths:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        mono = soxr.resample(data.mean(axis=1), rate, 22050).astype(np.float32)
        start = time.perf_counter()
        vector = compute_features(mono, 22050)
        seconds.append(time.perf_counter() - start)
        durations.append(mono.size / 22050)
        tags = read_tags(path)
        db.upsert_track({
            "path": str(path), "mtime": 0.0, "size": path.stat().st_size, "title": tags.title,
            "title_from_tags": int(tags.title_from_tags), "artist": tags.artist,
            "artists": list(tags.artists), "album": tags.album, "albumartist": tags.albumartist,
            "genre": tags.genre, "genres": list(tags.genres), "year": tags.year,
            "track_no": tags.track_no, "disc_no": tags.disc_no, "duration": mono.size / 22050,
            "sample_rate": rate, "channels": data.shape[1], "lufs": -16.0, "true_peak": -1.0,
            "cue_in": 0.0, "cue_out": mono.size / 22050, "intro_end": 0.0,
            "outro_start": mono.size / 22050, "features": vector})
    return {"tracks": len(paths), "audio_minutes": round(sum(durations) / 60, 1),
            "features_seconds_per_track_mean": round(statistics.mean(seconds), 3),
            "features_seconds_per_track_max": round(max(seconds), 3),
            "features_seconds_per_audio_minute": round(sum(seconds) / (sum(durations) / 60), 3)}


def _transitions(db: Database, ids: list[int]) -> dict:
    tracks = [db.track(i) for i in ids]
    tempo = [feature(t.features, "tempo_bpm") for t in tracks]
    energy = [feature(t.features, "energy") for t in tracks]
    artists = [t.artist for t in tracks]
    same = sum(1 for a, b in zip(artists, artists[1:]) if a and a == b)
    return {"mean_tempo_jump_bpm": round(float(np.mean(np.abs(np.diff(tempo)))), 1),
            "mean_energy_jump": round(float(np.mean(np.abs(np.diff(energy)))), 3),
            "same_artist_in_a_row": same, "distinct_artists": len(set(artists))}


def transitions_on_real_music(picks: int = 30, runs: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "real.db")
        scan = scan_real_music(db)
        ok = [t.id for t in db.tracks(MIN_SECONDS)]
        by_policy: dict[str, list[dict]] = {"shuffle": [], "model": []}
        for run in range(runs):
            rng = np.random.default_rng(run)
            window = min(250, math.ceil(0.6 * len(ok)))
            order: list[int] = []
            for _ in range(picks):
                choices = [i for i in ok if i not in order[-window:]]
                order.append(int(rng.choice(choices)))
            by_policy["shuffle"].append(_transitions(db, order))
            _reset(db)
            rec = Recommender.open(db, Config(), state_path=Path(tmp) / f"r{run}.npz", seed=run)
            order = []
            for _ in range(picks):
                pick = rec.next()
                rec.feedback(pick.track.id, "complete")
                order.append(pick.track.id)
            by_policy["model"].append(_transitions(db, order))
        db.close()
    summary = {name: {k: round(float(np.mean([r[k] for r in rs])), 3) for k in rs[0]}
               for name, rs in by_policy.items()}
    return {"scan": scan, "transitions": summary, "picks": picks, "runs": runs}


# -- 3. latency ----------------------------------------------------------------------------


def latency(sizes=(1000, 50000), picks: int = 40) -> dict:
    out = {"model_bytes": model_path().stat().st_size, "load_average": os.getloadavg()[0]}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(Path(tmp) / "big.db")
            rows, info = synthetic.track_rows(size, seed=size, short_fraction=0.02)
            start = time.perf_counter()
            synthetic.fill(db, rows)
            filled = time.perf_counter() - start
            rec = Recommender.open(db, Config(), state_path=Path(tmp) / "r.npz", seed=1)
            start = time.perf_counter()
            rec.next()
            first = time.perf_counter() - start
            rng = np.random.default_rng(0)
            times, cpu_times, model_times = [], [], []
            for _ in range(picks):
                start, cpu = time.perf_counter(), time.process_time()
                pick = rec.next()
                times.append(time.perf_counter() - start)
                cpu_times.append(time.process_time() - cpu)
                rec.feedback(pick.track.id, "skip" if rng.random() < 0.4 else "complete", 20.0)
                cat = rec.catalogue()
                view = rec.sessions.read()
                start = time.process_time()
                rec.scores(cat, view, cat.row(pick.track.id))
                model_times.append(time.process_time() - start)
            out[str(size)] = {
                "pick_ms_median": round(1000 * statistics.median(times), 2),
                "pick_ms_p90": round(1000 * float(np.percentile(times, 90)), 2),
                "pick_cpu_ms_median": round(1000 * statistics.median(cpu_times), 2),
                "model_run_cpu_ms_median": round(1000 * statistics.median(model_times), 2),
                "first_pick_ms (loads the library)": round(1000 * first, 1),
                "cache_mb": round((rec.catalogue().audio.nbytes + rec.catalogue().sound.nbytes) / 1e6, 1),
                "db_fill_s": round(filled, 1)}
            db.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval-recommender", description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("listeners", "real", "latency"), action="append",
                        help="run only this part (repeatable)")
    parser.add_argument("--listeners", type=int, default=16, help="simulated listeners")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    parts = args.only or ["listeners", "real", "latency"]
    report = {}
    if "listeners" in parts:
        report["simulated_listeners_skip_rate"] = simulated_listeners(args.listeners)
        if not args.json:
            _print_table("Skip rate, simulated listeners (lower is better)",
                         report["simulated_listeners_skip_rate"])
    if "real" in parts:
        report["real_music"] = transitions_on_real_music()
        if not args.json:
            print("\nReal music (Debian):", json.dumps(report["real_music"]["scan"]))
            _print_table(f"Transitions over {report['real_music']['picks']} picks "
                         f"(mean of {report['real_music']['runs']} runs)",
                         report["real_music"]["transitions"])
    if "latency" in parts:
        report["latency"] = latency()
        if not args.json:
            print("\nLatency:", json.dumps(report["latency"], indent=2))
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


def _print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    columns = list(next(iter(rows.values())))
    print(f"{'':18s}" + "".join(f"{c:>22s}" for c in columns))
    for name, values in rows.items():
        print(f"{name:18s}" + "".join(f"{values[c]:>22}" for c in columns))


if __name__ == "__main__":
    raise SystemExit(main())
