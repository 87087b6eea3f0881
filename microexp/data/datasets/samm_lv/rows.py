"""One row of the SAMM long-videos workbook becomes a :class:`Coding` or a :class:`Skip` with
its reason.

Onset 0 marks an expression that started before the video: it is kept, starting at the video's
first frame (see :func:`read_row`).
"""

from __future__ import annotations

from microexp.data.datasets.long_videos import Coding, Tally
from microexp.data.datasets.samm_lv.tree import video_key
from microexp.data.datasets.samm_lv.workbook import SheetRow
from microexp.data.datasets.sheets import as_frame_number, cell_text
from microexp.data.records import Skip

#: Quirk kind (for the dataset's notes) of rows with onset 0.
ONSET_BEFORE = "with onset 0 (before the video): the interval starts at the video's first frame"


def kind_of(value: object) -> str | None:
    """``Micro - 1/2`` -> ``micro``, ``Macro`` -> ``macro``; None otherwise."""
    text = cell_text(value).lower()
    return next((k for k in ("micro", "macro") if text.startswith(k)), None)


def read_row(row: SheetRow, sheet_name: str, tally: Tally) -> Coding | Skip:
    """The row's expression, or the skip that says what is wrong with the row.

    Onset 0 (10-12 long macro rows in the releases): the expression is kept from the video's
    first frame to its offset, as the MEGC 2020 baseline keeps it; dropping it (SOFTNet, MEAN)
    would turn a correct detection of a visible expression into a false positive. A missing
    apex (blank, text or 0) becomes the onset-offset midpoint when the interval is fitted.
    """
    v = row.values
    where = f"{sheet_name} row {row.row}"
    name = cell_text(v.get("filename"))
    key = video_key(name)
    if key is None:
        return Skip("", name, f"{where}: Filename {name!r} is not SUBJECT_VIDEO_N")
    subject, video = key
    kind = kind_of(v.get("type"))
    if kind is None:
        reason = f"{where}: Type {cell_text(v.get('type'))!r} is neither Micro nor Macro"
        return Skip(subject, video, reason)
    onset, offset = as_frame_number(v.get("onset")), as_frame_number(v.get("offset"))
    if onset is None or onset < 0:
        return Skip(subject, video, f"{where}: Onset {cell_text(v.get('onset'))!r} is not a frame")
    if offset is None or offset < 1:
        reason = f"{where}: Offset {cell_text(v.get('offset'))!r} is not a frame"
        return Skip(subject, video, reason)
    if offset < onset:
        return Skip(subject, video, f"{where}: Offset {offset} is before Onset {onset}")
    notes: list[str] = []
    if onset == 0:
        notes.append("onset 0 (before the video): the interval starts at the first frame")
        tally.add(ONSET_BEFORE, f"{subject}/{video} row {row.row}")
    return Coding(
        subject=subject,
        video=video,
        row=row.row,
        onset=onset or None,
        apex=as_frame_number(v.get("apex")) or None,
        offset=offset,
        kind=kind,
        action_units=cell_text(v.get("action_units")),
        notes=notes,
    )
