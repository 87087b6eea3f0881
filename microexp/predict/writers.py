"""What a prediction leaves behind: ``intensity.csv`` (one row per step: frame, time,
intensity, state, class probabilities), ``intervals.json`` (spotted intervals with class and
confidence, the crop, the settings), ``fig2.png`` (intensity with state bands, the paper's
Fig. 2), and the few lines the command prints."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from microexp.predict.errors import PredictError
from microexp.predict.model import Model
from microexp.predict.prediction import Prediction
from microexp.states import STATES


def _seconds(frame: int, fps: float | None) -> float | None:
    return round(frame / fps, 4) if fps else None


def write_outputs(pred: Prediction, model: Model, out: Path) -> dict[str, Path]:
    """``intensity.csv``, ``intervals.json`` and ``fig2.png`` in ``out``."""
    from microexp.eval import plots

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PredictError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "intensity": write_intensity(pred, model.classes, out / "intensity.csv"),
        "intervals": out / "intervals.json",
    }
    files["intervals"].write_text(json.dumps(report(pred, model), indent=2))
    threshold = model.spot.get("threshold")
    files["fig2"] = plots.plot_intensity_states(
        pred.frame_numbers,
        pred.intensity,
        pred.states,
        out / "fig2.png",
        threshold=threshold if model.spot.get("method", "threshold") == "threshold" else None,
        title=f"{Path(pred.source).name or 'input'}: predicted intensity and states",
    )
    return files


def write_intensity(pred: Prediction, classes: tuple[str, ...], path: Path) -> Path:
    """One row per step: frame, time (s), intensity, state, class probabilities."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["frame", "time_s", "intensity", "state"] + [f"p_{c}" for c in classes])
        for i, frame in enumerate(pred.frame_numbers):
            t = _seconds(int(frame), pred.fps)
            writer.writerow(
                [int(frame), "" if t is None else f"{t:.4f}", f"{pred.intensity[i]:.6f}"]
                + [STATES[pred.states[i]]]
                + [f"{p:.6f}" for p in pred.probs[i]]
            )
    return path


def report(pred: Prediction, model: Model) -> dict[str, Any]:
    """The content of ``intervals.json``."""
    classes, fps, crop = model.classes, pred.fps, pred.crop

    def probs(p: np.ndarray) -> dict[str, float]:
        return {c: round(float(v), 6) for c, v in zip(classes, p, strict=True)}

    intervals = [
        {
            "start": iv.start,
            "end": iv.end,
            "peak": iv.peak,
            "start_s": _seconds(iv.start, fps),
            "end_s": _seconds(iv.end, fps),
            "score": round(iv.score, 6),
            "class": classes[iv.label] if iv.label is not None else None,
            "label": iv.label,
            "confidence": round(float(iv.confidence or 0.0), 6),
            "probabilities": probs(p),
        }
        for iv, p in zip(pred.intervals, pred.interval_probs, strict=True)
    ]
    return {
        "input": pred.source,
        "checkpoint": str(model.path) if model.path else None,
        "frames": pred.frames,
        "fps": fps,
        "frame_stride": pred.plan.stride if pred.plan else model.frame_stride,
        "step": None
        if pred.plan is None
        else {
            "frames": pred.plan.stride,
            "ms": round(pred.plan.step_ms, 3),
            "training_fps": pred.plan.training_fps,
            "training_frames": pred.plan.training_stride,
            "training_ms": round(pred.plan.training_step_ms, 3),
        },
        "steps": pred.steps,
        "first_step_frame": int(pred.frame_numbers[0]),
        "last_step_frame": int(pred.frame_numbers[-1]),
        "crop": None
        if crop is None
        else {
            "box": None if crop.box is None else dataclasses.astuple(crop.box),
            "face": None if crop.face is None else dataclasses.astuple(crop.face),
            "reason": crop.reason,
        },
        "registration": pred.registration,
        "run": model.run.as_dict(),
        "warnings": list(pred.warnings),
        "classes": list(classes),
        "spot": model.spot,
        "intervals": intervals,
        "clip": {
            "class": classes[pred.label],
            "label": pred.label,
            "confidence": round(pred.confidence, 6),
            "from": "highest-scoring interval" if pred.from_interval else "whole input",
            "probabilities": probs(pred.clip_probs),
        },
        "seconds": round(pred.seconds, 3),
        "frames_per_second": round(pred.frames_per_second, 2),
    }


def summary(pred: Prediction, model: Model, files: dict[str, Path] | None = None) -> str:
    """The few lines the command prints."""
    c, fps = model.classes, pred.fps

    def when(frame: int) -> str:
        t = _seconds(frame, fps)
        return f" ({t:.2f} s)" if t is not None else ""

    rate = f", {fps:g} fps" if fps else ""
    lines = [f"input: {pred.source} ({pred.frames} frames{rate})"]
    if pred.ignored:
        shown = ", ".join(pred.ignored[:5]) + (" ..." if len(pred.ignored) > 5 else "")
        lines.append(f"  ignored {len(pred.ignored)} entries that are not image files: {shown}")
    if pred.crop is not None:
        lines.append(f"crop: {pred.crop.reason}")
    if pred.registration is not None:
        lines.append(f"registration: {pred.registration['text']}")
        lines += [f"  {note}" for note in pred.registration["notes"]]
    lines.append(f"model: {model.describe()}")
    if pred.plan is not None:
        lines.append(f"step: {pred.plan.describe()}")
    lines.append(
        f"predicted {pred.steps} steps (frames {int(pred.frame_numbers[0])}-"
        f"{int(pred.frame_numbers[-1])}) in {pred.seconds:.1f} s "
        f"({pred.frames_per_second:.1f} input frames/s)"
    )
    if pred.intervals:
        n = len(pred.intervals)
        lines.append(f"spotted {n} interval{'s' if n != 1 else ''}:")
        for iv in pred.intervals:
            lines.append(
                f"  frames {iv.start}{when(iv.start)} to {iv.end}{when(iv.end)}, peak {iv.peak}, "
                f"score {iv.score:.2f}: {c[iv.label]} (confidence {iv.confidence:.2f})"
            )
        lines.append(f"class: {c[pred.label]} (confidence {pred.confidence:.2f})")
    else:
        settings = ", ".join(f"{k} {v}" for k, v in model.spot.items())
        lines.append(
            f"no micro-expression spotted (peak intensity {pred.intensity.max():.2f}; spotting: "
            f"{settings}); class over the whole input: {c[pred.label]} ({pred.confidence:.2f})"
        )
    lines += [f"warning: {w}" for w in pred.warnings]
    if files:
        lines.append("wrote " + ", ".join(str(p) for p in files.values()))
    return "\n".join(lines)
