"""The CASME II generator: plan the release (every face and clip drawn from the seed in the main
process), render the clips in worker processes, and write the whole layout with its record."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from microexp.data.synthetic.casme2 import CROP_SCALE, NO_FOLDER, NO_ROW, plan_casme2
from microexp.data.synthetic.layout import (
    SHEET_NAME,
    clip_jobs,
    write_clip,
    write_coding_sheet,
    write_preview,
)
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.writing import record, start, write_jobs

log = logging.getLogger(__name__)

GENERATOR_VERSION = 2


def generate(
    out: str | Path,
    *,
    subjects: int = 26,
    clips: int | None = None,
    size: float = 1.0,
    seed: int = 0,
    margin: int = 0,
    quirks: bool = True,
    scale: float = CROP_SCALE,
    trees: str = "cropped",
    workers: int | None = None,
    quality: int = 92,
    distractors: Distractors | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic CASME II under ``out`` and return a summary dict.

    Args:
        out: destination folder (created; must be empty or absent).
        subjects: number of subjects (faces).
        clips: clips per subject on average, spread over the subjects as unevenly as the
            release's; None: the release's own counts (255 clips over 26 subjects).
        size: scales the number of clips (0.5: half of them), classes and subjects keeping
            their proportions (never balanced; each subject keeps at least one clip).
        seed: everything derives from it; the same seed gives the same bytes.
        margin: neutral frames before the onset and after the offset of every clip (CASME II
            has none: its folders hold exactly onset..offset).
        quirks: plant the release's row errors (an apex written ``/``, an offset past the
            folder's last frame, a junk file, a folder without a row, a row without a folder).
        scale: crop size relative to the release's (about 280x340).
        trees: ``"cropped"`` (``Cropped/``), ``"raw"`` (``CASME2_RAW_selected/``) or ``"both"``.
        workers: processes (default: CPU count, at most 8).
        quality: JPEG quality.
        distractors: strength of blinks, head drift, flicker and noise (defaults: moderate).
        progress: show a progress bar over clips.
    """
    if trees not in ("cropped", "raw", "both"):
        raise ValueError(f"trees must be cropped, raw or both, not {trees!r}")
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], not {scale}")
    began = time.perf_counter()
    plan = plan_casme2(
        subjects, clips, size=size, seed=seed, margin=margin, quirks=quirks, scale=scale
    )
    root = start(out)
    distractors = distractors or Distractors()
    jobs = clip_jobs(plan.samples, plan.faces, root, trees, quality, distractors)
    write_jobs(jobs, workers, progress, write=write_clip)
    write_coding_sheet(root / SHEET_NAME, plan.samples)
    write_preview(root / "preview.png", plan.samples, plan.faces, distractors)
    clips_read = [s for s in plan.samples if s.quirk not in (NO_ROW, NO_FOLDER)]
    summary: dict[str, Any] = {
        "generator": "microexp.data.synthetic",
        "layout": "casme2",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "subjects": subjects,
        "clips_per_subject": clips,
        "size": size,
        "margin": margin,
        "scale": scale,
        "trees": trees,
        "distractors": asdict(distractors),
        "clips": len(clips_read),
        "per_emotion": dict(Counter(s.emotion for s in clips_read).most_common()),
        "per_subject": dict(sorted(Counter(s.spec.subject for s in clips_read).items())),
        "quirks": dict(sorted(Counter(s.quirk for s in plan.samples if s.quirk).items())),
        "frames": int(sum(job.spec.n_frames for job in jobs)),
    }
    record(root, plan, summary)
    summary["seconds"] = round(time.perf_counter() - began, 2)
    log.info(
        "wrote %d clips (%d frames) to %s in %.1f s",
        summary["clips"],
        summary["frames"],
        root,
        summary["seconds"],
    )
    return summary
