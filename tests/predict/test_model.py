"""The device choice and the checkpoint a predictor is built from."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from microexp.checkpoints import CheckpointError
from microexp.predict import PredictError, load_model
from microexp.predict.model import resolve_device


def test_cuda_asked_for_but_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(PredictError, match="no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(PredictError, match="unknown device"):
        resolve_device("tpu")
    assert resolve_device(None) == torch.device("cpu")


def test_model_from_checkpoint(ckpts: dict[str, Path], tmp_path: Path) -> None:
    model = load_model(ckpts["joint"], "cpu")
    assert model.path == ckpts["joint"] and model.image_size == 64
    assert model.flow_backend == "opencv" and model.spot["method"] == "threshold"
    assert "5 classes, 64x64 input, frame stride 4 at 200 fps, opencv TV-L1 flow" in (
        model.describe()
    )
    # what training did is what inference does: the flow's reference and size, the squaring
    assert (model.flow_reference, model.flow_size, model.square) == ("onset", 128, "crop")
    with pytest.raises(CheckpointError, match="spatial-stage checkpoint, not a joint one"):
        load_model(ckpts["spatial"], "cpu")
    ckpt = torch.load(ckpts["joint"], map_location="cpu", weights_only=True)
    del ckpt["microexp"]
    torch.save(ckpt, tmp_path / "bare.ckpt")
    with pytest.raises(PredictError, match="carries no microexp metadata"):
        load_model(tmp_path / "bare.ckpt", "cpu")
    ckpt["microexp"] = {"stage": "joint", "net": {}, "image_size": 64}
    torch.save(ckpt, tmp_path / "partial.ckpt")
    with pytest.raises(PredictError, match="lacks frame_stride, flow in its metadata"):
        load_model(tmp_path / "partial.ckpt", "cpu")
