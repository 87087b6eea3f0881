"""Dual TV-L1 optical flow in PyTorch for batches of image pairs (CPU or CUDA, float32).

OpenCV's algorithm (``tvl1flow.cpp`` in opencv_contrib), step for step: a pyramid
(:mod:`~microexp.flow.pyramid`), warps (:mod:`~microexp.flow.warp`) and iterations
(:mod:`~microexp.flow.kernels`) stopped per pair exactly where OpenCV stops. What differs is the
schedule: pairs run in chunks, iterations in compiled blocks, and converged pairs leave the batch
after each block. Results do not depend on how pairs are batched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from microexp.flow.compiled import MaybeCompiled, compile_available
from microexp.flow.kernels import FUSE_ALL, iterate, median_columns, median_window
from microexp.flow.median import median_functions
from microexp.flow.params import TVL1Params
from microexp.flow.pyramid import pyramid_sizes, resize_linear
from microexp.flow.warp import centred_gradient, warp_canvas, warp_constants

__all__ = ["SolveStats", "TorchTVL1"]


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
        self._iterate = MaybeCompiled(iterate, self.compile)
        self._median_columns = MaybeCompiled(median_columns, self.compile)
        self._median_window = MaybeCompiled(median_window, self.compile, FUSE_ALL)
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
        i1x, i1y = centred_gradient(i1)
        canvas = warp_canvas(torch.stack([i1, i1x, i1y], 1))
        mx = torch.ones(h, w, device=self.device)
        mx[:, -1] = 0.0
        seps = torch.tensor(p.epsilon * p.epsilon * h * w, dtype=torch.float32, device=self.device)
        zeros = torch.zeros(b, h, w, device=self.device)
        state = [u[:, 0].contiguous(), u[:, 1].contiguous()]
        state += [zeros.clone() for _ in range(4)]  # p11, p12, p21, p22
        for _ in range(p.warps):
            const = warp_constants(canvas, i0, state[0], state[1])
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
