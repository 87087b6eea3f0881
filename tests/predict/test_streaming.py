"""Inference on frames in memory: chunks carry the GRU state, the torch flow backend, and the
same numbers as a training run's whole-clip evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.predict import PredictError, Predictor, load_model


def test_chunks_carry_the_gru_state(ckpts: dict[str, Path], short_clip) -> None:
    model = load_model(ckpts["joint"], "cpu")
    whole = Predictor(model, chunk=64).run(short_clip)
    for chunk in (1, 3):
        parts = Predictor(model, chunk=chunk).run(iter(short_clip))  # a stream, not a list
        np.testing.assert_array_equal(parts.frame_numbers, whole.frame_numbers)
        np.testing.assert_allclose(parts.intensity, whole.intensity, atol=1e-5)
        np.testing.assert_allclose(parts.probs, whole.probs, atol=1e-5)
    # an untrained GRU still depends on its state: starting it afresh changes the outputs
    later = Predictor(model, chunk=64).run(short_clip[8:], numbers=range(8, 30))
    assert not np.allclose(later.intensity, whole.intensity[2:], atol=1e-5)


def test_torch_flow_backend(ckpts: dict[str, Path], short_clip) -> None:
    """The default configuration's flow backend (eager here: compiling takes minutes)."""
    model = load_model(ckpts["joint"], "cpu")
    model.flow_backend = "torch"
    pred = Predictor(model).run(short_clip[:13])
    assert pred.steps == 3 and pred.frames == 13
    assert np.isfinite(pred.intensity).all() and np.allclose(pred.probs.sum(1), 1.0, atol=1e-5)


def test_from_checkpoint_options(ckpts: dict[str, Path], short_clip) -> None:
    predictor = Predictor.from_checkpoint(ckpts["joint"], "cpu", stride=2, chunk=5)
    assert predictor.stride == 2 and predictor.chunk == 5
    pred = predictor.run(short_clip[:9])
    assert list(pred.frame_numbers) == [2, 4, 6, 8] and pred.source == "" and pred.crop is None
    assert pred.plan is not None and pred.plan.stride == 2
    assert any("cannot match the training step" in w for w in pred.warnings)
    with pytest.raises(PredictError, match="--stride must be >= 1"):
        Predictor.from_checkpoint(ckpts["joint"], "cpu", stride=0)
    with pytest.raises(PredictError, match="--chunk must be >= 1"):
        Predictor(predictor.model, chunk=0).run(short_clip)


@pytest.mark.parametrize(
    "flow",
    [
        {"flow_reference": "onset", "flow_size": 128},
        {"flow_reference": "lag", "flow_lag": 12, "flow_size": 96},
        {"flow_reference": "previous", "flow_size": 64, "square": "pad"},
    ],
)
def test_same_numbers_as_the_training_evaluation(
    ckpts: dict[str, Path], short_clip, tmp_path: Path, flow: dict
) -> None:
    """Predictor.run == the store's flow (FlowCache on the chain frames at the flow size) +
    head motion + WholeClips + infer_clip, for every reference."""
    import dataclasses

    from microexp.data.frames import to_square
    from microexp.data.records import Clip
    from microexp.data.store import PreparedClip
    from microexp.data.windows import WholeClips, collate
    from microexp.flow.cache import FlowCache
    from microexp.flow.head_motion import fit_head_motion
    from microexp.models.joint import infer_clip

    model = dataclasses.replace(load_model(ckpts["joint"], "cpu"), **flow)
    s, n, size = model.frame_stride, len(short_clip), model.image_size
    assert s == 4 and (n - 1) // s > 3  # several steps, a lag of 3 of them

    def squared(side: int) -> np.ndarray:
        return np.stack([to_square(f, side, model.square) for f in short_clip]).transpose(
            0, 3, 1, 2
        )

    cache = FlowCache(
        tmp_path,
        fingerprint="predict",
        size=size,
        flow_size=model.flow_size,
        reference=model.reference,
        backend=model.flow_backend,
        params=model.flow_params,
    )
    flow16 = cache.get(
        "clip", torch.from_numpy(np.ascontiguousarray(squared(model.flow_size)[::s]))
    )
    numbers = np.arange(200, 200 + n)
    clip = Clip("sub01", "EP99_01", [], list(numbers), 210, 215, 222, "happiness", 0)
    zeros = np.zeros(n)
    nothing = (zeros, zeros.astype(np.int64), zeros.astype(bool))
    head = fit_head_motion(flow16.astype(np.float32)) if model.compensate_head else None
    data = PreparedClip(clip, squared(size), numbers, *nothing, stride=s, flow=flow16, head=head)
    batch = collate([WholeClips([data], mask_threshold=0.1)[0]])
    probs, intensity, _ = infer_clip(model.net, batch["frames"], batch["flow"], chunk=64)
    steps = int(batch["valid"].sum())
    for chunk in (64, 2):  # in one piece, and in chunks that carry the state and the references
        pred = Predictor(model, chunk=chunk).run(short_clip, numbers=numbers)
        np.testing.assert_array_equal(pred.frame_numbers, batch["frame_numbers"][0, 1 : steps + 1])
        np.testing.assert_allclose(pred.intensity, intensity[0, :steps].numpy(), atol=1e-6)
        np.testing.assert_allclose(pred.probs, probs[0, :steps].numpy(), atol=1e-6)
