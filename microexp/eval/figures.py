"""The standard figure set of a list of clip records (a test run, or a pooled LOSO sweep).

ROC curve of the pooled frames, confusion matrix, per-subject accuracy bars, and the paper's
Fig. 2 for three clips: the best, the median and the worst by mean absolute intensity error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from microexp.eval import plots
from microexp.eval.gates import inside_outside_why
from microexp.eval.record_scores import recognised
from microexp.eval.records import ClipRecord, pooled_frames
from microexp.eval.scores import confusion_matrix, roc_points

#: The Fig. 2 panels, in the order they are drawn.
FIG2_PANELS: tuple[str, ...] = ("best", "median", "worst")


def clip_error(r: ClipRecord) -> float:
    """Mean absolute intensity error of a clip (the ranking of the Fig. 2 panels)."""
    return float(np.mean(np.abs(r.intensity - r.target))) if len(r.target) else 0.0


def fig2_clips(records: Sequence[ClipRecord]) -> dict[str, ClipRecord]:
    """The best, median and worst clip by :func:`clip_error` (ties: input order)."""
    ranked = sorted(records, key=clip_error)
    if not ranked:
        return {}
    return dict(zip(FIG2_PANELS, (ranked[0], ranked[len(ranked) // 2], ranked[-1])))


def subject_accuracy(records: Sequence[ClipRecord]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Test subjects (sorted), their clip accuracy and the number of clips it is over.

    Only the clips with a true and a predicted class count (:func:`~microexp.eval.record_scores.
    recognised`, as in the recognition scores); a subject with none has accuracy NaN.
    """
    subjects = sorted({r.subject for r in records})
    acc, counts = [], []
    for s in subjects:
        mine = [r for r in recognised(records) if r.subject == s]
        acc.append(float(np.mean([r.pred_label == r.label for r in mine])) if mine else np.nan)
        counts.append(len(mine))
    return subjects, np.array(acc, dtype=np.float64), np.array(counts, dtype=np.int64)


def write_plots(
    records: Sequence[ClipRecord],
    out: Path,
    classes: Sequence[str],
    spot: dict[str, Any],
    panels: int = 3,
    title: str = "",
    *,
    recognition: bool = True,
    spotting: bool = True,
    curve: str = "network",
) -> dict[str, Path]:
    """ROC, confusion matrix, per-subject accuracy and Fig. 2 panels (best, median, worst).

    ``spot`` is the run's spotting configuration (its threshold is drawn in Fig. 2). With
    ``recognition=False`` (a spotting-only method) the confusion matrix and the accuracy bars are
    left out; with ``spotting=False`` (no meaningful intensity) the ROC curve and Fig. 2. The ROC
    curve is drawn only where inside/outside frame AUC is defined
    (:func:`microexp.eval.gates.inside_outside_why`). ``curve`` names the ROC curve in its
    legend. Returns ``{name: path}`` of the PNGs written into ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    prefix = f"{title}: " if title else ""
    images: dict[str, Path] = {}
    scores, inside = pooled_frames(records)
    if spotting and inside_outside_why(inside, "the ROC curve") is None:
        roc = roc_points(scores, inside)
        if roc.defined:
            images["roc"] = plots.plot_roc(
                {curve: roc}, out / "roc.png", title=f"{prefix}frame-level spotting ROC"
            )
    if recognition:
        done = recognised(records)
        cm = confusion_matrix(
            np.array([r.label for r in done], dtype=np.int64),
            np.array([r.pred_label for r in done], dtype=np.int64),
            len(classes),
        )
        images["confusion"] = plots.plot_confusion(
            cm, list(classes), out / "confusion.png", title=f"{prefix}confusion matrix"
        )
        subjects, acc, counts = subject_accuracy(records)
        images["subject_accuracy"] = plots.plot_subject_accuracy(
            subjects,
            acc,
            counts,
            out / "subject_accuracy.png",
            title=f"{prefix}accuracy per subject",
        )
    if spotting:
        method = spot.get("method", "threshold")
        threshold = spot.get("threshold") if method == "threshold" else None
        for name, r in list(fig2_clips(records).items())[:panels]:
            predicted = classes[r.pred_label] if 0 <= r.pred_label < len(classes) else "none"
            true = classes[r.label] if 0 <= r.label < len(classes) else "none"
            images[f"fig2_{name}"] = plots.plot_intensity_states(
                r.frame_numbers,
                r.intensity,
                r.states(),
                out / f"fig2_{name}.png",
                ground_truth=r.target,
                onset=r.onset,
                apex=r.apex,
                offset=r.offset,
                threshold=threshold,
                intervals=r.intervals,
                title=f"{prefix}{r.subject}/{r.episode} ({name}: true {true}, "
                f"predicted {predicted})",
            )
    return images
