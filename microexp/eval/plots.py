"""Report figures as PNG files, one consistent style.

Every function takes plain numpy inputs and an output path, writes the PNG (creating the folder),
and returns the path. Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, not
pyplot: no global backend is switched and no figure is left open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from microexp.eval.scores import RocCurve
from microexp.states import STATES

logger = logging.getLogger(__name__)

DPI = 120

#: Background colour of each state of ``microexp.states.STATES`` (same order).
STATE_COLORS: tuple[str, ...] = (
    "#eeeeee",  # neutral
    "#c6dbef",  # onset
    "#6baed6",  # onset-apex
    "#fd8d3c",  # apex
    "#74c476",  # apex-offset
    "#c7e9c0",  # offset
)

#: Line colours for several curves on one axes (network first, then baselines).
CURVE_COLORS: tuple[str, ...] = ("#1f4e9c", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#666666")

_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.1,
    "image.interpolation": "nearest",
}


@contextmanager
def _figure(
    path: str | Path, figsize: tuple[float, float], layout: str | None = None
) -> Iterator[Figure]:
    """Yield a styled figure; save it as PNG at ``path`` on exit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context(_STYLE):
        fig = Figure(figsize=figsize, dpi=DPI, layout=layout)
        FigureCanvasAgg(fig)
        yield fig
        fig.savefig(path, format="png")
    fig.clear()
    logger.debug("wrote %s", path)


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


# --------------------------------------------------------------------------- paper Fig. 2


def _state_runs(states: np.ndarray) -> list[tuple[int, int, int]]:
    """``(first index, last index, state)`` of each run of equal states."""
    change = np.flatnonzero(np.diff(states) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [states.size]]) - 1
    return [(int(s), int(e), int(states[s])) for s, e in zip(starts, ends)]


def plot_intensity_states(
    frame_numbers: np.ndarray,
    predicted: np.ndarray,
    states: np.ndarray,
    path: str | Path,
    *,
    ground_truth: np.ndarray | None = None,
    onset: int | None = None,
    apex: int | None = None,
    offset: int | None = None,
    threshold: float | None = None,
    title: str = "Predicted intensity and expression states",
) -> Path:
    """The paper's Fig. 2: per-frame predicted intensity over the ground-truth curve.

    Each frame's background band is coloured by its state (``states``: ``(T,)`` ids of
    ``microexp.states.STATES``, e.g. from :func:`microexp.eval.spotting.intensity_states`); the
    legend lists all six states. ``onset``/``apex``/``offset`` (absolute frame numbers) are marked
    by vertical lines, ``threshold`` by a dotted horizontal line.
    """
    frames = np.asarray(frame_numbers, dtype=np.float64).reshape(-1)
    y = np.asarray(predicted, dtype=np.float64).reshape(-1)
    st = np.asarray(states, dtype=np.int64).reshape(-1)
    if not (frames.shape == y.shape == st.shape) or frames.size == 0:
        raise ValueError("frame_numbers, predicted and states must be non-empty and of one length")
    # Half-way edges between frames, so each band covers exactly its frame.
    mids = (frames[1:] + frames[:-1]) / 2 if frames.size > 1 else np.zeros(0)
    step = float(np.median(np.diff(frames))) if frames.size > 1 else 1.0
    edges = np.concatenate([[frames[0] - step / 2], mids, [frames[-1] + step / 2]])

    with _figure(path, (8.0, 4.0)) as fig:
        ax = fig.add_subplot()
        ax.grid(False)
        for first, last, state in _state_runs(st):
            ax.axvspan(edges[first], edges[last + 1], color=STATE_COLORS[state], lw=0, zorder=0)
        if ground_truth is not None:
            gt = np.asarray(ground_truth, dtype=np.float64).reshape(-1)
            ax.plot(frames, gt, color="#555555", lw=1.8, ls="--", label="ground truth", zorder=3)
        ax.plot(
            frames, y, color="#08306b", lw=1.8, marker="o", ms=2.5, label="predicted", zorder=4
        )
        if threshold is not None:
            ax.axhline(threshold, color="#08306b", lw=1, ls=":", label="threshold", zorder=2)
        for name, frame, color, drop in (
            ("onset", onset, "#2b8cbe", 3),
            ("apex", apex, "#d7301f", 15),  # one line lower: never collides with its neighbours
            ("offset", offset, "#238b45", 3),
        ):
            if frame is None:
                continue
            ax.axvline(frame, color=color, lw=1.3, ls="-.", zorder=5)
            ax.annotate(
                f"{name} {frame}",
                xy=(frame, 1.0),
                xycoords=ax.get_xaxis_transform(),
                xytext=(3, -drop),
                textcoords="offset points",
                color=color,
                fontsize=8,
                ha="left",
                va="top",
                zorder=6,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
            )
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylim(-0.02, 1.22)
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        ax.set_xlabel("Frame number")
        ax.set_ylabel("Intensity")
        ax.set_title(title)
        curves = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="curves")
        ax.add_artist(curves)
        patches = [Patch(facecolor=c, edgecolor="#999999", lw=0.5) for c in STATE_COLORS]
        ax.legend(patches, STATES, loc="lower left", bbox_to_anchor=(1.01, 0.0), title="state")
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
