"""Run the torch TV-L1 on a CPU in several worker processes, one thread each.

On a CPU the pairs are independent, small and many, so processes scale better than threads:
there is no barrier per kernel (OpenMP barriers stall badly when other jobs share the cores) and
every worker keeps its own arrays hot in its core's cache. Workers also keep freed memory for
reuse (``mallopt``), so that the many short-lived full-size temporaries do not page-fault on
every call; that setting is process-wide, which is why it is applied only in these workers.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import logging
import math
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import torch

from microexp.flow.params import TVL1Params

__all__ = ["TorchCPUPool", "get_pool", "mark_broken", "pools_usable", "shutdown_pools"]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- worker side
_ENGINES: dict[tuple, Any] = {}
_BARRIER: Any = None


def _tune_malloc() -> None:
    """Keep freed memory in the process (glibc): no mmap/munmap and page faults per call."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 1 << 30)
        libc.mallopt(m_trim_threshold, 1 << 30)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def _init_worker(barrier: Any) -> None:
    global _BARRIER
    _BARRIER = barrier
    torch.set_num_threads(1)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - cv2 is a dependency
        pass
    _tune_malloc()


def _engine(params: dict[str, Any], compile: bool | None, chunk: int) -> Any:
    from microexp.flow.tvl1 import TorchTVL1

    key = (tuple(sorted(params.items())), compile, chunk)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = _ENGINES[key] = TorchTVL1(TVL1Params(**params), "cpu", compile=compile, chunk=chunk)
    return eng


def _solve(job: tuple[np.ndarray, np.ndarray, dict[str, Any], bool | None, int]) -> np.ndarray:
    i0, i1, params, compile, chunk = job
    eng = _engine(params, compile, chunk)
    a = torch.from_numpy(i0).to(torch.float32)
    b = torch.from_numpy(i1).to(torch.float32)
    return eng(a, b).numpy()


def _warm(job: tuple[dict[str, Any], bool | None, int, int]) -> int:
    params, compile, chunk, size = job
    _engine(params, compile, chunk).warmup(size)
    if _BARRIER is not None:  # hold this worker until every worker has warmed up
        _BARRIER.wait(timeout=600)
    return os.getpid()


# --------------------------------------------------------------------------- parent side
class TorchCPUPool:
    """A pool of ``workers`` processes solving TV-L1 on the CPU with one thread each.

    Args:
        workers: processes (default: one per CPU core).
        chunk: pairs per task; each worker solves a task as one batch.
    """

    def __init__(self, workers: int | None = None, chunk: int = 128) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.chunk = chunk
        ctx = multiprocessing.get_context("spawn")
        self._barrier = ctx.Barrier(self.workers)
        # (an executor rather than multiprocessing.Pool: a worker that dies raises
        # BrokenProcessPool instead of leaving map() waiting for ever)
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_init_worker, initargs=(self._barrier,)
        )
        self._warm: set[tuple] = set()
        self._lock = threading.Lock()

    def warmup(self, params: TVL1Params, compile: bool | None = None, size: int = 32) -> None:
        """Compile (if enabled) in every worker: each solves a small problem at ``size``."""
        key = (params, compile)
        with self._lock:
            if key in self._warm:
                return
            job = (params.as_dict(), compile, self.chunk, size)
            list(self._pool.map(_warm, [job] * self.workers))
            self._warm.add(key)

    def solve(
        self,
        i0: torch.Tensor,
        i1: torch.Tensor,
        params: TVL1Params,
        compile: bool | None = None,
    ) -> torch.Tensor:
        """Grey (B, H, W) images (0-255) -> (B, 2, H, W) float32 flow on the CPU."""
        self.warmup(params, compile)
        b = i0.shape[0]
        if b == 0:
            return torch.zeros(0, 2, *i0.shape[1:])
        # uint8-valued grey travels as uint8 (4x less to pickle); anything else as float32
        a, c = i0.detach().cpu(), i1.detach().cpu()
        integral = bool((a == a.round()).all() and (c == c.round()).all())
        integral = integral and float(a.min()) >= 0 and float(a.max()) <= 255
        integral = integral and float(c.min()) >= 0 and float(c.max()) <= 255
        dtype = torch.uint8 if integral else torch.float32
        a, c = a.to(dtype).numpy(), c.to(dtype).numpy()
        step = max(1, min(self.chunk, math.ceil(b / self.workers)))
        pd = params.as_dict()
        jobs = [
            (a[s : s + step], c[s : s + step], pd, compile, self.chunk) for s in range(0, b, step)
        ]
        out = list(self._pool.map(_solve, jobs))
        return torch.from_numpy(np.concatenate(out, 0))

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)


_POOLS: dict[int, TorchCPUPool] = {}
_POOLS_LOCK = threading.Lock()
_BROKEN = False


def pools_usable() -> bool:
    """False once worker processes failed in this process (see :func:`mark_broken`)."""
    return not _BROKEN


def mark_broken() -> None:
    """Stop the pools and use none from now on (workers that cannot start will not later)."""
    global _BROKEN
    _BROKEN = True
    shutdown_pools()


def get_pool(workers: int | None = None) -> TorchCPUPool:
    """The process-wide pool with ``workers`` processes (created on first use)."""
    n = max(1, workers or os.cpu_count() or 1)
    with _POOLS_LOCK:
        pool = _POOLS.get(n)
        if pool is None:
            log.info("starting %d TV-L1 worker processes", n)
            pool = _POOLS[n] = TorchCPUPool(n)
        return pool


def shutdown_pools() -> None:
    """Stop every pool started by :func:`get_pool` (also done at interpreter exit)."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            with contextlib.suppress(Exception):
                pool.close()
        _POOLS.clear()


atexit.register(shutdown_pools)
