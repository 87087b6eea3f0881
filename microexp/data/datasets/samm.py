"""SAMM (the micro-expression release): the FACS-codes workbook and the frame trees.

``SAMM_Micro_FACS_Codes_v2.xlsx`` has a title block above its header row (found wherever it
is; the ``SAMM_20181215_...`` variant has none): ``Subject, Filename, Inducement Code, Onset
Frame, Apex Frame, Offset Frame, Duration, Type, Action Units, Estimated Emotion, Objective
Classes, Notes``. Frames are ``SAMM/006/006_1_2/006_05562.jpg`` (or ``SAMM_CROP/``): absolute
frame numbers zero-padded to 5 digits, grey images, 200 fps; a folder holds onset..offset.
Each quirk (apex missing or outside the interval, an offset past the folder, action units
given as alternatives) is noted on the clip and counted, or the row is skipped with its reason.
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

SAMM_FPS = 200.0
_SUBJECT_RE = re.compile(r"^(?:sub(?:ject)?[\s_-]*)?0*(\d{1,3})$", re.IGNORECASE)


class SAMMFormatError(DataFormatError):
    """SAMM cannot be read at all; the message names the file (and row, if any)."""


def samm_subject(value: Any) -> str | None:
    """``6``, ``6.0``, ``"006"``, ``"6"`` -> ``"006"``; None when not a subject number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or not value.is_integer():
            return None
        value = int(value)
    m = _SUBJECT_RE.match(str(value).strip())
    return f"{int(m.group(1)):03d}" if m else None


COLUMNS = Columns(
    aliases={
        "subject": "subject",
        "filename": "filename",
        "onsetframe": "onset",
        "onset": "onset",
        "apexframe": "apex",
        "apex": "apex",
        "offsetframe": "offset",
        "offset": "offset",
        "actionunits": "action_units",
        "aus": "action_units",
        "estimatedemotion": "emotion",
        "emotion": "emotion",
    },
    required=("subject", "filename", "onset", "offset", "emotion"),
    titles={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "Onset Frame",
        "apex": "Apex Frame",
        "offset": "Offset Frame",
        "action_units": "Action Units",
        "emotion": "Estimated Emotion",
    },
    missing_notes={"apex": "no Apex Frame column; apex = interval midpoint"},
)

SAMM = SheetRelease(
    name="samm",
    title="SAMM",
    fps=SAMM_FPS,
    columns=COLUMNS,
    sheet_names=("SAMM_Micro_FACS_Codes_v2.xlsx", "SAMM_20181215_Micro_FACS_Codes_v2.xlsx"),
    sheet_patterns=("*Micro_FACS_Codes*.xlsx", "*FACS*Codes*.xls*", "*FACS*Codes*.csv"),
    trees=TreeNames(
        cropped=("SAMM_CROP", "SAMM_cropped", "SAMM_Crop", "SAMM_CROP/SAMM"),
        raw=("SAMM", "SAMM/SAMM", "."),
    ),
    subject_of=samm_subject,
    error=SAMMFormatError,
)


def load_samm(
    root: str | Path,
    *,
    protocol: str = "5",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a SAMM folder (FACS-codes workbook + frame tree) into :class:`Clip` records.

    Args:
        root: the folder holding the workbook and ``SAMM/`` and/or ``SAMM_CROP/``.
        protocol: ``"5"`` (anger, contempt, happiness, surprise, others), ``"all"`` (the
            eight estimated emotions) or ``"3"`` (MEGC 2019: negative, positive, surprise).
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder.
        sheet: the workbook, if not found automatically under ``root``.

    Raises:
        SAMMFormatError: when the folder, workbook or frame tree cannot be used at all.
    """
    ds = load_sheet_release(SAMM, root, protocol=protocol, tree=tree, sheet=sheet)
    alternatives = [c for c in ds.clips if re.search(r"\bor\b", c.action_units, re.IGNORECASE)]
    for clip in alternatives:
        clip.notes.append(f"action units {clip.action_units!r} give alternatives: kept as text")
        ds.notes.append(f"{clip.id}: {clip.notes[-1]}")
    return ds
