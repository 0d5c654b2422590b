"""Where moods and genres sit in sound space, for requests the tags cannot answer.

A profile is a set of weights over named audio features; a track's fit is the weighted
sum of its features standardised over the library (so "relaxing" means relaxing *for this
library*). Mood words and genre words (the intent parser's lists) map onto profiles.
"""

from __future__ import annotations

import numpy as np

from booth.library.features import FEATURE_INDEX
from booth.recommender import space
from booth.recommender.catalogue import Catalogue

# Where a mood or genre sits in sound space: weights over library-standardised features.
_RELAXING = {"energy": -1.0, "onset_rate": -0.7, "tempo_bpm": -0.4, "level_db": -0.4,
             "centroid_hz": -0.4}
_ENERGETIC = {"energy": 1.0, "onset_rate": 0.7, "tempo_bpm": 0.5, "level_db": 0.4,
              "pulse_clarity": 0.4}
MOODS: dict[str, dict[str, float]] = {
    "relaxing": _RELAXING,
    "energetic": _ENERGETIC,
    "happy": {"major": 1.0, "tempo_bpm": 0.4, "energy": 0.3, "centroid_hz": 0.3},
    "sad": {"major": -1.0, "tempo_bpm": -0.5, "energy": -0.5},
    "dark": {"centroid_hz": -1.0, "major": -0.6, "bass_share": 0.6},
    "focus": {"onset_rate": -0.4, "level_spread_db": -0.5, "energy": -0.3, "pulse_clarity": 0.3},
    "party": {"pulse_clarity": 1.0, "energy": 0.8, "tempo_bpm": 0.4, "bass_share": 0.3},
    "romantic": {"energy": -0.5, "major": 0.3, "tempo_bpm": -0.4, "centroid_hz": -0.3},
    "sleep": {"energy": -1.0, "onset_rate": -1.0, "level_db": -0.6, "tempo_bpm": -0.5},
    "dreamy": {"onset_rate": -0.7, "pulse_clarity": -0.5, "flatness": 0.3, "energy": -0.4},
    "epic": {"energy": 0.8, "level_spread_db": 0.7, "bass_share": 0.4},
}
MOOD_WORDS = {
    **{word: "relaxing" for word in (
        "relaxing", "relaxed", "relax", "relaxation", "calm", "calming", "chill", "chilled",
        "chillout", "mellow", "smooth", "quiet", "soft", "peaceful", "slow", "gentle",
        "soothing", "laid back")},
    **{word: "energetic" for word in (
        "energetic", "energizing", "energising", "upbeat", "uptempo", "up tempo", "lively",
        "fast", "loud", "workout", "exercise", "running", "gym", "training", "pumping",
        "pumped up", "high energy", "intense", "exciting")},
    **{word: "happy" for word in ("happy", "cheerful", "joyful", "bright", "sunny", "fun",
                                  "uplifting", "positive", "feel good")},
    **{word: "sad" for word in ("sad", "melancholy", "melancholic", "depressing", "sombre",
                                "somber")},
    **{word: "dark" for word in ("dark", "gloomy", "moody", "brooding", "ominous", "spooky",
                                 "creepy", "scary")},
    **{word: "focus" for word in ("focus", "focused", "focusing", "study", "studying",
                                  "concentration", "concentrate", "work", "working")},
    **{word: "party" for word in ("party", "partying", "party time")},
    **{word: "romantic" for word in ("romantic", "love", "sexy")},
    **{word: "sleep" for word in ("sleep", "sleepy", "sleeping", "bedtime", "falling asleep")},
    **{word: "dreamy" for word in ("dreamy", "ethereal", "atmospheric")},
    **{word: "epic" for word in ("epic", "dramatic", "cinematic", "heroic")},
}
GENRES: dict[str, dict[str, float]] = {
    "jazz": {"key_clarity": -0.8, "energy": -0.3, "flatness": -0.3, "pulse_clarity": -0.3},
    "classical": {"energy": -0.6, "pulse_clarity": -0.8, "level_spread_db": 0.8, "flatness": -0.6},
    "ambient": {"energy": -1.0, "onset_rate": -1.0, "pulse_clarity": -0.8},
    "electronic": {"pulse_clarity": 1.0, "flatness": 0.4, "tempo_bpm": 0.3, "bass_share": 0.4},
    "rock": {"energy": 0.8, "centroid_hz": 0.5, "flatness": 0.5, "mid_share": 0.5},
    "metal": {"energy": 1.0, "flatness": 1.0, "centroid_hz": 0.8, "tempo_bpm": 0.5},
    "pop": {"pulse_clarity": 0.5, "major": 0.5, "energy": 0.3},
    "hip hop": {"bass_share": 0.8, "pulse_clarity": 0.6, "tempo_bpm": -0.3},
    "folk": {"energy": -0.4, "flatness": -0.5, "bass_share": -0.4},
    "blues": {"major": -0.3, "tempo_bpm": -0.4, "energy": -0.2},
    "soundtrack": {"level_spread_db": 0.8, "pulse_clarity": -0.3},
    "dance": {"pulse_clarity": 1.0, "energy": 0.7, "tempo_bpm": 0.4},
    "downtempo": {"tempo_bpm": -0.8, "pulse_clarity": 0.4, "energy": -0.4, "bass_share": 0.4},
    "chiptune": {"flatness": -0.6, "treble_share": 0.8, "centroid_hz": 0.8, "pulse_clarity": 0.5},
}
_GENRE_GROUPS = {
    "jazz": ("jazz", "swing", "bebop", "bossa nova", "lounge", "soul", "r&b", "funk"),
    "classical": ("classical", "classic", "orchestral", "orchestra", "opera", "piano",
                  "instrumental"),
    "ambient": ("ambient", "drone", "new age", "experimental"),
    "electronic": ("electronic", "electronica", "techno", "house", "trance", "edm", "synth",
                   "synthwave", "industrial", "dubstep", "drum and bass", "garage", "grime"),
    "rock": ("rock", "indie", "punk", "alternative", "grunge", "emo", "hard rock",
             "classic rock", "soft rock", "psychedelic", "progressive rock", "rock and roll",
             "ska", "oldies"),
    "metal": ("metal", "heavy metal"),
    "pop": ("pop", "k-pop", "christmas", "kids", "latin", "salsa", "reggae", "afrobeat",
            "world", "gospel"),
    "hip hop": ("hip hop", "hiphop", "hip-hop", "rap", "trap"),
    "folk": ("folk", "acoustic", "country", "singer-songwriter"),
    "blues": ("blues",),
    "soundtrack": ("soundtrack", "film score", "film", "cinematic", "score", "video game",
                   "game"),
    "dance": ("dance", "disco"),
    "downtempo": ("downtempo", "trip hop", "lo-fi", "easy listening"),
    "chiptune": ("chiptune",),
}
GENRE_WORDS = {word: profile for profile, words in _GENRE_GROUPS.items() for word in words}


def mood_name(word: str) -> str | None:
    """The sound profile of a mood word ("chilled" → relaxing), or None."""
    key = space.normalise_name(word)
    return MOOD_WORDS.get(key) or next((MOOD_WORDS[t] for t in key.split() if t in MOOD_WORDS), None)


def genre_profile_name(word: str) -> str | None:
    """The sound profile closest to a genre ("techno" → electronic), or None."""
    key = space.normalise_name(word)
    return GENRE_WORDS.get(key) or next((GENRE_WORDS[t] for t in key.split() if t in GENRE_WORDS), None)


def profile_scores(catalogue: Catalogue, profile: dict[str, float]) -> np.ndarray:
    """How well each track fits a profile, relative to this library (z-scores)."""
    columns = [FEATURE_INDEX[name] for name in profile]
    weights = np.array(list(profile.values()), np.float32)
    x = catalogue.audio[:, columns]
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    return z @ weights
