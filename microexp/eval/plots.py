"""Report figures as PNG files, one consistent style (:mod:`microexp.eval.plot_style`).

Every function takes plain numpy inputs and an output path, writes the PNG (creating the folder),
and returns the path. The paper's Fig. 2 lives in :mod:`microexp.eval.fig2`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgba

from microexp.eval.fig2 import plot_intensity_states
from microexp.eval.plot_style import CURVE_COLORS
from microexp.eval.plot_style import figure as _figure
from microexp.eval.scores import RocCurve

__all__ = [
    "plot_confusion",
    "plot_flow_pairs",
    "plot_intensity_states",
    "plot_roc",
    "plot_subject_accuracy",
]

# --------------------------------------------------------------------------- ROC


def plot_roc(
    curves: Mapping[str, RocCurve],
    path: str | Path,
    *,
    title: str = "Frame-level spotting ROC",
) -> Path:
    """One or more ROC curves on one axes, each with its AUC in the legend.

    ``curves`` maps a name (e.g. ``"network"``, ``"LBP"``) to a :class:`RocCurve`. An undefined
    curve (empty arrays) is listed as "AUC n/a".
    """
    with _figure(path, (5.0, 4.6)) as fig:
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--", label="chance")
        for k, (name, curve) in enumerate(curves.items()):
            fpr, tpr, auc = curve.fpr, curve.tpr, curve.auc
            color = CURVE_COLORS[k % len(CURVE_COLORS)]
            label = f"{name} (AUC n/a)" if not np.isfinite(auc) else f"{name} (AUC {auc:.2%})"
            if fpr.size == 0:
                ax.plot([], [], color=color, lw=2, label=label)
            else:
                ax.plot(fpr, tpr, color=color, lw=2 if k == 0 else 1.6, label=label)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal")
        ax.set_xlabel("False positive rate (frames)")
        ax.set_ylabel("True positive rate (frames)")
        ax.set_title(title)
        ax.legend(loc="lower right")
    return Path(path)


# --------------------------------------------------------------------------- confusion matrix


def plot_confusion(
    confmat: np.ndarray,
    class_names: Sequence[str],
    path: str | Path,
    *,
    title: str = "Confusion matrix",
) -> Path:
    """Confusion matrix: counts (and row %) in the cells, shading by row-normalised fraction.

    ``confmat`` is ``(C, C)`` counts, rows the true class and columns the predicted class.
    """
    cm = np.asarray(confmat, dtype=np.int64)
    n = len(class_names)
    if cm.shape != (n, n):
        raise ValueError(f"confmat {cm.shape} does not match {n} class names")
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)
    size = 1.0 + 0.85 * n
    with _figure(path, (size + 1.2, size)) as fig:
        ax = fig.add_subplot()
        image = ax.imshow(frac, cmap="Blues", vmin=0.0, vmax=1.0)
        ax.grid(False)
        for i in range(n):
            for j in range(n):
                color = "white" if frac[i, j] > 0.55 else "#222222"
                text = f"{cm[i, j]}\n{frac[i, j]:.0%}" if rows[i, 0] else "0"
                ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
        ax.set_xticks(range(n), labels=class_names, rotation=35, ha="right")
        ax.set_yticks(range(n), labels=class_names)
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        total = int(cm.sum())
        acc = np.trace(cm) / total if total else float("nan")
        ax.set_title(f"{title}\n(n = {total}, accuracy {acc:.1%})")
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        bar.set_label("fraction of the true class")
    return Path(path)


# --------------------------------------------------------------------------- per subject


def plot_subject_accuracy(
    subjects: Sequence[str],
    accuracy: np.ndarray,
    counts: np.ndarray,
    path: str | Path,
    *,
    title: str = "Recognition accuracy per test subject (LOSO)",
) -> Path:
    """Per-subject accuracy bars with the clip count ``n`` above each bar.

    Draws the mean over subjects (dashed) and the pooled accuracy over all clips (dotted,
    ``sum(acc * n) / sum(n)``). ``accuracy`` is in [0, 1] (NaN for a subject with no clips).
    """
    acc = np.asarray(accuracy, dtype=np.float64).reshape(-1)
    n = np.asarray(counts, dtype=np.int64).reshape(-1)
    if not (len(subjects) == acc.size == n.size) or acc.size == 0:
        raise ValueError("subjects, accuracy and counts must be non-empty and of one length")
    ok = np.isfinite(acc) & (n > 0)
    mean = float(acc[ok].mean()) if ok.any() else float("nan")
    pooled = float((acc[ok] * n[ok]).sum() / n[ok].sum()) if ok.any() else float("nan")
    width = max(6.0, 0.32 * acc.size + 2.0)
    with _figure(path, (width, 3.8)) as fig:
        ax = fig.add_subplot()
        x = np.arange(acc.size)
        bars = ax.bar(x, np.where(ok, acc, 0.0) * 100, color=CURVE_COLORS[0], width=0.7, zorder=2)
        # Clip counts in a row of their own above 100 %, clear of the bars and the lines.
        for rect, count in zip(bars, n):
            ax.text(
                rect.get_x() + rect.get_width() / 2,
                104,
                str(count),
                ha="center",
                va="center",
                fontsize=7.5,
                color="#333333",
            )
        ax.text(-0.01, 104, "n", transform=ax.get_yaxis_transform(), ha="right", va="center")
        ax.axhline(
            mean * 100, color="#d95f02", lw=1.6, ls="--", zorder=3, label=f"mean {mean:.1%}"
        )
        ax.axhline(
            pooled * 100, color="#1b9e77", lw=1.6, ls=":", zorder=3, label=f"pooled {pooled:.1%}"
        )
        ax.set_xticks(x, labels=list(subjects), rotation=60 if acc.size > 12 else 0, ha="center")
        ax.set_xlim(-0.6, acc.size - 0.4)
        ax.set_ylim(0, 109)
        ax.set_yticks(range(0, 101, 20))
        ax.grid(axis="x", visible=False)
        ax.set_xlabel("Test subject (n: clips tested)")
        ax.set_ylabel("Accuracy (%)")
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return Path(path)


# --------------------------------------------------------------------------- flow gallery


def plot_flow_pairs(
    frames: Sequence[np.ndarray],
    flow_images: Sequence[np.ndarray],
    path: str | Path,
    *,
    titles: Sequence[str] | None = None,
    title: str = "Frames and optical flow",
) -> Path:
    """Frames (top row) above their flow colour images (bottom row), one column per pair.

    ``frames`` and ``flow_images`` are matching lists of ``(H, W, 3)`` uint8 images (flow already
    converted to colour, e.g. by ``microexp.flow.viz``); ``titles`` labels the columns.
    """
    if len(frames) != len(flow_images) or not frames:
        raise ValueError("frames and flow_images must be non-empty lists of one length")
    if titles is not None and len(titles) != len(frames):
        raise ValueError("titles must have one entry per column")
    for img in (*frames, *flow_images):
        if np.asarray(img).ndim != 3 or np.asarray(img).shape[2] != 3:
            raise ValueError(f"images must be (H, W, 3), got {np.asarray(img).shape}")
    cols = len(frames)
    with _figure(path, (1.6 * cols + 0.5, 3.7), layout="compressed") as fig:
        axes = fig.subplots(2, cols, squeeze=False)
        for c in range(cols):
            for r, img in enumerate((frames[c], flow_images[c])):
                ax = axes[r][c]
                ax.imshow(np.asarray(img, dtype=np.uint8))
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(True)
                    spine.set_edgecolor(to_rgba("#888888"))
            if titles is not None:
                axes[0][c].set_title(titles[c], fontsize=9, fontweight="normal")
        axes[0][0].set_ylabel("frame")
        axes[1][0].set_ylabel("flow")
        fig.suptitle(title, fontweight="bold", fontsize=11)
    return Path(path)
