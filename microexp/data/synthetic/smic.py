"""A synthetic SMIC-HS: no annotation sheet, class folders of colour frames
``SMIC_all_cropped/HS/s1/micro/negative/s1_ne_01/reg_image031578.bmp`` (absolute numbers, 6
digits) holding exactly the expression at 100 fps, and an empty ``non_micro/`` folder beside
``micro/`` in the first subject (passed over by the reader, as in the release).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from microexp.data.synthetic.plans import (
    ReleasePlan,
    Sample,
    assign,
    clip_spec,
    faces,
    uneven_counts,
)
from microexp.data.synthetic.writing import FrameJob, record, start, summary_of, write_jobs

#: SMIC-HS subjects (s7, s10, s16 and s17 are absent from the release).
SUBJECTS = tuple(f"s{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 18, 19, 20))
CLASS_COUNTS = {"negative": 70, "positive": 51, "surprise": 43}
CODES = {"negative": "ne", "positive": "po", "surprise": "sur"}
TREE = "SMIC_all_cropped/HS"
DURATION = (11, 31)  # frames at 100 fps (the release: 11-58, mean 34)


def plan_smic(subjects: int, clips: int, seed: int) -> ReleasePlan:
    """Subjects (real ids, in order), their clips (classes and per-subject counts as uneven as
    the release's) and intervals; deterministic in ``seed``. The sheet-less release states no
    apex: the rendered one is in ``synthetic.json``."""
    if not 1 <= subjects <= len(SUBJECTS) or clips < 1:
        raise ValueError(f"SMIC: 1-{len(SUBJECTS)} subjects and at least one clip each")
    rng = np.random.default_rng([seed, 2013])
    samples: list[Sample] = []
    counters: dict[tuple[int, str], int] = {}
    for s, emotion in assign(uneven_counts(subjects, subjects * clips, rng), CLASS_COUNTS, rng):
        subject = SUBJECTS[s]
        counters[(s, emotion)] = counters.get((s, emotion), 0) + 1
        onset = int(rng.integers(10_000, 900_000))
        spec = clip_spec(
            rng,
            subject_index=s,
            subject=subject,
            episode=f"{subject}_{CODES[emotion]}_{counters[(s, emotion)]:02d}",
            emotion=emotion,
            first_frame=onset,
            onset=onset,
            duration=int(rng.integers(*DURATION)),
        )
        samples.append(Sample(spec, emotion))
    return ReleasePlan("smic", seed, faces(subjects, seed, 2013), samples)


def write_smic(
    root: Path, plan: ReleasePlan, workers: int | None = None, progress: bool = False
) -> None:
    """Write every clip's frames (and mask) under ``root``; no sheet."""
    jobs = [
        FrameJob(
            spec=s.spec,
            face=plan.faces[s.spec.subject_index],
            folder=str(root / TREE / s.spec.subject / "micro" / s.emotion / s.spec.episode),
            names=tuple(
                f"reg_image{n:06d}.bmp"
                for n in range(s.spec.first_frame, s.spec.first_frame + s.spec.n_frames)
            ),
            mask=str(root / "masks" / s.spec.subject / f"{s.spec.episode}.png"),
        )
        for s in plan.samples
    ]
    write_jobs(jobs, workers, progress)
    (root / TREE / plan.samples[0].spec.subject / "non_micro").mkdir(parents=True)


def generate_smic(
    out: str | Path,
    *,
    subjects: int = 3,
    clips: int = 4,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic SMIC-HS under ``out`` (empty or absent); returns the summary."""
    plan = plan_smic(subjects, clips, seed)
    root = start(out)
    write_smic(root, plan, workers, progress)
    return record(root, plan, summary_of(plan, "smic", subjects, clips))
