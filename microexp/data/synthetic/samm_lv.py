"""The SAMM long-videos layout of a long-video plan: ``SAMM_longvideos/006_1/006_1_0001.jpg``
(grey, 200 fps) and ``SAMM_LongVideos_V3_Release.xlsx`` with a title block above its header
row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from microexp.data.synthetic.long_layout import SheetRows, VideoLayout, VideoNames
from microexp.data.synthetic.long_plan import NO_ROWS, ONSET_BEFORE, ReleaseStats, VideoPlan
from microexp.data.synthetic.workbook import save_workbook

#: The release: 159 micro among 502 expressions in 40 minutes of video; no emotion column.
STATS = ReleaseStats(
    fps=200.0,
    micro_share=159 / 502,
    per_minute=12.5,
    emotions=(("", 1.0),),
    quirk=ONSET_BEFORE,
    face_width=96,
    canvas=(256, 136),
)
WORKBOOK = "SAMM_LongVideos_V3_Release.xlsx"
HEADER = (
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset",
    "Apex",
    "Offset",
    "Duration",
    "Type",
    "Action Units",
    "Notes",
)
#: The title block: nine rows above the header row.
TITLE: tuple[str | None, ...] = (
    "SAMM Long Videos",
    "FACS coding of the movements in the long videos (synthetic copy, written by microexp)",
    None,
    "Onset, Apex and Offset are frame numbers of the video's images, counted from 1.",
    "Onset 0: the movement had started before the video begins.",
    "Type: Micro - 1/2 (half a second at most) or Macro.",
    None,
    None,
    None,
)
#: Subject numbers as in the release: 006-037 without 027 and 029 (more: 038, 039, ...).
SUBJECTS = tuple(n for n in range(6, 1000) if n not in (27, 29))


def names(plan: VideoPlan) -> VideoNames:
    subject = f"{SUBJECTS[plan.subject_index]:03d}"
    video = f"{subject}_{plan.video_index}"
    return VideoNames(subject, video, f"SAMM_longvideos/{video}", f"{video}_", 4)


def write_workbook(path: Path, plans: Sequence[VideoPlan]) -> SheetRows:
    """The workbook: title block, header row, one row per expression; byte-reproducible.
    Returns each expression's row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "FACS_Movement_Only"
    for line in TITLE:
        ws.append([line])
    ws.append(list(HEADER))
    rows: SheetRows = {}
    for plan in plans:
        if plan.quirk == NO_ROWS:
            continue
        n = names(plan)
        for k, e in enumerate(plan.expressions):
            onset, apex, offset = e.sheet
            ws.append(
                [
                    n.subject,
                    f"{n.video}_{k + 1}",
                    plan.video_index,
                    onset,
                    apex,
                    offset,
                    offset - onset + 1,
                    "Micro - 1/2" if e.kind == "micro" else "Macro",
                    e.action_units,
                    "started before the video" if onset == 0 else None,
                ]
            )
            rows[(plan.subject_index, plan.video_index, k)] = ws.max_row
    save_workbook(wb, path)
    return rows


LAYOUT = VideoLayout(
    stats=STATS, workbook=WORKBOOK, grey=True, names=names, write_workbook=write_workbook
)
