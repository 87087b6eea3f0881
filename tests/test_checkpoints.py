"""microexp.checkpoints: the one reader (clear errors naming the file), the match key, the
metadata and the search for the newest matching checkpoint."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from microexp import checkpoints
from microexp.checkpoints import CheckpointError
from tests.checkpoint_files import BAD, fake_checkpoint

DATA = {
    "size": 64,
    "frame_stride": 4,
    "flow_backend": "opencv",
    "flow_params": {},
    "compensate_head": True,
    "root": "/somewhere",
    "cache_dir": "/cache",
    "num_workers": 2,
    "seq_len": 6,
}
MODEL = {"net": {"_target_": "microexp.models.joint.JointNet", "width": 0.125}, "spot": None}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_read_names_the_file(kind: str, tmp_path: Path) -> None:
    make, words = BAD[kind]
    path = make(tmp_path / "model.ckpt")
    with pytest.raises(CheckpointError, match="model.ckpt") as info:
        checkpoints.read(path)
    assert words in str(info.value)
    assert len(str(info.value)) < 500  # one readable line, not torch's essay


def test_read_stage_and_resumability(tmp_path: Path) -> None:
    spatial = fake_checkpoint(tmp_path / "spatial.ckpt", stage="spatial")
    assert checkpoints.read(spatial, "spatial", resumable=True)["epoch"] == 0
    with pytest.raises(
        CheckpointError, match="spatial.ckpt is a spatial-stage checkpoint, not a joint"
    ):
        checkpoints.read(spatial, "joint")
    weights = tmp_path / "weights.pt"
    torch.save({"state_dict": {"net.w": torch.zeros(2)}}, weights)
    assert checkpoints.read(weights, "joint")  # weights alone are fine for backbones
    with pytest.raises(CheckpointError, match="weights.pt holds weights only"):
        checkpoints.read(weights, "joint", resumable=True)
    with pytest.raises(CheckpointError, match="nope.ckpt does not exist"):
        checkpoints.read(tmp_path / "nope.ckpt")


def test_weights_and_meta(tmp_path: Path) -> None:
    ckpt = checkpoints.read(fake_checkpoint(tmp_path / "j.ckpt"))
    assert list(checkpoints.weights(ckpt)) == ["w"]
    assert checkpoints.weights(ckpt, "other.") == {}
    assert checkpoints.meta(ckpt) == {"stage": "joint"}
    assert checkpoints.meta({"state_dict": {}}) == {}
    plain = {"net.a": torch.ones(1), "head.b": torch.ones(1)}  # a bare state dict
    assert list(checkpoints.weights(plain)) == ["a"]


def test_match_key_leaves_out_where_files_are() -> None:
    key = checkpoints.match_key("joint", "abc", DATA, MODEL, 3, 42)
    assert key["stage"] == "joint" and key["fingerprint"] == "abc"
    assert key["epochs"] == 3 and key["seed"] == 42 and key["model"] == MODEL
    kept = {"size", "frame_stride", "flow_backend", "flow_params", "compensate_head", "seq_len"}
    assert set(key["data"]) == kept
    moved = {**DATA, "root": "/elsewhere", "cache_dir": "/tmp/c", "num_workers": 0}
    assert checkpoints.match_key("joint", "abc", moved, MODEL, 3, 42) == key
    assert checkpoints.match_key("joint", "abc", {**DATA, "seq_len": 8}, MODEL, 3, 42) != key
    assert "root" in DATA  # the caller's settings are left as they were


def test_checkpoint_meta() -> None:
    data = {**DATA, "flow_reference": "lag", "flow_lag": 8, "flow_size": 128, "square": "pad"}
    meta = checkpoints.checkpoint_meta(MODEL, data, {"stage": "joint"}, fps=200.0)
    assert meta == {
        "net": MODEL["net"],
        "image_size": 64,
        "square": "pad",
        "frame_stride": 4,
        "fps": 200.0,
        "flow": {
            "backend": "opencv",
            "params": {},
            "compensate_head": True,
            "reference": "lag",
            "lag": 8,
            "size": 128,
        },
        "spot": None,
        "match": {"stage": "joint"},
    }
    old = checkpoints.checkpoint_meta({"net": {}}, DATA)
    assert old["spot"] is None and old["fps"] is None and old["flow"]["reference"] is None


def test_training_fps_is_the_clips_rate() -> None:
    assert checkpoints.training_fps([200.0] * 3) == 200.0
    assert checkpoints.training_fps([30.0, 200.0, 200.0]) == 200.0  # a mixed set: the most common
    assert checkpoints.training_fps([]) is None


def test_find_the_newest_matching(tmp_path: Path) -> None:
    key = checkpoints.match_key("spatial", "abc", DATA, MODEL, 3, 42)
    runs = {}
    for i, name in enumerate(["old", "new", "other", "no_ckpt"]):
        folder = tmp_path / name / "checkpoints"
        folder.mkdir(parents=True)
        k = key if name != "other" else {**key, "seed": 1}
        assert checkpoints.write_match(folder, k) == folder / checkpoints.META_FILE
        if name != "no_ckpt":
            runs[name] = fake_checkpoint(folder / "last.ckpt", "spatial")
            os.utime(runs[name], (1000 + i, 1000 + i))
    (tmp_path / "junk" / "checkpoints").mkdir(parents=True)
    (tmp_path / "junk" / "checkpoints" / "meta.json").write_text("{not json")
    assert json.loads((tmp_path / "old/checkpoints/meta.json").read_text()) == {"match": key}
    assert checkpoints.find(tmp_path, key, "last.ckpt") == runs["new"]
    assert checkpoints.find(tmp_path, {**key, "seed": 1}, "last.ckpt") == runs["other"]
    assert checkpoints.find(tmp_path, {**key, "epochs": 9}, "last.ckpt") is None
    found = checkpoints.find(tmp_path, {**key, "epochs": 9}, "last.ckpt", ignore=("epochs",))
    assert found == runs["new"]
    assert checkpoints.find(tmp_path, key, "best.ckpt") is None
