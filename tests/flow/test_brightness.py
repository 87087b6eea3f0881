"""Brightness matching before TV-L1: a lighting change is not motion."""

from __future__ import annotations

import torch

from microexp.flow import compute_flow
from microexp.flow.brightness import match_brightness
from microexp.flow.convert import to_grey
from microexp.flow.synthetic import face_images


def test_a_global_gain_gives_no_flow() -> None:
    faces = torch.from_numpy(face_images(64, 2)).permute(0, 3, 1, 2).contiguous()
    brighter = (faces.float() * 1.06).round().clamp(0, 255).to(torch.uint8)  # flicker, no motion
    a, b = match_brightness(faces, brighter)
    assert a.shape == (2, 1, 64, 64) and a.dtype == torch.float32
    torch.testing.assert_close(a[:, 0], to_grey(faces))
    torch.testing.assert_close(b.mean((1, 2, 3)), a.mean((1, 2, 3)))
    matched = compute_flow(a, b, "opencv").norm(dim=1).mean().item()
    raw = compute_flow(faces, brighter, "opencv").norm(dim=1).mean().item()
    assert matched < 0.03 and raw > 0.5, (matched, raw)
