"""A synthetic CASME (the first): the coded sheet (saved as .xlsx) and colour frames in the two
sections, ``CASME_A/Section A/sub01/EP01_5/`` for the first half of the subjects and
``CASME_B/Section B/...`` for the rest, holding exactly onset..offset at 60 fps.

Frame names are mixed as in the release: ``{Filename}-{n}.jpg`` in some folders, ``img{n}.jpg``
in others, and ``{Filename}-{n:03d}.jpg`` (padded) in the later rows; ``ApexF2`` is ``\\``
where the apex has no plateau.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from microexp.data.synthetic.plans import (
    ReleasePlan,
    Sample,
    assign,
    clip_spec,
    faces,
    uneven_counts,
)
from microexp.data.synthetic.workbook import save_workbook
from microexp.data.synthetic.writing import FrameJob, record, start, summary_of, write_jobs

#: Emotions of the release (approximate counts of the 2013 paper's table; 'amusement' there).
CLASS_COUNTS = {
    "disgust": 88,
    "repression": 40,
    "tense": 28,
    "surprise": 20,
    "sadness": 6,
    "happiness": 5,
    "contempt": 3,
    "fear": 2,
}
SHEET_NAME = "CASME-coded-20190721.xlsx"
SECTIONS = ("CASME_A/Section A", "CASME_B/Section B")
HEADER = (
    "Subject",
    "Filename",
    None,
    "OnsetF",
    "ApexF1",
    "ApexF2",
    "OffsetF",
    None,
    "Onset",
    "Total",
    "AU",
    "Emotion",
)
NAMINGS = ("dash", "img")  # per folder; rows in the second half are padded ("dash3")
DURATION = (8, 21)  # frames at 60 fps (130-330 ms)
FPS = 60


def plan_casme(subjects: int, clips: int, seed: int) -> ReleasePlan:
    """Subjects sub01.., their samples (classes and per-subject counts as uneven as the
    release's), intervals and each folder's frame naming; deterministic in ``seed``."""
    if subjects < 1 or clips < 1:
        raise ValueError("CASME: at least one subject and one clip each")
    rng = np.random.default_rng([seed, 2013, 1])
    drawn = assign(uneven_counts(subjects, subjects * clips, rng), CLASS_COUNTS, rng)
    samples: list[Sample] = []
    used: set[tuple[int, str]] = set()
    for k, (s, emotion) in enumerate(drawn):
        subject = f"sub{s + 1:02d}"
        episode = ""
        while not episode or (s, episode) in used:
            episode = f"EP{int(rng.integers(1, 20)):02d}_{int(rng.integers(1, 14))}"
        used.add((s, episode))
        onset = int(rng.integers(1, 200))
        spec = clip_spec(
            rng,
            subject_index=s,
            subject=subject,
            episode=episode,
            emotion=emotion,
            first_frame=onset,
            onset=onset,
            duration=int(rng.integers(*DURATION)),
        )
        naming = "dash3" if 2 * k >= len(drawn) else NAMINGS[int(rng.integers(len(NAMINGS)))]
        section = SECTIONS[0] if 2 * s < subjects else SECTIONS[1]
        plateau = int(rng.integers(0, 3))
        extra = {"naming": naming, "section": section, "plateau": str(plateau)}
        samples.append(Sample(spec, emotion, extra=extra))
    return ReleasePlan("casme", seed, faces(subjects, seed, 2013_1), samples)


def frame_name(sample: Sample, number: int) -> str:
    """A frame's file name, as the sample's folder names them."""
    naming = sample.extra["naming"]
    if naming == "img":
        return f"img{number}.jpg"
    return (
        f"{sample.spec.episode}-{number:03d}.jpg"
        if naming == "dash3"
        else (f"{sample.spec.episode}-{number}.jpg")
    )


def write_casme(
    root: Path, plan: ReleasePlan, workers: int | None = None, progress: bool = False
) -> None:
    """Write the coded sheet and every sample's frames (and mask) under ``root``."""
    jobs = [
        FrameJob(
            spec=s.spec,
            face=plan.faces[s.spec.subject_index],
            folder=str(root / s.extra["section"] / s.spec.subject / s.spec.episode),
            names=tuple(
                frame_name(s, n)
                for n in range(s.spec.first_frame, s.spec.first_frame + s.spec.n_frames)
            ),
            mask=str(root / "masks" / s.spec.subject / f"{s.spec.episode}.png"),
        )
        for s in plan.samples
    ]
    write_jobs(jobs, workers, progress)
    _write_sheet(root / SHEET_NAME, plan.samples)


def _write_sheet(path: Path, samples: list[Sample]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(HEADER))
    for s in samples:
        spec = s.spec
        plateau = int(s.extra["plateau"])
        apex_end: int | str = min(spec.apex + plateau, spec.offset) if plateau else "\\"
        ws.append(
            [
                spec.subject_index + 1,
                spec.episode,
                None,
                spec.onset,
                spec.apex,
                apex_end,
                spec.offset,
                None,
                round((spec.apex - spec.onset + 1) / FPS * 1000, 1),
                round((spec.offset - spec.onset + 1) / FPS * 1000, 1),
                spec.action_units,
                s.emotion,
            ]
        )
    save_workbook(wb, path, stamp=(2019, 7, 21))


def generate_casme(
    out: str | Path,
    *,
    subjects: int = 4,
    clips: int = 4,
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Write a synthetic CASME under ``out`` (empty or absent); returns the summary."""
    plan = plan_casme(subjects, clips, seed)
    root = start(out)
    write_casme(root, plan, workers, progress)
    return record(root, plan, summary_of(plan, "casme", subjects, clips))
