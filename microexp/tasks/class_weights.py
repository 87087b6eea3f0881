"""Per-class weights of the joint stage's cross-entropy (``model.class_weights``).

``none``: unweighted (the default: the training sampler already draws the classes evenly, and
both corrections together over-correct); ``balanced``: the inverse frequency of the classes among
the TRAINING clips, normalised to mean 1 over the classes present; or a list with one positive
weight per class, used as given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

#: The named settings of ``model.class_weights`` (besides a list of weights).
NAMED = ("none", "balanced")


def check_spec(spec: Any, num_classes: int) -> str | list[float]:
    """``spec`` as ``"none"``, ``"balanced"`` or a list of ``num_classes`` weights.

    Raises:
        ValueError: an unknown name, a list of the wrong length, a weight that is not a
            positive finite number.
    """
    if spec is None:
        return "none"
    if isinstance(spec, str):
        if spec not in NAMED:
            raise ValueError(
                f"class_weights must be none, balanced or a list of {num_classes} weights, "
                f"not {spec!r}"
            )
        return spec
    weights = list(spec)
    if len(weights) != num_classes:
        raise ValueError(f"class_weights lists {len(weights)} weight(s) for {num_classes} classes")
    if not all(
        isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w) and w > 0
        for w in weights
    ):
        raise ValueError(f"class_weights must be positive finite numbers, not {weights}")
    return [float(w) for w in weights]


def inverse_frequency(counts: Sequence[int]) -> list[float]:
    """``1 / count`` per class, normalised to mean 1 over the classes present; 0 for a class
    with no clip (it is never a training target, so its weight is never used)."""
    present = [c for c in counts if c > 0]
    if not present:
        raise ValueError("class_weights=balanced: the training clips have no labelled clip")
    mean = sum(1.0 / c for c in present) / len(present)
    return [(1.0 / c) / mean if c > 0 else 0.0 for c in counts]


def per_class_weights(
    spec: Any, counts: Sequence[int] | None, num_classes: int
) -> list[float] | None:
    """The loss weight of each class (None: unweighted).

    Args:
        spec: ``model.class_weights`` (see :func:`check_spec`).
        counts: training clips per class; needed by ``balanced``.
        num_classes: the protocol's number of classes.
    """
    checked = check_spec(spec, num_classes)
    if checked == "none":
        return None
    if checked != "balanced":
        return checked
    if counts is None or len(counts) != num_classes:
        raise ValueError(
            "class_weights=balanced needs the training clips' count of each of the "
            f"{num_classes} classes (class_counts), got {counts}"
        )
    return inverse_frequency(counts)
