"""Write the CASME II layout: clip folders (cropped faces and/or raw 640x480 frames) with the
planted stray files, ground-truth masks, the coding sheet (byte-reproducible .xlsx) with its
planted row errors, and the preview contact sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from microexp.data.synthetic.casme2 import JUNK_FILE, JUNK_NAME, NO_FOLDER, NO_ROW
from microexp.data.synthetic.face import FaceParams
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.plans import Sample
from microexp.data.synthetic.render import ClipSpec, render_clip
from microexp.data.synthetic.workbook import save_workbook
from microexp.data.synthetic.writing import encode

SHEET_NAME = "CASME2-coding-20140508.xlsx"
CROPPED_DIR = "Cropped"
RAW_DIR = "CASME2_RAW_selected"
RAW_SIZE = (640, 480)  # (width, height) of CASME II raw frames
#: A Windows shortcut's first bytes: what the release's stray ``.lnk`` holds, near enough.
JUNK_BYTES = b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(68)
HEADER = (
    "Subject",
    "Filename",
    None,
    "OnsetFrame",
    "ApexFrame",
    "OffsetFrame",
    None,
    "Action Units",
    "Estimated Emotion",
)


@dataclass(frozen=True)
class ClipJob:
    """Render ``spec`` and write its frames into ``trees`` (cropped, raw or both) under
    ``root``, its mask, and the junk file when ``junk``."""

    spec: ClipSpec
    face: FaceParams
    root: str
    trees: str
    quality: int
    distractors: Distractors
    junk: bool = False


def clip_jobs(
    samples: Sequence[Sample],
    faces: Sequence[FaceParams],
    root: Path,
    trees: str,
    quality: int,
    distractors: Distractors,
) -> list[ClipJob]:
    """A job for every sample that has a folder."""
    return [
        ClipJob(
            s.spec,
            faces[s.spec.subject_index],
            str(root),
            trees,
            quality,
            distractors,
            s.quirk == JUNK_FILE,
        )
        for s in samples
        if s.quirk != NO_FOLDER
    ]


def _raw_canvas(frame: np.ndarray, spec: ClipSpec, face: FaceParams) -> np.ndarray:
    """Place a cropped face, at the release's size, into a 640x480 raw frame (fixed per
    subject)."""
    w, h = RAW_SIZE
    rng = np.random.default_rng([spec.subject_index, 99])
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = rng.integers(90, 170, size=3).astype(np.uint8)
    fh, fw = frame.shape[:2]
    scale = min(1.0 / face.scale, 0.9 * h / fh)
    size = (int(fw * scale), int(fh * scale))
    resized = cv2.resize(
        frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    )
    y0 = (h - resized.shape[0]) // 2
    x0 = int(rng.integers(w // 2 - size[0] // 2 - 60, w // 2 - size[0] // 2 + 60))
    canvas[y0 : y0 + size[1], x0 : x0 + size[0]] = resized
    return canvas


def write_clip(job: ClipJob) -> None:
    """Render one clip and write its frames, stray file and mask."""
    spec, root = job.spec, Path(job.root)
    frames, mask = render_clip(spec, job.face, job.distractors)
    trees = []
    if job.trees in ("cropped", "both"):
        trees.append((root / CROPPED_DIR, "reg_img", lambda f: f))
    if job.trees in ("raw", "both"):
        trees.append((root / RAW_DIR, "img", lambda f: _raw_canvas(f, spec, job.face)))
    for tree, prefix, place in trees:
        folder = tree / spec.subject / spec.episode
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            data = encode(place(frame), ".jpg", quality=job.quality)
            (folder / f"{prefix}{spec.first_frame + k}.jpg").write_bytes(data)
        if job.junk:
            (folder / JUNK_NAME).write_bytes(JUNK_BYTES)
    mask_dir = root / "masks" / spec.subject
    mask_dir.mkdir(parents=True, exist_ok=True)
    (mask_dir / f"{spec.episode}.png").write_bytes(encode(mask, ".png"))


def write_coding_sheet(path: Path, samples: Sequence[Sample]) -> None:
    """Write the coding sheet in the real column layout (every sample but the ones planted
    without a row, sorted by subject and file name), byte-reproducibly."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(list(HEADER))
    rows = [s for s in samples if s.quirk != NO_ROW]
    for s in sorted(rows, key=lambda s: (s.spec.subject_index, s.spec.episode)):
        spec = s.spec
        aus: int | str = (
            int(spec.action_units) if spec.action_units.isdigit() else spec.action_units
        )
        ws.append(
            [
                spec.subject_index + 1,
                spec.episode,
                None,
                spec.onset,
                s.apex,
                s.offset,
                None,
                aus,
                s.emotion,
            ]
        )
    save_workbook(wb, path)


def write_preview(
    path: Path, samples: Sequence[Sample], faces: Sequence[FaceParams], distractors: Distractors
) -> None:
    """A contact sheet, one clip per class (from different subjects where there are enough):
    onset frame, apex frame, amplified |apex - onset| with the ground-truth moving region
    outlined in green."""
    tiles = []
    emotions = list(dict.fromkeys(s.emotion for s in samples if s.quirk != NO_FOLDER))
    for k, emotion in enumerate(emotions):
        candidates = [s for s in samples if s.emotion == emotion and s.quirk != NO_FOLDER]
        subject = k % (max(s.spec.subject_index for s in samples) + 1)
        preferred = [s for s in candidates if s.spec.subject_index == subject]
        spec = (preferred or candidates)[0].spec
        frames, mask = render_clip(spec, faces[spec.subject_index], distractors)
        label = (
            f"{spec.subject}/{spec.episode} {emotion} AU {spec.action_units} "
            f"({spec.magnitude:.2f} px at 64x64)"
        )
        tiles.append(_tile(label, frames[0], frames[spec.apex - spec.first_frame], mask))
    width = max(t.shape[1] for t in tiles)
    tiles = [
        np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=255) for t in tiles
    ]
    header = np.full((24, width, 3), 255, np.uint8)
    title = "onset | apex | |apex - onset| x10, true region in green"
    cv2.putText(header, title, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    sheet = np.concatenate([header, *tiles], axis=0)
    path.write_bytes(encode(sheet, ".png"))


def _tile(label: str, onset: np.ndarray, apex: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """One preview row: a caption above onset | apex | difference heat map."""
    th = 150
    scale = th / onset.shape[0]
    size = (int(onset.shape[1] * scale), th)
    a = cv2.resize(onset, size, interpolation=cv2.INTER_CUBIC)
    b = cv2.resize(apex, size, interpolation=cv2.INTER_CUBIC)
    diff = np.abs(b.astype(np.float32) - a.astype(np.float32)).mean(axis=2)
    diff = np.clip(diff * 10, 0, 255).astype(np.uint8)
    heat = cv2.cvtColor(cv2.applyColorMap(diff, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    small = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(heat, contours, -1, (0, 255, 0), 1)
    row = np.concatenate([a, b, heat], axis=1)
    bar = np.full((22, max(row.shape[1], 8 * len(label)), 3), 255, np.uint8)
    cv2.putText(bar, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    row = np.pad(row, ((0, 0), (0, bar.shape[1] - row.shape[1]), (0, 0)), constant_values=255)
    return np.concatenate([bar, row], axis=0)
