"""The fused pieces of TV-L1: a block of primal-dual iterations and the median filter step.

Each is written for ``torch.compile`` (:mod:`microexp.flow.compiled`) and runs eagerly as well.
Pairs whose ``active`` flag is 0 are frozen: they keep their values while the batch goes on.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from microexp.flow.median import median_functions

__all__ = ["FUSE_ALL", "iterate", "median_columns", "median_window"]

# Let the window network (about 140 min/max) fuse into one loop: without this, inductor cuts it
# into several loops and materialises dozens of full-size temporaries.
FUSE_ALL = {
    "realize_acc_reads_threshold": 1 << 20,
    "realize_opcount_threshold": 1 << 20,
    "realize_reads_threshold": 1 << 20,
    "max_fusion_size": 1 << 12,
}


def iterate(
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


def median_columns(padded: torch.Tensor, k: int) -> tuple[torch.Tensor, ...]:
    """Sorted vertical runs of ``k`` values of (N, H + k - 1, W + k - 1) padded images."""
    h = padded.shape[1] - (k - 1)
    column, _ = median_functions(k)
    return tuple(column(*[padded[:, i : i + h, :] for i in range(k)]))


def median_window(
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
