"""The joint task's losses and evaluation step on hand-made outputs.

A scripted network stands in for :class:`~microexp.models.joint.JointNet`: it returns fixed
logits and intensities, reading which steps it is asked for from the flow (``flow[:, t, 0, 0,
0] = t``), so chunked evaluation gets the right slices. Every expected value is computed by
hand from those outputs.
"""

from __future__ import annotations

import functools
import math

import pytest
import torch
from torch import nn

from microexp.models.joint import JointOutput
from microexp.tasks.joint import JointTask

pytestmark = pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")

L2, L3, L5, L6 = math.log(2), math.log(3), math.log(5), math.log(6)
PAD = [100.0, 0.0, -100.0]  # padded steps: a confident, wrong answer the losses must not see


class Scripted(nn.Module):
    """Fixed outputs per clip and step."""

    def __init__(self, logits: list, intensity: list) -> None:
        super().__init__()
        self.register_buffer("logits", torch.tensor(logits))
        self.register_buffer("intensity", torch.tensor(intensity))
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, frames: torch.Tensor, flow: torch.Tensor, hidden=None) -> JointOutput:
        t = flow[0, :, 0, 0, 0].long()
        return JointOutput(self.logits[:, t], self.intensity[:, t], torch.zeros(1))


#: clip 0 (4 valid steps), clip 1 (2 valid steps, then padding), clip 2 (no valid step)
LOGITS = [
    [[0.0, 0.0, 0.0], [L2, 0.0, 0.0], [L6, 0.0, 0.0], [0.0, L2, L5]],
    [[0.0, 0.0, L3], [0.0, 0.0, 0.0], PAD, PAD],
    [PAD, PAD, PAD, PAD],
]
INTENSITY = [[0.1, 0.5, 0.9, 0.2], [0.3, 0.3, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
#: p(class 0) per step of clip 0: 1/3, 1/2, 3/4, 1/8; p(class 2) of clip 1: 3/5, 1/3
CE0 = [L3, L2, math.log(4 / 3), math.log(8)]  # clip 0, label 0
CE1 = [math.log(5 / 3), L3]  # clip 1, label 2


def _task(class_loss_frames: str = "all", **kwargs) -> JointTask:
    return JointTask(
        net=Scripted(LOGITS, INTENSITY),
        optimizer=functools.partial(torch.optim.SGD, lr=0.1),
        class_names=("a", "b", "c"),
        class_loss_frames=class_loss_frames,
        spot={"method": "threshold", "threshold": 0.4, "smooth": 1, "min_length": 1},
        eval_chunk=3,
        **kwargs,
    )


def _batch(labels: list[int]) -> dict:
    b, t = 3, 4
    flow = torch.zeros(b, t, 2, 4, 4)
    flow[:, :, 0, 0, 0] = torch.arange(t, dtype=torch.float32)
    valid = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=torch.bool)
    inside = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.bool)
    return {
        "frames": torch.zeros(b, t + 1, 3, 4, 4, dtype=torch.uint8),
        "flow": flow,
        "valid": valid,
        "inside": inside,
        "label": torch.tensor(labels),
        # targets: clip 1's padded steps are off by 1.0, clip 2's by 0.5
        "intensity": torch.tensor(
            [[0.0, 0.5, 1.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]]
        ),
        "frame_numbers": torch.arange(100, 105).repeat(b, 1),
        "subject": ["sub01", "sub02", "sub03"],
        "dataset": ["casme2"] * 3,
        "episode": ["EP01", "EP02", "EP03"],
        "onset": torch.tensor([102, 101, 101]),
        "apex": torch.tensor([103, 101, 102]),
        "offset": torch.tensor([103, 102, 103]),
    }


#: |predicted - target| over the valid steps only: 0.1, 0, 0.1, 0.2 and 0.2, 0.3
L1 = 0.9 / 6


def test_class_loss_on_every_valid_step() -> None:
    parts = _task("all").losses(_batch([0, 2, 1]))
    assert parts["ce"].item() == pytest.approx(sum(CE0 + CE1) / 6, abs=1e-6)
    assert parts["intensity"].item() == pytest.approx(L1, abs=1e-6)
    assert parts["mask"].tolist() == _batch([0, 2, 1])["valid"].tolist()


def test_class_loss_masked_to_the_interval() -> None:
    parts = _task("interval").losses(_batch([0, 2, 1]))
    # inside [onset, offset]: clip 0 steps 1 and 2, clip 1 step 0
    assert parts["ce"].item() == pytest.approx((CE0[1] + CE0[2] + CE1[0]) / 3, abs=1e-6)
    assert parts["mask"].sum().item() == 3
    assert parts["intensity"].item() == pytest.approx(L1, abs=1e-6)  # not masked


def test_unknown_labels_have_no_class_loss() -> None:
    parts = _task("all").losses(_batch([0, -1, 1]))
    assert parts["ce"].item() == pytest.approx(sum(CE0) / 4, abs=1e-6)


def test_weighted_sum() -> None:
    parts = _task("all", class_loss_weight=2.0, intensity_weight=3.0).losses(_batch([0, 2, 1]))
    expected = 2.0 * sum(CE0 + CE1) / 6 + 3.0 * L1
    assert parts["loss"].item() == pytest.approx(expected, abs=1e-5)


def _two_class_batch() -> tuple[nn.Module, dict]:
    """Two clips of one step: clip 0 (class a) with p(a) = 1/4, clip 1 (class b) with
    p(b) = 1/3."""
    b, t = 2, 1
    flow = torch.zeros(b, t, 2, 4, 4)
    batch = {
        "frames": torch.zeros(b, t + 1, 3, 4, 4, dtype=torch.uint8),
        "flow": flow,
        "valid": torch.ones(b, t, dtype=torch.bool),
        "inside": torch.ones(b, t, dtype=torch.bool),
        "label": torch.tensor([0, 1]),
        "intensity": torch.zeros(b, t),
    }
    net = Scripted([[[0.0, L3]], [[L2, 0.0]]], [[0.0], [0.0]])
    return net, batch


def _two_class_task(net: nn.Module, **kwargs) -> JointTask:
    return JointTask(
        net=net,
        optimizer=functools.partial(torch.optim.SGD, lr=0.1),
        class_names=("a", "b"),
        intensity_weight=0.0,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # unweighted: the mean of log 4 and log 3
        ("none", (math.log(4) + L3) / 2),
        # given weights: sum(w[y] * ce) / sum(w[y])
        ([1.0, 3.0], (1 * math.log(4) + 3 * L3) / 4),
        # balanced on 3 training clips of a and 1 of b: 1/count normalised to mean 1 = 0.5, 1.5
        ("balanced", (0.5 * math.log(4) + 1.5 * L3) / 2),
    ],
)
def test_class_weights_weigh_the_cross_entropy(weights, expected: float) -> None:
    net, batch = _two_class_batch()
    task = _two_class_task(net, class_weights=weights, class_counts=[3, 1], class_loss_weight=2.0)
    parts = task.losses(batch)
    assert parts["ce"].item() == pytest.approx(expected, abs=1e-6)
    assert parts["loss"].item() == pytest.approx(2.0 * expected, abs=1e-6)


def test_balanced_weights_need_the_training_counts() -> None:
    net, _ = _two_class_batch()
    with pytest.raises(ValueError, match="class_counts"):
        _two_class_task(net, class_weights="balanced")
    with pytest.raises(ValueError, match="2 classes"):
        _two_class_task(net, class_weights=[1.0, 2.0, 3.0])


def test_class_loss_frames_is_checked() -> None:
    with pytest.raises(ValueError, match="class_loss_frames"):
        _task("inside")


def test_evaluation_step_reads_valid_steps_only() -> None:
    task = _task()
    task.on_test_epoch_start()
    task.test_step(_batch([0, 1, 1]), 0)
    records = task.records
    assert [r.subject for r in records] == ["sub01", "sub02"]  # the empty clip is skipped
    first, second = records
    assert first.frame_numbers.tolist() == [101, 102, 103, 104]
    assert second.frame_numbers.tolist() == [101, 102]
    assert second.intensity.tolist() == pytest.approx([0.3, 0.3])
    # clip 0: one interval where the intensity reaches 0.4 (steps 1-2, frames 102-103); its
    # class is the mean probability there: (1/2 + 3/4) / 2 for class 0
    assert [(iv.start, iv.end) for iv in first.intervals] == [(102, 103)]
    assert first.clip_probs.tolist() == pytest.approx([0.625, 0.1875, 0.1875])
    assert first.pred_label == 0
    # clip 1: nothing spotted in its 2 valid steps: the mean over both, class 2 (not the
    # padded steps' class 0)
    assert second.intervals == []
    assert second.clip_probs.tolist() == pytest.approx([4 / 15, 4 / 15, 7 / 15])
    assert second.pred_label == 2
    metrics = task.test_metrics
    assert metrics["accuracy"].compute().item() == pytest.approx(0.5)  # clip 1 is class 1
    # clip 0's interval is its truth (102-103), clip 1's truth (101-102) is missed
    assert metrics["spot_f1"].compute().item() == pytest.approx(2 / 3)


def _onset_task() -> JointTask:
    """Two clips of 5 steps: clip 0 peaks at step 2, clip 1 predicts 1.0 everywhere."""
    logits = [[[L2, 0.0, 0.0]] * 5, [[0.0, L2, 0.0]] * 5]
    intensity = [[0.2, 0.6, 0.9, 0.5, 0.1], [1.0] * 5]
    return JointTask(
        net=Scripted(logits, intensity),
        optimizer=functools.partial(torch.optim.SGD, lr=0.1),
        class_names=("a", "b", "c"),
        spot={"method": "threshold", "threshold": 0.5, "smooth": 1, "min_length": 1},
        eval_chunk=2,
    )


def _onset_batch() -> dict:
    """Clips cut at their onset (frame 200) and offset (205): every step inside. The flow the
    network receives has a bump at step 1 of clip 0 (frame 202) and step 3 of clip 1 (204)."""
    b, t = 2, 5
    flow = torch.zeros(b, t, 2, 4, 4)
    flow[:, :, 0, 0, 0] = torch.arange(t, dtype=torch.float32)  # which step (Scripted)
    flow[0, 1, 1] = 10.0
    flow[1, 3, 1] = 10.0
    apex = [203, 201]
    numbers = torch.arange(200, 206)
    target = [
        [1 - abs(f - a) / (205 - a if f > a else a - 200) for f in range(201, 206)] for a in apex
    ]
    return {
        "frames": torch.zeros(b, t + 1, 3, 4, 4, dtype=torch.uint8),
        "flow": flow,
        "valid": torch.ones(b, t, dtype=torch.bool),
        "inside": torch.ones(b, t, dtype=torch.bool),
        "label": torch.tensor([0, 0]),
        "intensity": torch.tensor(target),
        "frame_numbers": numbers.repeat(b, 1),
        "subject": ["sub01", "sub01"],
        "dataset": ["casme2"] * 2,
        "episode": ["EP01", "EP02"],
        "onset": torch.tensor([200, 200]),
        "apex": torch.tensor(apex),
        "offset": torch.tensor([205, 205]),
    }


def test_evaluation_of_clips_cut_at_onset_and_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    task = _onset_task()
    task.on_test_epoch_start()
    task.test_step(_onset_batch(), 0)
    first, second = task.records
    assert [r.first_frame for r in task.records] == [200, 200]
    assert [r.length for r in task.records] == [6, 6]
    # the predicted apex: clip 0's peak; clip 1's flat curve peaks at the middle frame
    assert (first.pred_apex, second.pred_apex) == (203, 203)
    assert (first.ref_centre_apex, second.ref_centre_apex) == (203, 203)
    # the flow reference: the planted bump of each clip
    assert (first.ref_flow_apex, second.ref_flow_apex) == (202, 204)
    logged: dict[str, float] = {}
    monkeypatch.setattr(task, "log", lambda name, value, **_: logged.__setitem__(name, value))
    task.log_defined_scores(task.test_metrics)
    # no frame outside the intervals: frame AUC and interval F1 are not logged (never NaN)
    assert "test/auc" not in logged and "test/spot_f1" not in logged
    assert all(math.isfinite(float(v)) for v in logged.values())
    # apex errors 0 and 2 frames over clips of 6 frames (2 > 10% of 6: a miss)
    assert float(logged["test/apex_mae"]) == pytest.approx(1.0)
    assert float(logged["test/apex_nmae"]) == pytest.approx(1 / 6)
    assert float(logged["test/apex_hit"]) == pytest.approx(0.5)
    # phase AUC: positives (target >= 0.5) 0.6, 0.9, 0.5 (clip 0) and 1, 1, 1 (clip 1);
    # negatives 0.2, 0.1 and 1, 1: 2 + 2 + 2 + 3 * (2 + 2 * 0.5) = 15 of 24 pairs
    assert float(logged["test/phase_auc"]) == pytest.approx(15 / 24, abs=1e-6)
    assert logged["test/accuracy"] == pytest.approx(0.5)  # clip 1 predicts class b


class Counter(nn.Module):
    """Intensity = how many steps the GRU state has seen, counting this one (the state is the
    count): whole-clip inference counts 1..T, windows restart the count."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, frames: torch.Tensor, flow: torch.Tensor, hidden=None) -> JointOutput:
        b, t = flow.shape[:2]
        seen = torch.zeros(b) if hidden is None else hidden
        count = seen[:, None] + torch.arange(1, t + 1, dtype=torch.float32)
        return JointOutput(torch.zeros(b, t, 3), count, count[:, -1])


@pytest.mark.parametrize(("window", "expected"), [(None, [1, 2, 3, 4, 5]), (2, [1, 2, 1, 2, 1])])
def test_evaluation_runs_in_the_datamodules_windows(window, expected) -> None:
    """A network trained on windows (data.train_sequences=window) is evaluated in windows of
    the datamodule's eval_window, its state reset at each; whole clips otherwise."""
    from types import SimpleNamespace

    task = JointTask(
        net=Counter(),
        optimizer=functools.partial(torch.optim.SGD, lr=0.1),
        class_names=("a", "b", "c"),
        eval_chunk=3,
    )
    task._trainer = SimpleNamespace(datamodule=SimpleNamespace(eval_window=window))
    _, intensity = task.infer(torch.zeros(1, 6, 3, 4, 4), torch.zeros(1, 5, 2, 4, 4))
    assert intensity[0].tolist() == expected


def test_intensity_loss_mse_and_inside_outside_balance() -> None:
    pred = torch.tensor([[0.0, 0.0, 0.0, 0.0, 0.5]])
    target = torch.tensor([[0.0, 0.0, 0.0, 1.0, 1.0]])
    valid = torch.ones(1, 5, dtype=torch.bool)
    inside = torch.tensor([[False, False, False, True, True]])
    # errors 0, 0, 0, 1, 0.5: three steps outside, two inside
    assert _task().intensity_term(pred, target, valid, inside).item() == pytest.approx(1.5 / 5)
    mse = _task(intensity_loss="mse")
    assert mse.intensity_term(pred, target, valid, inside).item() == pytest.approx(1.25 / 5)
    balanced = _task(intensity_loss="mse", intensity_balance=True)
    # inside mean 0.625, outside mean 0: each half of the loss
    assert balanced.intensity_term(pred, target, valid, inside).item() == pytest.approx(0.3125)
    # a window with no step inside: the outside steps alone
    none_inside = torch.zeros_like(inside)
    assert balanced.intensity_term(pred, target, valid, none_inside).item() == pytest.approx(
        1.25 / 5
    )
    with pytest.raises(ValueError, match="intensity_loss"):
        _task(intensity_loss="huber")
