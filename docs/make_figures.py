"""Regenerate the example gallery in ``docs/figures/`` from synthetic predictions.

Usage: ``python docs/make_figures.py [--out docs/figures]``. Seeded: the same inputs every run.
Nothing here is a result; the numbers come from made-up predictions that exercise
``microexp.eval`` (spotting, metrics, plots) the way a LOSO report does.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.colors import hsv_to_rgb

from microexp.eval import plots
from microexp.eval.scores import confusion_matrix, recognition_scores, roc_points
from microexp.eval.spotting import (
    Interval,
    clip_prediction,
    intensity_states,
    interval_scores,
    spot_intervals,
)

logger = logging.getLogger("make_figures")

CLASSES = ("happiness", "disgust", "repression", "surprise", "others")
CLASS_SHARE = np.array([32, 63, 27, 25, 99], dtype=np.float64)
SEED = 2019

FIGURES: dict[str, str] = {
    "roc.png": "Frame-level spotting ROC of the network and two baselines, AUC in the legend.",
    "confusion.png": "5-class confusion matrix: counts and row % per cell, row-normalised colour.",
    "intensity_states.png": "Paper Fig. 2: predicted vs ground-truth intensity, six state bands.",
    "subject_accuracy.png": "LOSO accuracy per subject with clip counts, mean and pooled lines.",
    "flow_pairs.png": "Frames above their optical-flow colour images (synthetic face and flow).",
}


@dataclass
class SyntheticClip:
    """One made-up clip: ground truth and the predictions of three 'methods'."""

    subject: str
    frames: np.ndarray
    onset: int
    apex: int
    offset: int
    label: int
    gt: np.ndarray
    network: np.ndarray
    lbp: np.ndarray
    hoof: np.ndarray
    probs: np.ndarray


def _smooth_noise(rng: np.random.Generator, n: int, scale: float, width: int) -> np.ndarray:
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    return np.convolve(rng.normal(0.0, scale, n + width), kernel, mode="same")[:n]


def make_clip(rng: np.random.Generator, subject: str) -> SyntheticClip:
    """A clip with a triangular intensity curve and noisy predictions of it."""
    length = int(rng.integers(45, 80))
    first = int(rng.integers(1, 150))
    frames = np.arange(first, first + length)
    onset = first + int(rng.integers(8, 16))
    offset = min(onset + int(rng.integers(18, 32)), frames[-1] - 4)
    apex = onset + int(rng.integers(5, offset - onset - 4))
    gt = np.interp(frames, [onset, apex, offset], [0.0, 1.0, 0.0], left=0.0, right=0.0)
    # A distractor (blink-like bump) that every method partly responds to.
    bump_at = frames[int(rng.integers(0, length))]
    bump = 0.5 * np.exp(-0.5 * ((frames - bump_at) / 1.5) ** 2)

    def predict(gain: float, noise: float, distract: float) -> np.ndarray:
        y = gain * gt + distract * bump + _smooth_noise(rng, length, noise, 5) + 0.05
        return np.clip(y, 0.0, 1.0)

    label = int(rng.choice(len(CLASSES), p=CLASS_SHARE / CLASS_SHARE.sum()))
    # Per-clip confusion (subject- and clip-specific look-alikes) plus per-frame noise; the true
    # class gains evidence inside the expression only.
    logits = rng.normal(0.0, 0.9, len(CLASSES)) + rng.normal(0.0, 1.0, (length, len(CLASSES)))
    logits[:, label] += 2.8 * gt
    logits[:, 4] += 0.25  # a mild bias towards "others"
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return SyntheticClip(
        subject=subject,
        frames=frames,
        onset=onset,
        apex=apex,
        offset=offset,
        label=label,
        gt=gt,
        network=predict(0.95, 0.22, 0.25),
        lbp=predict(0.9, 0.26, 0.45),
        hoof=predict(0.3, 0.45, 0.8),
        probs=probs,
    )


def flow_colour(u: np.ndarray, v: np.ndarray, max_norm: float | None = None) -> np.ndarray:
    """Hue = direction, saturation = magnitude (a stand-in for ``microexp.flow.viz``)."""
    mag = np.hypot(u, v)
    scale = max_norm or float(mag.max()) or 1.0
    hsv = np.stack(
        [(np.arctan2(-v, -u) / np.pi + 1.0) / 2.0, np.clip(mag / scale, 0, 1), np.ones_like(u)],
        axis=-1,
    )
    return (hsv_to_rgb(hsv) * 255).round().astype(np.uint8)


def synthetic_face(t: float, size: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A schematic grey face whose mouth corners rise with ``t``; returns image and (u, v)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    cx, cy = size / 2, size / 2
    face = ((xx - cx) / 22) ** 2 + ((yy - cy) / 28) ** 2 <= 1
    img = np.where(face, 200 - 0.6 * (yy - cy), 40.0)
    for ex in (cx - 9, cx + 9):
        img[((xx - ex) / 4) ** 2 + ((yy - (cy - 8)) / 2) ** 2 <= 1] = 60
    mouth_y = cy + 12 - 3 * t * (np.abs(xx - cx) / 10) ** 2
    img[(np.abs(yy - mouth_y) <= 1.2) & (np.abs(xx - cx) <= 10)] = 80
    # Flow: mouth corners move up and outwards, as a Gaussian blob on each side.
    u = np.zeros_like(xx)
    v = np.zeros_like(xx)
    for side in (-1, 1):
        blob = np.exp(-(((xx - (cx + side * 9)) ** 2 + (yy - (cy + 11)) ** 2) / 18.0))
        u += side * 0.6 * t * blob
        v -= 1.2 * t * blob
    rgb = np.repeat(img[..., None], 3, axis=2)
    rgb[..., 0] += 12  # a little warmth, so it does not look like a mask
    return np.clip(rgb, 0, 255).astype(np.uint8), u, v


def main(out_dir: Path) -> list[Path]:
    """Write every gallery figure and the README into ``out_dir``; return the PNG paths."""
    rng = np.random.default_rng(SEED)
    subjects = [f"sub{k:02d}" for k in range(1, 27)]
    clips = [make_clip(rng, s) for s in subjects for _ in range(int(rng.integers(3, 16)))]

    # Spotting: frame AUC of three methods, interval F1 of the network.
    labels = np.concatenate([(c.frames >= c.onset) & (c.frames <= c.offset) for c in clips])
    curves = {
        name: roc_points(np.concatenate([getattr(c, attr) for c in clips]), labels)
        for name, attr in (("network", "network"), ("LBP", "lbp"), ("HOOF", "hoof"))
    }
    spot_kw = {"smooth": 5, "threshold": 0.25, "min_length": 5}
    spotted = [spot_intervals(c.network, c.frames, **spot_kw) for c in clips]
    megc = interval_scores(
        (pred, [Interval(c.onset, c.offset, peak=c.apex)]) for pred, c in zip(spotted, clips)
    )
    logger.info("interval scores: %s", megc)
    logger.info("frame AUC: %s", {name: round(c.auc, 4) for name, c in curves.items()})

    # Recognition: clip label from the spotted interval.
    y_true = np.array([c.label for c in clips])
    y_pred = np.array(
        [clip_prediction(c.probs, s, c.frames).label for c, s in zip(clips, spotted)]
    )
    logger.info("recognition: %s", recognition_scores(y_true, y_pred, len(CLASSES)))

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        plots.plot_roc(curves, out_dir / "roc.png", title="Frame-level spotting ROC (synthetic)"),
        plots.plot_confusion(
            confusion_matrix(y_true, y_pred, len(CLASSES)),
            CLASSES,
            out_dir / "confusion.png",
            title="Recognition, 5 classes (synthetic)",
        ),
    ]

    clip = clips[3]
    intervals = spotted[3]
    paths.append(
        plots.plot_intensity_states(
            clip.frames,
            clip.network,
            intensity_states(clip.network, intervals, clip.frames),
            out_dir / "intensity_states.png",
            ground_truth=clip.gt,
            onset=clip.onset,
            apex=clip.apex,
            offset=clip.offset,
            threshold=spot_kw["threshold"],
            intervals=intervals,
            title=f"{clip.subject}: predicted intensity and states (synthetic)",
        )
    )

    per_subject = {s: [0, 0] for s in subjects}
    for c, t, p in zip(clips, y_true, y_pred):
        per_subject[c.subject][0] += int(t == p)
        per_subject[c.subject][1] += 1
    counts = np.array([per_subject[s][1] for s in subjects])
    accuracy = np.array([per_subject[s][0] for s in subjects]) / np.maximum(counts, 1)
    paths.append(
        plots.plot_subject_accuracy(
            subjects,
            accuracy,
            counts,
            out_dir / "subject_accuracy.png",
            title="Accuracy per test subject, LOSO (synthetic)",
        )
    )

    steps = np.linspace(0.0, 1.0, 5)
    faces = [synthetic_face(t) for t in steps]
    max_norm = max(float(np.hypot(u, v).max()) for _, u, v in faces)
    paths.append(
        plots.plot_flow_pairs(
            [img for img, _, _ in faces],
            [flow_colour(u, v, max_norm) for _, u, v in faces],
            out_dir / "flow_pairs.png",
            titles=[f"t = {t:.2f}" for t in steps],
            title="Frames and optical flow (synthetic face)",
        )
    )

    lines = [
        "# Example figures",
        "",
        "Made from synthetic predictions by `python docs/make_figures.py` (seeded); not results.",
        "",
        *(f"- `{name}`: {text}" for name, text in FIGURES.items()),
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines))
    return paths


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "figures")
    for written in main(parser.parse_args().out):
        logger.info("wrote %s (%d bytes)", written, written.stat().st_size)
