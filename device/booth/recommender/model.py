"""The ranking model at run time: one onnxruntime session, loaded once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_NAME = "recommender"
REPO_MODELS = Path(__file__).resolve().parents[3] / "models"
"""``models/`` at the top of the source tree, where the built model is committed."""
PACKAGED_MODELS = Path(__file__).resolve().parents[1] / "data"


class ModelMissing(RuntimeError):
    """The ONNX model file is not where Booth looks for it."""


def model_path() -> Path:
    """``$BOOTH_RECOMMENDER_MODEL``, else ``booth/data/`` (installed), else ``models/``."""
    configured = os.environ.get("BOOTH_RECOMMENDER_MODEL")
    candidates = ([Path(configured)] if configured else []) + [
        PACKAGED_MODELS / f"{MODEL_NAME}.onnx", REPO_MODELS / f"{MODEL_NAME}.onnx"]
    for path in candidates:
        if path.is_file():
            return path
    raise ModelMissing(f"no recommender model in {', '.join(map(str, candidates))}; "
                       "run tools/build-recommender")


@dataclass(frozen=True)
class Scores:
    """Per-candidate outputs of one model run."""

    score: np.ndarray
    taste: np.ndarray
    session: np.ndarray
    anchor: np.ndarray
    flow: np.ndarray


class RankingModel:
    """Scores candidate tracks; inputs are described in lab/recommender/graph.py, which builds the model."""

    def __init__(self, path: Path | None = None, threads: int = 1):
        import onnxruntime as ort  # noqa: PLC0415  (slow import: only when a model is needed)

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.path = path or model_path()
        self.session = ort.InferenceSession(str(self.path), options,
                                            providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    def score(self, feeds: dict[str, np.ndarray]) -> Scores:
        missing = self.input_names - set(feeds)
        if missing:
            raise ValueError(f"model inputs missing: {', '.join(sorted(missing))}")
        score, taste, session, anchor, flow = self.session.run(
            ["score", "taste_score", "session_score", "anchor_score", "flow_score"],
            {k: feeds[k] for k in self.input_names})
        return Scores(score, taste, session, anchor, flow)


_shared: dict[Path, RankingModel] = {}


def shared_model(path: Path | None = None) -> RankingModel:
    """The process-wide model (loaded on first use)."""
    key = path or model_path()
    if key not in _shared:
        _shared[key] = RankingModel(key)
    return _shared[key]
