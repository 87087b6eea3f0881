"""Checkpoint files for the checkpoint tests: a small fake one and damaged ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch


def fake_checkpoint(path: Path, stage: str = "joint") -> Path:
    """A small checkpoint with the keys Lightning writes (no training needed to make it)."""
    torch.save(
        {
            "epoch": 0,
            "global_step": 2,
            "loops": {},
            "state_dict": {"net.w": torch.zeros(64, 64)},
            "microexp": {"stage": stage},
        },
        path,
    )
    return path


def cut(path: Path) -> Path:
    """A checkpoint cut in half."""
    data = fake_checkpoint(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


#: name -> (make the file, words the error must hold)
BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "cut short": (cut, "damaged, cut short or not a checkpoint"),
    "empty": (lambda p: (p.write_bytes(b""), p)[1], "damaged, cut short or not a checkpoint"),
    "random bytes": (
        lambda p: (p.write_bytes(bytes(range(256)) * 20), p)[1],
        "damaged, cut short or not a checkpoint",
    ),
    "text": (lambda p: (p.write_text("model weights\n"), p)[1], "damaged, cut short"),
    "a list": (lambda p: (torch.save([1, 2, 3], p), p)[1], "holds no state_dict"),
}
