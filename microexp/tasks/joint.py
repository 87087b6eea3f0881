"""Stage ``joint``: context contrast + visual memory, trained with a class loss at every GRU
step and an L1 loss on intensity (paper §2.2); evaluated over whole clips.

Validation and test run the GRU over each whole clip (in chunks that carry the hidden state),
spot intervals and the apex in the predicted intensity, label each clip by the mean class
probability inside its spotted interval, and compute accuracy, UF1, UAR, apex errors, phase AUC
and, where enough frames lie outside the annotated intervals, frame-level ROC AUC and MEGC
interval F1 (an undefined score is not logged). Each clip's record also holds the references'
apexes: its middle frame and the peak of the mean magnitude of the flow the network receives. At
test end the run folder receives ``predictions.csv``, ``frames.csv``, ``recog.csv`` (for
``python -m microexp.eval.megc recog``) and the plots (ROC,
confusion matrix, Fig. 2 panels, per-subject accuracy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torchmetrics import MeanMetric, MetricCollection
from torchmetrics.classification import MulticlassAccuracy

from microexp.classes import CLASSES_5
from microexp.eval.apex import apex_scores, peak_frame
from microexp.eval.figures import write_plots
from microexp.eval.gates import MIN_OUTSIDE_FRACTION, PHASE_LEVEL
from microexp.eval.metrics import (
    FrameAUROC,
    IntervalF1,
    recognition_metrics,
)
from microexp.eval.records import (
    ClipRecord,
    make_record,
    write_frames,
    write_predictions,
    write_recognition,
)
from microexp.eval.spotting import DEFAULT_SPOT, match_intervals
from microexp.eval.spotting_scores import APEX_KEYS
from microexp.models.joint import JointNet, infer_clip, infer_windows
from microexp.tasks.base import BaseTask, from_all_ranks, valid_mean, weighted_mean
from microexp.tasks.class_weights import per_class_weights
from microexp.tasks.video_test import VideoTest

log = logging.getLogger(__name__)


class JointTask(BaseTask):
    """The joint network's training and whole-clip evaluation.

    Args:
        net: a :class:`~microexp.models.joint.JointNet`.
        optimizer, scheduler: see :class:`BaseTask`.
        class_names: the class names of the protocol.
        class_loss_weight, intensity_weight: loss = class_loss_weight * CE + intensity_weight
            * the intensity loss.
        intensity_loss: ``l1`` (the paper) or ``mse`` (squared error: its gradient grows with
            the error, so a curve that is mostly 0 does not pull a sigmoid into saturation).
        intensity_balance: weigh the frames inside the intervals as much, in all, as those
            outside (long videos are mostly neutral face: unweighted, predicting 0 everywhere
            is nearly optimal).
        class_weights: per-class weights of the CE (:mod:`microexp.tasks.class_weights`):
            ``none``, ``balanced`` (inverse frequency of ``class_counts``) or one weight per
            class. The weighted CE is ``sum(w[y] * ce) / sum(w[y])`` over the class-loss steps
            (as ``F.cross_entropy(weight=...)``), so its scale does not depend on the weights.
        class_counts: the TRAINING clips of each class (given by ``microexp.train`` from the
            DataModule's training split; never from validation or test clips).
        class_loss_frames: ``all`` (the paper: the clip's class at every step) or ``interval``
            (only the steps inside [onset, offset], where the expression is visible).
        spot: arguments of :func:`microexp.eval.spotting.spot_intervals` (threshold, smoothing,
            minimum length, ``method="peak"`` ...), in predicted steps.
        eval_chunk: steps per forward pass at evaluation; the GRU state is carried across.
        fig2_panels: how many Fig. 2 panels to draw at test end (best, median, worst clip).
    """

    stage = "joint"

    def __init__(
        self,
        net: JointNet,
        optimizer: Callable[..., torch.optim.Optimizer],
        scheduler: Callable[..., Any] | None = None,
        class_names: Sequence[str] = CLASSES_5,
        class_loss_weight: float = 1.0,
        intensity_weight: float = 1.0,
        intensity_loss: str = "l1",
        intensity_balance: bool = False,
        class_weights: str | Sequence[float] | None = "none",
        class_counts: Sequence[int] | None = None,
        class_loss_frames: str = "all",
        spot: dict[str, Any] | None = None,
        eval_chunk: int = 64,
        fig2_panels: int = 3,
    ) -> None:
        super().__init__(net, optimizer, scheduler)
        self.class_names = tuple(class_names)
        if class_loss_frames not in ("all", "interval"):
            raise ValueError(
                f"class_loss_frames must be 'all' or 'interval', not {class_loss_frames!r}"
            )
        self.class_loss_weight = class_loss_weight
        weights = per_class_weights(class_weights, class_counts, len(self.class_names))
        self.register_buffer(
            "ce_weights", None if weights is None else torch.tensor(weights), persistent=False
        )
        if intensity_loss not in ("l1", "mse"):
            raise ValueError(f"intensity_loss must be 'l1' or 'mse', not {intensity_loss!r}")
        self.intensity_weight = intensity_weight
        self.intensity_loss = intensity_loss
        self.intensity_balance = intensity_balance
        self.class_loss_frames = class_loss_frames
        self.spot = dict(DEFAULT_SPOT if spot is None else spot)
        self.eval_chunk = eval_chunk
        self.fig2_panels = fig2_panels
        n = len(self.class_names)
        self.train_metrics = MetricCollection(
            {"frame_accuracy": MulticlassAccuracy(num_classes=n, average="micro")}
        ).clone(prefix="train/")
        clip_metrics = MetricCollection(
            {
                **dict(recognition_metrics(n).items()),
                "auc": FrameAUROC(min_negative_fraction=MIN_OUTSIDE_FRACTION),
                "spot_f1": IntervalF1(min_outside_fraction=MIN_OUTSIDE_FRACTION),
                "phase_auc": FrameAUROC(),
                **{key: MeanMetric() for key in APEX_KEYS},
            },
            compute_groups=False,
        )
        self.val_metrics = clip_metrics.clone(prefix="val/")
        self.test_metrics = clip_metrics.clone(prefix="test/")
        self.records: list[ClipRecord] = []
        self.video_test = VideoTest()

    def identity(self) -> dict[str, Any]:
        return {"classes": list(self.class_names)}

    # ------------------------------------------------------------------ training

    def forward(self, frames: torch.Tensor, flow: torch.Tensor, hidden=None):
        return self.net(frames, flow, hidden)

    def losses(self, batch: dict) -> dict[str, torch.Tensor]:
        """Cross-entropy at every (valid) step, weighted by class if asked, and the intensity
        loss."""
        out = self(batch["frames"], batch["flow"])
        valid = batch["valid"]
        steps = out.logits.shape[1]
        labels = batch["label"][:, None].expand(-1, steps)
        class_mask = valid & (labels >= 0)
        if self.class_loss_frames == "interval":
            class_mask = class_mask & batch["inside"]
        ce_all = F.cross_entropy(
            out.logits.flatten(0, 1), labels.clamp(min=0).flatten(), reduction="none"
        ).view_as(labels)
        if self.ce_weights is None:
            ce = valid_mean(ce_all, class_mask)
        else:
            ce = weighted_mean(ce_all, class_mask * self.ce_weights[labels.clamp(min=0)])
        intensity = self.intensity_term(out.intensity, batch["intensity"], valid, batch["inside"])
        loss = self.class_loss_weight * ce + self.intensity_weight * intensity
        return {
            "loss": loss,
            "ce": ce,
            "intensity": intensity,
            "logits": out.logits,
            "mask": class_mask,
            "labels": labels,
        }

    def intensity_term(
        self, pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, inside: torch.Tensor
    ) -> torch.Tensor:
        """The intensity loss over the valid steps ``(B, T)``, balanced inside/outside if
        asked."""
        error = pred - target
        per_step = error.abs() if self.intensity_loss == "l1" else error.square()
        if not self.intensity_balance:
            return valid_mean(per_step, valid)
        inner, outer = valid & inside, valid & ~inside
        weights = inner / inner.sum().clamp(min=1) + outer / outer.sum().clamp(min=1)
        return weighted_mean(per_step, weights)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        parts = self.losses(batch)
        self.check_finite(parts["loss"], batch, batch_idx)
        n = int(batch["valid"].sum())
        mask = parts["mask"]
        self.log("train/loss", parts["loss"], prog_bar=True, batch_size=n)
        self.log("train/ce", parts["ce"], batch_size=n)
        self.log("train/intensity", parts["intensity"], batch_size=n)
        if mask.any():  # long videos carry no class: no frame accuracy (not a false 0)
            self.train_metrics.update(parts["logits"][mask], parts["labels"][mask])
            self.log_dict(self.train_metrics, on_step=False, on_epoch=True, batch_size=n)
        return parts["loss"]

    # ------------------------------------------------------------------ evaluation

    @torch.no_grad()
    def infer(self, frames: torch.Tensor, flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Whole-clip inference in chunks of ``eval_chunk`` steps, carrying the GRU state (in
        windows with the state reset at each when the network was trained on windows).

        Returns class probabilities ``(B, T, C)`` and intensity ``(B, T)``.
        """
        window = self._eval_window()
        if window is None:
            probs, intensity, _ = infer_clip(self.net, frames, flow, self.eval_chunk)
        else:
            probs, intensity, _ = infer_windows(self.net, frames, flow, window, self.eval_chunk)
        return probs, intensity

    def _eval_window(self) -> int | None:
        """The datamodule's ``eval_window`` (a network trained on windows of that many steps is
        evaluated in such windows); None without a trainer or datamodule: whole clips."""
        trainer = self._trainer
        datamodule = getattr(trainer, "datamodule", None) if trainer is not None else None
        return getattr(datamodule, "eval_window", None)

    def _evaluate(self, batch: dict, metrics: MetricCollection, keep: bool) -> None:
        probs, intensity = self.infer(batch["frames"], batch["flow"])
        # the flow reference: mean magnitude of the flow each step receives (B, T)
        magnitude = batch["flow"].float().norm(dim=2).mean(dim=(-2, -1))
        valid = batch["valid"]
        labels = batch["label"]
        numbers = batch["frame_numbers"]
        preds = []
        for i in range(valid.shape[0]):
            n = int(valid[i].sum())
            if n == 0:
                continue
            frames = numbers[i, 1 : n + 1].cpu().numpy()
            record = make_record(
                subject=batch["subject"][i],
                episode=batch["episode"][i],
                dataset=batch["dataset"][i],
                label=int(labels[i]),
                onset=int(batch["onset"][i]),
                apex=int(batch["apex"][i]),
                offset=int(batch["offset"][i]),
                frame_numbers=frames,
                intensity=intensity[i, :n].float().cpu().numpy(),
                target=batch["intensity"][i, :n].float().cpu().numpy(),
                probs=probs[i, :n].float().cpu().numpy(),
                spot=self.spot,
                first_frame=int(numbers[i, 0]),
                flow_apex=peak_frame(magnitude[i, :n].cpu().numpy(), frames),
            )
            _update_clip(metrics, record)
            preds.append(record.pred_label)
            if keep:
                self.records.append(record)
        has = valid.any(dim=1)
        if preds:
            pred_t = torch.tensor(preds, device=labels.device)
            for key in ("accuracy", "uf1", "uar"):
                metrics[key].update(pred_t, labels[has])
        scores = intensity[valid].float()
        metrics["auc"].update(scores, batch["inside"][valid].long())
        metrics["phase_auc"].update(scores, (batch["intensity"][valid] >= PHASE_LEVEL).long())

    def on_validation_epoch_start(self) -> None:
        self.start_epoch(self.val_metrics)

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._evaluate(batch, self.val_metrics, keep=False)

    def on_validation_epoch_end(self) -> None:
        self.log_defined_scores(self.val_metrics)

    def on_test_epoch_start(self) -> None:
        self.records = []
        self.start_epoch(self.test_metrics)
        self.video_test = VideoTest()

    def test_step(self, batch: dict, batch_idx: int) -> None:
        if "video" in batch:  # a chunk of a long video (microexp.tasks.video_test)
            self.video_test.step(self.net, batch, self.eval_chunk)
            return
        self._evaluate(batch, self.test_metrics, keep=True)

    def on_test_epoch_end(self) -> None:
        self.log_defined_scores(self.test_metrics)
        # under DDP each rank tested its own block of clips: all of them, in order, on every rank
        self.records = from_all_ranks(self.records)
        if self.video_test.seen:
            datamodule, rank0 = self.trainer.datamodule, self.trainer.is_global_zero
            scores = self.video_test.finish(datamodule, self.run_dir, write=rank0)
            if self.video_test.figure is not None:
                self.log_images({"test/spots": self.video_test.figure})
            for name, value in scores.items():
                if isinstance(value, int | float):  # float64: metrics.json gets the exact value
                    self.log(name, torch.tensor(value, dtype=torch.float64))
        if self.trainer.is_global_zero and self.records:
            self.write_artifacts(self.records, self.run_dir)

    # ------------------------------------------------------------------ artefacts

    def write_artifacts(self, records: Sequence[ClipRecord], out: Path) -> dict[str, Path]:
        """``predictions.csv``, ``frames.csv``, ``recog.csv`` (the MEGC recognition scorer's
        input) and the plots of a test run, into ``out``."""
        classes = self.class_names
        files = {
            "predictions": write_predictions(records, out / "predictions.csv", classes),
            "frames": write_frames(records, out / "frames.csv", classes),
            "recog": write_recognition(records, out / "recog.csv", classes),
        }
        images = write_plots(records, out, classes, self.spot, self.fig2_panels)
        self.log_images({f"test/{name}": path for name, path in images.items()})
        return {**files, **images}


def _update_clip(metrics: MetricCollection, record: ClipRecord) -> None:
    """Add one clip's interval matches, frame counts and apex errors to ``metrics``."""
    m = match_intervals(record.intervals, [record.truth])
    outside = int((~record.inside).sum())
    metrics["spot_f1"].update(m.tp, m.fp, m.fn, len(record.inside), outside)
    if record.pred_apex is not None:
        errors = apex_scores([(record.pred_apex, record.apex, record.length)])
        for key in APEX_KEYS:
            metrics[key].update(errors[key])
