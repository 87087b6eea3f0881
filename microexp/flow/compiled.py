"""When ``torch.compile`` can work, and a wrapper that falls back to eager mode if it fails."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from collections.abc import Callable
from typing import Any

import torch
from torch.fx.experimental import _config as fx_config

__all__ = ["MaybeCompiled", "compile_available"]

log = logging.getLogger(__name__)


def compile_available(device: torch.device | str) -> bool:
    """Whether ``torch.compile`` can be expected to work on ``device``.

    ``MICROEXP_FLOW_COMPILE=0`` / ``=1`` forces the answer. Otherwise: CUDA needs Triton, the CPU
    needs a C++ compiler on PATH.
    """
    env = os.environ.get("MICROEXP_FLOW_COMPILE")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no", "off")
    dev = torch.device(device)
    if dev.type == "cuda":
        return importlib.util.find_spec("triton") is not None
    if dev.type == "cpu":
        cxx = os.environ.get("CXX")
        return any(shutil.which(c) for c in ([cxx] if cxx else []) + ["g++", "c++", "clang++"])
    return False


class _NoCudaProbe(logging.Filter):
    """Drops torch's "No CUDA runtime is found": ``torch.compile`` loads torch's C++ tooling,
    which says so on every machine without a GPU (once per flow worker process)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No CUDA runtime is found")


def _quiet_cuda_probe() -> None:
    logger = logging.getLogger("torch.utils.cpp_extension")
    if not any(isinstance(f, _NoCudaProbe) for f in logger.filters):
        logger.addFilter(_NoCudaProbe())


def _canonical(x: Any) -> Any:
    """Tensors in plain contiguous layout, strides of size-1 dimensions included.

    Compiled graphs guard on strides; a batch of one can come back from a kernel with an odd
    stride on its first axis, which would otherwise cost a recompilation.
    """
    if isinstance(x, torch.Tensor):
        expected, acc = [], 1
        for size in reversed(x.shape):
            expected.append(acc)
            acc *= size
        if tuple(reversed(expected)) != x.stride():
            return x.clone(memory_format=torch.contiguous_format)
        return x
    if isinstance(x, tuple):
        return tuple(_canonical(t) for t in x)
    return x


class MaybeCompiled:
    """``fn`` compiled on first use; falls back to eager for good if compilation fails.

    Shapes are dynamic (batch size and image size change all the time). Duck sizing, which
    would assume that dimensions of equal size stay equal (a 26 x 26 level, or a batch of 64 at
    64 x 64), is switched off while tracing: it only leads to recompilations.
    """

    def __init__(
        self, fn: Callable[..., Any], enabled: bool, options: dict[str, Any] | None = None
    ) -> None:
        self.fn = fn
        if enabled:
            _quiet_cuda_probe()
        self.compiled = torch.compile(fn, dynamic=True, options=options) if enabled else None

    def __call__(self, *args: Any) -> Any:
        if self.compiled is not None:
            args = tuple(_canonical(a) for a in args)
            duck = fx_config.use_duck_shape
            fx_config.use_duck_shape = False
            try:
                return self.compiled(*args)
            except Exception as exc:  # noqa: BLE001 - any compiler failure means: run eagerly
                log.warning(
                    "torch.compile failed for %s (%s: %s); using eager mode",
                    self.fn.__name__,
                    type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else "",
                )
                self.compiled = None
            finally:
                fx_config.use_duck_shape = duck
        return self.fn(*args)
