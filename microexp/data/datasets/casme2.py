"""CASME II: the coding sheet and the frame trees as researchers hold them.

``CASME2-coding-*.xlsx`` (or CSV) with ``Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame,
Action Units, Estimated Emotion``; frames in ``Cropped/subNN/EPxx_yy/reg_imgN.jpg`` or
``CASME2_RAW_selected/subNN/EPxx_yy/imgN.jpg`` (absolute, unpadded numbers); 200 fps. Every
known quirk is handled and counted: a clip is loaded (with a note on what was adjusted) or
skipped with a named reason. Only a release that cannot be read at all (no coding sheet, no
frame tree, a sheet without the required columns) raises :class:`CASME2FormatError`, naming the
file and, where it applies, the row.
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

#: CASME II was filmed at 200 frames per second.
CASME2_FPS = 200.0
_SUBJECT_RE = re.compile(r"^s(?:ub(?:ject)?)?[\s_-]*0*(\d+)$", re.IGNORECASE)


class CASME2FormatError(DataFormatError):
    """CASME II cannot be read at all; the message names the file (and row, if any)."""


def subject_name(value: Any) -> str | None:
    """``1``, ``1.0``, ``"1"``, ``"sub01"``, ``"s1"`` -> ``"sub01"``; None when not a subject."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
            return None
        return f"sub{int(value):02d}"
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        m = _SUBJECT_RE.match(text)
        return f"sub{int(m.group(1)):02d}" if m else None
    return subject_name(number)


COLUMNS = Columns(
    # normalised header -> field
    aliases={
        "subject": "subject",
        "subjects": "subject",
        "sub": "subject",
        "filename": "filename",
        "file": "filename",
        "onsetframe": "onset",
        "onset": "onset",
        "apexframe": "apex",
        "apex": "apex",
        "apexframe1": "apex",
        "offsetframe": "offset",
        "offset": "offset",
        "actionunits": "action_units",
        "actionunit": "action_units",
        "aus": "action_units",
        "au": "action_units",
        "estimatedemotion": "emotion",
        "emotion": "emotion",
        "estimatedemotions": "emotion",
        "emotions": "emotion",
    },
    required=("subject", "filename", "onset", "offset", "emotion"),
    titles={
        "subject": "Subject",
        "filename": "Filename",
        "onset": "OnsetFrame",
        "apex": "ApexFrame",
        "offset": "OffsetFrame",
        "action_units": "Action Units",
        "emotion": "Estimated Emotion",
    },
    missing_notes={"apex": "no ApexFrame column; apex = interval midpoint"},
)

CASME2 = SheetRelease(
    name="casme2",
    title="CASME II",
    fps=CASME2_FPS,
    columns=COLUMNS,
    # coding-sheet file names, most recent first
    sheet_names=(
        "CASME2-coding-updated.xlsx",
        "CASME2-coding-20190701.xlsx",
        "CASME2-coding-20140508.xlsx",
    ),
    sheet_patterns=("*coding*.xlsx", "*coding*.xls", "*coding*.csv", "*/*coding*.xlsx"),
    trees=TreeNames(
        cropped=("Cropped", "Cropped_original", "Cropped-updated/Cropped"),
        raw=("CASME2_RAW_selected", "CASME2-RAW", "CASME2_RAW"),
    ),
    subject_of=subject_name,
    error=CASME2FormatError,
)


def load_casme2(
    root: str | Path,
    *,
    protocol: str = "5",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a CASME II folder (coding sheet + frame tree) into :class:`Clip` records.

    Args:
        root: the dataset folder (holding the coding sheet and ``Cropped/`` and/or
            ``CASME2_RAW_selected/``).
        protocol: ``"5"`` (happiness, disgust, repression, surprise, others; fear and sadness are
            skipped), ``"7"`` (all seven emotions) or ``"3"`` (MEGC 2019: negative = disgust +
            repression, positive = happiness, surprise).
        tree: ``"auto"`` (cropped if present, else raw), ``"cropped"``, ``"raw"`` or a folder name.
        sheet: the coding sheet, if not found automatically under ``root``.

    Raises:
        CASME2FormatError: when the folder, sheet or frame tree cannot be used at all.
    """
    return load_sheet_release(CASME2, root, protocol=protocol, tree=tree, sheet=sheet)
