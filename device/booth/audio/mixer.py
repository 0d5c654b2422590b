"""The mixer: decks of music on one timeline, crossfades, a voice channel that ducks the
music, the master volume and the limiter. Live playback and `booth mixtape` both render
through `Mixer.render`, so a mixtape sounds exactly like the speaker.

All methods are called from one thread (the render thread); other threads talk to the
mixer through `booth.station.Station`, which queues their requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from booth.audio.decode import TrackReader
from booth.audio.limiter import Limiter
from booth.config import AudioConfig


@dataclass(eq=False)
class Deck:
    """One track placed on the timeline (frames at the mixer's rate)."""

    reader: TrackReader
    start: int
    """Timeline frame where the track's first frame (its cue-in) sounds."""
    end: int
    """Timeline frame where it has faded out and stops."""
    gain: float
    """Linear gain that brings the track to the loudness target."""
    fade_in: int = 0
    fade_out: int = 0
    tag: object = None
    """Whatever the owner wants to know the deck by (the station stores the track)."""
    read: int = field(default=0, init=False)

    def fade_out_at(self, frame: int, length: int) -> None:
        """Fade out over ``length`` frames from ``frame`` and stop there (skip, stop)."""
        if frame + length < self.end:
            self.end = frame + length
            self.fade_out = length

    def envelope(self, t0: int, n: int) -> np.ndarray | None:
        """Equal-power fade gains for timeline frames [t0, t0+n); None when flat at 1."""
        t = np.arange(t0, t0 + n, dtype=np.float64)
        env = None
        if self.fade_in and t0 < self.start + self.fade_in:
            u = np.clip((t - self.start) / self.fade_in, 0.0, 1.0)
            env = np.sin(0.5 * np.pi * u)
        if self.fade_out and t0 + n > self.end - self.fade_out:
            u = np.clip((self.end - t) / self.fade_out, 0.0, 1.0)
            out = np.sin(0.5 * np.pi * u)
            env = out if env is None else np.minimum(env, out)
        return None if env is None else env.astype(np.float32)


@dataclass(eq=False)
class VoiceClip:
    """Speech placed on the timeline; the music ducks around it."""

    samples: np.ndarray
    """Mono float32 at the mixer's rate, already at its playing level."""
    start: int
    text: str = ""
    on_done: object = None
    """Called (with no arguments) once the clip has been rendered to the end."""

    @property
    def end(self) -> int:
        return self.start + self.samples.shape[0]


def volume_gain(level: float) -> float:
    """Volume 0–10 to a linear gain: 10 is 0 dB, 5 about −15 dB, 0 silent."""
    if level <= 0:
        return 0.0
    return float(10 ** ((-30.0 * (1 - level / 10.0)) / 20))


class Mixer:
    """Renders the timeline block by block into (mix, music, voice) stereo float32."""

    def __init__(self, config: AudioConfig):
        self.config = config
        self.rate = config.sample_rate
        self.position = 0
        """Timeline frame of the next block to render."""
        self.decks: list[Deck] = []
        self.voices: list[VoiceClip] = []
        self.limiter = Limiter(self.rate, config.true_peak_limit)
        self.duck_db = config.duck_db
        self._volume = volume_gain(config.volume)
        self._level = self._volume
        self._listen_gain = 1.0
        self._pause_gain = 1.0
        self._fade_seconds = 0.15
        self.paused = False
        self.rendered_frames = 0

    # -- control (render thread) ----------------------------------------------------------

    def set_volume(self, level: float) -> None:
        self._level = volume_gain(level)

    def duck_for_listening(self, on: bool) -> None:
        """Hold the music down (by the duck depth) while someone talks to Booth."""
        self._listen_gain = 10 ** (self.duck_db / 20) if on else 1.0

    def add_deck(self, deck: Deck) -> None:
        self.decks.append(deck)

    def add_voice(self, clip: VoiceClip) -> None:
        self.voices.append(clip)

    def duck_window(self, clip: VoiceClip) -> tuple[int, int]:
        """Frames during which ``clip`` holds the music down (attack before, release after)."""
        c = self.config
        return (clip.start - int(c.duck_attack * self.rate),
                clip.end + int((c.duck_hold + c.duck_release) * self.rate))

    def pause(self, fade: float = 0.15) -> None:
        """Fade out over ``fade`` seconds, then hold the timeline still."""
        self.paused = True
        self._fade_seconds = max(fade, 0.01)

    def resume(self) -> None:
        self.paused = False
        self._fade_seconds = 0.15

    def silence_now(self) -> None:
        """Skip the pause fade (start paused)."""
        self._pause_gain = 0.0

    @property
    def silent(self) -> bool:
        """Paused and fully faded out: the timeline is frozen."""
        return self.paused and self._pause_gain <= 0.0

    # -- rendering ------------------------------------------------------------------------

    def _duck(self, t0: int, n: int) -> np.ndarray | None:
        c = self.config
        active = [v for v in self.voices
                  if self.duck_window(v)[0] < t0 + n and self.duck_window(v)[1] > t0]
        if not active:
            return None
        t = np.arange(t0, t0 + n, dtype=np.float64)
        depth = np.zeros(n)
        attack, hold, release = (int(x * self.rate) for x in
                                 (c.duck_attack, c.duck_hold, c.duck_release))
        for v in active:
            xs = [v.start - attack, v.start, v.end + hold, v.end + hold + release]
            depth = np.minimum(depth, np.interp(t, xs, [0.0, self.duck_db, self.duck_db, 0.0]))
        return (10 ** (depth / 20)).astype(np.float32)

    def _music(self, t0: int, n: int) -> np.ndarray:
        music = np.zeros((n, 2), np.float32)
        for deck in self.decks:
            lo, hi = max(t0, deck.start), min(t0 + n, deck.end)
            if lo >= hi:
                continue
            skip = lo - deck.start - deck.read
            if skip > 0:  # the deck was scheduled in the past; catch up
                deck.reader.read(skip)
                deck.read += skip
            audio = deck.reader.read(hi - lo)
            deck.read += hi - lo
            env = deck.envelope(lo, hi - lo)
            g = deck.gain if env is None else (deck.gain * env)[:, None]
            music[lo - t0:hi - t0] += audio * g
        return music

    def _voice(self, t0: int, n: int) -> np.ndarray | None:
        out = None
        for v in self.voices:
            lo, hi = max(t0, v.start), min(t0 + n, v.end)
            if lo >= hi:
                continue
            if out is None:
                out = np.zeros((n, 2), np.float32)
            out[lo - t0:hi - t0] += v.samples[lo - v.start:hi - v.start, None]
        return out

    def _retire(self, t_end: int) -> list[VoiceClip]:
        for deck in [d for d in self.decks if d.end <= t_end]:
            deck.reader.close()
            self.decks.remove(deck)
        done = [v for v in self.voices if self.duck_window(v)[1] <= t_end]
        for v in done:
            self.voices.remove(v)
        return [v for v in done if v.on_done]

    def render(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Render n frames: (mix after limiter, music stem, voice stem).

        The stems are before the limiter; the mix lags them by `latency` frames.
        """
        if self.silent:
            zeros = np.zeros((n, 2), np.float32)
            return self.limiter.process(zeros), zeros, zeros
        t0 = self.position
        music = self._music(t0, n)
        duck = self._duck(t0, n)
        if duck is not None:
            music *= duck[:, None]
        voice = self._voice(t0, n)
        gain = self._gain_ramp(n)
        music *= gain
        if voice is not None:
            voice *= gain
            mix = music + voice
        else:
            voice = np.zeros_like(music)
            mix = music
        self.position += n
        self.rendered_frames += n
        for clip in self._retire(self.position):
            clip.on_done()
        return self.limiter.process(mix), music, voice

    def _gain_ramp(self, n: int) -> np.ndarray | float:
        pause_target = 0.0 if self.paused else 1.0
        start = self._volume * self._pause_gain
        step = n / (self._fade_seconds * self.rate)
        if self._pause_gain < pause_target:
            self._pause_gain = min(pause_target, self._pause_gain + step)
        elif self._pause_gain > pause_target:
            self._pause_gain = max(pause_target, self._pause_gain - step)
        self._volume = self._level * self._listen_gain
        end = self._volume * self._pause_gain
        if start == end:
            return end
        return np.linspace(start, end, n, endpoint=False, dtype=np.float32)[:, None]

    @property
    def latency(self) -> int:
        return self.limiter.latency

    def close(self) -> None:
        for deck in self.decks:
            deck.reader.close()
        self.decks.clear()
