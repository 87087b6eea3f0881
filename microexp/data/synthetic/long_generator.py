"""The long-video generator: plan the release, render every video with its frames streamed to
disk (in worker processes), write the release's workbook, and put the plan beside it
(``synthetic.json``: every video and expression as rendered and as the sheet writes it)."""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from microexp.data.synthetic import casme_sq, samm_lv
from microexp.data.synthetic.face import FaceParams
from microexp.data.synthetic.long_layout import SheetRows, VideoLayout, write_frames
from microexp.data.synthetic.long_plan import NO_FOLDER, VideoPlan, plan_videos
from microexp.data.synthetic.long_render import stream_video

log = logging.getLogger(__name__)

#: Long-video layouts by the name of their reader.
LAYOUTS: dict[str, VideoLayout] = {"casme_sq": casme_sq.LAYOUT, "samm_lv": samm_lv.LAYOUT}
GENERATOR_VERSION = 1


def generate_videos(
    out: str | Path,
    *,
    layout: str,
    subjects: int = 3,
    videos: int = 3,
    minutes: float = 0.5,
    seed: int = 0,
    workers: int | None = None,
    quality: int = 92,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic long-video release under ``out`` and return a summary dict.

    Args:
        out: destination folder (created; must be empty or absent).
        layout: ``casme_sq`` (CAS(ME)^2) or ``samm_lv`` (SAMM long videos).
        subjects: number of subjects (faces).
        videos: videos per subject, besides the two planted ones (one whose frame folder is
            missing, one without expressions).
        minutes: about how long each video is (each varies by up to a quarter).
        seed: everything derives from it; the same seed gives the same bytes.
        workers: processes (default: CPU count, at most 8).
        quality: JPEG quality.
        progress: show a progress bar over videos.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown long-video layout {layout!r}: use {' or '.join(LAYOUTS)}")
    spec = LAYOUTS[layout]
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    start = time.perf_counter()
    faces, plans = plan_videos(
        spec.stats, subjects=subjects, videos=videos, minutes=minutes, seed=seed
    )
    for plan in plans:
        spec.names(plan)  # a plan the layout cannot name fails before anything is written
    root.mkdir(parents=True, exist_ok=True)
    jobs = [
        (layout, plan, faces[plan.subject_index], str(root), quality)
        for plan in plans
        if plan.quirk != NO_FOLDER
    ]
    frames = _write_videos(jobs, workers or min(8, os.cpu_count() or 1), progress)
    rows = spec.write_workbook(root / spec.workbook, plans)
    summary: dict[str, Any] = {
        "generator": "microexp.data.synthetic",
        "layout": layout,
        "version": GENERATOR_VERSION,
        "seed": seed,
        "subjects": subjects,
        "videos_per_subject": videos,
        "minutes": minutes,
        "fps": spec.stats.fps,
        "videos": len(jobs),
        "frames": frames,
        "expressions": sum(len(p.expressions) for p in plans),
    }
    meta = dict(summary, plans=[_plan_json(spec, p, rows) for p in plans])
    (root / "synthetic.json").write_text(json.dumps(meta, indent=1))
    summary["seconds"] = round(time.perf_counter() - start, 2)
    seconds = summary["seconds"]
    log.info("wrote %d videos (%d frames) to %s in %.1f s", len(jobs), frames, root, seconds)
    return summary


def write_video(job: tuple[str, VideoPlan, FaceParams, str, int]) -> int:
    """Render one video and write its frames one at a time; returns the number written."""
    layout, plan, face, out, quality = job
    spec = LAYOUTS[layout]
    names = spec.names(plan)
    frames = stream_video(plan, face, spec.stats)
    return write_frames(Path(out) / names.folder, names, frames, spec.grey, quality)


def _write_videos(jobs: list[tuple], workers: int, progress: bool) -> int:
    """Write every video (in ``workers`` processes when more than one); total frames."""
    from rich.progress import Progress

    total = 0
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("generating videos", total=len(jobs))
        with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
            done = map(write_video, jobs) if pool is None else pool.map(write_video, jobs)
            for count in done:
                total += count
                bar.advance(task)
    return total


def _plan_json(spec: VideoLayout, plan: VideoPlan, rows: SheetRows) -> dict[str, Any]:
    """A video's plan with its names and each expression's workbook row (None: not written)."""
    names = spec.names(plan)
    expressions = [
        dict(asdict(e), row=rows.get((plan.subject_index, plan.video_index, k)))
        for k, e in enumerate(plan.expressions)
    ]
    return {
        "subject": names.subject,
        "video": names.video,
        "folder": names.folder,
        "frames_written": plan.quirk != NO_FOLDER,
        **dict(asdict(plan), expressions=expressions),
    }
