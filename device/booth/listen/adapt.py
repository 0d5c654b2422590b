"""Teach PocketSphinx one person's voice: MAP adaptation of its acoustic model from a few
minutes of that person reading commands (`booth adapt`).

CMU Sphinx's own recipe, with Debian's tools: `sphinx_fe` (sphinxbase-utils) turns the
recordings into the model's features, `bw` (sphinxtrain) aligns them with their sentences and
counts how this voice fills each sound, and `map_adapt` (sphinxtrain) moves the model towards it.
The bundled model ships its mixture weights quantised (`sendump`) and its model definition in
binary, which `bw` cannot read: they are expanded first (`pocketsphinx_mdef_convert`).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import struct
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from booth.intents.templates import Templates
from booth.intents.text import words as text_words
from booth.intents.vocabulary import Vocabulary

log = logging.getLogger(__name__)

ADAPTED_MODEL = "voice-model"
"""The adapted model's folder in the listener's state folder."""
RECORDINGS = "voice-recordings"
"""`booth adapt --record` keeps each reader's recordings in here (in the listener's state
folder), in a folder of their name with a manifest.jsonl."""
SENTENCES = 60
"""Sentences `booth adapt` asks for (about two minutes of speech, three of reading): enough
for the voice the bundled model understands worst, espeak's Scottish one, to be understood
most of the time, and more than the older one-matrix MLLR recipe (sphinxtrain's mllr_solve)
gained from the same sentences. The figures (tools/eval-adapt has five accents and Piper's
voice): docs/performance.md, "Teaching it your voice"."""
MIN_RECORDINGS = 10
"""Fewer usable recordings than this adapt too little to be worth a model of its own."""
SENTENCE_SEED = 2026
TOOLS = {"sphinx_fe": "sphinxbase-utils", "pocketsphinx_mdef_convert": "pocketsphinx",
         "bw": "sphinxtrain", "map_adapt": "sphinxtrain"}
"""The programs adaptation runs, and the Debian package of each."""
TOOL_FOLDERS = ("/usr/lib/sphinxtrain",)
"""Where Debian puts sphinxtrain's programs (not on PATH)."""
MODEL_FILES = ("feat.params", "mdef", "means", "variances", "transition_matrices", "noisedict")
ADAPTED_FILES = ("means",)
"""What MAP adaptation moves; the rest (variances, mixture weights, transitions) stays the
bundled model's. Against adapting all four, means alone do as well for the voice that read
(within a command), and are much steadier when learning in use from many voices and rooms,
where moving all four made the model worse than the bundled one; adapting to one voice still
costs other voices a little. The figures: docs/performance.md, "Teaching it your voice" and
"Learning in use"."""
KEPT_FILES = ("feat.params", "mdef", "noisedict", "variances", "transition_matrices")
"""Copied from the base model into the adapted one, with its mixture weights."""
INFO_FILE = "adapted.json"
SAMPLE_RATE = 16000
_IGNORED = re.compile(r"\b(u\d{4}) ignored")


class AdaptationError(RuntimeError):
    """Adaptation cannot run or produced nothing usable; the message says why and the fix."""


@dataclass(frozen=True)
class Reading:
    """One recording of someone reading a sentence."""

    file: Path
    text: str


@dataclass
class AdaptationResult:
    """What `adapt` did."""

    model: Path
    used: int
    skipped: dict[str, str] = field(default_factory=dict)
    """Recording → why it was left out."""
    seconds: float = 0.0
    """Audio used."""


def enrolment_sentences(templates: Templates, count: int = SENTENCES) -> list[str]:
    """`count` different commands of three to nine words to read aloud, the same every time
    (commands without library names, whose spoken forms can be odd to read)."""
    found: list[str] = []
    for attempt in range(count * 20):
        try:
            [sentence] = templates.sample(Vocabulary.empty(), 1, seed=SENTENCE_SEED + attempt)
        except IndexError:                  # a command with a name, and no names to choose
            continue
        text = " ".join(text_words(sentence.text))
        if 3 <= len(text.split()) <= 9 and text not in found:
            found.append(text)
            if len(found) == count:
                break
    return found


def adapted_model(setting: str, state: Path | None) -> Path | None:
    """The acoustic model `listen.acoustic_model` names: a folder, `bundled` (None), or empty:
    the one `booth adapt` made in `state` if there is one (else None)."""
    if setting == "bundled":
        return None
    if setting:
        path = Path(setting).expanduser()
        if not all((path / name).exists() for name in ("mdef", "means", "feat.params")):
            raise FileNotFoundError(f"{path} is no PocketSphinx acoustic model (no mdef, means "
                                    "and feat.params): fix listen.acoustic_model")
        return path
    made = Path(state) / ADAPTED_MODEL if state is not None else None
    return made if made is not None and (made / INFO_FILE).exists() else None


def model_info(model: Path) -> dict:
    """What `adapt` recorded about an adapted model (empty if nothing)."""
    try:
        return json.loads((model / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_readings(path: str | Path) -> list[Reading]:
    """Recordings and their sentences from a JSON-lines manifest ({"file", "text"} per line,
    paths relative to it)."""
    from booth.listen.audiofile import read_jsonl

    return list(read_jsonl(path, '"file" and "text"', lambda base, row:
                           Reading(base / row["file"], str(row["text"]))))


def readers(state: Path) -> list[str]:
    """The names of those who read with `booth adapt --record`."""
    return sorted(p.parent.name for p in (Path(state) / RECORDINGS).glob("*/manifest.jsonl"))


def enrolled_readings(state: Path) -> list[Reading]:
    """Every reader's recordings (`booth adapt --record`), a damaged manifest skipped."""
    found = []
    for reader in readers(state):
        manifest = Path(state) / RECORDINGS / reader / "manifest.jsonl"
        try:
            found += read_readings(manifest)
        except (OSError, ValueError) as error:
            log.warning("leaving out %s's readings: %s", reader, error)
    return found


def describe(model: Path) -> str:
    """What an adapted model learnt from, in a few words (for `booth models` and doctor)."""
    info = model_info(model)
    if not info:
        return "listen.acoustic_model"
    heard = info.get("heard", 0)
    return (f"learnt from {info.get('recordings', '?')} recordings"
            + (f" (up to {heard} of them commands heard in use)" if heard else "")
            + f", made {info.get('made', '?')}")


def adapt(readings: Sequence[Reading], out: Path, base: Path | None = None,
          info: dict | None = None) -> AdaptationResult:
    """Adapt the bundled (or `base`) acoustic model to the voice in `readings`; the adapted
    model replaces `out` only when adaptation succeeded. `info` joins what the model's
    adapted.json records."""
    from booth.listen.floor import NoiseFloor
    from booth.listen.audiofile import AudioFileError, read_audio
    from booth.listen.lexicon import Lexicon
    from booth.listen.sphinx import model_dir

    tools = {name: find_tool(name) for name in TOOLS}
    base = Path(base or model_dir() / "en-us")
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="booth-adapt-") as folder:
        work = Path(folder)
        model = _trainable_copy(base, work / "base", tools)
        lexicon, known, ids = Lexicon(), {}, []
        for reading in readings:
            utterance_id = f"u{len(ids):04d}"
            sentence = [w.lower() for w in text_words(reading.text)]
            try:
                # what the recogniser hears: stretches of exact digital silence (a recording
                # trimmed or converted) lifted to its noise floor. Without this (or the
                # sphinx_fe dither it replaces), bw fails to align many such recordings
                # (docs/performance.md, "The noise floor")
                audio = NoiseFloor().lift(read_audio(reading.file))
                for word in sentence:
                    known.setdefault(word, lexicon.pronunciations(word))
            except (AudioFileError, LookupError) as error:
                skipped[str(reading.file)] = str(error)
                continue
            if not sentence:
                skipped[str(reading.file)] = "no sentence given"
                continue
            soundfile.write(str(work / f"{utterance_id}.wav"), audio, SAMPLE_RATE,
                            subtype="PCM_16")
            ids.append((utterance_id, reading, " ".join(sentence), len(audio) / SAMPLE_RATE))
        if len(ids) < MIN_RECORDINGS:
            raise AdaptationError(f"only {len(ids)} usable recordings: adaptation needs at "
                                  f"least {MIN_RECORDINGS}" + _reasons(skipped))
        (work / "fileids").write_text("".join(f"{u}\n" for u, *_ in ids))
        (work / "transcription").write_text("".join(f"<s> {t} </s> ({u})\n"
                                                    for u, _, t, _ in ids))
        (work / "words.dict").write_text(lexicon.dictionary_text(known))
        _run([tools["sphinx_fe"], "-argfile", model / "feat.params", "-samprate", SAMPLE_RATE,
              "-c", work / "fileids", "-di", work, "-do", work, "-ei", "wav", "-eo", "mfc",
              "-mswav", "yes"])
        unconverted = [u for u, *_ in ids if not (work / f"{u}.mfc").exists()]
        if unconverted:                     # bw would wait five minutes for them
            raise AdaptationError(f"sphinx_fe made no features for {len(unconverted)} "
                                  "recordings")
        (work / "counts").mkdir()
        counted = _run([tools["bw"], "-hmmdir", model, "-moddeffn", model / "mdef.txt",
                        "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd",
                        "-svspec", "0-12/13-25/26-38", "-cmn", "batch", "-agc", "none",
                        "-dictfn", work / "words.dict", "-fdictfn", model / "noisedict",
                        "-ctlfn", work / "fileids", "-lsnfn", work / "transcription",
                        "-cepdir", work, "-cepext", "mfc", "-accumdir", work / "counts"])
        ignored = set(_IGNORED.findall(counted))
        for utterance_id, reading, _, _ in ids:
            if utterance_id in ignored:
                skipped[str(reading.file)] = "did not sound like its sentence"
        aligned = [duration for u, _, _, duration in ids if u not in ignored]
        used, seconds = len(aligned), sum(aligned)
        if used < MIN_RECORDINGS:
            raise AdaptationError(f"only {used} recordings matched their sentences: adaptation "
                                  f"needs at least {MIN_RECORDINGS}" + _reasons(skipped))
        adapted = work / "adapted"
        adapted.mkdir()
        _run([tools["map_adapt"], "-moddeffn", model / "mdef.txt", "-ts2cbfn", ".ptm.",
              "-meanfn", model / "means", "-varfn", model / "variances",
              "-mixwfn", model / "mixture_weights", "-tmatfn", model / "transition_matrices",
              "-accumdir", work / "counts",
              *[x for name in ADAPTED_FILES
                for x in (f"-map{_MAP_OPTION[name]}fn", adapted / name)]])
        weights = "sendump" if (base / "sendump").exists() else "mixture_weights"
        for name in (*KEPT_FILES, weights):
            if not (adapted / name).exists():
                shutil.copy(base / name, adapted / name)
        (adapted / INFO_FILE).write_text(json.dumps({
            "recordings": used, "skipped": len(skipped), "seconds": round(seconds, 1),
            "made": time.strftime("%Y-%m-%d %H:%M"), **(info or {})}) + "\n",
            encoding="utf-8")
        _replace(out, adapted)
    log.info("adapted the acoustic model to %d recordings (%.0f s) in %s", used, seconds, out)
    return AdaptationResult(out, used, skipped, round(seconds, 1))


_MAP_OPTION = {"means": "mean", "variances": "var", "mixture_weights": "mixw",
               "transition_matrices": "tmat"}


def find_tool(name: str) -> str:
    """The path of one of adaptation's programs; the error names the package to install."""
    found = shutil.which(name) or next(
        (str(Path(d) / name) for d in TOOL_FOLDERS if (Path(d) / name).exists()), None)
    if found is None:
        raise AdaptationError(f"adaptation needs {name}, which is not installed: "
                              f"sudo apt install {TOOLS[name]} (tools/install-deps does it)")
    return found


def expand_mixture_weights(sendump: Path) -> np.ndarray:
    """The mixture weights in a semi-continuous model's `sendump` (8-bit quantised -log
    weights, one row per codeword), as probabilities: senones × streams × codewords."""
    data = sendump.read_bytes()
    offset, order = 0, "<"

    def number() -> int:
        nonlocal offset, order
        (value,) = struct.unpack_from(order + "I", data, offset)
        if value > 65536 and offset == 0:
            order = ">"
            (value,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        return value

    def text() -> str | None:
        nonlocal offset
        length = number()
        if length == 0:
            return None
        offset += length
        return data[offset - length:offset - 1].decode("ascii", "replace")

    text()                                             # the title
    header = {}
    while (line := text()) is not None:
        key, _, value = line.partition(" ")
        header[key] = value
    if int(header.get("cluster_count", "0") or 0) != 0:
        raise AdaptationError(f"{sendump}: clustered mixture weights are not supported")
    shift = int(header.get("mixw_shift", "10"))
    streams = int(header["feature_count"])
    codewords, senones = number(), number()
    quantised = np.frombuffer(data, np.uint8, streams * codewords * senones, offset)
    minus_log = quantised.reshape(streams, codewords, senones).astype(np.float64) * (1 << shift)
    weights = np.power(1.0001, -minus_log).transpose(2, 0, 1)
    return weights / weights.sum(axis=2, keepdims=True)


def write_mixture_weights(path: Path, weights: np.ndarray) -> None:
    """A SphinxTrain `mixture_weights` file (senones × streams × codewords, float32)."""
    header = b"s3\nversion 1.0\n"
    padding = (-(len(header) + len(b"endhdr\n"))) % 4
    with open(path, "wb") as out:
        out.write(header + b" " * padding + b"endhdr\n")
        out.write(struct.pack("<i", 0x11223344))
        out.write(struct.pack("<IIII", *weights.shape, weights.size))
        out.write(weights.astype("<f4").tobytes())


def _trainable_copy(base: Path, into: Path, tools: dict[str, str]) -> Path:
    into.mkdir(parents=True)
    for name in MODEL_FILES:
        shutil.copy(base / name, into / name)
    if (base / "mixture_weights").exists():
        shutil.copy(base / "mixture_weights", into / "mixture_weights")
    else:
        write_mixture_weights(into / "mixture_weights",
                              expand_mixture_weights(base / "sendump"))
    _run([tools["pocketsphinx_mdef_convert"], "-text", base / "mdef", into / "mdef.txt"])
    return into


def _run(command: list) -> str:
    """Run one of the tools; its log (they write it to stderr) is returned."""
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise AdaptationError(f"{Path(str(command[0])).name} failed:\n{tail}")
    return done.stderr + done.stdout


def _replace(out: Path, new: Path) -> None:
    """Put `new` in place of `out` (the old one is removed only once the new one is there)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(out.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(new, staged)
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staged.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _reasons(skipped: dict[str, str]) -> str:
    if not skipped:
        return ""
    shown = list(skipped.items())[:5]
    return "; left out: " + "; ".join(f"{Path(f).name}: {why}" for f, why in shown) + (
        f" and {len(skipped) - len(shown)} more" if len(skipped) > len(shown) else "")
