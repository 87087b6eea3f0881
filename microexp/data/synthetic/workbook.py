"""Save an openpyxl workbook byte-reproducibly: fixed zip timestamps and document dates, so the
same data gives the same bytes."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

#: The default stamp (the CASME II coding sheet's date).
STAMP = (2014, 5, 8)


def save_workbook(wb: Any, path: Path, stamp: tuple[int, int, int] = STAMP) -> None:
    """``wb.save(path)``, then every date inside the file set to ``stamp``."""
    wb.save(path)
    normalise_xlsx(path, stamp)


def normalise_xlsx(path: Path, stamp: tuple[int, int, int] = STAMP) -> None:
    """Fix the zip timestamps and document dates so the same data gives the same bytes."""
    year, month, day = stamp
    text = f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text.encode(), data)
            info = zipfile.ZipInfo(name, date_time=(year, month, day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    os.replace(tmp, path)
