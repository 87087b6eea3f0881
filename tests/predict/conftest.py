"""Fixtures of the inference tests: untrained checkpoints of every stage and a short clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.predict.helpers import paste, render, save_untrained, write_video


@pytest.fixture(scope="session")
def ckpts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ckpts")
    return {stage: save_untrained(stage, out) for stage in ("joint", "spatial", "temporal")}


@pytest.fixture(scope="session")
def short_clip() -> list[np.ndarray]:
    """30 frames of a face (crop size); every test input is made from it."""
    return render(30, onset=10, apex=15, offset=22)


@pytest.fixture(scope="session")
def video(tmp_path_factory: pytest.TempPathFactory, short_clip: list[np.ndarray]) -> Path:
    folder = tmp_path_factory.mktemp("video")
    return write_video(folder / "clip.mp4", [paste(f)[0] for f in short_clip])
