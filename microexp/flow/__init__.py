"""Optical flow: batched TV-L1 in PyTorch beside OpenCV's, a per-clip cache and colour coding.

Entry points: :func:`compute_flow` (a batch of pairs), :func:`clip_flow` (consecutive frames of
one clip), :class:`TVL1Params`, :class:`~microexp.flow.cache.FlowCache` and
:func:`~microexp.flow.viz.flow_to_rgb`. Flow is (B, 2, H, W) float32 in pixels, channel 0 = x (u),
channel 1 = y (v), with OpenCV's convention ``prev(p) ~ next(p + flow(p))``.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import torch

from microexp.flow.convert import check_pair, to_grey
from microexp.flow.params import TVL1Params

__all__ = [
    "BACKENDS",
    "FlowCache",
    "TVL1Params",
    "clip_flow",
    "compute_flow",
    "flow_to_rgb",
    "get_engine",
]

log = logging.getLogger(__name__)

BACKENDS = ("torch", "opencv")

# Batches at least this large go to the worker processes on a multi-core CPU (when ``workers``
# is left to None): below it, starting the pool costs more than it saves.
POOL_MIN_PAIRS = 128

_ENGINES: dict[tuple, Any] = {}
_ENGINES_LOCK = threading.Lock()


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def get_engine(params: TVL1Params, device: torch.device | str, compile: bool | None = None) -> Any:
    """The process-wide :class:`~microexp.flow.tvl1.TorchTVL1` for these settings."""
    from microexp.flow.tvl1 import TorchTVL1

    key = (params, str(torch.device(device)), compile)
    with _ENGINES_LOCK:
        eng = _ENGINES.get(key)
        if eng is None:
            eng = _ENGINES[key] = TorchTVL1(params, device, compile=compile)
        return eng


def compute_flow(
    prev: torch.Tensor,
    next: torch.Tensor,  # noqa: A002 - the name the project's API uses
    backend: str = "torch",
    device: torch.device | str | None = None,
    *,
    params: TVL1Params | None = None,
    workers: int | None = None,
    compile: bool | None = None,
    **overrides: Any,
) -> torch.Tensor:
    """TV-L1 optical flow from ``prev`` to ``next``.

    Args:
        prev, next: (B, C, H, W) with C = 1 (grey) or 3 (RGB), uint8 or float on the 0-255
            scale. RGB is converted to grey as ``cv2.cvtColor(RGB2GRAY)`` does.
        backend: ``"torch"`` (batched, CPU or CUDA) or ``"opencv"`` (the reference, CPU).
        device: torch backend only; default CUDA when available, else CPU.
        params: TV-L1 parameters; ``**overrides`` replaces single fields by name (``tau``,
            ``lambda_``, ``theta``, ``nscales``, ``warps``, ``epsilon``, ``inner_iterations``,
            ``outer_iterations``, ``scale_step``, ``median_filtering``).
        workers: CPU processes. torch on a CPU: None uses one per core for batches of at least
            ``POOL_MIN_PAIRS`` pairs (a pool kept for the process), 1 stays in this process.
            opencv: None or 1 runs here, more starts a temporary pool.
        compile: torch backend: fuse with ``torch.compile``; None = when available.

    Returns:
        (B, 2, H, W) float32 on ``prev.device``: channel 0 = u (x), channel 1 = v (y), in
        pixels, such that ``prev(p) ~ next(p + flow(p))``.
    """
    check_pair(prev, next)
    p = TVL1Params.from_kwargs(params, **overrides)
    if backend == "opencv":
        from microexp.flow.opencv import opencv_flow

        return opencv_flow(prev, next, p, workers=workers or 1).to(prev.device)
    if backend != "torch":
        raise ValueError(f"unknown flow backend {backend!r}; choose from {BACKENDS}")
    dev = torch.device(device) if device is not None else _default_device()
    grey0, grey1 = to_grey(prev.to(dev)), to_grey(next.to(dev))
    n_workers = workers
    if n_workers is None:
        big = prev.shape[0] >= POOL_MIN_PAIRS and (os.cpu_count() or 1) > 1
        n_workers = (os.cpu_count() or 1) if big else 1
    flow = None
    if dev.type == "cpu" and n_workers > 1:
        from microexp.flow import parallel

        if parallel.pools_usable():
            try:
                flow = parallel.get_pool(n_workers).solve(grey0, grey1, p, compile)
            except BrokenProcessPool:
                log.warning(
                    "TV-L1 worker processes died (with the 'spawn' start method a script needs "
                    "`if __name__ == '__main__':`); computing in this process from now on"
                )
                parallel.mark_broken()
    if flow is None:
        flow = get_engine(p, dev, compile)(grey0, grey1)
    return flow.to(prev.device)


def clip_flow(
    frames: torch.Tensor,
    backend: str = "torch",
    device: torch.device | str | None = None,
    **kwargs: Any,
) -> torch.Tensor:
    """Flow between consecutive frames: (T, C, H, W) -> (T - 1, 2, H, W) float32.

    ``kwargs`` go to :func:`compute_flow` (``params``, ``workers``, ``compile``, overrides).
    """
    if frames.dim() != 4:
        raise ValueError(f"expected (T, C, H, W) frames, got {tuple(frames.shape)}")
    if frames.shape[0] < 2:
        return torch.zeros(0, 2, *frames.shape[-2:], dtype=torch.float32, device=frames.device)
    return compute_flow(frames[:-1], frames[1:], backend, device, **kwargs)


def __getattr__(name: str) -> Any:
    # FlowCache and flow_to_rgb are imported lazily to keep ``import microexp.flow`` light.
    if name == "FlowCache":
        from microexp.flow.cache import FlowCache

        return FlowCache
    if name == "flow_to_rgb":
        from microexp.flow.viz import flow_to_rgb

        return flow_to_rgb
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
