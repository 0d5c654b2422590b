"""Audio features: what the scanner stores and the recommender and DJ read back."""

from __future__ import annotations

import numpy as np
import pytest

from booth.library.features import (FEATURE_DIM, FEATURE_NAMES, compute_features, feature,
                                    standardise, tempo_and_energy)

RATE = 22050


def clicks(bpm: float, seconds: float = 20.0, rate: int = RATE, level: float = 0.5) -> np.ndarray:
    """A drum-machine-like click track: short decaying noise bursts on every beat."""
    rng = np.random.default_rng(0)
    out = np.zeros(int(seconds * rate), np.float32)
    burst = (rng.standard_normal(int(0.03 * rate)) * np.exp(-np.linspace(0, 8, int(0.03 * rate))))
    for start in np.arange(0, seconds - 0.05, 60.0 / bpm):
        i = int(start * rate)
        out[i:i + burst.size] += level * burst.astype(np.float32)
    return out


def tone(freq: float, seconds: float = 10.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_the_vector_has_the_documented_length_names_and_type():
    vector = compute_features(clicks(120), RATE)
    assert vector.dtype == np.float32
    assert vector.shape == (FEATURE_DIM,) == (len(FEATURE_NAMES),)
    assert len(set(FEATURE_NAMES)) == FEATURE_DIM
    assert np.isfinite(vector).all()


@pytest.mark.parametrize("bpm", [90, 120, 140])
def test_the_tempo_of_a_click_track_is_measured(bpm):
    tempo, _ = tempo_and_energy(compute_features(clicks(bpm), RATE))
    assert tempo == pytest.approx(bpm, rel=0.04)


def test_busy_loud_music_has_more_energy_than_a_quiet_drone():
    hiss = 0.05 * np.random.default_rng(1).standard_normal(20 * RATE).astype(np.float32)
    busy = clicks(160, level=0.9) + hiss
    drone = tone(110, seconds=20, level=0.02)
    _, busy_energy = tempo_and_energy(compute_features(busy, RATE))
    _, drone_energy = tempo_and_energy(compute_features(drone, RATE))
    assert busy_energy > drone_energy + 0.3


def test_a_high_tone_is_brighter_than_a_low_one():
    low, high = compute_features(tone(200), RATE), compute_features(tone(3000), RATE)
    assert feature(high, "centroid_hz") > 4 * feature(low, "centroid_hz")
    assert feature(high, "zero_crossing_rate") > feature(low, "zero_crossing_rate")


def test_a_c_major_chord_is_heard_in_c_major():
    chord = tone(261.63) + tone(329.63) + tone(392.00) + 0.5 * tone(130.81)
    vector = compute_features(chord, RATE)
    # C sits at the top of the circle of fifths: sin 0, cos 1
    assert feature(vector, "key_cos") == pytest.approx(1.0, abs=0.01)
    assert feature(vector, "major") > 0.5


def test_silence_and_a_blip_give_valid_vectors():
    for signal in (np.zeros(5 * RATE, np.float32), np.ones(100, np.float32) * 0.1):
        vector = compute_features(signal, RATE)
        assert vector.shape == (FEATURE_DIM,) and np.isfinite(vector).all()


def test_other_sample_rates_are_resampled_first():
    at_44k = compute_features(clicks(120, rate=44100), 44100)
    assert feature(at_44k, "tempo_bpm") == pytest.approx(120, rel=0.04)


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="mono"):
        compute_features(np.zeros((100, 2), np.float32), RATE)
    with pytest.raises(ValueError, match="sample_rate"):
        compute_features(np.zeros(100, np.float32), 0)


def test_real_music_lands_on_a_common_scale_once_standardised(library):
    """Standardised, every feature of the Debian music is typically about one unit from the
    centre, so no feature swamps the recommender's distances, and hardly any is clipped."""
    z = standardise(np.stack([t.features for t in library.open().tracks()]))
    assert z.shape[1] == FEATURE_DIM and np.isfinite(z).all()
    assert 0.5 < np.abs(z).mean() < 1.5
    assert np.abs(z).mean(axis=0).max() < 3.0, "one feature is off the common scale"
    assert (np.abs(z) >= 4.0).mean() < 0.02, "the centre and scale do not fit real music"
