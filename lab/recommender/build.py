"""Build the ranking model into ``models/`` (run as ``tools/build-recommender``).

The model is made from code only (``lab.recommender.graph``): the same code gives the
same bytes, which ``tests/test_recommender.py`` checks against the committed file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lab.recommender import graph
from booth.recommender.model import MODEL_NAME, REPO_MODELS


def write_model(out_dir: Path) -> tuple[Path, Path]:
    """Write ``recommender.onnx`` and its metadata ``recommender.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_bytes = graph.build().SerializeToString(deterministic=True)
    onnx_path = out_dir / f"{MODEL_NAME}.onnx"
    json_path = out_dir / f"{MODEL_NAME}.json"
    onnx_path.write_bytes(model_bytes)
    json_path.write_text(json.dumps(graph.metadata(model_bytes), indent=2) + "\n", encoding="utf-8")
    return onnx_path, json_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build-recommender", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_MODELS,
                        help=f"output folder (default: {REPO_MODELS})")
    args = parser.parse_args(argv)
    onnx_path, json_path = write_model(args.out)
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes) and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
