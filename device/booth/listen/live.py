"""Listening live: microphone → Listener → messages, on one thread of its own.

    ears = LiveListener.open(settings, vocabulary, publish=adapter.publish)
    ears.start(); ...; ears.press(); ...; ears.close()

`publish` receives every Hermes message (HotwordDetected, AsrTextCaptured, NluIntent,
NluIntentNotRecognized) on the listening thread; the MQTT adapter (booth.mqtt) hands them on.
`press()`, `call()` and `set_vocabulary()` may be called from any thread: they take effect
between two microphone blocks.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from rhasspyhermes.asr import AsrTextCaptured
from rhasspyhermes.base import Message

from booth.files import write_text_atomically
from booth.intents import Vocabulary
from booth.listen.engines import Engines
from booth.listen.learn import VoiceLearner
from booth.listen.listener import Listener
from booth.listen.reference import ReferenceReceiver
from booth.listen.settings import ListenSettings
from booth.listen.sources import Source, open_source

log = logging.getLogger(__name__)

CEPSTRAL_MEAN_FILE = "cepstral-mean.txt"
"""In the cache folder: the recogniser's cepstral mean after the latest utterance, so that the
first request after a restart is heard as well as the later ones."""


class LiveListener:
    """Runs a Listener on a microphone source with the playback reference."""

    def __init__(self, listener: Listener, source: Source,
                 reference: ReferenceReceiver | None, publish: Callable[[Message], None],
                 engines: Engines | None = None, cache_dir: Path | None = None):
        self.listener = listener
        self.engines = engines
        self.cache_dir = cache_dir
        self._cepstral_mean_path = (Path(cache_dir) / CEPSTRAL_MEAN_FILE
                                    if cache_dir is not None else None)
        if self._cepstral_mean_path is not None:
            _restore_cepstral_mean(listener.recognizer, self._cepstral_mean_path)
        self._swap: tuple | None = None
        self._swap_lock = threading.Lock()
        self.source = source
        self.reference = reference
        self.publish = publish
        self.reader = reference.reader() if reference is not None else None
        self._calls: queue.SimpleQueue[Callable[[Listener], list[Message] | None]] = \
            queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.learner: VoiceLearner | None = None
        """Learns the voices heard (listen.learn_voice), on a thread of its own."""
        self.beat: Callable[[], None] = lambda: None
        """Called once per block heard (a role's heartbeat for systemd's watchdog)."""
        self.failed: Callable[[BaseException], None] = lambda error: None
        """Called, from the listening thread, if listening stops on an error."""

    @classmethod
    def open(cls, settings: ListenSettings, vocabulary: Vocabulary,
             publish: Callable[[Message], None], site_id: str = "default",
             cache_dir: Path | None = None, dialogue: str = "booth") -> LiveListener:
        """Load the models, open the microphone and the reference channel."""
        engines = Engines.load(settings, vocabulary, wake=True, cache_dir=cache_dir)
        reference = None
        if settings.reference == "socket":
            reference = ReferenceReceiver()
        elif settings.reference != "none":
            raise ValueError(f"unknown listen.reference {settings.reference!r} for live "
                             "listening: use socket or none")
        source = open_source(settings.source)
        listener = engines.listener(echo=reference is not None, wake=True, site_id=site_id,
                                    dialogue=dialogue)
        live = cls(listener, source, reference, publish, engines, cache_dir)
        if (settings.learn_voice and not settings.acoustic_model and cache_dir is not None
                and engines.recognizer.name == "pocketsphinx"):
            live.learner = VoiceLearner(Path(cache_dir), on_model=live.use_acoustic_model)
            listener.learner = live.learner.heard
        return live

    def start(self) -> None:
        """Listen on a thread of its own."""
        self._thread = threading.Thread(target=self.run, name="booth-listen", daemon=True)
        self._thread.start()
        if self.learner is not None:
            self.learner.start()

    def press(self) -> None:
        """Push-to-talk: the next block starts an utterance."""
        self.call(Listener.press)

    def call(self, action: Callable[[Listener], list[Message] | None]) -> None:
        """Run `action(listener)` on the listening thread before the next block and publish
        the messages it returns (the dialogue calls: start or stop listening, toggles)."""
        self._calls.put(action)

    def _run_calls(self) -> None:
        while True:
            try:
                action = self._calls.get_nowait()
            except queue.Empty:
                return
            self._publish_all(action(self.listener) or [])

    def _publish_all(self, messages: list[Message]) -> None:
        for message in messages:
            try:
                self.publish(message)
            except Exception:                           # a broken adapter must not deafen us
                log.exception("publishing %s failed", type(message).__name__)

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        """Recompile the grammar for new library names (the vocabulary retained on MQTT);
        builds here, on the caller's thread, and swaps in between two blocks."""
        self._rebuild(vocabulary)

    def use_acoustic_model(self, model: Path) -> None:
        """A newly adapted acoustic model (the learner's): loads here, on the caller's
        thread, and swaps in between two blocks."""
        self._rebuild(None, model)

    def _rebuild(self, vocabulary: Vocabulary | None, acoustic_model: Path | None = None) -> None:
        if self.engines is None:
            raise RuntimeError("this listener was not opened with its engines")
        from booth.intents import IntentParser, load_templates
        from booth.listen.engines import make_recognizer
        settings = self.engines.settings
        templates = load_templates()
        with self._swap_lock:                   # the newest vocabulary, pending or in use
            pending = self._swap
        if vocabulary is None:
            vocabulary = (pending[1] if pending else self.listener.parser).vocabulary
        recognizer = make_recognizer(settings.recognizer, templates, vocabulary,
                                     settings.vosk_model, cache_dir=self.cache_dir,
                                     acoustic_model=str(acoustic_model or
                                                        settings.acoustic_model))
        with self._swap_lock:
            self._swap = (recognizer, IntentParser(vocabulary, templates))

    def _take_swap(self) -> None:
        with self._swap_lock:
            swap, self._swap = self._swap, None
        if swap is not None and not self.listener.listening:
            _carry_cepstral_mean(self.listener.recognizer, swap[0])
            self.listener.recognizer, self.listener.parser = swap
        elif swap is not None:                          # mid-utterance: after it
            with self._swap_lock:
                self._swap = self._swap or swap

    def run(self) -> None:
        """Listen until the source ends or `close()`; an error that stops it goes to
        `failed`."""
        try:
            self._listen()
        except BaseException as error:  # noqa: BLE001 - the role must know it went deaf
            log.exception("listening stopped")
            self.failed(error)

    def _listen(self) -> None:
        while not self._stop.is_set():
            self.beat()
            if self._swap is not None:
                self._take_swap()
            block = self.source.read()
            if block is None:
                break
            self._run_calls()
            reference = (self.reader.read(block.captured_at, block.samples)
                         if self.reader is not None else None)
            messages = self.listener.process(block.samples, reference)
            self._publish_all(messages)
            if self._cepstral_mean_path is not None and any(isinstance(m, AsrTextCaptured)
                                                            for m in messages):
                _save_cepstral_mean(self.listener.recognizer,     # the power may go any time
                                    self._cepstral_mean_path)

    def close(self, timeout: float = 2.0) -> None:
        """Stop listening and release the microphone and the socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.learner is not None:
            self.learner.close()
        self.source.close()
        if self.reference is not None:
            self.reference.close()
        if self._cepstral_mean_path is not None:
            _save_cepstral_mean(self.listener.recognizer, self._cepstral_mean_path)


def _carry_cepstral_mean(old, new) -> None:
    """A new recogniser (new names in the grammar) starts from what the old one learnt."""
    mean = getattr(old, "cepstral_mean", None)
    if mean is not None and hasattr(new, "cepstral_mean"):
        new.cepstral_mean = mean


def _restore_cepstral_mean(recognizer, path: Path) -> None:
    if not hasattr(recognizer, "cepstral_mean") or not path.exists():
        return
    try:
        recognizer.cepstral_mean = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as error:
        log.warning("starting from the model's cepstral mean: %s: %s", path, error)


def _save_cepstral_mean(recognizer, path: Path) -> None:
    mean = getattr(recognizer, "cepstral_mean", None)
    if mean is None:
        return
    try:
        write_text_atomically(path, mean + "\n")
    except OSError as error:
        log.warning("could not keep the cepstral mean in %s: %s", path, error)
