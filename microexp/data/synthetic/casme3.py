"""A synthetic CAS(ME)^3 part A (micro-expressions): the label sheet (sheet ``label``) and whole
videos ``part_A/data/part_A_split/part_A/spNO.1/a/color/{n}.jpg`` (unpadded, from 1, 30 fps)
with an empty ``depth/`` beside ``color/``. A video holds one segment per micro-expression
(neutral lead-in, the expression, neutral tail), so several share a video.

Planted quirks: two micro-expressions in one video (``shared-video``, both rows) and a row
whose apex is its onset (``onset-apex``).
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

#: Emotions of part A's micro-expressions (HTNet's counts; "others" unverified).
CLASS_COUNTS = {
    "disgust": 247,
    "surprise": 184,
    "fear": 83,
    "anger": 64,
    "sad": 55,
    "happy": 54,
    "others": 200,
}
VIDEOS = "abcdefghijklm"  # the 13 stimulus videos
SHEET_NAME = "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx"
TREE = "part_A/data/part_A_split/part_A"
HEADER = ("Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion")
OBJECTIVE = {
    "happy": "I",
    "surprise": "II",
    "anger": "III",
    "disgust": "IV",
    "sad": "V",
    "fear": "VI",
    "others": "VII",
}
DURATION = (5, 13)  # frames at 30 fps (170-400 ms)
NEUTRAL = (4, 10)  # lead-in and tail of each segment


def plan_casme3(subjects: int, clips: int, seed: int) -> ReleasePlan:
    """Subjects spNO.1.., their micro-expressions (classes and per-subject counts as uneven as
    the release's) placed in videos, intervals and planted quirks; deterministic in ``seed``."""
    if subjects < 1 or clips < 1:
        raise ValueError("CAS(ME)^3: at least one subject and one clip each")
    rng = np.random.default_rng([seed, 2022])
    drawn = assign(uneven_counts(subjects, subjects * clips, rng), CLASS_COUNTS, rng)
    videos = [VIDEOS[int(rng.integers(len(VIDEOS)))] for _ in drawn]
    pair = next((k for k in range(1, len(drawn)) if drawn[k][0] == drawn[k - 1][0]), None)
    if pair is not None:  # plant: two micro-expressions in one video
        videos[pair] = videos[pair - 1]
    samples: list[Sample] = []
    next_frame: dict[tuple[int, str], int] = {}
    for k, ((s, emotion), video) in enumerate(zip(drawn, videos)):
        subject = f"spNO.{s + 1}"
        start_frame = next_frame.get((s, video), 1)
        lead, tail = (int(rng.integers(*NEUTRAL)) for _ in range(2))
        duration = int(rng.integers(*DURATION))
        onset = start_frame + lead
        spec = clip_spec(
            rng,
            subject_index=s,
            subject=subject,
            episode=f"{video}_{onset}",
            emotion=emotion,
            first_frame=start_frame,
            onset=onset,
            duration=duration,
            n_frames=lead + duration + tail,
        )
        next_frame[(s, video)] = start_frame + spec.n_frames
        quirk = "shared-video" if pair is not None and k in (pair - 1, pair) else ""
        samples.append(Sample(spec, emotion, quirk, extra={"video": video}))
    return ReleasePlan("casme3", seed, faces(subjects, seed, 2022), _onset_apex(samples))


def _onset_apex(samples: list[Sample]) -> list[Sample]:
    """Plant ``onset-apex`` on the first sample without a quirk: its row states apex = onset."""
    out = list(samples)
    k = next((i for i, s in enumerate(out) if not s.quirk), None)
    if k is not None:
        s = out[k]
        out[k] = Sample(s.spec, s.emotion, "onset-apex", s.spec.onset, s.extra)
    return out


def write_casme3(
    root: Path, plan: ReleasePlan, workers: int | None = None, progress: bool = False
) -> None:
    """Write the label sheet and every video's frames (and each expression's mask)."""
    jobs = [
        FrameJob(
            spec=s.spec,
            face=plan.faces[s.spec.subject_index],
            folder=str(root / TREE / s.spec.subject / s.extra["video"] / "color"),
            names=tuple(
                f"{n}.jpg" for n in range(s.spec.first_frame, s.spec.first_frame + s.spec.n_frames)
            ),
            mask=str(root / "masks" / s.spec.subject / f"{s.spec.episode}.png"),
        )
        for s in plan.samples
    ]
    write_jobs(jobs, workers, progress)
    for s in plan.samples:
        (root / TREE / s.spec.subject / s.extra["video"] / "depth").mkdir(exist_ok=True)
    _write_sheet(root / SHEET_NAME, plan.samples)


def _write_sheet(path: Path, samples: list[Sample]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "label"
    ws.append(list(HEADER))
    for s in samples:
        spec = s.spec
        ws.append(
            [
                spec.subject,
                s.extra["video"],
                spec.onset,
                s.apex,
                spec.offset,
                spec.action_units,
                OBJECTIVE[s.emotion],
                s.emotion,
            ]
        )
    save_workbook(wb, path, stamp=(2022, 5, 1))


def generate_casme3(
    out: str | Path,
    *,
    subjects: int = 3,
    clips: int = 4,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic CAS(ME)^3 part A under ``out`` (empty or absent); returns the
    summary."""
    plan = plan_casme3(subjects, clips, seed)
    root = start(out)
    write_casme3(root, plan, workers, progress)
    return record(root, plan, summary_of(plan, "casme3", subjects, clips))
