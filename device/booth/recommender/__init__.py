"""The recommender: an ONNX ranking model that learns what this listener skips, likes and asks for.

``Recommender.open(db, config).next()`` returns a ``Pick`` (track, reason, reason_kind).
Layout: ``space`` (how tracks become model inputs), ``model`` (running the model),
``taste`` (the adapted inputs, learned on the device), ``catalogue`` (the cached library),
``session`` (session state in the database), ``requests`` (what a request allows),
``profiles`` (where moods and genres sit in sound space), ``recommender`` (choosing),
``commands`` (`booth dj ...`). Building the model (``graph``, ``build``: tools/build-recommender),
the evaluation (``evaluate``: tools/eval-recommender) and made-up libraries for tests and the
evaluation (``synthetic``) live in lab/recommender/.
"""

from booth.recommender.recommender import NoTracks, Pick, Recommender
from booth.recommender.requests import RequestResult

__all__ = ["NoTracks", "Pick", "Recommender", "RequestResult"]
