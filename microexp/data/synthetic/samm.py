"""A synthetic SAMM: the FACS-codes workbook (title block above the header) and grey frames
``SAMM_CROP/006/006_1_2/006_05562.jpg`` holding exactly onset..offset at 200 fps.

Planted quirks: a row whose apex lies after its offset (``apex-outside``), a row whose frame
folder is missing (``no-frames``), and action units given as alternatives (``au-or``).
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
from microexp.data.synthetic.workbook import save_workbook
from microexp.data.synthetic.writing import FrameJob, record, start, summary_of, write_jobs

#: Subjects with micro-expressions: 006-037 except 008, 027 and 029.
SUBJECTS = tuple(f"{n:03d}" for n in range(6, 38) if n not in (8, 27, 29))
#: Estimated emotions of the 159 micro-expressions.
CLASS_COUNTS = {
    "Anger": 57,
    "Contempt": 12,
    "Happiness": 26,
    "Surprise": 15,
    "Other": 26,
    "Disgust": 9,
    "Fear": 8,
    "Sadness": 6,
}
#: Objective classes (I-VII, Davison et al. 2018) written beside each emotion (approximate).
OBJECTIVE = {
    "Happiness": 1,
    "Surprise": 2,
    "Anger": 3,
    "Disgust": 4,
    "Sadness": 5,
    "Fear": 6,
    "Contempt": 7,
    "Other": 7,
}
SHEET_NAME = "SAMM_Micro_FACS_Codes_v2.xlsx"
TREE = "SAMM_CROP"
HEADER = (
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset Frame",
    "Apex Frame",
    "Offset Frame",
    "Duration",
    "Type",
    "Action Units",
    "Estimated Emotion",
    "Objective Classes",
    "Notes",
)
TITLE_ROWS = 13
QUIRKS = ("apex-outside", "no-frames", "au-or")
DURATION = (20, 41)  # frames at 200 fps (100-200 ms; the release goes up to 500 ms)


def plan_samm(subjects: int, clips: int, seed: int) -> ReleasePlan:
    """Subjects (real ids, in order), their samples (classes and per-subject counts as uneven
    as the release's), intervals and planted quirks; deterministic in ``seed``."""
    if not 1 <= subjects <= len(SUBJECTS) or clips < 1:
        raise ValueError(f"SAMM: 1-{len(SUBJECTS)} subjects and at least one clip each")
    rng = np.random.default_rng([seed, 2018])
    samples: list[Sample] = []
    counters: dict[tuple[int, int], int] = {}
    for s, emotion in assign(uneven_counts(subjects, subjects * clips, rng), CLASS_COUNTS, rng):
        subject = SUBJECTS[s]
        video = int(rng.integers(1, 8))
        counters[(s, video)] = counters.get((s, video), 0) + 1
        onset = int(rng.integers(1000, 9000))
        spec = clip_spec(
            rng,
            subject_index=s,
            subject=subject,
            episode=f"{subject}_{video}_{counters[(s, video)]}",
            emotion=emotion,
            first_frame=onset,
            onset=onset,
            duration=int(rng.integers(*DURATION)),
        )
        samples.append(Sample(spec, emotion, extra={"inducement": str(video)}))
    return ReleasePlan("samm", seed, faces(subjects, seed, 2018), _plant(samples))


def _plant(samples: list[Sample]) -> list[Sample]:
    """The quirks, on the second, third... samples (the first stays ordinary)."""
    out = list(samples)
    for quirk, k in zip(QUIRKS, range(1, len(out))):
        s = out[k]
        if quirk == "apex-outside":
            out[k] = Sample(s.spec, s.emotion, quirk, s.spec.offset + 7, s.extra)
        elif quirk == "au-or":
            out[k] = Sample(s.spec, s.emotion, quirk, None, {**s.extra, "aus": "R14 or 12"})
        else:
            out[k] = Sample(s.spec, s.emotion, quirk, None, s.extra)
    return out


def write_samm(
    root: Path, plan: ReleasePlan, workers: int | None = None, progress: bool = False
) -> None:
    """Write the workbook and the frames of every sample (except ``no-frames``) under root."""
    jobs = [
        FrameJob(
            spec=s.spec,
            face=plan.faces[s.spec.subject_index],
            folder=str(root / TREE / s.spec.subject / s.spec.episode),
            names=tuple(
                f"{s.spec.subject}_{n:05d}.jpg"
                for n in range(s.spec.first_frame, s.spec.first_frame + s.spec.n_frames)
            ),
            mask=str(root / "masks" / s.spec.subject / f"{s.spec.episode}.png"),
            grey=True,
        )
        for s in plan.samples
        if s.quirk != "no-frames"
    ]
    write_jobs(jobs, workers, progress)
    _write_workbook(root / SHEET_NAME, plan.samples)


def _write_workbook(path: Path, samples: list[Sample]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "FACS_Movement_Only"
    title: list[list[Any]] = [
        ["SAMM - Spontaneous Actions and Micro-Movements: micro-movement FACS codes"],
        [],
        ["Synthetic release written by microexp.data.synthetic"],
        ["Frames are numbered as in the original recordings (200 fps)."],
        ["Objective Classes: I-VII (Davison et al. 2018)"],
    ]
    for row in title + [[] for _ in range(TITLE_ROWS - len(title))]:
        ws.append(row)
    ws.append(list(HEADER))
    for s in samples:
        spec = s.spec
        ws.append(
            [
                spec.subject,
                spec.episode,
                int(s.extra["inducement"]),
                spec.onset,
                s.apex,
                spec.offset,
                spec.offset - spec.onset + 1,
                "Micro - 1/2",
                s.extra.get("aus", spec.action_units),
                s.emotion,
                OBJECTIVE[s.emotion],
                None,
            ]
        )
    save_workbook(wb, path, stamp=(2018, 12, 15))


def generate_samm(
    out: str | Path,
    *,
    subjects: int = 4,
    clips: int = 4,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic SAMM under ``out`` (empty or absent); returns the summary."""
    plan = plan_samm(subjects, clips, seed)
    root = start(out)
    write_samm(root, plan, workers, progress)
    return record(root, plan, summary_of(plan, "samm", subjects, clips))
