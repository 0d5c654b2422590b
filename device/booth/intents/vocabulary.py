"""What the listener can name: the library's artists, albums and titles, genres and moods, each
with the ways people say it.

`Vocabulary.from_tracks(tracks)` builds it on the device with the library; it travels as JSON
(`to_json`/`from_json`, retained on MQTT `booth/<site>/vocabulary`) so a satellite without the
library builds the same grammar. Every list maps a spoken form (surface words, see
`booth.intents.text`) to its canonical value: a name exactly as tagged, or a lowercase genre/mood.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from booth.intents.numbers import UNITS, digit_forms
from booth.intents.text import SYMBOL_WORDS, fold, key
from booth.library.db import Track

FORMAT = 1
LISTS = ("artist", "album", "title", "genre", "mood")
MAX_FORMS = 12   # spoken forms kept per name: products of variants grow fast

# Genres people ask for by name (at least the 30 most common), canonical → other ways to say it.
GENRES: dict[str, tuple[str, ...]] = {
    "pop": ("pop music",), "rock": (), "hip hop": ("hiphop",), "rap": (),
    "r&b": ("rnb", "rhythm and blues"), "soul": (), "funk": (), "jazz": (), "blues": (),
    "classical": ("classic",), "country": (), "folk": (), "electronic": ("electronica",),
    "dance": (), "house": (), "techno": (), "trance": (),
    "drum and bass": ("drum n bass", "d n b", "dnb"), "dubstep": (), "ambient": (),
    "indie": (), "alternative": ("alt rock", "alternative rock"), "metal": ("heavy metal",),
    "punk": ("punk rock",), "reggae": (), "latin": (), "disco": (), "gospel": (),
    "soundtrack": ("soundtracks", "film score", "film music", "movie music", "score"),
    "lo-fi": ("low fi",), "k-pop": ("korean pop",), "singer-songwriter": (),
    "world": (), "new age": (), "grunge": (), "emo": (), "ska": (), "swing": (),
    "bossa nova": (), "salsa": (), "afrobeat": ("afrobeats",), "trap": (),
    "edm": ("e d m",), "synthwave": ("synth wave", "retrowave"),
    "chiptune": ("chip tune", "chiptunes", "eight bit"), "video game": ("game", "games",
                                                                        "video games"),
    "instrumental": (), "acoustic": (), "orchestral": ("orchestra",), "opera": (),
    "christmas": ("xmas", "holiday"), "kids": ("children's", "children", "nursery rhymes"),
    "experimental": (), "industrial": (), "hard rock": (), "soft rock": (), "classic rock": (),
    "psychedelic": ("psychedelic rock",), "progressive rock": ("prog", "prog rock"),
    "easy listening": (), "lounge": (), "downtempo": (), "trip hop": ("triphop",),
    "rock and roll": ("rock n roll",), "oldies": (), "grime": (), "garage": (),
}

# Moods, each its own value, canonical → other ways to say it.
MOODS: dict[str, tuple[str, ...]] = {
    "chill": ("chilled", "chilled out", "chill out", "chillout", "laid back"),
    "relaxing": ("relaxed", "relax", "relaxation"),
    "calm": ("calming", "peaceful", "quiet", "soothing", "gentle"),
    "upbeat": ("up tempo", "uptempo"),
    "energetic": ("energizing", "energising", "high energy", "lively", "pumped up"),
    "happy": ("cheerful", "joyful", "feel good", "fun", "uplifting", "positive"),
    "sad": ("melancholy", "melancholic", "depressing", "sombre", "somber"),
    "focus": ("focused", "focusing", "concentration", "concentrate", "study", "studying",
              "work", "working"),
    "party": ("partying", "party time"),
    "dark": ("gloomy", "moody", "brooding", "ominous", "spooky", "creepy"),
    "romantic": ("love", "sexy"),
    "mellow": ("smooth",),
    "sleep": ("sleepy", "sleeping", "bedtime", "falling asleep"),
    "workout": ("work out", "exercise", "running", "gym", "training"),
    "dreamy": ("ethereal", "atmospheric"),
    "epic": ("dramatic", "cinematic", "heroic"),
}

# Genre tags that name no genre anyone would ask for.
_NOT_GENRES = frozenset({"other", "unknown", "misc", "none", "genre", "various", "default"})

_PLACEHOLDER_ARTISTS = frozenset({"various artists", "various", "va", "unknown artist", "unknown",
                                  "artist"})

# Abbreviations in names, said in full (the written form is kept as a second spoken form).
ABBREVIATIONS = {"dr": "doctor", "mr": "mister", "mrs": "missus", "st": "saint", "jr": "junior",
                 "sr": "senior", "vs": "versus", "vol": "volume", "pt": "part", "mt": "mount",
                 "feat": "featuring", "ft": "featuring", "sgt": "sergeant", "prof": "professor",
                 "no": "number"}
_NEEDS_DOT = frozenset({"no", "pt", "vol", "mt"})   # "No" without a dot is the word "no"
_CONTRACTION = re.compile(r"'(s|t|re|ve|ll|d|m)$")

_TOKEN = re.compile(r"(?P<acronym>(?:[A-Za-z]\.){2,})"
                    r"|(?P<number>\d+(?:\.\d+)?)"
                    r"|(?P<word>[A-Za-z]+(?:['-][A-Za-z]+)*\.?)"
                    r"|(?P<symbol>[&+@%#])")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_REDUCTIONS = (
    re.compile(r"\s*[(\[][^)\]]*[)\]]"),                           # "(Remastered)", "[Live]"
    re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$", re.I),      # "feat. Snoop Dogg"
    re.compile(r"\s+-\s+.*$"),                                      # " - Deluxe Edition"
    re.compile(r"^the\s+", re.I),                                   # "The Beatles"
    re.compile(r"\s*:?\s+(?:original\s+)?(?:soundtrack|ost|score)$", re.I),
)


def _word_variants(word: str) -> list[str]:
    dotted = word.endswith(".")
    word = word.rstrip(".")
    lower = word.lower()
    if "-" in word:
        parts = [p for part in word.split("-") for p in _word_variants(part)[:1]]
        return list(dict.fromkeys([" ".join(parts), "".join(parts)]))
    if "'" in word:
        if _CONTRACTION.search(lower):
            return [lower]
        return list(dict.fromkeys([lower.replace("'", ""), lower.replace("'", " ")]))
    if lower in ABBREVIATIONS and (dotted or lower not in _NEEDS_DOT):
        return [ABBREVIATIONS[lower], lower]
    if lower == "n":                                     # "Guns N' Roses", "Rock 'n' Roll"
        return ["n", "and"]
    if word.isupper() and 2 <= len(word) <= 4:           # "AC" → "ac", "a c"
        return [lower, " ".join(lower)]
    split = _CAMEL.sub(" ", word).lower()                # "HyperRogue" → "hyper rogue"
    return [split, lower] if split != lower else [lower]


def _token_variants(match: re.Match[str]) -> list[str]:
    kind, value = match.lastgroup, match.group()
    if kind == "acronym":                                 # "R.E.M." → "r e m", "rem"
        letters = value.replace(".", "").lower()
        return [" ".join(letters), letters]
    if kind == "number":
        whole, _, fraction = value.partition(".")
        forms = digit_forms(whole)
        if fraction:
            said = " ".join("oh" if d == "0" else UNITS[int(d)] for d in fraction)
            return [f"{forms[0]} point {said}"]
        return forms
    if kind == "symbol":
        return [SYMBOL_WORDS[value]] + (["and"] if value == "+" else [])
    return _word_variants(value)


def _full_forms(name: str) -> list[str]:
    variants = [_token_variants(m) for m in _TOKEN.finditer(fold(name))]
    if not variants:
        return []
    return [" ".join(p) for p in itertools.islice(itertools.product(*variants), MAX_FORMS)]


def _short_names(name: str) -> list[str]:
    """Shorter names people use: without "(Live)", "feat. …", " - Remastered", "The "."""
    out = []
    for pattern in _REDUCTIONS:
        shorter = pattern.sub("", name).strip(" :-")
        if shorter and shorter != name:
            out.append(shorter)
    if len(out) > 1:                                      # all reductions at once
        shorter = name
        for pattern in _REDUCTIONS:
            shorter = pattern.sub("", shorter).strip(" :-") or shorter
        out.append(shorter)
    return list(dict.fromkeys(out))


def _alias_forms(name: str) -> list[str]:
    full = set(_full_forms(name))
    return [f for short in _short_names(name) for f in _full_forms(short)[:4] if f not in full]


def spoken_forms(name: str) -> list[str]:
    """How people say a name: "HyperRogue" → ["hyper rogue", "hyperrogue"]; "AC/DC" → ["ac dc",
    …, "a c d c"]; "Room 101" → ["room one hundred one", …, "room one oh one", …].

    The full forms come first, then shortened ones ("Dr. Dre feat. Snoop Dogg" → "doctor dre").
    """
    return list(dict.fromkeys(_full_forms(name) + _alias_forms(name)))


def name_key(name: str) -> str:
    """A comparison key for names and genres: equal keys mean the same thing said aloud
    ("Hip-Hop" and "hip hop"; "Sigur Rós" and "sigur ros")."""
    forms = _full_forms(name)
    return " ".join(key(w) for w in forms[0].split()) if forms else ""


def _build_list(names: Iterable[str], extra: Mapping[str, Iterable[str]] = {}) -> dict[str, str]:
    """spoken form → canonical name; the first name to claim a form keeps it, full forms before
    shortened ones, so a shortened form never takes a name's own form."""
    names = list(dict.fromkeys(names))
    spoken: dict[str, str] = {}
    keyed: set[str] = set()
    passes = ([(n, f) for n in names for f in _full_forms(n)]
              + [(n, f) for n in names for alias in extra.get(n, ()) for f in _full_forms(alias)]
              + [(n, f) for n in names for f in _alias_forms(n)])
    for name, form in passes:
        form_key = " ".join(key(w) for w in form.split())
        if form_key not in keyed:
            keyed.add(form_key)
            spoken[form] = name
    return spoken


def _real_album_artist(name: str | None) -> bool:
    """Album-artist tags are often placeholders ("Various Artists") or junk ("4")."""
    return bool(name and re.search(r"[A-Za-z]", name)
                and name.strip().lower() not in _PLACEHOLDER_ARTISTS)


def _by_count(values: Iterable[str | None]) -> list[str]:
    """Distinct non-empty values, most frequent first, then alphabetical: the order in which
    names claim a spoken form they share."""
    counts = Counter(v.strip() for v in values if v and v.strip())
    return sorted(counts, key=lambda v: (-counts[v], v))


@dataclass(frozen=True)
class Vocabulary:
    """The names a listener can say, per slot list: list → spoken form → canonical value.

    Lists: artist, album, title (exactly as tagged), genre (lowercase; the fixed list plus the
    library's own genres), mood (lowercase, fixed list).
    """

    lists: Mapping[str, Mapping[str, str]]

    def __post_init__(self) -> None:
        unknown = set(self.lists) - set(LISTS)
        if unknown:
            raise ValueError(f"unknown vocabulary lists {sorted(unknown)}; expected {LISTS}")

    def __hash__(self) -> int:
        return hash(self.digest)

    @classmethod
    def from_tracks(cls, tracks: Iterable[Track]) -> "Vocabulary":
        """Build from library tracks (booth.library.db.Track)."""
        tracks = list(tracks)
        artists = _by_count([a for t in tracks for a in (t.artist, *t.artists)]
                            + [t.albumartist for t in tracks if _real_album_artist(t.albumartist)])
        return cls.build(artists=artists, albums=_by_count(t.album for t in tracks),
                         titles=_by_count(t.title for t in tracks),
                         genres=_by_count(g for t in tracks for g in (t.genres or (t.genre,))))

    @classmethod
    def build(cls, artists: Iterable[str] = (), albums: Iterable[str] = (),
              titles: Iterable[str] = (), genres: Iterable[str] = ()) -> "Vocabulary":
        """Build from names; `genres` are the library's own, added to the fixed list (and
        taking precedence over it where they are said the same way)."""
        own = list(dict.fromkeys(g.strip().lower() for g in genres
                                 if g.strip().lower() not in _NOT_GENRES and name_key(g)))
        # A library genre said like a fixed one ("Game" ~ "video game") takes over its other
        # names, so the slot value is always the library's own tag.
        fixed_by_key = {name_key(alias): fixed for fixed, aliases in GENRES.items()
                        for alias in (fixed, *aliases)}
        genre_aliases: dict[str, tuple[str, ...]] = dict(GENRES)
        for genre in own:
            fixed = fixed_by_key.get(name_key(genre))
            if fixed in genre_aliases:
                genre_aliases[genre] = (fixed, *genre_aliases.pop(fixed))
        return cls({
            "artist": _build_list(artists),
            "album": _build_list(albums),
            "title": _build_list(titles),
            "genre": _build_list(own + [g for g in GENRES if g in genre_aliases], genre_aliases),
            "mood": _build_list(MOODS, MOODS),
        })

    @classmethod
    def empty(cls) -> "Vocabulary":
        """Genres and moods only: for a device with no library yet."""
        return cls.build()

    def values(self, list_name: str) -> Mapping[str, str]:
        """spoken form → canonical value for one list ({} for a list this vocabulary lacks)."""
        return self.lists.get(list_name, {})

    def canonical_names(self, list_name: str) -> list[str]:
        """The distinct canonical values of a list, sorted."""
        return sorted(set(self.values(list_name).values()))

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "lists": {name: dict(sorted(self.values(name).items())) for name in LISTS}}

    def to_json(self) -> str:
        """Compact, stable JSON (sorted), the same text for the same vocabulary."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Vocabulary":
        """Parse `to_json` output; raises ValueError saying what is wrong."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"vocabulary is not JSON: {error}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"vocabulary JSON must be an object with format {FORMAT}, got "
                             f"format {data.get('format') if isinstance(data, dict) else None!r}")
        lists = data.get("lists")
        if not isinstance(lists, dict) or not all(
                isinstance(v, dict) and all(isinstance(a, str) and isinstance(b, str)
                                            for a, b in v.items()) for v in lists.values()):
            raise ValueError("vocabulary JSON 'lists' must map each list name to an object of "
                             "spoken form → canonical value strings")
        return cls({name: dict(values) for name, values in lists.items()})

    @functools.cached_property
    def digest(self) -> str:
        """A short stable fingerprint (sha256 of the JSON): equal digests, equal grammars."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]
