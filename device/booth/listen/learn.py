"""Learning the household's voices from use: the audio of commands Booth understood is kept
(on this device only) and, every few commands, the recogniser is adapted to it.

The labels are what Booth heard, so only clear cases are kept: the best transcript is itself
a command (no runner-up, no trimmed stray word), its confidence is not low, and little of the
sound was the speaker's own echo. Adaptation is `booth adapt`'s (booth.listen.adapt), from
the bundled model each time, on the readings of `booth adapt --record` together with the
commands heard; a recording that does not sound like its text is left out by the aligner.

    learner = VoiceLearner(state_dir / "listen", on_model=swap_in)
    learner.start(); listener.learner = learner.heard; ...; learner.close()
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile

from booth.files import write_text_atomically
from booth.listen import adapt

log = logging.getLogger(__name__)

HEARD = "heard-commands"
"""In the listener's state folder: the commands kept for learning, and their manifest."""
MANIFEST = "manifest.jsonl"
KEEP = 200
"""Commands kept (the newest; their size: docs/performance.md, "Learning in use"): enough
for every voice in a house, and each adaptation reflects how they sound now."""
EVERY = adapt.MIN_RECORDINGS
"""Adapt again after this many new commands (a day or two of use; a few seconds' work in the
background). Often, because a voice the bundled model hears badly gives few clear commands
until it has adapted once; against every 20, every 10 did as well or better for the voices
tried (docs/performance.md, "Learning in use")."""
MIN_CONFIDENCE = 0.01
"""Below this, a command is not kept: the bar lies between PocketSphinx's typical sentence
posterior for commands heard right and for ones heard wrong. Without it, more commands are
kept but more of them misheard, and the voices learnt are understood less well afterwards
(docs/performance.md, "Doubt" and "Learning in use")."""
MAX_ECHO_SHARE = 0.5
"""Above this share of echo in the microphone's energy, the command is mostly music: not kept."""
NICENESS = 10
"""Adaptation runs in the background at this lower priority, so listening and playing keep
the processor they need."""


def worth_keeping(parser, text: str, confidence: float, echo_share: float) -> bool:
    """Whether a recognition is clear enough to learn from (see the module's docstring)."""
    return (bool(text) and confidence >= MIN_CONFIDENCE and echo_share <= MAX_ECHO_SHARE
            and parser.parse(text) is not None)


class VoiceLearner:
    """Keeps understood commands and adapts the acoustic model to them now and then."""

    def __init__(self, state: Path, on_model: Callable[[Path], None] | None = None,
                 keep: int = KEEP, every: int = EVERY):
        """`state`: the listener's state folder; `on_model(path)` is called (on the learner's
        thread) with each newly adapted model."""
        self.folder = Path(state) / HEARD
        self.model = Path(state) / adapt.ADAPTED_MODEL
        self.state = Path(state)
        self.on_model = on_model
        self.keep = keep
        self.every = max(1, every)
        self._queue: queue.SimpleQueue[tuple[np.ndarray, str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._tried_upto = 0

    # -- on the listening thread ---------------------------------------------------------------

    def heard(self, audio: np.ndarray, text: str) -> None:
        """A command understood, with the audio the recogniser heard (16 kHz int16): kept
        and learnt from on the learner's thread (returns at once)."""
        self._queue.put((np.asarray(audio, np.int16).copy(), text))

    # -- the learner's thread ------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="booth-learn", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 1.0) -> None:
        """Stop after the command in hand (an adaptation under way finishes in the background
        and is lost if the process exits: the next due command starts it again)."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        except (AttributeError, OSError):
            pass
        while (item := self._queue.get()) is not None:
            try:
                if self.due(self.add(*item)):
                    self.learn()
            except Exception:                   # learning must never stop the listener
                log.exception("learning from a heard command failed")

    # -- the work (also called directly, e.g. by tools/eval-adapt) -----------------------------

    def kept(self) -> list[dict]:
        """The commands kept, oldest first: {"file", "text", "number"} each."""
        path = self.folder / MANIFEST
        if not path.exists():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                rows.append({"file": str(row["file"]), "text": str(row["text"]),
                             "number": int(row["number"])})
            except (ValueError, KeyError, TypeError):
                log.warning("%s: skipping a damaged line", path)
        return rows

    def add(self, audio: np.ndarray, text: str) -> int:
        """Keep one command (dropping the oldest beyond `keep`); returns its number."""
        rows = self.kept()
        number = rows[-1]["number"] + 1 if rows else 1
        self.folder.mkdir(parents=True, exist_ok=True)
        file = self.folder / f"{number:06d}.wav"
        soundfile.write(str(file), audio, adapt.SAMPLE_RATE, subtype="PCM_16")
        rows.append({"file": file.name, "text": text, "number": number})
        dropped, rows = rows[:-self.keep], rows[-self.keep:]
        write_text_atomically(self.folder / MANIFEST,
                              "".join(json.dumps(r) + "\n" for r in rows))
        for row in dropped:
            (self.folder / row["file"]).unlink(missing_ok=True)
        return number

    def due(self, newest: int | None = None) -> bool:
        """True when `every` commands were kept since the model was last adapted. `newest`:
        the number of the newest command kept, as `add` returned it (read from the manifest
        when not given)."""
        if newest is None:
            rows = self.kept()
            if not rows:
                return False
            newest = rows[-1]["number"]
        learnt = adapt.model_info(self.model).get("heard_upto", 0) if self.model.exists() else 0
        return newest - max(learnt, self._tried_upto) >= self.every

    def adapt_to(self, readings: list[adapt.Reading]) -> adapt.AdaptationResult:
        """Adapt the model to `readings` and the commands kept (AdaptationError if it
        cannot)."""
        rows = self.kept()
        self._tried_upto = rows[-1]["number"] if rows else 0
        heard = [adapt.Reading(self.folder / r["file"], r["text"]) for r in rows]
        return adapt.adapt(list(readings) + heard, self.model,
                           info={"heard": len(heard), "heard_upto": self._tried_upto})

    def learn(self) -> Path | None:
        """Adapt to every reader's readings and the commands kept; the new model, or None
        when there is too little to adapt to yet."""
        readings = adapt.enrolled_readings(self.state)
        try:
            result = self.adapt_to(readings)
        except adapt.AdaptationError as error:
            log.warning("not adapting to the voices heard yet: %s", error)
            return None
        log.info("learnt from %d recordings (%d of them read): the recogniser now uses %s",
                 result.used, len(readings), result.model)
        if self.on_model is not None:
            self.on_model(result.model)
        return result.model
