"""The station: puts tracks and the DJ's links on the mixer's timeline, and takes control
requests (skip, pause, volume, say ...) from any thread.

Everything that touches the mixer runs in the render thread: requests from other threads
are queued and applied at the start of the next block.
"""

from __future__ import annotations

import logging
import queue
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from booth.audio.decode import DecodeError, TrackReader
from booth.audio.mixer import Deck, Mixer, VoiceClip
from booth.config import Config
from booth.library.db import Track
from booth.station.picker import Pick, Picker

log = logging.getLogger(__name__)

SKIP_FADE = 0.6
"""Seconds to fade out the current track on a skip."""
SEEK_FADE = 0.05
"""Seconds to fade out before, and in after, a seek (no click)."""
MIN_LINK = 2.5
"""Seconds of intro a link needs; with less left, a late link is dropped."""
LATE_OPENING = 3.0
"""A session's opening link may start this late into the first track."""
ASKED_FOR = "you asked for it"
"""The reason given for a track from the play-next queue (reason kind ``request``)."""


class LinkJob(Protocol):
    """A DJ link being written and synthesised in the background."""

    def done(self) -> bool: ...
    def result(self, timeout: float | None = None) -> tuple[np.ndarray, str] | None: ...


class LinkMaker(Protocol):
    """Writes and voices the DJ's link for a transition (booth.dj)."""

    def prepare(self, pick: Pick, previous: Track | None, budget: float,
                session_start: bool) -> LinkJob | None: ...


@dataclass(eq=False)
class Placed:
    """A track on the timeline and what became of it."""

    pick: Pick
    deck: Deck
    started: bool = False
    outcome: str = ""
    queued: bool = False
    """Taken from the play-next queue (put back there if cancelled before it is heard)."""
    offset: float | None = None
    """Seconds into the file where the deck starts, when not at the cue-in (resumed, sought)."""

    @property
    def track(self) -> Track:
        return self.pick.track


@dataclass(eq=False)
class PendingLink:
    job: LinkJob
    incoming: Placed
    outgoing: Placed | None
    deadline: int = 0


@dataclass
class Segment:
    """One entry of a mixtape report."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[str, dict[str, Any]], None]


class Station:
    """Schedules a DJ session on a mixer."""

    def __init__(self, config: Config, picker: Picker, dj: LinkMaker | None = None,
                 offline: bool = False, loudness_target: float | None = None):
        self.config = config
        self.audio = config.audio
        self.mixer = Mixer(config.audio)
        self.rate = self.mixer.rate
        self.picker = picker
        self.dj = dj
        self.offline = offline
        """True for mixtapes: wait for every link instead of dropping late ones."""
        self.target = config.audio.loudness_target if loudness_target is None else loudness_target
        self.placed: list[Placed] = []
        self.played: list[Placed] = []
        self.links: list[PendingLink] = []
        self.segments: list[Segment] = []
        self.listeners: list[Listener] = []
        self.requests: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.up_next: deque[Track] = deque()
        """Tracks asked for one by one: they play next, in order, before the picker's."""
        self.end_frame: int | None = None
        self._end_fade = 0
        self.stopped = False
        self.dropped_links = 0
        self.link_margins: list[float] = []
        """Seconds each link was ready before it had to start (live mode)."""
        self._session_start = True

    # -- thread-safe requests -----------------------------------------------------------

    def submit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the render thread before the next block."""
        self.requests.put(fn)

    def skip(self) -> None:
        self.submit(self._skip)

    def pause(self, fade: float = 0.15) -> None:
        """Fade out over ``fade`` seconds and hold the timeline."""
        self.submit(lambda: (self.mixer.pause(fade), self._emit("paused", {})))

    def resume(self) -> None:
        self.submit(lambda: (self.mixer.resume(), self._emit("resumed", {})))

    def set_volume(self, level: float) -> None:
        self.submit(lambda: self.mixer.set_volume(level))

    def duck_for_listening(self, on: bool) -> None:
        """Duck the music while the listener hears a request; restore it after."""
        self.submit(lambda: self.mixer.duck_for_listening(on))

    def say(self, samples: np.ndarray, text: str = "",
            on_done: Callable[[], None] | None = None) -> None:
        """Speak now over whatever plays, ducking it."""
        def place() -> None:
            start = self.mixer.position + int(self.audio.duck_attack * self.rate)
            self.mixer.add_voice(VoiceClip(samples, start, text, on_done))
            self._log_voice(text, start, samples.shape[0])
        self.submit(place)

    def enqueue(self, track: Track) -> None:
        """Play ``track`` after what plays now and after the tracks enqueued before it,
        ahead of anything the picker had planned."""
        def add() -> None:
            self.up_next.append(track)
            self._cancel_upcoming(self.mixer.position)  # re-plan: the queue comes first
        self.submit(add)

    def clear_queue(self) -> None:
        """Forget the tracks enqueued and not yet heard."""
        def clear() -> None:
            self._cancel_upcoming(self.mixer.position)
            self.up_next.clear()
        self.submit(clear)

    def upcoming(self) -> list[Track]:
        """What plays after the current track, as far as it is known: the tracks placed but
        not yet heard, then the rest of the play-next queue. Any thread."""
        heard = self.mixer.position
        placed = [p.track for p in list(self.placed) if p.deck.start > heard]
        return placed + list(self.up_next)

    def finish_at(self, seconds: float, fade: float = 5.0) -> None:
        """End the session at ``seconds`` on the timeline, the last track fading out."""
        self.submit(lambda: self._finish_at(int(seconds * self.rate), int(fade * self.rate)))

    # -- the render thread --------------------------------------------------------------

    def render(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Apply queued requests, plan ahead, and render n frames."""
        while True:
            try:
                self.requests.get_nowait()()
            except queue.Empty:
                break
        if not self.mixer.silent:
            self._plan(n)
            self._place_links(n)
        mix, music, voice = self.mixer.render(n)
        self._notice_starts()
        if self.end_frame is not None and self.mixer.position >= self.end_frame:
            self.stopped = True
        return mix, music, voice

    @property
    def now_playing(self) -> Placed | None:
        """The track the listener hears now (the newest one that has started)."""
        heard = [p for p in self.placed if p.deck.start <= self.mixer.position]
        return heard[-1] if heard else (self.played[-1] if self.played else None)

    def position_of(self, placed: Placed) -> float:
        """Seconds into the track at the current render position."""
        start = placed.track.cue_in if placed.offset is None else placed.offset
        return start + max(0, self.mixer.position - placed.deck.start) / self.rate

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        for listener in self.listeners:
            try:
                listener(kind, data)
            except Exception:  # a listener must never stop the music
                log.exception("listener failed on %s", kind)

    def _notice_starts(self) -> None:
        for p in self.placed:
            if not p.started and p.deck.start <= self.mixer.position:
                p.started = True
                self._emit("track_started", {"track": p.track, "reason": p.pick.reason,
                                             "reason_kind": p.pick.reason_kind})
        for p in [p for p in self.placed if p.deck.end <= self.mixer.position]:
            self.placed.remove(p)
            self.played.append(p)
            if not p.outcome:
                p.outcome = "complete"
                self._emit("track_ended", {"track": p.track, "outcome": "complete",
                                           "position": self._played_seconds(p)})

    def _played_seconds(self, p: Placed) -> float:
        return round(p.track.cue_in + (p.deck.end - p.deck.start) / self.rate, 3)

    # -- planning -----------------------------------------------------------------------

    def _plan(self, n: int) -> None:
        last = self.placed[-1] if self.placed else None
        if self.end_frame is not None and last is not None and last.deck.end >= self.end_frame:
            return  # the session's last track is already placed
        lookahead = int(self.config.dj.lookahead_seconds * self.rate)
        if last is not None and self.mixer.position + n + lookahead < last.deck.end:
            return
        for _ in range(5):  # a few unreadable files in a row are skipped, not fatal
            previous = last.track if last else None
            placed = self._place_next(self._next_pick(previous), last)
            if placed:
                break
        else:
            log.error("no playable track found; stopping")
            self.stopped = True
            return
        if self.end_frame is not None:
            placed.deck.fade_out_at(self.end_frame - self._end_fade, self._end_fade)
        self.placed.append(placed)
        self._log_track(placed)
        self._maybe_link(placed, last)

    def _next_pick(self, previous: Track | None) -> Pick:
        """The play-next queue's first track, else the picker's choice."""
        if self.up_next:
            return Pick(self.up_next.popleft(), ASKED_FOR, "request")
        return self.picker.next(previous)

    def _place_next(self, pick: Pick, last: Placed | None) -> Placed | None:
        placed = self._place(pick, last)
        if placed is not None and pick.reason == ASKED_FOR and pick.reason_kind == "request":
            placed.queued = True
        return placed

    def _gapless(self, a: Track, b: Track) -> bool:
        return (a.album is not None and a.album == b.album and a.track_no is not None
                and b.track_no == a.track_no + 1 and (a.disc_no or 1) == (b.disc_no or 1))

    def _place(self, pick: Pick, last: Placed | None, at: float | None = None) -> Placed | None:
        track = pick.track
        gain = 10 ** ((self.target - track.lufs) / 20)
        r = self.rate
        if last is None:
            offset = track.cue_in if at is None else min(max(at, track.cue_in), track.cue_out)
            start, fade_in = self.mixer.position, 0 if at is None else int(0.3 * r)
        elif self._gapless(last.track, track):
            last.deck.end = last.deck.start + int((last.track.duration - last.track.cue_in) * r)
            last.deck.fade_out = 0
            start, offset, fade_in = last.deck.end, 0.0, 0
        else:
            xf = min(self.audio.crossfade_seconds,
                     0.25 * (last.track.cue_out - last.track.cue_in),
                     0.25 * (track.cue_out - track.cue_in))
            xf_frames = int(xf * r)
            last.deck.fade_out = xf_frames
            start, offset, fade_in = max(self.mixer.position, last.deck.end - xf_frames), \
                track.cue_in, xf_frames
        try:
            reader = TrackReader(track.path, r, offset)
        except (DecodeError, OSError) as err:
            log.warning("cannot play %s: %s; picking another", track.path, err)
            return None
        end = start + int((track.cue_out - offset) * r)
        xf_default = int(min(self.audio.crossfade_seconds, 0.25 * (track.cue_out - offset)) * r)
        deck = Deck(reader, start, end, gain, fade_in=fade_in, fade_out=xf_default, tag=track)
        self.mixer.add_deck(deck)
        return Placed(pick, deck, offset=offset if at is not None else None)

    def _finish_at(self, frame: int, fade: int) -> None:
        self.end_frame, self._end_fade = frame, fade
        for p in self.placed:
            if p.deck.start >= frame:
                p.deck.end = p.deck.start  # never heard
            else:
                p.deck.fade_out_at(frame - fade, fade)

    def _cancel_upcoming(self, after: int) -> None:
        """Forget tracks (and their links) placed to start after ``after``: not yet heard."""
        cancelled = [p for p in self.placed if p.deck.start > after]
        for p in cancelled:
            p.deck.end = p.deck.start
            p.outcome = "cancelled"
        self.up_next.extendleft(reversed([p.track for p in cancelled if p.queued]))
        self.placed = [p for p in self.placed if p.outcome != "cancelled"]
        self.links = [lk for lk in self.links if lk.incoming.outcome != "cancelled"]

    def _jump(self, choose: Callable[[Track | None], Pick | None], outcome: str = "skip") -> None:
        """Fade out what plays now and start ``choose(current)`` at once."""
        current = self.now_playing
        pos = self.mixer.position
        fade = int(SKIP_FADE * self.rate)
        self._cancel_upcoming(pos)
        if current is not None and current in self.placed:
            position = round(self.position_of(current), 3)
            current.deck.fade_out_at(pos, fade)
            current.outcome = outcome
            self._emit("track_ended", {"track": current.track, "outcome": outcome,
                                       "position": position})
            if outcome == "skip":
                self._emit("skipped", {"track": current.track, "position": position})
        self.mixer.resume()
        pick = choose(current.track if current else None)
        placed = self._place_next(pick, None) if pick else None
        if placed:
            placed.deck.start = pos + fade // 2
            placed.deck.end += fade // 2
            placed.deck.fade_in = fade // 2
            self.placed.append(placed)
            self._log_track(placed)
            self._maybe_link(placed, None)

    def _skip(self) -> None:
        self._jump(self._next_pick)

    def seek(self, seconds: float) -> None:
        """Play the current track from ``seconds`` into it (within its cue points)."""
        self.submit(lambda: self._seek(seconds))

    def _seek(self, seconds: float) -> None:
        current = self.now_playing
        if current is None or current not in self.placed:
            return
        pos, fade = self.mixer.position, int(SEEK_FADE * self.rate)
        self._cancel_upcoming(pos)
        placed = self._place(current.pick, None, seconds)
        if placed is None:
            return
        current.deck.fade_out_at(pos, fade)
        current.outcome = "sought"  # the same track goes on: no ending, no new start
        placed.started, placed.queued = True, current.queued
        placed.deck.start += fade
        placed.deck.end += fade
        placed.deck.fade_in = fade
        self.placed.append(placed)

    def previous(self) -> None:
        """Go back to the track heard before this one (or restart this one)."""
        def choose(current: Track | None) -> Pick | None:
            heard = [p for p in self.played if p.started and p.track is not current]
            return heard[-1].pick if heard else (self.now_playing.pick
                                                  if self.now_playing else None)
        self.submit(lambda: self._jump(choose, outcome="previous"))

    def play_now(self, choose: Callable[[Track | None], Pick | None] | None = None) -> None:
        """Start the picker's next choice now (after a request), fading out the current."""
        self.submit(lambda: self._jump(choose or self.picker.next, outcome="skip"))

    def cue(self, pick: Pick, at: float, paused: bool = False) -> None:
        """Start the session with ``pick`` from ``at`` seconds (resuming after a restart)."""
        def place() -> None:
            placed = self._place(pick, None, at)
            if placed:
                placed.pick = Pick(pick.track, "", "resume")
                self.placed.append(placed)
                self._log_track(placed)
                self._session_start = False
            if paused:
                self.mixer.pause()
                self.mixer.silence_now()
        self.submit(place)

    def replan(self) -> None:
        """Re-pick the tracks placed but not yet heard (after the listener's taste changed)."""
        self.submit(lambda: self._cancel_upcoming(self.mixer.position))

    # -- the DJ's links -----------------------------------------------------------------

    def _maybe_link(self, incoming: Placed, outgoing: Placed | None) -> None:
        if self.dj is None:
            return
        t = incoming.track
        intro = t.intro_end - t.cue_in
        outro = 0.0
        if outgoing is not None:
            o = outgoing.track
            outro = o.cue_out - o.outro_start
        budget = min(self.config.dj.max_link_seconds, max(intro, outro, 2.0))
        job = self.dj.prepare(incoming.pick, outgoing.track if outgoing else None, budget,
                              self._session_start)
        self._session_start = False
        if job is not None:
            link = PendingLink(job, incoming, outgoing)
            link.deadline = self._latest_start(incoming, outgoing) \
                - int(self.audio.duck_attack * self.rate)
            self.links.append(link)

    def _latest_start(self, incoming: Placed, outgoing: Placed | None) -> int:
        """The last frame a link may start at: while enough of the intro is left to talk
        over; at a session's start, within its first seconds; else before the crossfade."""
        r, deck, t = self.rate, incoming.deck, incoming.track
        if outgoing is None:
            return deck.start + int(LATE_OPENING * r)
        intro = t.intro_end - t.cue_in
        return deck.start + int(max(0.0, intro - MIN_LINK) * r)

    def _voice_start(self, link: PendingLink, frames: int) -> int:
        """Talk over the intro and finish before the post; else over the outgoing outro."""
        r = self.rate
        deck, t = link.incoming.deck, link.incoming.track
        post = deck.start + int((t.intro_end - t.cue_in) * r)
        end = post - int(0.3 * r)
        soonest = self.mixer.position + int(self.audio.duck_attack * r)
        if end - frames >= deck.start:
            return max(end - frames, soonest)
        return max(deck.start + deck.fade_in - frames, soonest)  # end with the crossfade

    def _place_links(self, n: int) -> None:
        for link in list(self.links):
            if link.incoming.outcome == "cancelled":
                self.links.remove(link)
                continue
            ready = link.job.done()
            if not ready and self.offline:
                ready = True
            if not ready:
                if self.mixer.position + n >= link.deadline:
                    log.info("link for %s not ready in time; dropped", link.incoming.track.title)
                    self.dropped_links += 1
                    self.links.remove(link)
                continue
            self.links.remove(link)
            try:
                result = link.job.result()
            except Exception as err:  # the voice failed: no link, the music goes on
                log.warning("link for %s failed: %s", link.incoming.track.title, err)
                self.dropped_links += 1
                continue
            if result is None:
                continue
            samples, text = result
            start = self._voice_start(link, samples.shape[0])
            if not self.offline and link.outgoing is not None:  # the opening has no deadline
                self.link_margins.append((start - self.mixer.position) / self.rate)
            self.mixer.add_voice(VoiceClip(samples, start, text))
            self._log_voice(text, start, samples.shape[0])
            self._emit("link", {"text": text, "track": link.incoming.track})

    # -- the report ---------------------------------------------------------------------

    def _log_track(self, placed: Placed) -> None:
        self.segments.append(Segment("track", {"placed": placed}))

    def _log_voice(self, text: str, start: int, frames: int) -> None:
        self.segments.append(Segment("voice", {
            "kind": "voice", "text": text, "start": round(start / self.rate, 3),
            "end": round((start + frames) / self.rate, 3), "duck_db": self.audio.duck_db}))

    def report(self) -> list[dict[str, Any]]:
        """Every track and link that was heard, in order of start time."""
        out = []
        for seg in self.segments:
            if seg.kind == "voice":
                out.append(dict(seg.data))
                continue
            p: Placed = seg.data["placed"]
            if p.deck.end <= p.deck.start:
                continue
            t = p.track
            out.append({"kind": "track", "id": t.id, "path": t.path, "title": t.title,
                        "artist": t.artist, "album": t.album,
                        "start": round(p.deck.start / self.rate, 3),
                        "end": round(p.deck.end / self.rate, 3),
                        "gain_db": round(20 * np.log10(p.deck.gain), 2),
                        "reason": p.pick.reason})
        return sorted(out, key=lambda s: s["start"])
