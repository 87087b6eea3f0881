"""One row of the CAS(ME)^2 expression sheet becomes a :class:`Coding` (its video found through
the two naming sheets) or a :class:`Skip` with its reason.

Offset 0 means the offset is unknown: the interval ends at the apex (see :func:`read_row`).
"""

from __future__ import annotations

import re

from microexp.data.datasets.casme_sq.tree import video_id
from microexp.data.datasets.casme_sq.workbook import ExpressionRow, Workbook
from microexp.data.datasets.long_videos import Coding, Tally
from microexp.data.datasets.sheets import as_frame_number, cell_text
from microexp.data.records import Skip

#: Quirk kind (for the dataset's notes) of rows with offset 0.
OFFSET_UNKNOWN = "with offset 0 (unknown): the interval ends at the apex"
_STIMULUS = re.compile(r"^(.*?)_\d+$")


def stimulus_of(name: str) -> str:
    """The stimulus of a video name: ``anger1_1`` -> ``anger1``."""
    m = _STIMULUS.match(name.strip())
    return (m.group(1) if m else name).strip().lower()


def kind_of(value: object) -> str | None:
    """``macro-expression`` -> ``macro``, ``micro-expression`` -> ``micro``; None otherwise."""
    text = cell_text(value).lower()
    return next((k for k in ("micro", "macro") if text.startswith(k)), None)


def read_row(row: ExpressionRow, book: Workbook, tally: Tally) -> Coding | Skip:
    """The row's expression, its video named through ``naming rule1`` (participant -> ``s15``)
    and ``naming rule2`` (stimulus -> ``0101``), or the skip that says what is wrong.

    Offset 0 (the offset is unknown, 44 macro rows in the release): the interval ends at the
    apex, as the MEGC 2020 baseline and SOFTNet do, so that scores compare with their published
    ones; the alternative, apex + (apex - onset), would invent frames nobody annotated. Apex 0
    (unknown): the onset-offset midpoint (applied when the interval is fitted to the frames).
    """
    c = dict(zip(("participant", "name", "onset", "apex", "offset"), row.cells))
    where = f"{book.path.name} row {row.row}"
    name = cell_text(c["name"])
    participant = as_frame_number(c["participant"])
    if participant is None:
        reason = f"{where}: participant {cell_text(c['participant'])!r} is not a number"
        return Skip("", name, reason)
    subject = book.folders.get(participant)
    if subject is None:
        reason = f"{where}: participant {participant} is not in 'naming rule1'"
        return Skip(f"participant {participant}", name, reason)
    code = book.codes.get(stimulus_of(name))
    if code is None:
        reason = f"{where}: stimulus of video name {name!r} is not in 'naming rule2'"
        return Skip(subject, name, reason)
    video = video_id(subject, code)
    kind = kind_of(row.cells[7])
    if kind is None:
        reason = f"{where}: type {cell_text(row.cells[7])!r} is neither micro nor macro"
        return Skip(subject, video, reason)
    onset, apex, offset = (as_frame_number(c[k]) for k in ("onset", "apex", "offset"))
    if onset is None or onset < 1:
        return Skip(subject, video, f"{where}: onset {cell_text(c['onset'])!r} is not a frame")
    if offset is None or offset < 0:
        return Skip(subject, video, f"{where}: offset {cell_text(c['offset'])!r} is not a frame")
    apex = apex or None  # 0 or blank: unknown
    notes: list[str] = []
    if offset == 0:
        if apex is None:
            return Skip(subject, video, f"{where}: offset and apex both 0: no interval")
        notes.append(f"offset 0 (unknown): the interval ends at the apex {apex}")
        tally.add(OFFSET_UNKNOWN, f"{subject}/{video} row {row.row}")
        offset = apex
    if offset < onset:
        return Skip(subject, video, f"{where}: offset {offset} is before onset {onset}")
    return Coding(
        subject=subject,
        video=video,
        row=row.row,
        onset=onset,
        apex=apex,
        offset=offset,
        kind=kind,
        emotion=cell_text(row.cells[6]).lower(),
        action_units=cell_text(row.cells[5]),
        notes=notes,
    )
