"""Write the CASME II layout: clip folders (cropped faces and/or raw 640x480 frames), ground-truth
masks, the coding sheet (byte-reproducible .xlsx) and the preview contact sheet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from microexp.data.synthetic.face import FaceParams
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.render import ClipSpec, render_clip
from microexp.data.synthetic.workbook import save_workbook

SHEET_NAME = "CASME2-coding-20140508.xlsx"
CROPPED_DIR = "Cropped"
RAW_DIR = "CASME2_RAW_selected"
RAW_SIZE = (640, 480)  # (width, height) of CASME II raw frames


def _raw_canvas(frame: np.ndarray, spec: ClipSpec) -> np.ndarray:
    """Place a cropped face into a 640x480 raw frame (fixed per subject)."""
    w, h = RAW_SIZE
    rng = np.random.default_rng([spec.subject_index, 99])
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = rng.integers(90, 170, size=3).astype(np.uint8)
    fh, fw = frame.shape[:2]
    scale = min(1.0, 0.9 * h / fh)
    face = cv2.resize(frame, (int(fw * scale), int(fh * scale)), interpolation=cv2.INTER_AREA)
    y0 = (h - face.shape[0]) // 2
    x0 = int(rng.integers(w // 2 - face.shape[1] // 2 - 60, w // 2 - face.shape[1] // 2 + 60))
    canvas[y0 : y0 + face.shape[0], x0 : x0 + face.shape[1]] = face
    return canvas


def write_clip(
    args: tuple[ClipSpec, FaceParams, str, str, int, Distractors],
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Render one clip and write its frames (``trees``: cropped, raw or both) and mask under
    ``out``; returns (episode, onset frame, apex frame, mask) for the preview."""
    spec, face, out, trees, quality, distractors = args
    root = Path(out)
    frames, mask = render_clip(spec, face, distractors)
    params = [int(cv2.IMWRITE_JPEG_QUALITY), quality]
    if trees in ("cropped", "both"):
        folder = root / CROPPED_DIR / spec.subject / spec.episode
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), params)
            assert ok
            (folder / f"reg_img{spec.first_frame + k}.jpg").write_bytes(buf.tobytes())
    if trees in ("raw", "both"):
        folder = root / RAW_DIR / spec.subject / spec.episode
        folder.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            raw = _raw_canvas(frame, spec)
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(raw, cv2.COLOR_RGB2BGR), params)
            assert ok
            (folder / f"img{spec.first_frame + k}.jpg").write_bytes(buf.tobytes())
    mask_dir = root / "masks" / spec.subject
    mask_dir.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", mask)
    (mask_dir / f"{spec.episode}.png").write_bytes(buf.tobytes())
    on = spec.onset - spec.first_frame
    ap = spec.apex - spec.first_frame
    return spec.episode, frames[on], frames[ap], mask


def write_coding_sheet(path: Path, specs: Sequence[ClipSpec]) -> None:
    """Write the coding sheet in the real column layout, byte-reproducibly."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        [
            "Subject",
            "Filename",
            None,
            "OnsetFrame",
            "ApexFrame",
            "OffsetFrame",
            None,
            "Action Units",
            "Estimated Emotion",
        ]
    )
    for spec in sorted(specs, key=lambda s: (s.subject_index, s.episode)):
        aus: int | str = (
            int(spec.action_units) if spec.action_units.isdigit() else spec.action_units
        )
        ws.append(
            [
                spec.subject_index + 1,
                spec.episode,
                None,
                spec.onset,
                spec.apex,
                spec.offset,
                None,
                aus,
                spec.emotion,
            ]
        )
    save_workbook(wb, path)


def write_preview(path: Path, rows: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """A contact sheet: onset frame, apex frame, amplified |apex - onset| with the ground-truth
    moving region outlined in green, per clip."""
    tiles = []
    th = 150
    for label, onset, apex, mask in rows:
        scale = th / onset.shape[0]
        size = (int(onset.shape[1] * scale), th)
        a = cv2.resize(onset, size, interpolation=cv2.INTER_AREA)
        b = cv2.resize(apex, size, interpolation=cv2.INTER_AREA)
        diff = np.abs(b.astype(np.float32) - a.astype(np.float32)).mean(axis=2)
        diff = np.clip(diff * 10, 0, 255).astype(np.uint8)
        heat = cv2.cvtColor(cv2.applyColorMap(diff, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
        small = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(heat, contours, -1, (0, 255, 0), 1)
        row = np.concatenate([a, b, heat], axis=1)
        bar = np.full((22, row.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.concatenate([bar, row], axis=0))
    width = max(t.shape[1] for t in tiles)
    tiles = [
        np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=255) for t in tiles
    ]
    header = np.full((24, width, 3), 255, np.uint8)
    cv2.putText(
        header,
        "onset | apex | |apex - onset| x10, true region in green",
        (4, 17),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (0, 0, 0),
        1,
        cv2.LINE_AA,
    )
    sheet = np.concatenate([header, *tiles], axis=0)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    path.write_bytes(buf.tobytes())
