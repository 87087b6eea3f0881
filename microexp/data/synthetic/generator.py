"""The generator: draw every subject's face and every clip's specification from the seed, render
the clips in worker processes, and write the whole CASME II layout."""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import numpy as np

from microexp.classes import CLASSES_5
from microexp.data.synthetic.face import FaceParams, face_params
from microexp.data.synthetic.layout import (
    SHEET_NAME,
    write_clip,
    write_coding_sheet,
    write_preview,
)
from microexp.data.synthetic.motion import AU_TEXT, Distractors
from microexp.data.synthetic.render import ClipSpec

log = logging.getLogger(__name__)

#: What :func:`write_clip` returns: episode, onset frame, apex frame, ground-truth mask.
Rendered = tuple[str, np.ndarray, np.ndarray, np.ndarray]

GENERATOR_VERSION = 1


def plan(subjects: int, clips: int, seed: int) -> tuple[list[FaceParams], list[ClipSpec]]:
    """Draw every subject's face and every clip's specification (deterministic in ``seed``)."""
    faces: list[FaceParams] = []
    specs: list[ClipSpec] = []
    for s in range(subjects):
        rng = np.random.default_rng([seed, s, 10_000])
        faces.append(face_params(rng))
        subject = f"sub{s + 1:02d}"
        order = [CLASSES_5[(k + s) % len(CLASSES_5)] for k in range(clips)]
        rng.shuffle(order)
        used: set[str] = set()
        for emotion in order:
            while True:
                ep = f"EP{int(rng.integers(1, 20)):02d}_{int(rng.integers(1, 10)):02d}"
                ep += "f" if rng.random() < 0.3 else ""
                if ep.rstrip("f") not in used:
                    used.add(ep.rstrip("f"))
                    break
            duration = int(rng.integers(18, 41))
            n = duration + int(rng.integers(24, 45))
            lead = int(rng.integers(8, n - duration - 8 + 1))
            first = int(rng.integers(1, 250))
            onset = first + lead
            offset = onset + duration
            apex = onset + int(round(duration * rng.uniform(0.35, 0.6)))
            specs.append(
                ClipSpec(
                    subject_index=s,
                    subject=subject,
                    episode=ep,
                    emotion=emotion,
                    action_units=str(rng.choice(AU_TEXT[emotion])),
                    first_frame=first,
                    n_frames=n,
                    onset=onset,
                    apex=apex,
                    offset=offset,
                    magnitude=float(rng.uniform(0.3, 1.5)),
                    seed=int(rng.integers(0, 2**31 - 1)),
                )
            )
    return faces, specs


def generate(
    out: str | Path,
    *,
    subjects: int = 26,
    clips: int = 10,
    seed: int = 0,
    trees: str = "cropped",
    workers: int | None = None,
    quality: int = 92,
    distractors: Distractors | None = None,
    progress: bool = True,
) -> dict:
    """Write a synthetic CASME II under ``out`` and return a summary dict.

    Args:
        out: destination folder (created; must be empty or absent).
        subjects: number of subjects (faces).
        clips: clips per subject; classes are balanced within each subject.
        seed: everything derives from it; the same seed gives the same bytes.
        trees: ``"cropped"`` (``Cropped/``), ``"raw"`` (``CASME2_RAW_selected/``) or ``"both"``.
        workers: processes (default: CPU count, at most 8).
        quality: JPEG quality.
        distractors: strength of blinks, head drift, flicker and noise (defaults: moderate).
        progress: show a progress bar over clips.
    """
    if subjects < 1 or clips < 1:
        raise ValueError("need at least one subject and one clip")
    if trees not in ("cropped", "raw", "both"):
        raise ValueError(f"trees must be cropped, raw or both, not {trees!r}")
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    faces, specs = plan(subjects, clips, seed)
    distractors = distractors or Distractors()
    jobs = [
        (spec, faces[spec.subject_index], str(root), trees, quality, distractors) for spec in specs
    ]
    results = _write_clips(jobs, specs, workers or min(8, os.cpu_count() or 1), progress)
    write_coding_sheet(root / SHEET_NAME, specs)
    write_preview(root / "preview.png", _preview_rows(specs, results, subjects))
    summary = {
        "generator": "microexp.data.synthetic",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "subjects": subjects,
        "clips_per_subject": clips,
        "clips": len(specs),
        "trees": trees,
        "distractors": asdict(distractors),
        "frames": int(sum(s.n_frames for s in specs)),
        "seconds": round(time.perf_counter() - start, 2),
    }
    meta = {k: v for k, v in summary.items() if k != "seconds"}
    meta["clip_specs"] = [asdict(s) for s in specs]
    (root / "synthetic.json").write_text(json.dumps(meta, indent=1))
    log.info(
        "wrote %d clips (%d frames) to %s in %.1f s",
        summary["clips"],
        summary["frames"],
        root,
        summary["seconds"],
    )
    return summary


def _write_clips(
    jobs: list[tuple], specs: list[ClipSpec], workers: int, progress: bool
) -> dict[tuple[str, str], Rendered]:
    """Render and write every clip (in ``workers`` processes when more than one), in order."""
    from rich.progress import Progress

    results: dict[tuple[str, str], Rendered] = {}
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("generating clips", total=len(jobs))
        with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
            done = (
                map(write_clip, jobs) if pool is None else pool.map(write_clip, jobs, chunksize=2)
            )
            for spec, res in zip(specs, done):
                results[(spec.subject, spec.episode)] = res
                bar.advance(task)
    return results


def _preview_rows(
    specs: list[ClipSpec], results: dict[tuple[str, str], Rendered], subjects: int
) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """One clip per class for the preview, from different subjects where there are enough."""
    rows = []
    for k, cls in enumerate(CLASSES_5):
        candidates = [s for s in specs if s.emotion == cls]
        preferred = [s for s in candidates if s.subject_index == k % subjects]
        spec = (preferred or candidates or [None])[0]
        if spec is not None:
            _, onset, apex, mask = results[(spec.subject, spec.episode)]
            rows.append(
                (
                    f"{spec.subject}/{spec.episode} {cls} ({spec.magnitude:.2f} px at 64x64)",
                    onset,
                    apex,
                    mask,
                )
            )
    return rows
