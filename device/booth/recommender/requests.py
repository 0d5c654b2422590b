"""Requests: turning "play some jazz" into a pool of tracks, an anchor, or an album queue.

A request is stored as a JSON dict (``state['dj.request']``) so every process sees it:
``kind`` (artist, album, title, genre, mood, more_like_this, switch_it_up), ``label`` (what
the DJ calls it), ``matched`` (false: nothing matched, the closest thing is played),
``remaining`` (picks it still steers), ``given`` (picks made so far), ``queue`` (album and
title: track ids in order), ``anchor`` (a track id) or ``away`` (a point in sound space).

Pools are recomputed from the request and the catalogue when needed (and memoised by the
recommender), never stored: they follow the library when it changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from booth.recommender import space
from booth.recommender.catalogue import Catalogue
from booth.recommender.profiles import (GENRES, MOODS, genre_profile_name, mood_name,
                                        profile_scores)

REQUEST_PICKS = 5
"""How many picks an artist, genre, mood or "more like this" request steers."""
SWITCH_PICKS = 3
"""How many picks "switch it up" keeps away from where the session was."""
MORE_LIKE_THIS_POOL = 0.3
SWITCH_POOL = 0.4
MOOD_POOL = 0.3
FALLBACK_POOL = 0.15
ANCHOR_PULL = 2.0
"""Anchor weight for "more like this" (towards the track)."""
PROFILE_PULL = 1.0
"""Anchor weight towards the middle of a mood or closest-genre pool."""
SWITCH_PUSH = -1.5
"""Anchor weight for "switch it up" (away from where the session was)."""

@dataclass(frozen=True)
class RequestResult:
    """What a request did, for the DJ to say and the command line to print."""

    kind: str
    label: str
    matched: bool
    tracks: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "matched": self.matched,
                "tracks": self.tracks, "message": self.message}


Pool = tuple[np.ndarray | None, np.ndarray | None, float]
"""(pool mask, or None for the whole library; anchor point or None; anchor weight)."""


def new_request(kind: str, label: str, matched: bool, remaining: int, **extra: Any) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex[:12], "kind": kind, "label": label, "matched": matched,
            "remaining": remaining, "given": 0, **extra}


# -- matching tags -----------------------------------------------------------------------


def _tokens(text: str) -> set[str]:
    return set(space.normalise_name(text).replace("-", " ").split())


def artist_rows(catalogue: Catalogue, artist: str) -> np.ndarray:
    key = space.normalise_name(artist)
    rows = [i for i, names in enumerate(catalogue.artists) if key in names]
    if not rows:  # "maxstack" also finds "Maxstack & Friends"
        rows = [i for i, names in enumerate(catalogue.artists) if any(key in n for n in names)]
    return np.array(rows, np.int64)


def genre_rows(catalogue: Catalogue, genre: str) -> np.ndarray:
    """Tracks tagged with the genre: "jazz" finds "Jazz Fusion", "video game" finds "Game"."""
    wanted = _tokens(genre)
    if not wanted:
        return np.zeros(0, np.int64)
    rows = [i for i, genres in enumerate(catalogue.genres)
            if any(_tokens(g) and (wanted <= _tokens(g) or _tokens(g) <= wanted) for g in genres)]
    return np.array(rows, np.int64)


def title_rows(catalogue: Catalogue, title: str) -> np.ndarray:
    key = space.normalise_name(title)
    exact = [i for i, t in enumerate(catalogue.titles) if space.normalise_name(t) == key]
    if exact:
        return np.array(exact, np.int64)
    return np.array([i for i, t in enumerate(catalogue.titles) if key in space.normalise_name(t)],
                    np.int64)


def album_rows(catalogue: Catalogue, album: str) -> np.ndarray:
    """The album's tracks in disc and track order (exact name first, else a partial match)."""
    key = space.normalise_name(album)
    names = {space.normalise_name(a) for a in catalogue.albums if a}
    if key not in names:
        partial = sorted(n for n in names if key in n)
        if not partial:
            return np.zeros(0, np.int64)
        key = partial[0]
    rows = [i for i, a in enumerate(catalogue.albums) if a and space.normalise_name(a) == key]
    rows.sort(key=lambda i: catalogue.order[i])
    return np.array(rows, np.int64)


# -- sound ---------------------------------------------------------------------------------


def top_fraction(values: np.ndarray, fraction: float, minimum: int = 3) -> np.ndarray:
    """Rows of the highest ``fraction`` of ``values`` (at least ``minimum``)."""
    count = min(values.size, max(minimum, int(round(fraction * values.size))))
    return np.argsort(-values, kind="stable")[:count]


def distances(catalogue: Catalogue, point: np.ndarray) -> np.ndarray:
    """Distance of every track from a point in sound space, per the library's spread."""
    return (((catalogue.audio - point) ** 2) / catalogue.spread).sum(axis=1)


# -- resolving what was asked -------------------------------------------------------------


def resolve(catalogue: Catalogue, slots: dict[str, Any] | None) -> tuple[dict | None, RequestResult]:
    """The request for some slots (title > album > artist > genre > mood), and what to say.

    No slots: no request (back to the usual mix)."""
    slots = {k: str(v).strip() for k, v in (slots or {}).items() if v is not None and str(v).strip()}
    if "title" in slots:
        return _title(catalogue, slots["title"])
    if "album" in slots:
        return _album(catalogue, slots["album"])
    if "artist" in slots:
        return _artist(catalogue, slots["artist"], slots.get("genre"))
    if "genre" in slots:
        return _genre(catalogue, slots["genre"])
    if "mood" in slots:
        return _mood(slots["mood"])
    return None, RequestResult("taste", "", True, len(catalogue), "Back to the usual mix.")


def more_like_this(catalogue: Catalogue, track_id: int | None) -> tuple[dict | None, RequestResult]:
    row = catalogue.row(track_id) if track_id is not None else None
    if row is None:
        return None, RequestResult("more_like_this", "", False, 0,
                                   "Nothing is playing yet, so there is nothing to match.")
    title = catalogue.titles[row]
    return (new_request("more_like_this", title, True, REQUEST_PICKS, anchor=int(track_id)),
            RequestResult("more_like_this", title, True, REQUEST_PICKS, f"More like {title} coming up."))


def switch_it_up(catalogue: Catalogue, recent_ids: list[int]) -> tuple[dict, RequestResult]:
    """Away from the middle of the recent tracks (the library's middle if none)."""
    rows = [r for r in map(catalogue.row, recent_ids) if r is not None]
    away = catalogue.audio[rows].mean(axis=0) if rows else np.zeros(space.AUDIO_DIM, np.float32)
    label = "something different"
    return (new_request("switch_it_up", label, True, SWITCH_PICKS, away=[float(v) for v in away]),
            RequestResult("switch_it_up", label, True, SWITCH_PICKS, "Switching it up."))


def _not_found(kind: str, said: str) -> tuple[dict, RequestResult]:
    return (new_request(kind, said, False, REQUEST_PICKS),
            RequestResult(kind, said, False, 0, f"I can't find {said} here, so here's something "
                          "close to what you've been enjoying."))


def _title(cat: Catalogue, title: str) -> tuple[dict, RequestResult]:
    rows = title_rows(cat, title)
    if rows.size == 0:
        return _not_found("title", title)
    row = int(rows[0])
    name, artist = cat.titles[row], cat.artist_of(row)
    by = f" by {artist}" if artist else ""
    return (new_request("title", name, True, 1, queue=[int(cat.ids[row])]),
            RequestResult("title", name, True, 1, f"{name}{by} is next."))


def _album(cat: Catalogue, album: str) -> tuple[dict, RequestResult]:
    rows = album_rows(cat, album)
    if rows.size == 0:
        return _not_found("album", album)
    name = cat.albums[int(rows[0])]
    queue = [int(cat.ids[r]) for r in rows]
    return (new_request("album", name, True, len(queue), queue=queue),
            RequestResult("album", name, True, len(queue), f"{name}: {len(queue)} tracks, in order."))


def _artist(cat: Catalogue, artist: str, genre: str | None) -> tuple[dict, RequestResult]:
    rows = artist_rows(cat, artist)
    if genre:
        rows = np.intersect1d(rows, genre_rows(cat, genre))
    if rows.size == 0:
        return _not_found("artist", artist)
    label = cat.artist_of(int(rows[0])) or artist
    return (new_request("artist", label, True, REQUEST_PICKS, artist=artist, genre=genre),
            RequestResult("artist", label, True, int(rows.size), f"{label} coming up."))


def _genre(cat: Catalogue, genre: str) -> tuple[dict, RequestResult]:
    rows = genre_rows(cat, genre)
    label = genre.strip().lower()
    if rows.size:
        return (new_request("genre", label, True, REQUEST_PICKS, genre=genre),
                RequestResult("genre", label, True, int(rows.size), f"Some {label} coming up."))
    profile = genre_profile_name(genre)
    request = new_request("genre", label, False, REQUEST_PICKS, genre=genre, profile=profile)
    if profile:
        return request, RequestResult("genre", label, False, 0,
                                      f"No {label} here, so here's the closest thing I have.")
    return request, RequestResult("genre", label, False, 0,
                                  f"No {label} here, and I can't tell what it sounds like, so "
                                  "here's something you might like instead.")


def _mood(mood: str) -> tuple[dict, RequestResult]:
    name, label = mood_name(mood), mood.strip().lower()
    if name is None:
        return (new_request("mood", label, False, REQUEST_PICKS),
                RequestResult("mood", label, False, 0, f"I don't know what {label} music "
                              "sounds like, so here's something you might like."))
    return (new_request("mood", label, True, REQUEST_PICKS, profile=name),
            RequestResult("mood", label, True, REQUEST_PICKS, f"Something {label} coming up."))


# -- what a request does to a pick ---------------------------------------------------------


def pool(cat: Catalogue, req: dict[str, Any]) -> Pool:
    """The tracks a request allows and the point it pulls towards (or pushes from)."""
    kind = req["kind"]
    rows, anchor, weight = None, None, 0.0
    if kind == "artist" and req.get("matched"):
        rows = artist_rows(cat, req["artist"])
        if req.get("genre"):
            rows = np.intersect1d(rows, genre_rows(cat, req["genre"]))
    elif kind == "genre" and req.get("matched"):
        rows = genre_rows(cat, req["genre"])
    elif kind in ("genre", "mood") and req.get("profile"):
        profile = MOODS[req["profile"]] if kind == "mood" else GENRES[req["profile"]]
        rows = top_fraction(profile_scores(cat, profile), MOOD_POOL if kind == "mood" else FALLBACK_POOL)
        anchor, weight = cat.audio[rows].mean(axis=0), PROFILE_PULL
    elif kind == "more_like_this" and cat.row(req["anchor"]) is not None:
        anchor_row = cat.row(req["anchor"])
        anchor, weight = cat.audio[anchor_row], ANCHOR_PULL
        rows = top_fraction(-distances(cat, anchor), MORE_LIKE_THIS_POOL)
        rows = rows[rows != anchor_row]
    elif kind == "switch_it_up":
        anchor, weight = np.asarray(req["away"], np.float32), SWITCH_PUSH
        rows = top_fraction(distances(cat, anchor), SWITCH_POOL)
    if rows is None:
        return None, anchor, weight
    mask = np.zeros(len(cat), bool)
    mask[rows] = True
    return mask, anchor, weight


def reason_kind(req: dict[str, Any]) -> str:
    if not req.get("matched"):
        return "fallback"
    return {"more_like_this": "more_like_this", "switch_it_up": "switch_it_up",
            "album": "album"}.get(req["kind"], "request")


def reason(req: dict[str, Any], given: int) -> str:
    """What the DJ can say about the ``given``-th pick (0 = first) of a request."""
    kind, label, first = req["kind"], req.get("label", ""), given == 0
    if kind == "switch_it_up":
        return "something different, as you wanted" if first else "keeping it different, as you wanted"
    if kind == "more_like_this":
        return f"more like {label}"
    if not req.get("matched"):
        if kind == "genre" and req.get("profile"):
            return (f"no {label} here — here's the closest thing" if first
                    else f"still the closest thing to {label} I have")
        return (f"no {label} here — here's something you might like" if first
                else "something you might like")
    if kind == "album":
        return f"{label}, from the top" if first else f"next from {label}"
    if kind == "title":
        return f"{label}, as you asked"
    if kind == "artist":
        return f"{label}, as you asked" if first else f"more {label}, as you asked"
    if kind == "mood":
        return f"something {label}, as you asked" if first else f"more of the {label} music you asked for"
    return f"some {label}, as you asked" if first else f"more of the {label} you asked for"
