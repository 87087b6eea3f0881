"""Build tiny hand-made release folders (any frame names, any sheet) for the reader tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np


def write_images(folder: Path, names: Iterable[str], grey: bool = False) -> list[Path]:
    """Small random frames under the given file names (the suffix picks the format)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for name in names:
        shape = (12, 10) if grey else (12, 10, 3)
        path = folder / name
        cv2.imwrite(str(path), rng.integers(0, 255, size=shape, dtype=np.uint8))
        paths.append(path)
    return paths


def write_workbook(
    path: Path,
    rows: Sequence[Sequence[Any]],
    title: str = "Sheet1",
    before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
) -> Path:
    """An .xlsx whose sheet ``title`` holds ``rows`` (header included), after the sheets
    ``before`` (name, rows)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, content in [*before, (title, rows)]:
        ws = wb.create_sheet(name)
        for row in content:
            ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def planted(root: Path) -> list[dict[str, Any]]:
    """The samples a synthetic layout planted (its ``synthetic.json``)."""
    return json.loads((root / "synthetic.json").read_text())["samples"]
