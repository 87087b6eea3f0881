"""The joint task's long-video test: each test video streamed chunk by chunk with the GRU state
carried from one chunk to the next (:func:`~microexp.models.joint.infer_clip`), its intensity
curve spotted into typed intervals, and ``spots.csv`` / ``truth.csv`` written and scored by
:mod:`microexp.eval.megc` (as the DataModule's ``spotting`` configures)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from microexp.eval.long_videos import (
    flat_metrics,
    megc_name,
    truth_of,
    write_curves,
    write_fold,
)
from microexp.eval.megc.spotting import score_spotting
from microexp.eval.video_plots import plot_video_curves
from microexp.models.joint import JointNet, infer_clip

log = logging.getLogger(__name__)


class VideoTest:
    """Collects the streamed chunks of the test videos, then spots and scores them."""

    def __init__(self) -> None:
        self.hidden: torch.Tensor | None = None
        self.figure: Path | None = None  #: spots.png, once written
        self.curves: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}

    @property
    def seen(self) -> bool:
        return bool(self.curves)

    def step(self, net: JointNet, batch: dict, chunk: int) -> None:
        """Run one chunk (batches of one, in order); a video's first chunk starts from zeros."""
        if batch["frames"].shape[0] != 1:
            raise ValueError("long-video test chunks come one at a time (batch size 1)")
        if batch["first"][0]:
            self.hidden = None
        out = infer_clip(net, batch["frames"], batch["flow"], chunk, hidden=self.hidden)
        self.hidden = out.hidden
        n = int(batch["valid"][0].sum())
        numbers = batch["frame_numbers"][0, 1 : n + 1].cpu().numpy()
        curve = out.intensity[0, :n].float().cpu().numpy()
        self.curves.setdefault(int(batch["video"][0]), []).append((numbers, curve))

    def finish(self, datamodule: Any, out: Path, write: bool = True) -> dict[str, Any]:
        """Spot every test video, write the scorer's files and ``curves.csv`` into ``out``
        (``write``: the one process that writes; under DDP every rank streams every test video
        and gets the same scores), return the flat ``test/megc/...`` metrics."""
        videos = datamodule.test_set.videos
        spotting = datamodule.spotting
        stride = datamodule.frame_stride
        predictions, curves = {}, {}
        for v, parts in sorted(self.curves.items()):
            video = videos[v].video
            key = (megc_name(video.dataset), video.video)
            numbers = np.concatenate([p[0] for p in parts])
            curve = np.concatenate([p[1] for p in parts])
            curves[key] = (numbers, curve)
            found = spotting.intervals(curve, numbers, video.fps, stride)
            if found:
                predictions[key] = found
        fps = {megc_name(pv.video.dataset): pv.video.fps for pv in videos}
        truth = truth_of(pv.video for pv in videos)
        if not write:
            return flat_metrics(score_spotting(truth, predictions, fps).to_json())
        write_curves(out, curves)
        metrics = write_fold(out, truth, predictions, fps)
        self.figure = plot_video_curves(out / "spots.png", curves, truth, predictions)
        log.info(
            "long-video spotting: %d intervals in %d videos",
            sum(map(len, predictions.values())),
            len(videos),
        )
        return metrics
