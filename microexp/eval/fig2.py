"""The paper's Fig. 2 as a PNG: a clip's predicted intensity over its truth, and a timeline below.

The top panel holds the curves (truth shaded grey and dashed, the prediction solid blue, the
spotting threshold dotted) and the truth's onset, apex and offset as vertical lines. The timeline
below has one row each for the truth interval, the spotted interval(s) and the predicted state of
every frame, so that what is true and what is predicted never share a colour or a row. The legends
list only what is drawn (states that occur), and no text is placed inside the axes, so no label
can overlap another.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from microexp.eval.plot_style import STATE_COLORS, figure
from microexp.eval.spotting import Interval
from microexp.states import NEUTRAL, STATES

TRUTH_COLOR = "#4d4d4d"
PRED_COLOR = "#1f4e9c"
#: Timeline rows, bottom to top.
ROWS: tuple[str, ...] = ("predicted state", "spotted", "truth")


def state_runs(states: np.ndarray) -> list[tuple[int, int, int]]:
    """``(first index, last index, state)`` of each run of equal states."""
    change = np.flatnonzero(np.diff(states) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [states.size]]) - 1
    return [(int(s), int(e), int(states[s])) for s, e in zip(starts, ends)]


def _edges(frames: np.ndarray) -> np.ndarray:
    """Half-way edges between frames, so that each band covers exactly its frame."""
    mids = (frames[1:] + frames[:-1]) / 2 if frames.size > 1 else np.zeros(0)
    step = float(np.median(np.diff(frames))) if frames.size > 1 else 1.0
    return np.concatenate([[frames[0] - step / 2], mids, [frames[-1] + step / 2]])


def _xlim(edges: np.ndarray, marks: dict[str, int | None]) -> tuple[float, float]:
    """The predicted frames, widened to the truth's onset, apex and offset (a clip's first frame
    may have no prediction: the truth is never cut off)."""
    half = (edges[-1] - edges[0]) / max(edges.size - 1, 1) / 2
    truth = [float(f) for f in marks.values() if f is not None]
    return min([edges[0], *(f - half for f in truth)]), max(
        [edges[-1], *(f + half for f in truth)]
    )


def _spans(
    frames: np.ndarray, states: np.ndarray, intervals: Sequence[Interval] | None
) -> list[tuple[float, float]]:
    """The spotted intervals as (start, end) frames; without ``intervals``, the runs of
    non-neutral predicted states (which is where the spotting put its intervals)."""
    if intervals is not None:
        return [(float(iv.start), float(iv.end)) for iv in intervals]
    return [(float(frames[a]), float(frames[b])) for a, b, s in state_runs(states) if s != NEUTRAL]


def _curves(
    ax: Axes,
    frames: np.ndarray,
    y: np.ndarray,
    truth: np.ndarray | None,
    marks: dict[str, int | None],
    threshold: float | None,
) -> list[Line2D | Patch]:
    """The top panel; returns its legend handles in order."""
    handles: list[Line2D | Patch] = []
    if truth is not None:
        ax.fill_between(frames, truth, color=TRUTH_COLOR, alpha=0.15, lw=0, zorder=1)
        ax.plot(frames, truth, color=TRUTH_COLOR, lw=1.6, ls="--", zorder=3)
        handles.append(Line2D([], [], color=TRUTH_COLOR, lw=1.6, ls="--", label="truth intensity"))
    (pred,) = ax.plot(
        frames, y, color=PRED_COLOR, lw=2.0, marker="o", ms=2.5, zorder=4,
        label="predicted intensity",
    )  # fmt: skip
    handles.insert(0, pred)
    if threshold is not None:
        handles.append(
            ax.axhline(
                threshold,
                color=PRED_COLOR,
                lw=1.0,
                ls=":",
                zorder=2,
                label=f"spotting threshold ({threshold:g})",
            )  # fmt: skip
        )
    onset, apex, offset = marks["onset"], marks["apex"], marks["offset"]
    bounds = [f for f in (onset, offset) if f is not None]
    for f in bounds:
        ax.axvline(f, color=TRUTH_COLOR, lw=1.1, ls=(0, (5, 2, 1, 2)), zorder=5)
    if bounds:
        names = " / ".join(
            f"{n} {f}" for n, f in (("onset", onset), ("offset", offset)) if f is not None
        )
        handles.append(
            Line2D([], [], color=TRUTH_COLOR, lw=1.1, ls=(0, (5, 2, 1, 2)), label=f"truth {names}")
        )
    if apex is not None:
        ax.axvline(apex, color="#c0392b", lw=1.3, zorder=5)
        handles.append(Line2D([], [], color="#c0392b", lw=1.3, label=f"truth apex {apex}"))
    return handles


def _timeline(
    ax: Axes,
    frames: np.ndarray,
    states: np.ndarray,
    spans: list[tuple[float, float]],
    truth: tuple[int, int] | None,
) -> list[int]:
    """The bottom panel (truth, spotted, predicted state rows); returns the states drawn."""
    edges = _edges(frames)
    half = (edges[-1] - edges[0]) / max(frames.size, 1) / 2
    for first, last, state in state_runs(states):
        ax.broken_barh(
            [(edges[first], edges[last + 1] - edges[first])], (-0.4, 0.8),
            facecolors=STATE_COLORS[state], edgecolors="none",
        )  # fmt: skip
    bars = [(a - half, b - a + 2 * half) for a, b in spans]
    ax.broken_barh(bars, (0.65, 0.7), facecolors=PRED_COLOR, edgecolors="none")
    if not spans:
        ax.text(
            0.5, 1.0, "no interval spotted", transform=ax.get_yaxis_transform(),
            ha="center", va="center", fontsize=8, color="#666666", style="italic",
        )  # fmt: skip
    if truth is not None:
        a, b = truth
        ax.broken_barh([(a - half, b - a + 2 * half)], (1.65, 0.7), facecolors=TRUTH_COLOR)
    else:
        ax.text(
            0.5, 2.0, "no truth given", transform=ax.get_yaxis_transform(),
            ha="center", va="center", fontsize=8, color="#666666", style="italic",
        )  # fmt: skip
    ax.set_yticks(range(len(ROWS)), labels=list(ROWS))
    ax.set_ylim(-0.6, len(ROWS) - 0.4)
    ax.tick_params(axis="y", length=0)
    ax.grid(False)
    return sorted({int(s) for s in states})


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
    intervals: Sequence[Interval] | None = None,
    title: str = "Predicted intensity and expression states",
) -> Path:
    """The paper's Fig. 2 for one clip (see the module docstring).

    ``states``: ``(T,)`` predicted state ids of ``microexp.states.STATES`` (e.g. from
    :func:`microexp.eval.spotting.intensity_states`); ``onset``/``apex``/``offset``: the truth, in
    absolute frame numbers; ``intervals``: the spotted intervals (default: the runs of
    non-neutral predicted states).
    """
    frames = np.asarray(frame_numbers, dtype=np.float64).reshape(-1)
    y = np.asarray(predicted, dtype=np.float64).reshape(-1)
    st = np.asarray(states, dtype=np.int64).reshape(-1)
    if not (frames.shape == y.shape == st.shape) or frames.size == 0:
        raise ValueError("frame_numbers, predicted and states must be non-empty and of one length")
    truth = None if ground_truth is None else np.asarray(ground_truth, np.float64).reshape(-1)
    marks = {"onset": onset, "apex": apex, "offset": offset}
    interval = (onset, offset) if onset is not None and offset is not None else None
    edges = _edges(frames)
    with figure(path, (9.0, 4.8), layout="constrained") as fig:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3.0, 1.25])
        top.grid(True, axis="y")
        top.grid(False, axis="x")
        handles = _curves(top, frames, y, truth, marks, threshold)
        if interval is not None:
            handles.append(Patch(facecolor=TRUTH_COLOR, label="truth interval"))
        handles.append(Patch(facecolor=PRED_COLOR, label="spotted interval (predicted)"))
        top.set_xlim(*_xlim(edges, marks))
        top.set_ylim(-0.03, 1.05)
        top.set_ylabel("Intensity")
        top.set_title(title)
        top.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        drawn = _timeline(bottom, frames, st, _spans(frames, st, intervals), interval)
        bottom.set_xlabel("Frame number")
        patches = [Patch(facecolor=STATE_COLORS[s], label=STATES[s]) for s in drawn]
        bottom.legend(
            handles=patches, loc="center left", bbox_to_anchor=(1.01, 0.5),
            title="predicted state", ncol=1 if len(patches) <= 3 else 2, fontsize=8,
            title_fontsize=8,
        )  # fmt: skip
    return Path(path)
