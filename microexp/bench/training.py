"""Training-throughput benchmark: sequences per second and peak memory of each stage's training
step, at the default (``experiment=quick``) and the paper's (``experiment=paper``) configuration.

Each (stage, configuration) runs in its own process so that its peak resident memory is its own.
The model and data come from the real Hydra configuration; the joint stage trains with frozen
backbones (random weights: the cost is the same as with pretrained ones). Only optimisation steps
after the warm-up are timed (data loading included, validation off).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from microexp.bench.machine import machine_info, peak_rss_mb

#: name -> (overrides, warm-up steps, timed steps)
CONFIGS: dict[str, tuple[list[str], int, int]] = {
    "default": (["experiment=quick"], 1, 4),
    "paper": (["experiment=paper"], 1, 2),
}
STAGES = ("spatial", "temporal", "joint")


def _worker(stage: str, config: str, root: str, cache: str, out: str) -> dict[str, Any]:
    """Build the stage from the composed config and time its training steps (in this process)."""
    import hydra
    import pytorch_lightning as pl

    _, warm, steps = CONFIGS[config]
    cfg = _compose(stage, config, root, cache, out)
    pl.seed_everything(0, workers=True)
    dm = hydra.utils.instantiate(cfg.data)
    dm.prepare_data()
    dm.setup("fit")
    model = hydra.utils.instantiate(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    rss_before = peak_rss_mb()
    timer = _fit_timed(model, dm, warm, steps, out)
    seconds = (timer.t1 or 0.0) - (timer.t0 or 0.0)
    return {
        "stage": stage,
        "config": config,
        "width": cfg.width,
        "batch_size": cfg.data.batch_size,
        "seq_len": cfg.data.seq_len,
        "frame_stride": cfg.data.frame_stride,
        "params": params,
        "trainable_params": trainable,
        "steps": steps,
        "sequences": timer.sequences,
        "seconds": round(seconds, 3),
        "sequences_per_s": round(timer.sequences / seconds, 3) if seconds > 0 else None,
        "rss_before_fit_mb": rss_before,
        **_memory_and_device(),
    }


def _compose(stage: str, config: str, root: str, cache: str, out: str) -> Any:
    """The real Hydra configuration of ``stage`` at ``config``, on the generated set, with
    loaders in this process and no validation subjects."""
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from microexp.train.config import CONFIG_DIR, register_resolvers

    overrides = CONFIGS[config][0]
    register_resolvers()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                *overrides,
                f"stage={stage}",
                f"paths.root_dir={out}",
                f"paths.output_dir={out}",
                f"data.root={root}",
                f"data.cache_dir={cache}",
                "data.synthetic=null",
                "data.num_workers=0",
                "data.progress=false",
                "data.copies=1000",
            ],
        )
    with open_dict(cfg):
        cfg.data.val_subjects = 0
    return cfg


def _fit_timed(model: Any, dm: Any, warm: int, steps: int, out: str) -> Any:
    """Train ``warm + steps`` steps (validation off); the returned callback holds the time of
    the steps after the warm-up and the sequences they consumed."""
    import pytorch_lightning as pl
    import torch

    class StepTimer(pl.Callback):
        def __init__(self) -> None:
            self.t0: float | None = None
            self.t1: float | None = None
            self.sequences = 0

        def _sync(self) -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()

        def on_train_batch_start(self, trainer, module, batch, idx) -> None:
            if idx == warm:
                self._sync()
                self.t0 = time.perf_counter()

        def on_train_batch_end(self, trainer, module, outputs, batch, idx) -> None:
            if idx >= warm:
                self.sequences += int(batch["frames"].shape[0])
            self._sync()
            self.t1 = time.perf_counter()

    timer = StepTimer()
    trainer = pl.Trainer(
        accelerator="auto",
        devices=1,
        max_steps=warm + steps,
        limit_val_batches=0,
        num_sanity_val_steps=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[timer],
        default_root_dir=out,
    )
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.fit(model, datamodule=dm)
    return timer


def _memory_and_device() -> dict[str, Any]:
    """Peak resident memory, peak CUDA memory (None on a CPU) and the device, after the fit."""
    import torch

    return {
        "peak_rss_mb": peak_rss_mb(),
        "cuda_peak_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)
        if torch.cuda.is_available()
        else None,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
    }


def bench_train(
    stages: tuple[str, ...] = STAGES,
    configs: tuple[str, ...] = ("default", "paper"),
    subjects: int = 3,
    clips: int = 4,
) -> dict[str, Any]:
    """Run :func:`_worker` for every (stage, config) in a fresh process."""
    from microexp.data.synthetic import generate

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="microexp-train-bench-") as tmp:
        root = str(Path(tmp) / "casme2")
        generate(root, subjects=subjects, clips=clips, seed=0, progress=False)
        for config in configs:
            for stage in stages:
                cmd = [
                    sys.executable,
                    "-m",
                    "microexp.bench.training",
                    "--worker",
                    stage,
                    config,
                    root,
                    str(Path(tmp) / "cache"),
                    str(Path(tmp) / f"out-{stage}-{config}"),
                ]
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode != 0:
                    tail = proc.stderr.strip().splitlines()[-3:]
                    results[f"{stage}/{config}"] = {"error": " | ".join(tail)}
                    continue
                results[f"{stage}/{config}"] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"runs": results, "dataset": f"synthetic {subjects}x{clips}", "machine": machine_info()}


def add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))


def run(a: argparse.Namespace) -> dict[str, Any]:
    return bench_train(tuple(a.stages), tuple(a.configs))


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--worker":
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(_worker(*sys.argv[2:7])))
    else:
        sys.exit("usage: python -m microexp.bench.training --worker STAGE CONFIG ROOT CACHE OUT")
