"""The recommender: learning, requests, house rules, reasons, the command line, the model."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from booth.config import Config
from booth.library.db import Database
from booth.recommender import Recommender
from lab.recommender import synthetic
from booth.recommender.recommender import REASON_KINDS

START = time.mktime((2026, 3, 14, 19, 0, 0, 0, 0, -1))  # a Saturday evening
TRACKS = 150
ARTISTS = 6


class Clock:
    """Deterministic time: each call to ``tick`` moves four minutes on."""

    def __init__(self, at: float = START):
        self.now = at

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 240.0) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def library_template(tmp_path_factory):
    """A synthetic library (6 artists, 4 genres, a few short tracks), built once."""
    path = tmp_path_factory.mktemp("library") / "template.db"
    db = Database(path)
    rows, info = synthetic.track_rows(TRACKS, seed=3, artists=ARTISTS, genres=4, short_fraction=0.06)
    synthetic.fill(db, rows)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, info


@pytest.fixture
def db(library_template, tmp_path, monkeypatch):
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    path = tmp_path / "x.db"
    shutil.copy(library_template[0], path)
    database = Database(path)
    yield database
    database.close()


@pytest.fixture
def info(library_template):
    return library_template[1]


def open_recommender(db, clock=None, seed=0, **options) -> Recommender:
    return Recommender.open(db, Config(), seed=seed, clock=clock or Clock(), **options)


def play(rec: Recommender, clock: Clock, count: int, react=None) -> list:
    """Take ``count`` picks; ``react(pick)`` returns (outcome, position) or None."""
    picks = []
    for _ in range(count):
        pick = rec.next()
        picks.append(pick)
        reaction = react(pick) if react else ("complete", None)
        if reaction:
            rec.feedback(pick.track.id, *reaction)
        clock.tick()
    return picks


# -- learning ---------------------------------------------------------------------------------


def skip_artist(artist):
    return lambda pick: ("skip", 12.0) if pick.track.artist == artist else ("complete", None)


def test_an_artist_the_listener_always_skips_stops_being_picked(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    first = rec.next()
    rec.feedback(first.track.id, "skip", 10.0)
    disliked = first.track.artist
    picks = play(rec, clock, 40, skip_artist(disliked))
    late = [p for p in picks[10:] if p.track.artist == disliked]
    assert len(late) <= 1, f"{disliked} still picked {len(late)} times in the last 30"


def test_the_learning_is_in_the_model_a_frozen_one_keeps_playing_the_skipped_artist(db, tmp_path):
    """Ablation: same listeners, same seeds; only the model's adapted inputs differ.

    After a session of skipping one artist, five later sessions (a day apart, so the
    session memory is gone) count how often that artist comes back.
    """
    returns = {True: 0, False: 0}
    for seed in range(3):
        for adapt in (True, False):
            clock = Clock()
            db.forget_history()
            db.conn.execute("DELETE FROM state")
            rec = open_recommender(db, clock, seed=seed, adapt=adapt,
                                   state_path=tmp_path / f"{adapt}-{seed}.npz")
            disliked = rec.next(record=False).track.artist
            play(rec, clock, 30, skip_artist(disliked))
            for _ in range(5):
                clock.tick(86400)
                picks = play(rec, clock, 6)
                returns[adapt] += sum(p.track.artist == disliked for p in picks)
    assert returns[True] <= 1
    assert returns[False] >= returns[True] + 5


def test_a_learned_dislike_survives_a_restart(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    disliked = rec.next(record=False).track.artist
    play(rec, clock, 30, skip_artist(disliked))
    clock.tick(86400)
    restarted = open_recommender(db, clock, seed=9)   # a new process reads recommender.npz
    picks = play(restarted, clock, 20)
    assert sum(p.track.artist == disliked for p in picks) <= 1
    assert restarted.taste.path.exists()


# -- house rules --------------------------------------------------------------------------------


def test_no_track_comes_back_before_sixty_percent_of_the_library_has_played(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    picks = play(rec, clock, 120)
    last_seen, gaps = {}, []
    for i, pick in enumerate(picks):
        if pick.track.id in last_seen:
            gaps.append(i - last_seen[pick.track.id])
        last_seen[pick.track.id] = i
    assert gaps, "no track came back at all"
    assert min(gaps) > math.ceil(0.6 * len(db.tracks(30.0)))


def test_no_artist_twice_in_a_row_unless_asked(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    picks = play(rec, clock, 40)
    artists = [p.track.artist for p in picks]
    assert all(a != b for a, b in zip(artists, artists[1:]))


def test_short_tracks_are_never_picked_unless_asked_for(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    short = [t for t in db.tracks() if t.duration < 30]
    assert short
    picks = play(rec, clock, 80)
    assert all(p.track.duration >= 30 for p in picks)
    result = rec.request({"title": short[0].title})
    assert result.matched
    assert rec.next().track.id == short[0].id


# -- requests -----------------------------------------------------------------------------------


def test_an_artist_request_fills_the_next_several_picks(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    play(rec, clock, 3)
    result = rec.request({"artist": "artist 2"})
    assert result.matched and result.label == "Artist 2"
    picks = play(rec, clock, 5)
    assert [p.track.artist for p in picks] == ["Artist 2"] * 5
    assert all(p.reason_kind == "request" and "Artist 2" in p.reason for p in picks)
    after = play(rec, clock, 6)
    assert any(p.track.artist != "Artist 2" for p in after)


def test_a_genre_request_plays_that_genre(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    genre = db.tracks()[0].genre
    assert rec.request({"genre": genre.upper()}).matched
    picks = play(rec, clock, 4)
    assert all(p.track.genre == genre for p in picks)
    assert f"the {genre} you asked for" in picks[1].reason


def test_an_album_request_plays_the_album_in_order(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    album = db.tracks()[0].album
    expected = [t.id for t in db.album_tracks(album)]
    result = rec.request({"album": album.lower()})
    assert result.matched and result.tracks == len(expected)
    picks = play(rec, clock, len(expected))
    assert [p.track.id for p in picks] == expected
    assert all(p.reason_kind == "album" for p in picks)


def test_a_request_that_matches_nothing_falls_back_honestly(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    result = rec.request({"genre": "jazz"})
    assert not result.matched
    assert "No jazz here" in result.message
    picks = play(rec, clock, 3)
    assert all(p.reason_kind == "fallback" for p in picks)
    assert picks[0].reason == "no jazz here — here's the closest thing"
    assert all(p.track.genre != "jazz" for p in picks)
    unknown = rec.request({"artist": "Nobody At All"})
    assert not unknown.matched and "can't find Nobody At All" in unknown.message
    assert rec.next().reason_kind == "fallback"


def test_a_mood_request_picks_music_that_fits_it(db):
    clock = Clock()
    rec = open_recommender(db, clock)
    energy = {t.id: float(t.features[5]) for t in db.tracks()}   # FEATURE_NAMES[5] == "energy"
    assert rec.request({"mood": "relaxing"}).matched
    picks = play(rec, clock, 5)
    assert all(p.reason_kind == "request" for p in picks)
    assert np.mean([energy[p.track.id] for p in picks]) < np.median(list(energy.values()))


def test_more_like_this_stays_close_and_switch_it_up_moves_away(db, info):
    clock = Clock()
    rec = open_recommender(db, clock)
    play(rec, clock, 5)
    anchor = rec.sessions.now_playing()
    sound = info.sound
    typical = np.mean([np.linalg.norm(sound - sound[i], axis=1).mean() for i in range(0, TRACKS, 10)])
    rec.more_like_this()
    close = play(rec, clock, 5)
    assert all(p.reason_kind == "more_like_this" for p in close)
    assert np.mean([np.linalg.norm(sound[p.track.id - 1] - sound[anchor - 1]) for p in close]) < 0.8 * typical
    centre = sound[[p.track.id - 1 for p in close]].mean(axis=0)
    rec.switch_it_up()
    away = play(rec, clock, 3)
    assert [p.reason for p in away][0] == "something different, as you wanted"
    assert all(p.reason_kind == "switch_it_up" for p in away)
    assert np.mean([np.linalg.norm(sound[p.track.id - 1] - centre) for p in away]) > typical


# -- reasons --------------------------------------------------------------------------------------


def test_every_pick_carries_a_reason_the_dj_can_say(db):
    clock = Clock()
    rec = open_recommender(db, clock, exploration=0.2)
    rng = np.random.default_rng(0)

    def react(pick):
        roll = rng.random()
        return ("like", None) if roll < 0.2 else ("skip", 5.0) if roll < 0.5 else ("complete", None)

    picks = play(rec, clock, 25, react)
    rec.request({"mood": "energetic"})
    picks += play(rec, clock, 3, react)
    rec.more_like_this()
    picks += play(rec, clock, 2, react)
    kinds = {p.reason_kind for p in picks}
    assert all(p.reason and p.reason_kind in REASON_KINDS for p in picks)
    assert {"request", "more_like_this"} <= kinds and kinds & {"taste", "liked_artist"}
    liked = [p for p in picks if p.reason.startswith("because you liked")]
    assert liked, "a listener who likes tracks hears why"


# -- feedback and errors --------------------------------------------------------------------------


def test_feedback_rejects_unknown_tracks_and_outcomes(db):
    rec = open_recommender(db)
    with pytest.raises(ValueError, match="no track with id 99999"):
        rec.feedback(99999, "skip")
    with pytest.raises(ValueError, match="unknown outcome 'meh'"):
        rec.feedback(1, "meh")
    with pytest.raises(ValueError, match="position"):
        rec.feedback(1, "skip", -3.0)
    assert db.events() == []


def test_an_empty_library_says_so(tmp_path):
    from booth.recommender import NoTracks

    db = Database(tmp_path / "empty.db")
    with pytest.raises(NoTracks, match="scan"):
        open_recommender(db).next()


# -- the command line -----------------------------------------------------------------------------


def run_cli(*argv: str, capsys) -> str:
    from booth.recommender.commands import register

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db")
    common.add_argument("--config")
    parser = argparse.ArgumentParser(prog="booth")
    register(parser.add_subparsers(dest="command", required=True), common)
    args = parser.parse_args(list(argv))
    assert args.func(args, Config()) == 0
    return capsys.readouterr().out


def test_the_command_line_drives_the_session_a_running_dj_continues(db, capsys):
    running = open_recommender(db)                  # the station, with its own connection
    running.next()
    out = json.loads(run_cli("dj", "next", "--json", "--db", str(db.path), capsys=capsys))
    assert set(out) >= {"id", "path", "title", "artist", "album", "genre", "reason"}
    assert running.sessions.now_playing() == out["id"]
    run_cli("dj", "feedback", str(out["id"]), "skip", "--at", "12", "--db", str(db.path), capsys=capsys)
    assert db.history(out["id"])["skips"] == 1
    said = run_cli("dj", "request", "play Artist 4", "--db", str(db.path), capsys=capsys)
    assert "Artist 4" in said
    assert running.next().track.artist == "Artist 4"   # the running DJ sees the request


def test_the_command_line_explains_bad_input(db, capsys):
    with pytest.raises(SystemExit, match="no track with id 424242"):
        run_cli("dj", "feedback", "424242", "like", "--db", str(db.path), capsys=capsys)
    with pytest.raises(SystemExit, match="not a music request"):
        run_cli("dj", "request", "turn it up", "--db", str(db.path), capsys=capsys)


# -- the model ------------------------------------------------------------------------------------


def test_rebuilding_the_model_gives_the_same_model(tmp_path):
    from lab.recommender.build import write_model
    from booth.recommender.model import REPO_MODELS

    onnx_path, json_path = write_model(tmp_path)
    assert onnx_path.read_bytes() == (REPO_MODELS / "recommender.onnx").read_bytes()
    assert json.loads(json_path.read_text()) == json.loads((REPO_MODELS / "recommender.json").read_text())


def test_real_music_gets_features_and_picks(tmp_path, monkeypatch):
    """Three real Debian tracks: decoded, analysed, picked with reasons."""
    import soundfile
    import soxr

    from booth.library.features import compute_features, tempo_and_energy

    music = Path("/usr/share/hyperrogue/music")   # short tracks: two tagged, one untagged
    files = [music / name for name in ("hr-savino-ivory.ogg", "hr-savino-palace.ogg",
                                       "hr-domina-hunting.ogg")]
    if not all(path.exists() for path in files):
        pytest.fail("the Debian game music is missing: tools/test installs it "
                    "(apt install hyperrogue-music)")
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    db = Database(tmp_path / "real.db")
    vectors = []
    for path in files:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        mono = soxr.resample(data.mean(axis=1), rate, 22050).astype(np.float32)
        vector = compute_features(mono, 22050)
        tempo, _ = tempo_and_energy(vector)
        assert tempo > 0, f"no beat found in {path.name}"
        vectors.append(vector)
        db.upsert_track({"path": str(path), "mtime": 0.0, "size": 1, "title": path.stem,
                         "artist": None, "duration": mono.size / 22050, "sample_rate": rate,
                         "channels": data.shape[1], "lufs": -16.0, "true_peak": -1.0,
                         "cue_in": 0.0, "cue_out": 1.0, "intro_end": 0.0, "outro_start": 1.0,
                         "features": vector})
    assert not any(np.allclose(a, b) for a, b in itertools.combinations(vectors, 2))
    rec = open_recommender(db)
    picks = [rec.next() for _ in range(3)]
    assert sorted(p.track.id for p in picks) == [1, 2, 3]
    assert all(p.reason for p in picks)


def test_the_model_computes_the_score_its_documentation_describes():
    """The ONNX graph against a plain numpy reading of booth/recommender/graph.py."""
    from booth.recommender import space
    from lab.recommender.graph import WEIGHTS
    from booth.recommender.model import RankingModel

    a, k, n = space.AUDIO_DIM, 6, 40
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, a)).astype(np.float32)
    recent = rng.standard_normal((k, a)).astype(np.float32)
    current, anchor = rng.standard_normal((2, 1, a)).astype(np.float32)
    artist = rng.integers(1, 50, n)
    recent_artist = artist[:k].copy()
    recent_artist[-1] = space.NO_ARTIST
    outcome = rng.integers(0, 7, k)
    metric = rng.uniform(0.001, 0.02, space.GROUPS).astype(np.float32)
    taste = {"taste_audio": rng.standard_normal(a).astype(np.float32) * 0.1,
             "taste_daypart": rng.standard_normal((4, a)).astype(np.float32) * 0.1,
             "taste_artist": rng.standard_normal(space.ARTIST_BUCKETS).astype(np.float32),
             "taste_album": rng.standard_normal(space.ALBUM_BUCKETS).astype(np.float32),
             "taste_genre": rng.standard_normal(space.GENRE_BUCKETS).astype(np.float32),
             "taste_decade": rng.standard_normal(space.DECADE_BUCKETS).astype(np.float32)}
    album, genre, decade = rng.integers(0, 99, n), rng.integers(0, 99, n), rng.integers(0, 16, n)
    out = RankingModel().score({
        "sound": space.model_rows(x), "artist": artist, "album": album, "genre": genre,
        "decade": decade,
        "recent_audio": recent, "recent_artist": recent_artist, "recent_outcome": outcome,
        "recent_age": np.arange(k, dtype=np.float32), "current_audio": current,
        "has_current": np.ones(1, np.float32), "anchor_audio": anchor,
        "anchor_weight": np.array([-1.5], np.float32), "hour": np.array([21.0], np.float32),
        "metric": metric, **taste})

    per_feature = space.GROUP_MATRIX @ metric
    refs = np.concatenate([recent, anchor])
    sim = np.exp(-(((x[:, None, :] - refs[None]) ** 2) * per_feature).sum(-1) / WEIGHTS.bandwidth)
    decay = np.exp(-np.arange(k) / WEIGHTS.recency)
    value = np.array(WEIGHTS.outcome_values)[outcome] * decay
    same = (artist[:, None] == recent_artist[None]).astype(float)
    session = sim[:, :k] @ value + same @ (WEIGHTS.session_artist * value - WEIGHTS.artist_fatigue * decay)
    hours = np.array([3, 9, 15, 21]) * 2 * np.pi / 24
    day = np.exp(WEIGHTS.daypart_sharpness * (np.cos(21 * 2 * np.pi / 24 - hours) - 1))
    taste_now = taste["taste_audio"] + (day / day.sum()) @ taste["taste_daypart"]
    liking = (x @ taste_now + taste["taste_artist"][artist] + taste["taste_album"][album]
              + taste["taste_genre"][genre] + taste["taste_decade"][decade])
    cols = list(space.CONTINUITY_COLUMNS)
    flow = np.exp(-(((x[:, cols] - current[0, cols]) ** 2) * WEIGHTS.flow_weights).sum(1))
    expected = (WEIGHTS.taste * liking + WEIGHTS.session * session + WEIGHTS.flow * flow
                - 1.5 * sim[:, k])
    np.testing.assert_allclose(out.session, session, atol=1e-4)
    np.testing.assert_allclose(out.taste, liking, atol=1e-4)
    np.testing.assert_allclose(out.score, expected, atol=1e-4)


def test_on_the_real_library_requests_and_rules_hold(library_copy, tmp_path, monkeypatch):
    """The scanned Debian music (shared fixture): rules, a request, an honest fallback."""
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    clock = Clock()
    rec = open_recommender(library_copy, clock)
    picks = play(rec, clock, 12)
    assert len({p.track.id for p in picks}) == 12
    assert all(p.track.duration >= 30 and p.reason for p in picks)
    assert all(a.track.artist is None or a.track.artist != b.track.artist
               for a, b in zip(picks, picks[1:]))
    assert rec.request({"artist": "Maxstack"}).matched
    assert {p.track.artist for p in play(rec, clock, 3)} == {"Maxstack"}
    fallback = rec.request({"genre": "jazz"})
    assert not fallback.matched and rec.next().reason_kind == "fallback"
