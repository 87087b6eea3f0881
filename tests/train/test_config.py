"""The Hydra side of the training job: resolvers registered explicitly, keys read off a config."""

from __future__ import annotations

from omegaconf import OmegaConf

from microexp.classes import PROTOCOLS
from microexp.train.config import register_resolvers


def test_resolvers(tmp_path) -> None:
    register_resolvers()
    register_resolvers()  # idempotent
    cfg = OmegaConf.create(
        {
            "n": "${num_classes:casme2,5}",
            "names": "${class_names:casme2,5-extra}",
            "samm": "${class_names:samm,3}",
            "made": f"${{dir:{tmp_path}/a/b}}",
        }
    )
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert plain["n"] == len(PROTOCOLS["5"])
    assert plain["names"] == list(PROTOCOLS["5"])
    assert plain["samm"] == ["negative", "positive", "surprise"]
    assert plain["made"] == f"{tmp_path}/a/b" and (tmp_path / "a" / "b").is_dir()


def test_run_key_and_meta_from_the_composed_config(tmp_path) -> None:
    from microexp.train.config import run_key, run_meta
    from tests.conftest import composed, tiny_overrides

    class Data:
        def summary(self) -> dict:
            return {"fingerprint": "f00d"}

    overrides = [*tiny_overrides(tmp_path / "set", tmp_path / "cache", tmp_path), "stage=spatial"]
    with composed(overrides) as cfg:
        key = run_key(cfg, Data(), "spatial")
        meta = run_meta(cfg, key)
    assert key["stage"] == "spatial" and key["fingerprint"] == "f00d"
    assert key["epochs"] == 1 and key["seed"] == 42
    assert "root" not in key["data"] and key["data"]["seq_len"] == 6
    assert key["model"]["_target_"] == "microexp.tasks.spatial.SpatialTask"
    assert meta["net"]["width"] == 0.125 and meta["image_size"] == 64 and meta["match"] == key
    assert meta["frame_stride"] == 4 and meta["spot"] is None
