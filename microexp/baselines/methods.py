"""Each baseline's clip records: LBP and HOOF spotting curves with their MEGC intervals, and the
LBP-TOP + SVM class probabilities (per-clip descriptors computed once, reused by every split)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from microexp.baselines.config import BaselineConfig, BaselineError
from microexp.baselines.hoof import hoof_spotting_curve
from microexp.baselines.lbp import lbp_spotting_curve
from microexp.baselines.lbptop_svm import LbpTopSvm, interval_frames, lbp_top
from microexp.data.store import PreparedClip
from microexp.eval.records import ClipRecord
from microexp.eval.spotting import spot_intervals
from microexp.flow.reference import FlowReference


def _record(
    c: PreparedClip,
    intensity: np.ndarray,
    probs: np.ndarray,
    intervals: list,
    pred_label: int,
    confidence: float,
    clip_probs: np.ndarray,
) -> ClipRecord:
    return ClipRecord(
        subject=c.clip.subject,
        episode=c.clip.episode,
        label=c.label,
        onset=c.clip.onset,
        apex=c.clip.apex,
        offset=c.clip.offset,
        frame_numbers=c.numbers,
        intensity=intensity,
        target=c.intensity.astype(np.float64),
        inside=c.inside,
        probs=probs,
        intervals=intervals,
        pred_label=pred_label,
        confidence=confidence,
        clip_probs=clip_probs,
        dataset=c.clip.dataset,
    )


class MethodRecords:
    """Computes each method's records for a split's clips, caching per-clip work across splits."""

    def __init__(self, cfg: BaselineConfig, classes: Sequence[str]) -> None:
        self.cfg = cfg
        self.classes = tuple(classes)
        self._lbptop: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ spotting
    def spotting_record(self, method: str, c: PreparedClip, k: int) -> ClipRecord:
        """Score every frame of a clip and spot its intervals."""
        cfg = self.cfg
        options = cfg.options(method) | {"top_fraction": cfg.top_fraction}
        if method == "lbp":
            curve = lbp_spotting_curve(np.asarray(c.frames), k, **options)
        else:
            assert c.flow is not None, "HOOF needs the flow cache"
            motion = c.motion(np.arange(len(c.chain)))  # head motion removed by the store
            reference = c.reference or FlowReference(
                cfg.flow_reference, cfg.frame_stride, cfg.flow_lag
            )
            if options["normalise"] is None:
                options["normalise"] = reference.kind == "previous"
            curve = hoof_spotting_curve(motion, len(c.numbers), reference, k, **options)
        intervals = spot_intervals(
            curve, c.numbers, method="peak", p=cfg.p, half_width=k, distance=k
        )
        n, classes = len(c.numbers), len(self.classes)
        nan = np.full(classes, np.nan)
        return _record(c, curve, np.full((n, classes), np.nan), intervals, -1, float("nan"), nan)

    # ------------------------------------------------------------------ recognition
    def lbptop(self, c: PreparedClip) -> np.ndarray:
        """The clip's LBP-TOP descriptor over its annotated frames (computed once)."""
        feat = self._lbptop.get(c.clip.id)
        if feat is None:
            idx = interval_frames(c.numbers, c.clip.onset, c.clip.offset)
            feat = lbp_top(
                np.asarray(c.frames[idx[0] : idx[-1] + 1]), **self.cfg.options("lbptop")
            )
            self._lbptop[c.clip.id] = feat
        return feat

    def recognition_records(
        self, train: Sequence[PreparedClip], test: Sequence[PreparedClip]
    ) -> list[ClipRecord]:
        """Fit the SVM on the labelled training clips and label the test clips."""
        train = [c for c in train if c.label >= 0]
        if not train:
            raise BaselineError("no labelled training clips for the LBP-TOP SVM")
        x = np.stack([self.lbptop(c) for c in train])
        y = np.array([c.label for c in train])
        svm = LbpTopSvm(len(self.classes), c=self.cfg.svm_c, seed=self.cfg.seed).fit(x, y)
        probs = svm.predict_proba(np.stack([self.lbptop(c) for c in test]))
        records = []
        for c, p in zip(test, probs):
            pred = int(np.argmax(p))
            n = len(c.numbers)
            frame_probs = np.repeat(p[None], n, axis=0)
            records.append(
                _record(c, np.full(n, np.nan), frame_probs, [], pred, float(p[pred]), p)
            )
        return records
