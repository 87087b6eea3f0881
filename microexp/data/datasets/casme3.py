"""CAS(ME)^3 part A, micro-expressions: the label sheet and the videos' frame folders.

``cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx`` (sheet ``label``; v1 is an .xls with
``Sheet1``): ``Subject`` (``spNO.1``), ``Filename`` (the stimulus video ``a``..``m``),
``Onset, Apex, Offset`` (jpg numbers), ``AU``, ``Objective class``, ``emotion``. Frames are
whole videos, ``part_A/{Subject}/{Filename}/color/{n}.jpg`` (``n`` unpadded; ``depth/`` is not
read); 30 fps. Several micro-expressions share one video: each row becomes its own clip, the
video's frames onset..offset, named ``{Filename}_{Onset}`` (as the official clip release names
its folders). Onset == apex is kept with a note; onset 0 (no such frame) is clamped with a note.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from microexp.data.datasets.folders import TreeNames
from microexp.data.datasets.sheet_release import load_sheet_release
from microexp.data.datasets.sheets import Columns
from microexp.data.datasets.spec import SheetRelease
from microexp.data.records import ClipSet, DataFormatError

CASME3_FPS = 30.0
_SUBJECT_RE = re.compile(r"^sp\s*no\.?\s*0*(\d+)$", re.IGNORECASE)


class CASME3FormatError(DataFormatError):
    """CAS(ME)^3 cannot be read at all; the message names the file (and row, if any)."""


def casme3_subject(value: Any) -> str | None:
    """``"spNO.1"``, ``"spNo.1"``, ``1`` -> ``"spNO.1"``; None when not a subject."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
            return None
        return f"spNO.{int(value)}"
    m = _SUBJECT_RE.match(str(value).strip())
    return f"spNO.{int(m.group(1))}" if m else None


COLUMNS = Columns(
    aliases={
        "subject": "subject",
        "sub": "subject",
        "filename": "filename",
        "onset": "onset",
        "onsetframe": "onset",
        "apex": "apex",
        "apexframe": "apex",
        "offset": "offset",
        "offsetframe": "offset",
        "au": "action_units",
        "aus": "action_units",
        "actionunits": "action_units",
        "emotion": "emotion",
        "estimatedemotion": "emotion",
    },
    required=("subject", "filename", "onset", "offset", "emotion"),
    titles={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "Onset",
        "apex": "Apex",
        "offset": "Offset",
        "action_units": "AU",
        "emotion": "emotion",
    },
    missing_notes={"apex": "no Apex column; apex = interval midpoint"},
    noun="label sheet",
    prefer_sheets=("label",),
)

CASME3 = SheetRelease(
    name="casme3",
    title="CAS(ME)^3 part A",
    fps=CASME3_FPS,
    columns=COLUMNS,
    sheet_names=(
        "cas(me)3_part_A_ME_label_JpgIndex_v2.xlsx",
        "cas(me)3_part_A_ME_label_JpgIndex_v1.xls",
    ),
    sheet_patterns=("*part_A_ME_label*.xls*", "*ME_label*.xls*", "*ME_label*.csv"),
    trees=TreeNames(
        cropped=(),
        raw=(
            "part_A/data/part_A_split/part_A",
            "data/part_A_split/part_A",
            "part_A_split/part_A",
            "part_A",
            "Part_A",
            ".",
        ),
    ),
    subject_of=casme3_subject,
    error=CASME3FormatError,
    cut=True,
    frames_subdir="color",
)


def load_casme3(
    root: str | Path,
    *,
    protocol: str = "7",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse CAS(ME)^3 part A (ME label sheet + video frame folders) into :class:`Clip`s.

    Args:
        root: the folder holding the label sheet and ``part_A/`` (or the subject folders).
        protocol: ``"7"`` (happiness, disgust, surprise, fear, anger, sadness, others) or
            ``"3"`` (negative = disgust + fear + anger + sadness, positive, surprise).
        tree: ``"auto"`` or ``"raw"`` (the videos' colour frames), or a folder name.
        sheet: the label sheet, if not found automatically under ``root``.

    Raises:
        CASME3FormatError: when the folder, sheet or frame tree cannot be used at all.
    """
    return load_sheet_release(CASME3, root, protocol=protocol, tree=tree, sheet=sheet)
