"""The speaker as the rest of the house sees it: the player, the DJ and the library behind
one object that carries out commands (`booth.station.api.Controller`), reports its state
and comes back where it was after a restart."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

import numpy as np
import soxr

from booth.station import commands as c
from booth.station.api import PlayerEvent, PlayerListener, Reply
from booth.station.player import Player

log = logging.getLogger(__name__)

STATE_KEY = "speaker"
RESUME_WITHIN = 600.0
"""After a restart within this many seconds the music plays on; after longer, it waits paused."""
SAVE_EVERY = 5.0
SLEEP_FADE = 8.0
LISTEN_TIMEOUT = 15.0
"""Seconds after a wake word the music comes back up even if no end of the request came."""


class Speaker:
    """Carries out commands on a running player (any thread) and reports what it does."""

    def __init__(self, player: Player, dj=None, clock: Callable[[], float] = time.time):
        self.player = player
        self.station = player.station
        self.db = player.db
        self.picker = player.station.picker
        self.dj = dj
        self.clock = clock
        self.volume = player.config.audio.volume
        self.mic_muted = False
        self.state = "idle"
        self._listeners: list[PlayerListener] = []
        self._lock = threading.Lock()
        self._origin: str | None = None
        self._sleep_timer: threading.Timer | None = None
        self._listen_timer: threading.Timer | None = None
        self._saver: threading.Thread | None = None
        self._stopping = threading.Event()
        self.station.listeners.append(self._on_station)

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Restore the last state, start the music and the periodic save."""
        self._restore()
        self.player.start()
        self._saver = threading.Thread(target=self._save_loop, name="booth-save", daemon=True)
        self._saver.start()

    def stop(self) -> None:
        """Save where we are (a clean stop) and stop the audio."""
        self._stopping.set()
        self._save(clean=True)
        if self._sleep_timer:
            self._sleep_timer.cancel()
        self.player.stop()
        if self.dj is not None:
            self.dj.close()

    def _restore(self) -> None:
        saved = self.db.get_state(STATE_KEY)
        if not saved:
            self.state = "playing"
            return
        self.volume = int(saved.get("volume", self.volume))
        self.station.set_volume(self.volume)
        self.mic_muted = bool(saved.get("mic_muted", False))
        if self.dj is not None and saved.get("talk"):
            self.dj.set_talk(saved["talk"])
        track = self.db.track(saved["track_id"]) if saved.get("track_id") else None
        if track is None:
            self.state = "playing"
            return
        recent = self.clock() - float(saved.get("saved_at", 0)) <= RESUME_WITHIN
        paused = saved.get("state") != "playing" or not recent
        from booth.station.picker import Pick  # noqa: PLC0415
        self.station.cue(Pick(track, "", "resume"), float(saved.get("position", 0)), paused)
        self.state = "paused" if paused else "playing"
        log.info("resuming %s at %.0f s (%s)", track.title, saved.get("position", 0), self.state)

    def _save(self, clean: bool = False) -> None:
        current = self.station.now_playing
        self.db.set_state(STATE_KEY, {
            "track_id": current.track.id if current else None,
            "position": round(self.station.position_of(current), 2) if current else 0,
            "volume": self.volume, "talk": self.talk, "state": self.state,
            "mic_muted": self.mic_muted, "saved_at": self.clock(), "clean": clean})

    def _save_loop(self) -> None:
        while not self._stopping.wait(SAVE_EVERY):
            try:
                self._save()
            except Exception:  # a busy database must not stop the speaker
                log.exception("could not save the speaker's state")

    # -- Controller -----------------------------------------------------------------------

    @property
    def talk(self) -> str:
        return self.dj.talk if self.dj is not None else "off"

    def add_listener(self, listener: PlayerListener) -> None:
        self._listeners.append(listener)

    def snapshot(self) -> dict[str, Any]:
        current = self.station.now_playing
        track = _public(current.track) if current else None
        return {
            "state": self.state, "track": track,
            "position": round(self.station.position_of(current), 3) if current else 0.0,
            "volume": self.volume, "talk": self.talk,
            "last_link": self.dj.last_link if self.dj is not None else None,
            "mic_muted": self.mic_muted,
        }

    def apply(self, command: c.Command) -> Reply | None:
        handler = getattr(self, f"_on_{command.action}", None)
        if handler is None:
            raise c.CommandError(f"the player does not handle {command.action!r}")
        self._origin = command.origin
        reply = handler(command)
        self._changed()
        return reply

    def upcoming(self) -> list[dict[str, Any]]:
        """The tracks known to play after the current one, in order (as in the state's
        ``track``): those already lined up, then the rest of the play-next queue."""
        return [_public(track) for track in self.station.upcoming()]

    def say(self, text: str, on_done: Callable[[], None]) -> None:
        if self.dj is None:
            log.warning("no voice loaded; cannot say %r", text)
            on_done()
            return
        future = self.dj.speak_later(text)

        def spoken(f) -> None:
            try:
                samples = f.result()
            except Exception:
                log.exception("could not synthesise %r", text)
                on_done()
                return
            self.station.say(samples, text, on_done)
        future.add_done_callback(spoken)

    def listening(self, started: bool) -> None:
        """The wake word was heard (duck) or the request is over (back up). A request that
        never ends (a lost message) is released after LISTEN_TIMEOUT seconds."""
        if self._listen_timer:
            self._listen_timer.cancel()
            self._listen_timer = None
        self.station.duck_for_listening(started)
        if started:
            self._listen_timer = threading.Timer(LISTEN_TIMEOUT, self.listening, (False,))
            self._listen_timer.daemon = True
            self._listen_timer.start()

    def play_wav(self, wav: bytes, on_done: Callable[[], None]) -> None:
        from booth.dj.host import VOICE_ABOVE_MUSIC_DB, level_voice  # noqa: PLC0415
        from booth.dj.voice import read_wav  # noqa: PLC0415
        samples, rate = read_wav(wav)
        mono = samples if samples.ndim == 1 else samples.mean(axis=1)
        mono = mono.astype(np.float32)
        if rate != self.station.rate:
            mono = soxr.resample(mono, rate, self.station.rate)
        target = self.player.config.audio.loudness_target + VOICE_ABOVE_MUSIC_DB
        self.station.say(level_voice(mono, self.station.rate, target), "", on_done)

    # -- commands -------------------------------------------------------------------------

    def _on_next(self, _: c.Next) -> None:
        self.station.skip()
        self._set_state("playing")

    def _on_previous(self, _: c.Previous) -> None:
        self.station.previous()
        self._set_state("playing")

    def _on_pause(self, _: c.Pause) -> None:
        self.station.pause()
        self._set_state("paused")

    def _on_resume(self, _: c.Resume) -> None:
        self.station.resume()
        self._set_state("playing")

    def _on_start_dj(self, command: c.StartDj) -> None:
        self._on_resume(command)

    def _on_toggle(self, command: c.Toggle) -> None:
        if self.state == "playing":
            self._on_pause(command)
        else:
            self._on_resume(command)

    def _on_volume(self, command: c.Volume) -> None:
        self.volume = command.level
        self.station.set_volume(self.volume)

    def _on_volume_step(self, command: c.VolumeStep) -> None:
        self.volume = min(max(self.volume + command.delta, 0), c.VOLUME_MAX)
        self.station.set_volume(self.volume)

    def _feedback(self, kind: str) -> Any:
        current = self.station.now_playing
        if current is None:
            raise c.CommandError("nothing is playing")
        position = self.station.position_of(current)
        if hasattr(self.picker, "feedback"):
            self.picker.feedback(current.track.id, kind, position)
        else:
            self.db.record(current.track.id, kind, position)
        self._event({"like": "liked", "dislike": "disliked"}[kind], current.track, position)
        return current

    def _on_like(self, _: c.Like) -> Reply:
        current = self._feedback("like")
        return Reply(f"Noted, you like {current.track.title}.")

    def _on_dislike(self, _: c.Dislike) -> Reply:
        current = self._feedback("dislike")
        self.station.skip()
        self._set_state("playing")
        return Reply(f"Got it, no more {current.track.title}.")

    def _on_what_is_playing(self, _: c.WhatIsPlaying) -> Reply:
        current = self.station.now_playing
        if current is None:
            return Reply("Nothing is playing right now.")
        t = current.track
        by = f" by {t.artist}" if t.artist else ""
        album = f", from {t.album}" if t.album else ""
        return Reply(f"This is {t.title}{by}{album}.")

    def _request(self, result) -> Reply | None:
        return Reply(result.message) if getattr(result, "message", "") else None

    def _on_more_like_this(self, _: c.MoreLikeThis) -> Reply | None:
        if not hasattr(self.picker, "more_like_this"):
            raise c.CommandError("this picker cannot do 'more like this'")
        current = self.station.now_playing
        result = self.picker.more_like_this(current.track.id if current else None)
        self.station.replan()
        return self._request(result)

    def _on_switch_it_up(self, _: c.SwitchItUp) -> Reply | None:
        if not hasattr(self.picker, "switch_it_up"):
            raise c.CommandError("this picker cannot switch it up")
        result = self.picker.switch_it_up()
        self.station.play_now()
        self._set_state("playing")
        return self._request(result)

    def _on_play(self, command: c.Play) -> Reply | None:
        criteria = command.criteria
        if not criteria:
            self._on_resume(c.Resume())
            return None
        if hasattr(self.picker, "request"):
            result = self.picker.request(dict(criteria))
        elif "album" in criteria:
            album = self.db.album_tracks(criteria["album"])
            if not album:
                raise c.CommandError(f"no album {criteria['album']!r} in the library")
            self.picker.play_album(album)
            result = None
        else:
            raise c.CommandError("this picker only plays albums on request")
        self.station.play_now()
        self._set_state("playing")
        return self._request(result)

    def _on_talk(self, command: c.Talk) -> None:
        if self.dj is None:
            raise c.CommandError("the DJ's voice is off (started with --no-voice)")
        self.dj.set_talk(command.level)

    def _on_sleep(self, command: c.Sleep) -> Reply:
        if self._sleep_timer:
            self._sleep_timer.cancel()
            self._sleep_timer = None
        if command.minutes == 0:
            return Reply("Sleep timer off.")
        self._sleep_timer = threading.Timer(command.minutes * 60, self._fall_asleep)
        self._sleep_timer.daemon = True
        self._sleep_timer.start()
        return Reply(f"Stopping in {command.minutes} minutes.")

    def _fall_asleep(self) -> None:
        self.station.pause(fade=SLEEP_FADE)
        self._set_state("paused")
        self._changed()

    def _on_cancel(self, _: c.Cancel) -> None:
        if self._sleep_timer:
            self._sleep_timer.cancel()
            self._sleep_timer = None

    def _on_mute_mic(self, command: c.MuteMic) -> None:
        self.mic_muted = command.on

    def _on_listen(self, _: c.Listen) -> None:
        self.listening(True)  # push-to-talk: the listener starts; the music steps back

    def _on_enqueue(self, command: c.Enqueue) -> None:
        track = self.db.track(command.track_id)
        if track is None:
            raise c.CommandError(f"no track with id {command.track_id} in the library")
        self.station.enqueue(track)

    def _on_clear_queue(self, _: c.ClearQueue) -> None:
        self.station.clear_queue()

    def _on_seek(self, command: c.Seek) -> None:
        if self.station.now_playing is None:
            raise c.CommandError("nothing is playing")
        self.station.seek(command.position)

    def _on_forget_history(self, _: c.ForgetHistory) -> Reply:
        self.db.forget_history()
        if hasattr(self.picker, "forget"):
            self.picker.forget()
        return Reply("I've forgotten your listening history.")

    # -- events ---------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        self.state = state

    def _changed(self) -> None:
        for listener in self._listeners:
            listener.state_changed()

    def _event(self, kind: str, track, position: float | None) -> None:
        event = PlayerEvent(kind, _public(track), position, self._origin)
        for listener in self._listeners:
            listener.event(event)

    def _on_station(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "track_started":
            self._event("track_changed", data["track"], 0.0)
            self._changed()
        elif kind == "skipped":
            self._event("skipped", data["track"], data["position"])
        elif kind == "link":
            self._changed()


def _public(track) -> dict[str, Any]:
    summary = track.summary()
    summary.pop("genre", None)
    return summary
