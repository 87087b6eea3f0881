"""A synthetic MEGC 2019 composite: CASME II, SAMM and SMIC-HS, each written by its own
generator into ``OUT/CASME2``, ``OUT/SAMM`` and ``OUT/SMIC``, and the sample list
``OUT/combined_3class_gt.csv`` written as the challenge writes it (no header, CRLF, rows
``casme2,sub01,EP02_01f,1``, then ``smic,s01,s01_ne_01,0``, then ``samm,6,006_1_2,0``).

The list holds every written sample that the challenge's mapping keeps (others and SAMM's
Other are left out, and CASME II's folder without a row and row without a folder) with its
mapped label, the SAMM sample planted without frames, and one
CASME II sample that was never written (``missing``): both are listed samples missing from
the copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from microexp.classes import canonical_emotion, label_of
from microexp.data.synthetic.casme2 import NO_FOLDER, NO_ROW
from microexp.data.synthetic.generator import generate
from microexp.data.synthetic.samm import generate_samm
from microexp.data.synthetic.smic import generate_smic
from microexp.data.synthetic.writing import start

LIST_NAME = "combined_3class_gt.csv"
#: The listed sample that no release holds.
MISSING = ("casme2", "sub01", "EP99_99f", 0)


def composite_rows(root: Path) -> list[tuple[str, str, str, int]]:
    """The list's rows for the three releases written under ``root`` (from their records)."""
    rows: list[tuple[str, str, str, int]] = []
    casme2 = json.loads((root / "CASME2" / "synthetic.json").read_text())["samples"]
    for sample in casme2:
        label = label_of("composite", "3", sample["release_emotion"])
        if label is not None and sample["quirk"] not in (NO_ROW, NO_FOLDER):
            rows.append(("casme2", sample["subject"], sample["episode"], label))
    rows.append(MISSING)
    for name in ("smic", "samm"):
        folder = root / name.upper()
        for sample in json.loads((folder / "synthetic.json").read_text())["samples"]:
            emotion = canonical_emotion(sample["release_emotion"]) or ""
            label = label_of("composite", "3", emotion)
            if label is not None:
                subject, episode = sample["subject"], sample["episode"]
                if name == "smic":  # the list pads SMIC's subjects: s01, s01_ne_01
                    number = int(subject[1:])
                    subject, episode = f"s{number:02d}", f"s{number:02d}" + episode[len(subject) :]
                else:  # and writes SAMM's unpadded: 6
                    subject = str(int(subject))
                rows.append((name, subject, episode, label))
    return rows


def generate_composite(
    out: str | Path,
    *,
    subjects: int = 3,
    clips: int = 4,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the three releases (``subjects`` x ``clips`` each) and the composite list under
    ``out`` (empty or absent); returns the summary."""
    root = start(out)
    options = {"subjects": subjects, "clips": clips, "seed": seed, "workers": workers}
    parts = {
        "casme2": generate(root / "CASME2", **options, progress=progress),
        "samm": generate_samm(root / "SAMM", **options, progress=progress),
        "smic": generate_smic(root / "SMIC", **options, progress=progress),
    }
    rows = composite_rows(root)
    (root / LIST_NAME).write_bytes("".join(f"{d},{s},{e},{k}\r\n" for d, s, e, k in rows).encode())
    return {
        "generator": "microexp.data.synthetic",
        "layout": "composite",
        "seed": seed,
        "releases": {name: part["clips"] for name, part in parts.items()},
        "listed": len(rows),
        "missing": "/".join(MISSING[:3]),
    }
