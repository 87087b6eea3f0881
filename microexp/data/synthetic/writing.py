"""Render planned samples and write their frames as a release names them, in worker processes
(output does not depend on scheduling: every spec is drawn beforehand), plus the ground-truth
mask and the generator's record (``synthetic.json``) beside the data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from microexp.data.synthetic.face import FaceParams
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.plans import ReleasePlan
from microexp.data.synthetic.render import ClipSpec, render_clip


@dataclass(frozen=True)
class FrameJob:
    """Render ``spec`` and write frame ``k`` to ``folder/names[k]`` (the suffix picks the
    format; ``.jpg`` at ``quality``); grey images when ``grey``; the mask to ``mask``."""

    spec: ClipSpec
    face: FaceParams
    folder: str
    names: tuple[str, ...]
    mask: str
    grey: bool = False
    quality: int = 92
    distractors: Distractors = Distractors()


def encode(image: np.ndarray, suffix: str, *, grey: bool = False, quality: int = 92) -> bytes:
    """An RGB (or single-channel) uint8 image as the bytes of a ``suffix`` file (``.jpg`` at
    ``quality``); grey when ``grey``."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY if grey else cv2.COLOR_RGB2BGR)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), quality] if suffix == ".jpg" else []
    ok, buf = cv2.imencode(suffix, image, params)
    if not ok:  # pragma: no cover - OpenCV encodes jpg/bmp/png of any uint8 image
        raise RuntimeError(f"cannot encode a {image.shape} image as {suffix}")
    return buf.tobytes()


def write_job(job: FrameJob) -> None:
    """Render one sample and write its frames and mask."""
    frames, mask = render_clip(job.spec, job.face, job.distractors)
    folder = Path(job.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for frame, name in zip(frames, job.names, strict=True):
        suffix = Path(name).suffix.lower()
        (folder / name).write_bytes(encode(frame, suffix, grey=job.grey, quality=job.quality))
    Path(job.mask).parent.mkdir(parents=True, exist_ok=True)
    Path(job.mask).write_bytes(encode(mask, ".png"))


def write_jobs(
    jobs: Sequence[Any],
    workers: int | None,
    progress: bool,
    write: Callable[[Any], None] = write_job,
) -> None:
    """``write`` every job, in ``workers`` processes (default: CPU count, at most 8) when more
    than one."""
    from rich.progress import Progress

    workers = workers or min(8, os.cpu_count() or 1)
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("generating clips", total=len(jobs))
        with ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
            done = map(write, jobs) if pool is None else pool.map(write, jobs, chunksize=4)
            for _ in done:
                bar.advance(task)


def start(out: str | Path) -> Path:
    """The destination folder, created; FileExistsError when it holds anything."""
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.mkdir(parents=True, exist_ok=True)
    return root


def record(root: Path, plan: ReleasePlan, summary: dict[str, Any]) -> dict[str, Any]:
    """Write ``synthetic.json`` (the summary and every planted sample) and return the summary."""
    meta = dict(summary)
    meta["samples"] = [
        {**asdict(s.spec), "release_emotion": s.emotion, "quirk": s.quirk}
        | {"sheet_apex": s.apex, "sheet_offset": s.offset}
        | {f"extra_{k}": v for k, v in s.extra.items()}
        for s in plan.samples
    ]
    (root / "synthetic.json").write_text(json.dumps(meta, indent=1))
    return summary


def summary_of(plan: ReleasePlan, layout: str, subjects: int, clips: int) -> dict[str, Any]:
    """The generator's summary: layout, seed, sizes, samples per emotion, planted quirks."""
    per_emotion: dict[str, int] = {}
    for s in plan.samples:
        per_emotion[s.emotion] = per_emotion.get(s.emotion, 0) + 1
    return {
        "generator": "microexp.data.synthetic",
        "layout": layout,
        "seed": plan.seed,
        "subjects": subjects,
        "clips_per_subject": clips,
        "clips": len(plan.samples),
        "per_emotion": per_emotion,
        "quirks": sorted({s.quirk for s in plan.samples if s.quirk}),
        "frames": int(sum(s.spec.n_frames for s in plan.samples)),
    }
