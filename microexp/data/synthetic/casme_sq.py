"""The CAS(ME)^2 layout of a long-video plan: ``rawpic/s15/15_0101disgustingteeth/img001.jpg``
(colour, 30 fps) and ``CAS(ME)^2code_final.xlsx`` with its expression sheet (no header row) and
the two naming sheets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from microexp.data.synthetic.long_layout import SheetRows, VideoLayout, VideoNames
from microexp.data.synthetic.long_plan import NO_ROWS, OFFSET_UNKNOWN, ReleaseStats, VideoPlan
from microexp.data.synthetic.workbook import save_workbook

#: The release: 57 micro among 357 expressions in 141 minutes of video; sheet emotions.
STATS = ReleaseStats(
    fps=30.0,
    micro_share=57 / 357,
    per_minute=2.5,
    emotions=(("negative", 0.4), ("positive", 0.3), ("others", 0.2), ("surprise", 0.1)),
    quirk=OFFSET_UNKNOWN,
    face_width=96,
    canvas=(192, 144),
)
WORKBOOK = "CAS(ME)^2code_final.xlsx"
#: Subject folders of participants 1-22, as in the release (more participants: s41, s42, ...).
FOLDERS = (15, 16, 19, 20, 21, 22, 23, 24, 25, 26, 27, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40)
#: The nine stimuli: sheet name, video code, folder name suffix.
STIMULI: tuple[tuple[str, str, str], ...] = (
    ("disgust1", "0101", "disgustingteeth"),
    ("disgust2", "0102", "eatingworms"),
    ("anger1", "0401", "girlcrashing"),
    ("anger2", "0402", "beatingpregnantwoman"),
    ("happy1", "0502", "funnyerrors"),
    ("happy2", "0503", "funnyfarting"),
    ("happy3", "0505", "funnyinnovations"),
    ("happy4", "0507", "climbingthewall"),
    ("happy5", "0508", "funnydunkey"),
)
_SELF_REPORT = {
    "happiness": "happy",
    "disgust": "disgust",
    "repression": "sad",
    "surprise": "surprise",
    "others": "",
}


def subject_folder(subject_index: int) -> str:
    """Participant ``subject_index + 1``'s folder: ``s15``, ``s16``, ``s19``, ..."""
    k = subject_index
    return f"s{FOLDERS[k]}" if k < len(FOLDERS) else f"s{FOLDERS[-1] + k - len(FOLDERS) + 1}"


def stimulus(plan: VideoPlan) -> tuple[str, str, str]:
    """The stimulus of the subject's ``video_index``-th video (each subject watched the nine in
    its own order)."""
    if plan.video_index > len(STIMULI):
        raise ValueError(f"CAS(ME)^2 has {len(STIMULI)} stimuli: a subject has at most 9 videos")
    order = np.random.default_rng([plan.subject_index, 2]).permutation(len(STIMULI))
    return STIMULI[int(order[plan.video_index - 1])]


def names(plan: VideoPlan) -> VideoNames:
    subject = subject_folder(plan.subject_index)
    _, code, suffix = stimulus(plan)
    video = f"{subject[1:]}_{code}"
    return VideoNames(subject, video, f"rawpic/{subject}/{video}{suffix}", "img", 3)


def write_workbook(path: Path, plans: Sequence[VideoPlan]) -> SheetRows:
    """The workbook: expressions (no header), ``naming rule1``, ``naming rule2`` (codes as
    text); byte-reproducible. Returns each expression's row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "CASFEcode_final"
    rows: SheetRows = {}
    for plan in plans:
        if plan.quirk == NO_ROWS:
            continue
        name = stimulus(plan)[0]
        for k, e in enumerate(plan.expressions):
            aus: int | str = int(e.action_units) if e.action_units.isdigit() else e.action_units
            ws.append(
                [
                    plan.subject_index + 1,
                    f"{name}_{k + 1}",
                    *e.sheet,
                    aus,
                    e.emotion,
                    f"{e.kind}-expression",
                    _SELF_REPORT[e.field],
                ]
            )
            rows[(plan.subject_index, plan.video_index, k)] = ws.max_row
    rule1 = wb.create_sheet("naming rule1")
    for s in sorted({p.subject_index for p in plans}):
        rule1.append([s + 1, subject_folder(s), s + 1])
    rule2 = wb.create_sheet("naming rule2")
    for name, code, _ in STIMULI:
        rule2.append([code, name])
    save_workbook(wb, path)
    return rows


LAYOUT = VideoLayout(
    stats=STATS, workbook=WORKBOOK, grey=False, names=names, write_workbook=write_workbook
)
