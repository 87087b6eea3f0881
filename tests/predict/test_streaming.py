"""Inference on frames in memory: chunks carry the GRU state, the torch flow backend, and the
same numbers as a training run's whole-clip evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from microexp.predict import PredictError, Predictor, load_model
from microexp.predict.crop import to_network


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
    assert predictor.model.frame_stride == 2 and predictor.chunk == 5
    pred = predictor.run(short_clip[:9])
    assert list(pred.frame_numbers) == [2, 4, 6, 8] and pred.source == "" and pred.crop is None
    with pytest.raises(PredictError, match="frame stride must be >= 1"):
        Predictor.from_checkpoint(ckpts["joint"], "cpu", stride=0)
    with pytest.raises(PredictError, match="--chunk must be >= 1"):
        Predictor(predictor.model, chunk=0).run(short_clip)


def test_same_numbers_as_the_training_evaluation(ckpts: dict[str, Path], short_clip) -> None:
    """Predictor.run == WholeClips (flow at the stride, float16, head motion) + infer_clip."""
    from microexp.data.records import Clip
    from microexp.data.store import PreparedClip
    from microexp.data.windows import WholeClips, collate
    from microexp.flow import compute_flow
    from microexp.models.joint import infer_clip

    model = load_model(ckpts["joint"], "cpu")
    s, n = model.frame_stride, len(short_clip)
    frames = np.stack([to_network(f, None, model.image_size) for f in short_clip])
    flow = compute_flow(
        torch.from_numpy(frames[:-s]),
        torch.from_numpy(frames[s:]),
        "opencv",
        params=model.flow_params,
    )
    numbers = np.arange(200, 200 + n)
    clip = Clip("sub01", "EP99_01", [], list(numbers), 210, 215, 222, "happiness", 0)
    zeros = np.zeros(n)
    flow16 = flow.numpy().astype(np.float16)  # what the flow cache stores
    nothing = (zeros, zeros.astype(np.int64), zeros.astype(bool))
    data = PreparedClip(
        clip, frames, numbers, *nothing, flow=flow16, region=np.zeros((64, 64), bool)
    )
    batch = collate([WholeClips([data], stride=s, compensate=model.compensate_head)[0]])
    probs, intensity, _ = infer_clip(model.net, batch["frames"], batch["flow"], chunk=64)
    steps = int(batch["valid"].sum())
    pred = Predictor(model).run(short_clip, numbers=numbers)
    np.testing.assert_array_equal(pred.frame_numbers, batch["frame_numbers"][0, 1 : steps + 1])
    np.testing.assert_allclose(pred.intensity, intensity[0, :steps].numpy(), atol=1e-6)
    np.testing.assert_allclose(pred.probs, probs[0, :steps].numpy(), atol=1e-6)
