"""PocketSphinx with the bundled US-English acoustic model and a command language model.

The language model (booth.listen.grammar) is built from the templates and the library's
names, with a background of everyday English so that speech which is no command comes out
as other words (and the intent parser rejects it). Built models are cached on disk by content.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from booth.files import write_text_atomically
from booth.intents.templates import Templates
from booth.intents.vocabulary import Vocabulary
from booth.listen.floor import FLOOR_DBFS, NoiseFloor
from booth.listen.grammar import (
    LanguageModelSettings,
    build_arpa,
    count_ngrams,
    training_sentences,
)
from booth.listen.lexicon import Lexicon
from booth.listen.transcript import Transcript

BACKGROUND_END = 0.1
"""Probability that a background sentence ends after any word (about ten words long)."""
DECODER_OPTIONS: dict[str, object] = {"topn": 6}
"""PocketSphinx settings other than its defaults. `topn`: Gaussians scored per codebook of the
semi-continuous model (default 4); 6 recognises more commands, mostly in accents far from the
US model's speakers, for a little more decoding CPU while someone speaks. (Tried and left at
their defaults: lw, fwdflatlw, bestpathlw, wip, silprob, dither, beams, pl_window, VTLN warp;
`cmn` and `remove_noise` come from the model's feat.params. Also tried and left out: decoding
copies of the utterance played 0.9×, 1.1× and 1.2× as fast and taking an intent they agree on
when the first pass has none, which gained next to nothing and rejected fewer non-commands.)
The figures: docs/performance.md, "How the recogniser is set up"."""
ALTERNATIVES = 2
"""Runner-up hypotheses a transcript carries (distinct texts from the lattice's N-best list):
the intent parser takes the first of them that is a command when the best one is not."""
NBEST_SEARCH = 30
"""N-best paths read at most to find the distinct runner-ups (many differ only in fillers)."""


def model_dir() -> Path:
    import pocketsphinx
    return Path(pocketsphinx.get_model_path()) / "en-us"


@functools.lru_cache(maxsize=4)
def background_words(count: int) -> dict[str, float]:
    """The `count` most frequent words of the bundled US-English language model, with their
    unigram probabilities renormalised to sum to 1 - BACKGROUND_END (and </s>)."""
    import pocketsphinx
    if count <= 0:
        return {}
    model = pocketsphinx.NGramModel.readfile(str(model_dir() / "en-us.lm.bin"))
    lexicon = Lexicon()
    scored = sorted(((model.prob([w]), w) for w in lexicon.dictionary
                     if w.replace("'", "").isalpha()), reverse=True)[:count]
    weights = {w: 1.0001 ** score for score, w in scored}    # prob() is log base 1.0001
    total = sum(weights.values())
    out = {w: (1 - BACKGROUND_END) * p / total for w, p in weights.items()}
    out["</s>"] = BACKGROUND_END
    return out


class PocketSphinxRecognizer:
    """Streams an utterance through a PocketSphinx decoder."""

    name = "pocketsphinx"

    def __init__(self, language_model: Path, dictionary: Path, alternatives: int = ALTERNATIVES,
                 acoustic_model: Path | None = None, noise_floor: float | None = FLOOR_DBFS,
                 **decoder_options: object):
        """`acoustic_model`: a model folder (one `booth adapt` made); None: the bundled one.
        `noise_floor`: dBFS quieter frames are lifted to (booth.listen.floor); None: none."""
        import pocketsphinx
        self.acoustic_model = Path(acoustic_model or model_dir() / "en-us")
        self._decoder = pocketsphinx.Decoder(hmm=str(self.acoustic_model),
                                             lm=str(language_model), dict=str(dictionary),
                                             loglevel="FATAL",
                                             **(DECODER_OPTIONS | decoder_options))
        self._alternatives = alternatives
        self._floor = NoiseFloor(noise_floor) if noise_floor is not None else None
        self._open = False

    @classmethod
    def build(cls, templates: Templates, vocabulary: Vocabulary,
              settings: LanguageModelSettings | None = None,
              cache_dir: Path | None = None, alternatives: int = ALTERNATIVES,
              acoustic_model: Path | None = None, noise_floor: float | None = FLOOR_DBFS,
              **decoder_options) -> PocketSphinxRecognizer:
        """Build (or reuse from `cache_dir`) the language model and dictionary, then load."""
        settings = settings or LanguageModelSettings()
        key = hashlib.sha256(repr((templates.templates, sorted(templates.rules.items()),
                                   templates.fillers, vocabulary.digest, asdict(settings),
                                   _builder_digest())).encode()).hexdigest()[:16]
        folder = Path(cache_dir or tempfile.gettempdir()) / f"booth-sphinx-{key}"
        lm, dictionary = folder / "commands.arpa", folder / "commands.dict"
        if not (lm.exists() and dictionary.exists()):
            folder.mkdir(parents=True, exist_ok=True)
            sentences = list(training_sentences(templates, vocabulary, settings))
            background = background_words(settings.background_words)
            arpa = build_arpa(count_ngrams(sentences, settings.order), background,
                              settings.background_weight)
            words = {w for s in sentences for w in s} | (set(background) - {"</s>"})
            lexicon = Lexicon(non_rhotic=settings.non_rhotic,
                              raised_mouth=settings.raised_mouth)
            write_text_atomically(dictionary, lexicon.dictionary_text(words))
            write_text_atomically(lm, arpa)
        return cls(lm, dictionary, alternatives, acoustic_model, noise_floor, **decoder_options)

    @property
    def cepstral_mean(self) -> str:
        """The decoder's running cepstral mean (how this microphone and room colour speech,
        learnt from every utterance), comma-separated: handed to a new decoder it starts
        adapted rather than from the model's generic guess, and understands more from its
        first utterance (docs/performance.md, "How the recogniser is set up")."""
        return self._decoder.get_cmn()

    @cepstral_mean.setter
    def cepstral_mean(self, value: str) -> None:
        try:
            numbers = [float(n) for n in value.strip().split(",")]
        except ValueError:
            numbers = []
        length = int(self._decoder.config["ceplen"])
        if len(numbers) != length or not all(math.isfinite(n) for n in numbers):
            raise ValueError(f"a cepstral mean is {length} comma-separated numbers, "
                             f"not {value.strip()[:80]!r}")
        self._decoder.set_cmn(",".join(repr(n) for n in numbers))

    def start(self) -> None:
        if self._open:                      # an utterance left unfinished: drop it
            self._decoder.end_utt()
        self._decoder.start_utt()
        if self._floor is not None:
            self._floor.reset()
        self._open = True

    def feed(self, block: np.ndarray) -> None:
        samples = self._floor.lift(block) if self._floor is not None else block.astype(np.int16)
        self._decoder.process_raw(samples.tobytes(), False, False)

    def finish(self) -> Transcript:
        self._decoder.end_utt()
        self._open = False
        hypothesis = self._decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr.strip():
            return Transcript("", 0.0)
        confidence = round(min(1.0, max(0.0, hypothesis.prob)), 4)   # already linear
        text = " ".join(hypothesis.hypstr.split())
        return Transcript(text, confidence, self._runner_ups(text), self._word_confidence())

    def _word_confidence(self) -> float:
        """The mean posterior of the words in the best path (silence, fillers and sentence
        marks aside): unlike the sentence's posterior, it does not shrink with every word."""
        posteriors = [segment.prob for segment in self._decoder.seg()
                      if not segment.word.startswith(("<", "["))]
        if not posteriors:
            return 0.0
        return round(min(1.0, max(0.0, float(np.mean(posteriors)))), 4)

    def _runner_ups(self, best: str) -> tuple[str, ...]:
        """Up to `alternatives` distinct texts after `best` from the N-best list."""
        if self._alternatives <= 0:
            return ()
        found: list[str] = []
        for hypothesis in itertools.islice(self._decoder.nbest(), NBEST_SEARCH):
            text = " ".join((getattr(hypothesis, "hypstr", None) or "").split())
            if text and text != best and text not in found:
                found.append(text)
                if len(found) == self._alternatives:
                    break
        return tuple(found)


@functools.lru_cache(maxsize=1)
def _builder_digest() -> str:
    """A digest of the code that builds the model and dictionary, so that a cached pair from
    an older Booth is never reused."""
    from booth.listen import grammar, lexicon
    digest = hashlib.sha256()
    for module in (grammar, lexicon):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()
