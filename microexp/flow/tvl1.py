"""Dual TV-L1 optical flow in PyTorch for batches of image pairs (CPU or CUDA, float32).

The algorithm is OpenCV's (``modules/optflow/src/tvl1flow.cpp`` in opencv_contrib, after
Sanchez Perez et al.), step for step:

* intensities on the 0-255 scale; a pyramid of ``nscales`` levels built by bilinear resizing with
  ``scale_step`` (OpenCV's ``INTER_LINEAR`` sampling, sizes rounded as OpenCV rounds them, levels
  under 16 pixels dropped);
* at each level, from the coarsest: centred gradients of I1 (half one-sided differences at the
  borders), then ``warps`` times: I1 and its gradients warped at ``x + u`` with bicubic
  interpolation (a = -0.75, zero outside, as ``cv2.remap(INTER_CUBIC)``), then up to
  ``outer_iterations`` x ``inner_iterations`` iterations of the thresholding step, the primal
  update and the dual update, the flow median filtered before each outer iteration and the
  iterations stopped once the squared flow change summed over the image falls to
  ``epsilon**2 * area`` (tested per pair, per warp, after every iteration as OpenCV does);
* the flow resized bilinearly to the next level and multiplied by ``1 / scale_step``.

What differs is the schedule. Pairs are processed in chunks; inside a chunk every pair runs the
same step at the same time. Iterations run in blocks of a few (``block``) fused into one compiled
graph by ``torch.compile`` when available (eager otherwise), with a per-pair mask so that a pair
stops exactly where OpenCV would stop; after each block the converged pairs are written back and
the active batch is compacted, so that finished pairs cost nothing. The median filter is an exact
min/max network (:mod:`microexp.flow.median`), also compiled. Results do not depend on how pairs
are batched.

Two details keep the result equal to OpenCV's where float rounding could make it drift: the
warp samples a canvas whose size makes whole-pixel positions exact (:func:`warp_canvas`), and
``rho / |grad I|^2`` uses a reciprocal that is zero where OpenCV's test
``|grad I|^2 > FLT_EPSILON`` fails.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch.fx.experimental import _config as fx_config

from microexp.flow.median import median_functions
from microexp.flow.params import TVL1Params

__all__ = [
    "SolveStats",
    "TorchTVL1",
    "compile_available",
    "pyramid_sizes",
    "resize_linear",
    "warp_canvas",
]

log = logging.getLogger(__name__)

_FLT_EPSILON = 1.1920928955078125e-07  # std::numeric_limits<float>::epsilon()
_MIN_LEVEL = 16  # OpenCV drops pyramid levels narrower or shorter than this


# --------------------------------------------------------------------------- pyramid / resizing
@functools.lru_cache(maxsize=256)
def _resize_matrix(n_in: int, n_out: int, scale: float, device: str) -> torch.Tensor:
    """(n_out, n_in) matrix of OpenCV's INTER_LINEAR resize along one axis.

    ``scale`` is source pixels per destination pixel (OpenCV's ``1 / inv_scale``): the source
    coordinate of destination pixel ``d`` is ``(d + 0.5) * scale - 0.5``, clamped to the image.
    """
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    for d in range(n_out):
        s = (d + 0.5) * scale - 0.5
        s0 = math.floor(s)
        f = s - s0
        if s0 < 0:
            s0, f = 0, 0.0
        if s0 >= n_in - 1:
            s0, f = n_in - 1, 0.0
        m[d, s0] += 1.0 - f
        if f:
            m[d, s0 + 1] += f
    return m.to(device=device, dtype=torch.float32)


def resize_linear(
    x: torch.Tensor, size: tuple[int, int], scale: tuple[float, float] | None = None
) -> torch.Tensor:
    """Resize (..., H, W) to ``size`` like ``cv2.resize(INTER_LINEAR)``.

    ``scale`` = (sy, sx), source pixels per destination pixel; by default the size ratio (as
    OpenCV does when given ``dsize``); pass ``1 / fx`` to mimic a call made with ``fx, fy``.
    """
    h, w = x.shape[-2:]
    sy, sx = scale if scale is not None else (h / size[0], w / size[1])
    dev = str(x.device)
    my = _resize_matrix(h, size[0], float(sy), dev)
    mx = _resize_matrix(w, size[1], float(sx), dev)
    return my @ x @ mx.T


def pyramid_sizes(height: int, width: int, params: TVL1Params) -> list[tuple[int, int]]:
    """Level sizes, finest first, as OpenCV computes them (levels under 16 px dropped)."""
    sizes = [(height, width)]
    for _ in range(1, params.nscales):
        h, w = sizes[-1]
        nh, nw = round(h * params.scale_step), round(w * params.scale_step)
        if nh < _MIN_LEVEL or nw < _MIN_LEVEL:
            break
        sizes.append((nh, nw))
    return sizes


def _centred_gradient(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV's centredGradient: (I[x+1] - I[x-1]) / 2 inside, one-sided halves at borders."""
    p = F.pad(img[:, None], (1, 1, 1, 1), mode="replicate")[:, 0]
    dx = 0.5 * (p[:, 1:-1, 2:] - p[:, 1:-1, :-2])
    dy = 0.5 * (p[:, 2:, 1:-1] - p[:, :-2, 1:-1])
    return dx, dy


# --------------------------------------------------------------------------- compiled pieces
def _iterate(
    u1: torch.Tensor,
    u2: torch.Tensor,
    p11: torch.Tensor,
    p12: torch.Tensor,
    p21: torch.Tensor,
    p22: torch.Tensor,
    ix: torch.Tensor,
    iy: torch.Tensor,
    ig: torch.Tensor,
    rc: torch.Tensor,
    mx: torch.Tensor,
    active: torch.Tensor,
    seps: torch.Tensor,
    k: int,
    l_t: float,
    theta: float,
    taut: float,
) -> tuple[torch.Tensor, ...]:
    """``k`` TV-L1 iterations on (B, H, W) arrays; pairs with ``active == 0`` are frozen.

    ``ix, iy`` are the warped gradients, ``ig`` = 1 / |grad|^2 (0 where |grad|^2 <= FLT_EPSILON),
    ``rc`` the constant part of the residual, ``mx`` (H, W) is 0 on the last column. Returns
    the six updated arrays, the new ``active`` (0 once the change fell to ``seps``) and the
    number of iterations each pair ran. Inside, images are flat (B, H*W): shifts by one pixel
    or one row are then plain offsets, and the divergence needs no border test because p11 is
    zero on the last column and p12 on the last row (their forward differences are).
    """
    b, h, w = u1.shape
    n = h * w
    u1, u2 = u1.reshape(b, n), u2.reshape(b, n)
    p11, p12, p21, p22 = (t.reshape(b, n) for t in (p11, p12, p21, p22))
    ix, iy, ig, rc = (t.reshape(b, n) for t in (ix, iy, ig, rc))
    mx = mx.reshape(1, n)
    its = torch.zeros_like(active)
    for _ in range(k):
        on = active[:, None] > 0
        # thresholding step: v = u + clamp(-rho / |grad|^2, +-lambda*theta) * grad
        rho = rc + ix * u1 + iy * u2
        fi = torch.clamp(-rho * ig, -l_t, l_t)
        # divergence of p (backward differences, zero outside)
        div1 = p11 - F.pad(p11[:, :-1], (1, 0)) + p12 - F.pad(p12[:, :-w], (w, 0))
        div2 = p21 - F.pad(p21[:, :-1], (1, 0)) + p22 - F.pad(p22[:, :-w], (w, 0))
        d1 = fi * ix + theta * div1
        d2 = fi * iy + theta * div2
        err = (d1 * d1 + d2 * d2).sum(1)
        u1 = torch.where(on, u1 + d1, u1)
        u2 = torch.where(on, u2 + d2, u2)
        # forward differences of u (0 on the last column / row) and the dual update
        u1x = F.pad(u1[:, 1:] - u1[:, :-1], (0, 1)) * mx
        u1y = F.pad(u1[:, w:] - u1[:, :-w], (0, w))
        u2x = F.pad(u2[:, 1:] - u2[:, :-1], (0, 1)) * mx
        u2y = F.pad(u2[:, w:] - u2[:, :-w], (0, w))
        r1 = 1.0 / (1.0 + taut * torch.sqrt(u1x * u1x + u1y * u1y))
        r2 = 1.0 / (1.0 + taut * torch.sqrt(u2x * u2x + u2y * u2y))
        p11 = torch.where(on, (p11 + taut * u1x) * r1, p11)
        p12 = torch.where(on, (p12 + taut * u1y) * r1, p12)
        p21 = torch.where(on, (p21 + taut * u2x) * r2, p21)
        p22 = torch.where(on, (p22 + taut * u2y) * r2, p22)
        its = its + active
        active = active * (err > seps).to(active.dtype)
    out = tuple(t.view(b, h, w) for t in (u1, u2, p11, p12, p21, p22))
    return (*out, active, its)


def _median_columns(padded: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    """Sorted vertical runs of ``k`` values of (N, H + k - 1, W + k - 1) padded images."""
    h = padded.shape[1] - (k - 1)
    column, _ = median_functions(k)
    return tuple(column(*[padded[:, i : i + h, :] for i in range(k)]))


def _median_window(
    cols: tuple[torch.Tensor, ...], u1: torch.Tensor, u2: torch.Tensor, active: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Medians from the sorted columns of (u1, u2) stacked as (2B, ...); frozen pairs kept."""
    b, h, w = u1.shape
    k = len(cols)
    _, window = median_functions(k)
    (m,) = window(*[cols[rank][:, :, c : c + w] for c in range(k) for rank in range(k)])
    m = m.view(b, 2, h, w)
    on = active[:, None, None] > 0
    return torch.where(on, m[:, 0], u1), torch.where(on, m[:, 1], u2)


# Let the window network (about 140 min/max) fuse into one loop: without this, inductor cuts it
# into several loops and materialises dozens of full-size temporaries.
_FUSE_ALL = {
    "realize_acc_reads_threshold": 1 << 20,
    "realize_opcount_threshold": 1 << 20,
    "realize_reads_threshold": 1 << 20,
    "max_fusion_size": 1 << 12,
}


def _canvas(n: int) -> int:
    """Smallest ``2**m + 1 >= n``: sampling a canvas of that size is exact at integer points."""
    return (1 << max(1, (n - 2).bit_length())) + 1


def warp_canvas(src: torch.Tensor) -> torch.Tensor:
    """``src`` (B, C, H, W) zero-padded on the right and bottom to a :func:`_canvas` size.

    ``grid_sample`` (align_corners=True) maps a normalised coordinate g to ``(g + 1) * (n - 1)
    / 2``; with ``n - 1`` a power of two every step is exact for whole pixel positions, so zero
    flow samples the image exactly, as ``cv2.remap`` does. (With other sizes the rounding error,
    about 1e-6 px, is enough for the warps to grow a spurious flow of 0.1 px at the borders of
    two identical frames.) The padding is zeros, like remap's BORDER_CONSTANT.
    """
    h, w = src.shape[-2:]
    return F.pad(src, (0, _canvas(w) - w, 0, _canvas(h) - h))


def _warp(
    canvas: torch.Tensor, i0: torch.Tensor, u1: torch.Tensor, u2: torch.Tensor
) -> list[torch.Tensor]:
    """Warp I1 and its gradients at x + u; returns the per-warp constants (ix, iy, ig, rc).

    ``canvas`` is :func:`warp_canvas` of (I1, I1x, I1y) stacked as channels; bicubic
    interpolation (a = -0.75) with zeros outside the image, like ``cv2.remap(INTER_CUBIC)``.
    """
    b, h, w = u1.shape
    hc, wc = canvas.shape[-2:]
    xs = torch.arange(w, device=u1.device, dtype=torch.float32)
    ys = torch.arange(h, device=u1.device, dtype=torch.float32)[:, None]
    gx = (xs + u1) * (2.0 / (wc - 1)) - 1.0  # exact scalings: wc - 1 is a power of two
    gy = (ys + u2) * (2.0 / (hc - 1)) - 1.0
    warped = F.grid_sample(
        canvas, torch.stack([gx, gy], -1), mode="bicubic", padding_mode="zeros", align_corners=True
    )
    i1w, ix, iy = warped[:, 0], warped[:, 1].contiguous(), warped[:, 2].contiguous()
    grad = ix * ix + iy * iy
    ig = torch.where(grad > _FLT_EPSILON, 1.0 / grad.clamp_min(_FLT_EPSILON), 0.0)
    rc = i1w - ix * u1 - iy * u2 - i0
    return [ix, iy, ig, rc]


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


class _MaybeCompiled:
    """``fn`` compiled on first use; falls back to eager for good if compilation fails.

    Shapes are dynamic (batch size and image size change all the time). Duck sizing, which
    would assume that dimensions of equal size stay equal (a 26 x 26 level, or a batch of 64 at
    64 x 64), is switched off while tracing: it only leads to recompilations.
    """

    def __init__(
        self, fn: Callable[..., Any], enabled: bool, options: dict[str, Any] | None = None
    ) -> None:
        self.fn = fn
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


# --------------------------------------------------------------------------- the solver
@dataclass
class SolveStats:
    """Work done by the last call (summed over pairs)."""

    pairs: int = 0
    iterations: int = 0  # TV-L1 iterations actually run, summed over pairs, warps and levels
    pixel_iterations: int = 0  # the same weighted by the level's area
    pixel_iterations_computed: int = 0  # including frozen pairs still in a block (waste)
    blocks: int = 0  # compiled-block calls
    median_pixels: int = 0  # pixels median filtered (both flow components, frozen pairs too)
    per_level: dict[int, int] = field(default_factory=dict)  # iterations per level (0 finest)


class TorchTVL1:
    """Batched TV-L1 solver; call it with grey (B, H, W) float32 images on the 0-255 scale.

    Args:
        params: TV-L1 parameters (OpenCV's defaults when None).
        device: where to compute (default: CUDA when available, else CPU).
        compile: fuse the iterations with ``torch.compile``; None = when available
            (:func:`compile_available`).
        chunk: pairs per chunk (default 128 on CPU, 4096 on CUDA).
        block: iterations fused per compiled call between convergence checks.
    """

    def __init__(
        self,
        params: TVL1Params | None = None,
        device: torch.device | str | None = None,
        *,
        compile: bool | None = None,
        chunk: int | None = None,
        block: int = 5,
    ) -> None:
        self.params = params or TVL1Params()
        self.device = torch.device(
            device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu")
        )
        self.compile = compile_available(self.device) if compile is None else compile
        self.chunk = chunk or (4096 if self.device.type == "cuda" else 128)
        self.block = max(1, block)
        if self.params.median_filtering > 1:
            median_functions(self.params.median_filtering)  # generate outside compiled code
        self._iterate = _MaybeCompiled(_iterate, self.compile)
        self._median_columns = _MaybeCompiled(_median_columns, self.compile)
        self._median_window = _MaybeCompiled(_median_window, self.compile, _FUSE_ALL)
        self.stats = SolveStats()

    # ----------------------------------------------------------------------- public
    @torch.no_grad()
    def __call__(self, i0: torch.Tensor, i1: torch.Tensor) -> torch.Tensor:
        """Flow from ``i0`` to ``i1`` ((B, H, W) grey, 0-255) -> (B, 2, H, W) float32 (u, v)."""
        if i0.shape != i1.shape or i0.dim() != 3:
            raise ValueError(f"expected two (B, H, W) tensors, got {i0.shape} and {i1.shape}")
        self.stats = SolveStats(pairs=i0.shape[0])
        i0 = i0.to(self.device, torch.float32)
        i1 = i1.to(self.device, torch.float32)
        out = [
            self._solve(i0[s : s + self.chunk], i1[s : s + self.chunk])
            for s in range(0, i0.shape[0], self.chunk)
        ]
        if not out:
            return torch.zeros(0, 2, *i0.shape[1:], device=self.device)
        return torch.cat(out, 0)

    def warmup(self, size: int = 32) -> float:
        """Compile ahead (a small batch, then a single pair); returns the seconds it took."""
        import time

        t0 = time.perf_counter()
        g = torch.Generator().manual_seed(0)
        img = torch.rand(3, size, size, generator=g) * 255
        shifted = torch.roll(img, 1, dims=2)
        self(img, shifted)
        self(img[:1], shifted[:1])
        return time.perf_counter() - t0

    # ----------------------------------------------------------------------- internals
    def _solve(self, i0: torch.Tensor, i1: torch.Tensor) -> torch.Tensor:
        p = self.params
        b, h, w = i0.shape
        sizes = pyramid_sizes(h, w, p)
        inv = 1.0 / p.scale_step
        levels = [(i0, i1)]
        for size in sizes[1:]:
            a, c = levels[-1]
            levels.append((resize_linear(a, size, (inv, inv)), resize_linear(c, size, (inv, inv))))
        hc, wc = sizes[-1]
        u = torch.zeros(b, 2, hc, wc, device=self.device)
        for s in range(len(sizes) - 1, -1, -1):
            u = self._level(levels[s][0], levels[s][1], u, s)
            if s:
                u = resize_linear(u, sizes[s - 1]) * inv
        return u

    def _level(
        self, i0: torch.Tensor, i1: torch.Tensor, u: torch.Tensor, level: int
    ) -> torch.Tensor:
        p = self.params
        b, h, w = i0.shape
        i1x, i1y = _centred_gradient(i1)
        canvas = warp_canvas(torch.stack([i1, i1x, i1y], 1))
        mx = torch.ones(h, w, device=self.device)
        mx[:, -1] = 0.0
        seps = torch.tensor(p.epsilon * p.epsilon * h * w, dtype=torch.float32, device=self.device)
        zeros = torch.zeros(b, h, w, device=self.device)
        state = [u[:, 0].contiguous(), u[:, 1].contiguous()]
        state += [zeros.clone() for _ in range(4)]  # p11, p12, p21, p22
        for _ in range(p.warps):
            const = _warp(canvas, i0, state[0], state[1])
            state = self._warp_iterations(state, const, mx, seps, level)
        return torch.stack(state[:2], 1)

    def _warp_iterations(
        self,
        state: list[torch.Tensor],
        const: list[torch.Tensor],
        mx: torch.Tensor,
        seps: torch.Tensor,
        level: int,
    ) -> list[torch.Tensor]:
        """Outer and inner iterations of one warp for every pair, compacting as pairs converge."""
        p = self.params
        l_t, theta, taut = p.lambda_ * p.theta, p.theta, p.tau / p.theta
        b, h, w = state[0].shape
        kmed, r = p.median_filtering, p.median_filtering // 2
        master = state  # full-batch arrays; rows are written back as their pairs finish
        idx: torch.Tensor | None = None  # rows of ``master`` in ``work``; None: all, in order
        work, wconst = state, const
        active = torch.ones(b, device=self.device)
        n_active, stats = b, self.stats
        for _ in range(p.outer_iterations):
            if kmed > 1:
                padded = F.pad(torch.stack(work[:2], 1), (r, r, r, r), mode="replicate")
                cols = self._median_columns(padded.view(-1, h + 2 * r, w + 2 * r), kmed)
                work[0], work[1] = self._median_window(cols, work[0], work[1], active)
                stats.median_pixels += 2 * active.shape[0] * h * w
            done = 0
            while done < p.inner_iterations and n_active:
                k = min(self.block, p.inner_iterations - done)
                *work, new_active, its = self._iterate(
                    *work, *wconst, mx, active, seps, k, l_t, theta, taut
                )
                done += k
                n_work = active.shape[0]
                active = new_active
                n_active, n_its = (int(v) for v in torch.stack([active.sum(), its.sum()]).tolist())
                stats.blocks += 1
                stats.iterations += n_its
                stats.per_level[level] = stats.per_level.get(level, 0) + n_its
                stats.pixel_iterations += n_its * h * w
                stats.pixel_iterations_computed += n_work * k * h * w
                dead = n_work - n_active
                if dead and (n_active == 0 or dead * 8 >= n_work):
                    keep = active.nonzero().squeeze(1)
                    if idx is None:  # first compaction: ``work`` holds every row, in order
                        idx, master = torch.arange(b, device=self.device), list(work)
                    else:
                        gone = (active == 0).nonzero().squeeze(1)
                        rows = idx[gone]
                        for m, t in zip(master, work):
                            m.index_copy_(0, rows, t[gone])
                    idx = idx[keep]
                    work = [t[keep] for t in work]
                    wconst = [t[keep] for t in wconst]
                    active = active[keep]
            if not n_active:
                break
        if idx is None:
            return work
        if idx.numel():
            for m, t in zip(master, work):
                m.index_copy_(0, idx, t)
        return master
