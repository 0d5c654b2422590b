"""The ranking model as an ONNX graph, built with ``onnx.helper`` (no training framework).

Run by ``tools/build-recommender``; the device only loads the result with onnxruntime.
The graph scores N candidate tracks at once. Its candidate input ``sound`` is
``space.model_rows(audio)`` = [audio, squared norm per metric group, 1], cached with the
library: every distance to a reference track is then linear in it, and one matrix
product gives all of them (a pick at 50,000 tracks stays within a few milliseconds). ``recent_artist`` uses
``space.NO_ARTIST`` for padding and untagged tracks.

    taste   = audio · (taste_audio + Σ daypart(hour)·taste_daypart)
              + taste_artist[artist] + taste_album[album] + taste_genre[genre] + taste_decade[decade]
    session = Σ_k exp(-age_k/τ)·(value(outcome_k)·sim(audio, recent_k)
                                 + [artist = recent_artist_k]·(a·value(outcome_k) − fatigue))
    flow    = has_current·exp(-Σ c_j (x_j − current_j)²)      over tempo, energy, level, brightness
    anchor  = anchor_weight·sim(audio, anchor)
    score   = W_taste·taste + W_session·session + W_flow·flow + anchor

with sim(x, y) = exp(-Σ_g metric_g Σ_{d∈g} (x_d − y_d)² / bandwidth) over the metric
groups of ``space.METRIC_GROUPS``. The *adapted* inputs
(``taste_*`` and ``metric``) are the listener's model, learned on the device
(``booth.recommender.taste``); everything else is the session and context of one pick.
The fixed weights below are the graph's own parameters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from booth.library.features import FEATURE_NAMES
from booth.recommender import space

MODEL_VERSION = 1
OPSET = 17
IR_VERSION = 8

OUTCOMES = ("none", "unknown", "played_out", "skipped_early", "skipped_late", "liked", "disliked")
"""Codes of ``recent_outcome``: index into this tuple."""


@dataclass(frozen=True)
class GraphWeights:
    """The fixed parameters baked into the graph."""

    taste: float = 1.0
    """Weight of the long-term taste term."""
    session: float = 1.0
    """Weight of the session term (recent tracks and how each ended)."""
    session_artist: float = 0.3
    """Extra session weight when a candidate shares a recent track's artist..."""
    artist_fatigue: float = 0.35
    """...less this per recent play of the artist (fading like the rest): variety."""
    flow: float = 0.5
    """Weight of the smooth-transition term (tempo, energy, level, brightness)."""
    bandwidth: float = 1.0
    """Similarity bandwidth; the metric is scaled so random pairs sit near distance 2."""
    recency: float = 4.0
    """τ: a recent track's influence falls by e every τ picks."""
    daypart_sharpness: float = 2.0
    """How sharply the time of day selects its daypart taste (von Mises κ)."""
    outcome_values: tuple[float, ...] = (0.0, 0.3, 0.4, -1.0, -0.3, 1.0, -1.5)
    """Session value of each outcome, in ``OUTCOMES`` order."""
    flow_weights: tuple[float, ...] = (0.5, 0.5, 0.15, 0.15)
    """Per standardised unit of tempo, energy, level and brightness difference."""


WEIGHTS = GraphWeights()


def build(weights: GraphWeights = WEIGHTS):
    """The ONNX ModelProto (requires the ``onnx`` package, a build-time tool)."""
    import onnx  # noqa: PLC0415  (build-time only)
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    a = space.AUDIO_DIM
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64

    def const(name: str, value, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    inputs = [
        helper.make_tensor_value_info("sound", f32, ["N", space.SOUND_DIM]),
        helper.make_tensor_value_info("artist", i64, ["N"]),
        helper.make_tensor_value_info("album", i64, ["N"]),
        helper.make_tensor_value_info("genre", i64, ["N"]),
        helper.make_tensor_value_info("decade", i64, ["N"]),
        helper.make_tensor_value_info("recent_audio", f32, ["K", a]),
        helper.make_tensor_value_info("recent_artist", i64, ["K"]),
        helper.make_tensor_value_info("recent_outcome", i64, ["K"]),
        helper.make_tensor_value_info("recent_age", f32, ["K"]),
        helper.make_tensor_value_info("current_audio", f32, [1, a]),
        helper.make_tensor_value_info("has_current", f32, [1]),
        helper.make_tensor_value_info("anchor_audio", f32, [1, a]),
        helper.make_tensor_value_info("anchor_weight", f32, [1]),
        helper.make_tensor_value_info("hour", f32, [1]),
        helper.make_tensor_value_info("taste_audio", f32, [a]),
        helper.make_tensor_value_info("taste_daypart", f32, [space.DAYPARTS, a]),
        helper.make_tensor_value_info("taste_artist", f32, [space.ARTIST_BUCKETS]),
        helper.make_tensor_value_info("taste_album", f32, [space.ALBUM_BUCKETS]),
        helper.make_tensor_value_info("taste_genre", f32, [space.GENRE_BUCKETS]),
        helper.make_tensor_value_info("taste_decade", f32, [space.DECADE_BUCKETS]),
        helper.make_tensor_value_info("metric", f32, [space.GROUPS]),
    ]
    outputs = [helper.make_tensor_value_info(name, f32, ["N"])
               for name in ("score", "taste_score", "session_score", "anchor_score", "flow_score")]
    centres = [2 * math.pi * h / 24 for h in (3, 9, 15, 21)]
    flow_full = np.zeros((1, a), np.float32)
    flow_full[0, list(space.CONTINUITY_COLUMNS)] = weights.flow_weights
    flow_groups = flow_full @ space.GROUP_MATRIX   # the flow features are groups of one
    inits = [
        const("c_two_pi_over_24", [2 * math.pi / 24]),
        const("c_daypart_centres", centres),
        const("c_one", [1.0]),
        const("c_zero", [0.0]),
        const("c_minus_one", [-1.0]),
        const("c_kappa", [weights.daypart_sharpness]),
        const("c_two_over_bandwidth", [2.0 / weights.bandwidth]),
        const("c_minus_inv_bandwidth", [-1.0 / weights.bandwidth]),
        const("c_neg_inv_tau", [-1.0 / weights.recency]),
        const("c_outcome_values", weights.outcome_values),
        const("c_flow", flow_full),
        const("c_two_flow", 2 * flow_full),
        const("c_minus_flow_groups", -flow_groups),
        const("c_group_matrix_t", space.GROUP_MATRIX.T),
        const("c_zeros_row", np.zeros((1, space.GROUPS))),
        const("c_zero_11", [[0.0]]),
        const("c_flow_onehot", [[0.0, 0.0, 1.0]]),
        const("c_w_taste", [weights.taste]),
        const("c_w_session", [weights.session]),
        const("c_w_session_artist", [weights.session_artist]),
        const("c_artist_fatigue", [weights.artist_fatigue]),
        const("c_w_flow", [weights.flow]),
        const("c_artist_zeros", np.zeros(space.ARTIST_BUCKETS + 1)),
        const("c_axes_0", [0], np.int64),
        const("c_axes_1", [1], np.int64),
        const("c_shape_row", [1, a], np.int64),
        const("c_i0", [0], np.int64),
        const("c_i1", [1], np.int64),
        const("c_i2", [2], np.int64),
        const("c_i3", [3], np.int64),
        const("c_im1", [-1], np.int64),
        const("c_iend", [2**62], np.int64),
    ]
    n = helper.make_node

    def column(source: str, start: str, end: str, out: str) -> list:
        return [n("Slice", [source, start, end, "c_axes_1"], [out + "_col"]),
                n("Squeeze", [out + "_col", "c_axes_1"], [out])]

    # One matrix product sound @ W gives, per candidate, the exponent of its similarity to
    # each reference (K recent tracks, the anchor), the flow exponent and the taste
    # (onnxruntime is fast at N×D by D×C; slow at a tall matrix by a 1-D vector: none used).
    # For a reference r with metric m (per group g, expanded to features as m_d):
    # -|x - r|²_m / bw = x·(2 m_d r / bw) + Σ_g |x_g|²·(-m_g / bw) + (-|r|²_m / bw)
    nodes = [
        # time of day → soft daypart membership → the taste for this hour
        n("Mul", ["hour", "c_two_pi_over_24"], ["theta"]),
        n("Sub", ["theta", "c_daypart_centres"], ["theta_off"]),
        n("Cos", ["theta_off"], ["cos_off"]),
        n("Sub", ["cos_off", "c_one"], ["cos_m1"]),
        n("Mul", ["cos_m1", "c_kappa"], ["vm_log"]),
        n("Softmax", ["vm_log"], ["daypart"], axis=0),
        n("Unsqueeze", ["daypart", "c_axes_0"], ["daypart_row"]),
        n("MatMul", ["daypart_row", "taste_daypart"], ["daypart_taste_row"]),
        n("Reshape", ["taste_audio", "c_shape_row"], ["taste_audio_row"]),
        n("Add", ["taste_audio_row", "daypart_taste_row"], ["taste_now_row"]),
        # W's rows (one per output column), each [x part | x² part | constant]
        n("Concat", ["recent_audio", "anchor_audio"], ["refs"], axis=0),
        n("Unsqueeze", ["metric", "c_axes_0"], ["metric_row"]),
        n("MatMul", ["metric_row", "c_group_matrix_t"], ["metric_features"]),
        n("Mul", ["refs", "metric_features"], ["refs_m"]),
        n("Mul", ["refs_m", "c_two_over_bandwidth"], ["refs_lin"]),
        n("Mul", ["metric_row", "c_minus_inv_bandwidth"], ["metric_neg"]),
        n("Slice", ["refs", "c_i0", "c_i1", "c_axes_1"], ["refs_first"]),
        n("Mul", ["refs_first", "c_zero"], ["refs_zero_col"]),
        n("Add", ["refs_zero_col", "metric_neg"], ["refs_quad"]),
        n("Mul", ["refs_m", "refs"], ["refs_sq"]),
        n("ReduceSum", ["refs_sq", "c_axes_1"], ["refs_norm"], keepdims=1),
        n("Mul", ["refs_norm", "c_minus_inv_bandwidth"], ["refs_const"]),
        n("Concat", ["refs_lin", "refs_quad", "refs_const"], ["w_refs"], axis=1),
        n("Mul", ["current_audio", "c_two_flow"], ["flow_lin"]),
        n("Mul", ["current_audio", "c_flow"], ["current_f"]),
        n("Mul", ["current_f", "current_audio"], ["current_sq"]),
        n("ReduceSum", ["current_sq", "c_axes_1"], ["current_norm"], keepdims=1),
        n("Neg", ["current_norm"], ["flow_const"]),
        n("Concat", ["flow_lin", "c_minus_flow_groups", "flow_const"], ["w_flow"], axis=1),
        n("Concat", ["taste_now_row", "c_zeros_row", "c_zero_11"], ["w_taste"], axis=1),
        n("Concat", ["w_refs", "w_flow", "w_taste"], ["w_rows"], axis=0),
        n("Transpose", ["w_rows"], ["w"], perm=[1, 0]),
        n("MatMul", ["sound", "w"], ["products"]),
        # similarities: exp of every column but the last (taste)
        n("Slice", ["products", "c_i0", "c_im1", "c_axes_1"], ["exponents"]),
        n("Exp", ["exponents"], ["sim"]),
        # sim @ V: V's columns = value of each recent track | anchor one-hot | flow one-hot
        n("Gather", ["c_outcome_values", "recent_outcome"], ["outcome_value"]),
        n("Mul", ["recent_age", "c_neg_inv_tau"], ["age_log"]),
        n("Exp", ["age_log"], ["age_decay"]),
        n("Mul", ["outcome_value", "age_decay"], ["recent_value"]),
        n("Unsqueeze", ["recent_value", "c_axes_1"], ["value_col"]),
        n("Mul", ["value_col", "c_zero"], ["zero_col"]),
        n("Concat", ["value_col", "zero_col", "zero_col"], ["v_recent"], axis=1),
        n("Concat", ["c_zero", "c_one", "c_zero"], ["v_anchor_flat"], axis=0),
        n("Unsqueeze", ["v_anchor_flat", "c_axes_0"], ["v_anchor"]),
        n("Concat", ["v_recent", "v_anchor", "c_flow_onehot"], ["v"], axis=0),
        n("MatMul", ["sim", "v"], ["sim_v"]),
        *column("sim_v", "c_i0", "c_i1", "session_sound"),
        *column("sim_v", "c_i1", "c_i2", "sim_anchor"),
        *column("sim_v", "c_i2", "c_i3", "flow_sim"),
        # long-term taste: sound, then tags
        *column("products", "c_im1", "c_iend", "taste_linear"),
        n("Gather", ["taste_artist", "artist"], ["taste_by_artist"]),
        n("Gather", ["taste_album", "album"], ["taste_by_album"]),
        n("Gather", ["taste_genre", "genre"], ["taste_by_genre"]),
        n("Add", ["taste_linear", "taste_by_artist"], ["taste_1"]),
        n("Add", ["taste_1", "taste_by_album"], ["taste_2"]),
        n("Gather", ["taste_decade", "decade"], ["taste_by_decade"]),
        n("Add", ["taste_2", "taste_by_genre"], ["taste_3"]),
        n("Add", ["taste_3", "taste_by_decade"], ["taste_score"]),
        # session: recent tracks by sound, plus their artists (per-artist sum, looked up)
        n("Mul", ["recent_value", "c_w_session_artist"], ["artist_liking"]),
        n("Mul", ["age_decay", "c_artist_fatigue"], ["artist_tiring"]),
        n("Sub", ["artist_liking", "artist_tiring"], ["artist_effect"]),
        n("ScatterElements", ["c_artist_zeros", "recent_artist", "artist_effect"],
          ["artist_value"], axis=0, reduction="add"),
        n("Gather", ["artist_value", "artist"], ["session_artist"]),
        n("Add", ["session_sound", "session_artist"], ["session_score"]),
        # flow and anchor
        n("Mul", ["flow_sim", "has_current"], ["flow_score"]),
        n("Mul", ["sim_anchor", "anchor_weight"], ["anchor_score"]),
        # total
        n("Mul", ["taste_score", "c_w_taste"], ["t_w"]),
        n("Mul", ["session_score", "c_w_session"], ["s_w"]),
        n("Mul", ["flow_score", "c_w_flow"], ["f_w"]),
        n("Add", ["t_w", "s_w"], ["ts"]),
        n("Add", ["ts", "f_w"], ["tsf"]),
        n("Add", ["tsf", "anchor_score"], ["score"]),
    ]
    used = {i for node in nodes for i in node.input}
    inits = [t for t in inits if t.name in used]
    graph = helper.make_graph(nodes, "booth_recommender", inputs, outputs, inits)
    model = helper.make_model(graph, producer_name="booth tools/build-recommender",
                              producer_version=str(MODEL_VERSION),
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = "Booth's track ranker; see lab/recommender/graph.py."
    onnx.checker.check_model(model, full_check=True)
    return model


def metadata(model_bytes: bytes, weights: GraphWeights = WEIGHTS) -> dict:
    """What the committed ``recommender.json`` says about a built model."""
    import hashlib  # noqa: PLC0415

    return {
        "version": MODEL_VERSION,
        "sha256": hashlib.sha256(model_bytes).hexdigest(),
        "opset": OPSET,
        "audio_features": list(FEATURE_NAMES),
        "buckets": {"artist": space.ARTIST_BUCKETS, "album": space.ALBUM_BUCKETS,
                    "genre": space.GENRE_BUCKETS, "decade": space.DECADE_BUCKETS,
                    "dayparts": space.DAYPARTS},
        "outcomes": list(OUTCOMES),
        "flow_features": list(space.CONTINUITY_FEATURES),
        "weights": asdict(weights),
        "adapted_inputs": ["taste_audio", "taste_daypart", "taste_artist", "taste_album",
                           "taste_genre", "taste_decade", "metric"],
        "metric_groups": [name for name, _ in space.METRIC_GROUPS],
        "built_by": "tools/build-recommender",
    }
