"""Reference backend: OpenCV's dual TV-L1 (``cv2.optflow.DualTVL1OpticalFlow_create``).

One pair at a time in this process (OpenCV's own threads), or spread over a pool of worker
processes with one OpenCV thread each (:class:`OpenCVPool`), which is the faster way to run many
small pairs on a multi-core CPU.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import cv2
import numpy as np
import torch

from microexp.flow.convert import check_pair
from microexp.flow.params import TVL1Params

__all__ = ["OpenCVPool", "create_tvl1", "opencv_flow", "opencv_pair"]

log = logging.getLogger(__name__)

_INSTANCES: dict[TVL1Params, Any] = {}


def create_tvl1(params: TVL1Params | None = None) -> Any:
    """A ``cv2.optflow.DualTVL1OpticalFlow`` with ``params`` (OpenCV's defaults when None).

    Note the binding's keyword ``innnerIterations`` (three n), spelt as OpenCV spells it.
    """
    p = params or TVL1Params()
    return cv2.optflow.DualTVL1OpticalFlow_create(
        tau=p.tau,
        lambda_=p.lambda_,
        theta=p.theta,
        nscales=p.nscales,
        warps=p.warps,
        epsilon=p.epsilon,
        innnerIterations=p.inner_iterations,
        outerIterations=p.outer_iterations,
        scaleStep=p.scale_step,
        gamma=0.0,
        medianFiltering=p.median_filtering,
        useInitialFlow=False,
    )


def _instance(params: TVL1Params) -> Any:
    inst = _INSTANCES.get(params)
    if inst is None:
        inst = _INSTANCES[params] = create_tvl1(params)
    return inst


def _grey(img: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 1|3) uint8/float 0-255 -> what ``calc`` expects (uint8, or float 0-1)."""
    if img.ndim == 3:
        img = img[..., 0] if img.shape[2] == 1 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if img.dtype == np.uint8:
        return np.ascontiguousarray(img)
    # calc() multiplies float input by 255, so it expects 0-1.
    return np.ascontiguousarray(img, dtype=np.float32) / np.float32(255.0)


def opencv_pair(
    prev: np.ndarray, next_: np.ndarray, params: TVL1Params | None = None
) -> np.ndarray:
    """Flow of one pair: (H, W[, C]) uint8 or float32 (0-255, RGB) -> (2, H, W) float32 (u, v)."""
    p = params or TVL1Params()
    tvl1 = _instance(p)
    # calc() lowers the instance's scale count for good when levels fall under 16 px, which
    # would carry over to the next (larger) image: restore it every time.
    tvl1.setScalesNumber(p.nscales)
    flow = tvl1.calc(_grey(prev), _grey(next_), None)
    return np.ascontiguousarray(flow.transpose(2, 0, 1))


def _calc_many(job: tuple[np.ndarray, np.ndarray, dict[str, Any]]) -> np.ndarray:
    prev, next_, params = job
    p = TVL1Params(**params)
    return np.stack([opencv_pair(a, b, p) for a, b in zip(prev, next_)])


def _init_worker() -> None:
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _to_numpy(x: torch.Tensor) -> np.ndarray:
    """(B, C, H, W) tensor -> (B, H, W, C) numpy, uint8 kept, anything else float32."""
    x = x.detach().cpu()
    if x.dtype != torch.uint8:
        x = x.to(torch.float32)
    return np.ascontiguousarray(x.permute(0, 2, 3, 1).numpy())


class OpenCVPool:
    """A pool of worker processes, one OpenCV thread each, computing pairs in chunks.

    Use as a context manager (or call :meth:`close`); creating it (process start-up, imports)
    is the slow part, so keep one for many calls.
    """

    def __init__(self, workers: int | None = None, chunk: int = 8) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.chunk = chunk
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker
        )
        # Start every worker now so that start-up is not charged to the first call.
        list(self._pool.map(_noop, range(self.workers)))

    def compute_numpy(
        self, prev: Sequence[np.ndarray], next_: Sequence[np.ndarray], params: TVL1Params
    ) -> np.ndarray:
        """Pairs of (H, W[, C]) arrays -> (B, 2, H, W) float32."""
        pd, step = params.as_dict(), self.chunk
        jobs = [
            (np.stack(prev[i : i + step]), np.stack(next_[i : i + step]), pd)
            for i in range(0, len(prev), step)
        ]
        return np.concatenate(list(self._pool.map(_calc_many, jobs)), axis=0)

    def compute(
        self, prev: torch.Tensor, next_: torch.Tensor, params: TVL1Params | None = None
    ) -> torch.Tensor:
        """Same contract as :func:`opencv_flow`."""
        check_pair(prev, next_)
        out = self.compute_numpy(_to_numpy(prev), _to_numpy(next_), params or TVL1Params())
        return torch.from_numpy(out)

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> OpenCVPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _noop(_: int) -> None:
    return None


def opencv_flow(
    prev: torch.Tensor,
    next_: torch.Tensor,
    params: TVL1Params | None = None,
    workers: int = 1,
) -> torch.Tensor:
    """OpenCV TV-L1 on a batch: (B, C, H, W) uint8 or float 0-255 -> (B, 2, H, W) float32, CPU.

    ``workers > 1`` starts a temporary :class:`OpenCVPool`; keep your own pool for repeated use.
    """
    check_pair(prev, next_)
    p = params or TVL1Params()
    if workers > 1 and prev.shape[0] > 1:
        with OpenCVPool(workers) as pool:
            return pool.compute(prev, next_, p)
    a, b = _to_numpy(prev), _to_numpy(next_)
    return torch.from_numpy(np.stack([opencv_pair(x, y, p) for x, y in zip(a, b)]))
