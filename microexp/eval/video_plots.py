"""The long-video figure: each test video's predicted intensity over its frames, the annotated
intervals shaded by type and the spotted ones drawn under the curve (``spots.png`` in the run
folder, beside ``curves.csv``, ``truth.csv`` and ``spots.csv``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from microexp.eval.megc.records import Predictions, Truth
from microexp.eval.plot_style import CURVE_COLORS, figure

#: Shading of the annotated intervals and colour of the spotted ones, by type.
KIND_COLORS = {"micro": "#fd8d3c", "macro": "#74c476"}
#: Videos drawn at most (the first ones, in order); the CSV files hold them all.
MAX_VIDEOS = 8


def plot_video_curves(
    path: Path,
    curves: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    truth: Truth,
    predictions: Predictions,
) -> Path:
    """One panel per video (at most :data:`MAX_VIDEOS`): intensity against frame number, truth
    intervals shaded (micro orange, macro green), spotted intervals as bars under the curve."""
    keys = list(curves)[:MAX_VIDEOS]
    rows = max(1, len(keys))
    with figure(path, (10.0, 1.9 * rows + 0.4), layout="constrained") as fig:
        axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
        for ax, key in zip(axes, keys, strict=False):
            numbers, curve = curves[key]
            for t in truth.get(key, []):
                ax.axvspan(t.onset, t.offset, color=KIND_COLORS[t.kind], alpha=0.35, lw=0)
            ax.plot(numbers, curve, color=CURVE_COLORS[0], lw=1.0)
            for p in predictions.get(key, []):
                ax.hlines(-0.06, p.start, p.end, color=KIND_COLORS[p.kind], lw=4)
            ax.set_ylim(-0.12, 1.02)
            ax.set_title(f"{key[0]} {key[1]}", loc="left")
            ax.set_ylabel("intensity")
        axes[-1].set_xlabel("frame (shaded: annotated, bars: spotted; orange micro, green macro)")
    return path
