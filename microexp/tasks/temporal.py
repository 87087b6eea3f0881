"""Stage ``temporal``: MPNet learns to segment the moving facial regions from TV-L1 flow."""

from __future__ import annotations

import torch

from microexp.tasks.spatial import SegmentationTask


class TemporalTask(SegmentationTask):
    """Stage ``temporal``: segment moving facial regions from the flow of each step."""

    stage = "temporal"

    def inputs(self, batch: dict) -> torch.Tensor:
        return batch["flow"]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x.float()
