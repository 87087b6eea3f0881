"""Exact k x k median filter (k = 3 or 5) as a min/max network, like ``cv2.medianBlur``.

``torch.median`` over unfolded windows costs hundreds of nanoseconds a pixel on a CPU; a
comparator network is a few dozen element-wise ``minimum``/``maximum`` calls that ``torch.compile``
fuses into one vectorised loop. The network is generated here, not copied: each vertical column of
``k`` values is sorted once (and shared by the ``k`` windows that contain it), then Batcher's
odd-even merge sort on the ``k*k`` values of a window is pruned twice: comparators whose outcome
is already implied by what is known to be sorted are dropped, then everything the median does not
depend on. For k = 5 that leaves 9 comparators per column and 140 min/max per window (a full
sorting network of 25 values has about 150 comparators, i.e. 300 min/max).

Borders replicate the edge pixels, as ``cv2.medianBlur`` does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "MedianNetwork",
    "apply_network",
    "median_blur",
    "median_functions",
    "median_network",
    "median_padded",
    "network_function",
]

# An operation on a list of wires: ("cmp", i, j) puts min in i and max in j; ("min", i, j) and
# ("max", i, j) compute only the one side that is used later; ("swap", i, j) exchanges the wires.
Op = tuple[str, int, int]


def _oddeven_merge_sort(n: int) -> list[tuple[int, int]]:
    """Comparators (i < j) of Batcher's odd-even merge sort on ``n`` (a power of two) wires."""
    pairs = []
    p = 1
    while p < n:
        k = p
        while k >= 1:
            for j in range(k % p, n - k, 2 * k):
                for i in range(min(k, n - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return pairs


def _closure(rel: np.ndarray) -> np.ndarray:
    for k in range(len(rel)):
        rel |= rel[:, [k]] & rel[[k], :]
    return rel


def _prune(layout: list[tuple[int, int] | None], outputs: list[int]) -> list[Op]:
    """Batcher's network on ``layout`` minus the comparators that are known or unneeded.

    ``layout[w]`` is ``(column, rank)`` for an input known to be the ``rank``-th smallest of its
    column, or None for a +inf padding wire. ``outputs`` are the sorted positions wanted.
    """
    n = len(layout)
    # le[a, b]: the value on wire a is known to be <= the value on wire b.
    le = np.zeros((n, n), bool)
    for a, la in enumerate(layout):
        for b, lb in enumerate(layout):
            same_column = la is not None and lb is not None and la[0] == lb[0]
            le[a, b] = a == b or lb is None or (same_column and la[1] <= lb[1])
    le = _closure(le)
    ops: list[Op] = []
    for i, j in _oddeven_merge_sort(n):
        if le[i, j]:
            continue
        if le[j, i]:
            le[[i, j], :] = le[[j, i], :]
            le[:, [i, j]] = le[:, [j, i]]
            ops.append(("swap", i, j))
            continue
        ri, rj, ci, cj = le[i].copy(), le[j].copy(), le[:, i].copy(), le[:, j].copy()
        le[i], le[:, i] = ri | rj, ci & cj  # min(a, b) <= x if a <= x or b <= x
        le[j], le[:, j] = ri & rj, ci | cj  # max(a, b) <= x if a <= x and b <= x
        le[i, j] = le[i, i] = le[j, j] = True
        le = _closure(le)
        ops.append(("cmp", i, j))
    need = set(outputs)
    kept: list[Op] = []
    for kind, i, j in reversed(ops):
        wi, wj = i in need, j in need
        if kind == "swap":
            need -= {i, j}
            need |= ({i} if wj else set()) | ({j} if wi else set())
            if wi or wj:
                kept.append((kind, i, j))
        elif wi or wj:
            kept.append(("cmp" if wi and wj else ("min" if wi else "max"), i, j))
            need |= {i, j}
    kept.reverse()
    return kept


def _cost(ops: list[Op]) -> int:
    return sum({"cmp": 2, "min": 1, "max": 1, "swap": 0}[kind] for kind, _, _ in ops)


@dataclass(frozen=True)
class MedianNetwork:
    """Min/max networks for a ``k x k`` median (see the module docstring)."""

    k: int
    column_ops: tuple[Op, ...]  # sorts one column placed on wires 0..k-1 (result in place)
    window_ops: tuple[Op, ...]  # median of k sorted columns, ending on wire ``out``
    n_wires: int  # wires of the window network (k*k values plus +inf padding, never touched)
    slots: tuple[tuple[int, ...], ...]  # slots[c][r]: wire of the r-th smallest of column c
    out: int

    @property
    def cost(self) -> tuple[int, int]:
        """(min/max per column, min/max per window)."""
        return _cost(list(self.column_ops)), _cost(list(self.window_ops))


def _slots(k: int, n: int, spread: bool) -> tuple[tuple[int, ...], ...]:
    if not spread:  # columns one after the other, padding at the end
        return tuple(tuple(c * k + r for r in range(k)) for c in range(k))
    # one padding wire after each column but the last, which sits flush right
    return tuple(
        tuple((n - k + r) if c == k - 1 else (c * (k + 1) + r) for r in range(k)) for c in range(k)
    )


@functools.cache
def median_network(k: int) -> MedianNetwork:
    """Generate (once) the networks for a ``k x k`` median, k = 3 or 5."""
    if k not in (3, 5):
        raise ValueError(f"median networks are built for k = 3 or 5, not {k}")
    n_col = 1 << (k - 1).bit_length()
    # unsorted inputs: every value is its own one-element column
    column = _prune([(r, 0) if r < k else None for r in range(n_col)], list(range(k)))
    n_win = 1 << (k * k - 1).bit_length()
    best = None
    for spread in (False, True):
        slots = _slots(k, n_win, spread)
        layout: list[tuple[int, int] | None] = [None] * n_win
        for c in range(k):
            for r in range(k):
                layout[slots[c][r]] = (c, r)
        ops = _prune(layout, [k * k // 2])
        if best is None or _cost(ops) < _cost(list(best[0])):
            best = (tuple(ops), slots)
    assert best is not None
    return MedianNetwork(k, tuple(column), best[0], n_win, best[1], k * k // 2)


def apply_network(ops: tuple[Op, ...], wires: list[Any]) -> list[Any]:
    """Run a min/max network on a list of tensors (None marks unused wires); returns the list.

    Interprets ``ops`` one by one; :func:`network_function` generates the equivalent
    straight-line function, which is what the filter uses (``torch.compile`` traces it as is).
    """
    w = list(wires)
    for kind, i, j in ops:
        a, b = w[i], w[j]
        if kind == "swap":
            w[i], w[j] = b, a
        elif kind == "cmp":
            w[i], w[j] = torch.minimum(a, b), torch.maximum(a, b)
        elif kind == "min":
            w[i] = torch.minimum(a, b)
        else:
            w[j] = torch.maximum(a, b)
    return w


def network_function(
    ops: tuple[Op, ...], inputs: tuple[int, ...], outputs: tuple[int, ...], name: str
) -> Callable[..., tuple[torch.Tensor, ...]]:
    """Straight-line Python for ``ops``: ``f(*wires at inputs) -> wires at outputs``."""
    var = {w: f"w{w}" for w in inputs}
    lines, n = [], 0
    for kind, i, j in ops:
        if kind == "swap":
            var[i], var[j] = var.get(j), var.get(i)
            continue
        a, b = var[i], var[j]
        if kind in ("cmp", "min"):
            var[i], n = f"t{n}", n + 1
            lines.append(f"    {var[i]} = _min({a}, {b})")
        if kind in ("cmp", "max"):
            var[j], n = f"t{n}", n + 1
            lines.append(f"    {var[j]} = _max({a}, {b})")
    args = ", ".join(f"w{w}" for w in inputs)
    rets = ", ".join(var[o] for o in outputs)
    src = f"def {name}({args}):\n" + "\n".join(lines) + f"\n    return ({rets},)\n"
    namespace: dict[str, Any] = {"_min": torch.minimum, "_max": torch.maximum}
    exec(compile(src, f"<median network {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


# k -> (column sort, window median) functions; a plain dict so that torch.compile traces a
# lookup, not the generator (call ``median_functions`` outside compiled code first).
_FUNCTIONS: dict[int, tuple[Callable[..., Any], Callable[..., Any]]] = {}


def median_functions(k: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The generated (column sort, window median) functions for a ``k x k`` median."""
    if k not in _FUNCTIONS:
        net = median_network(k)
        column = network_function(net.column_ops, tuple(range(k)), tuple(range(k)), f"column{k}")
        inputs = tuple(net.slots[c][r] for c in range(k) for r in range(k))
        window = network_function(net.window_ops, inputs, (net.out,), f"window{k}")
        _FUNCTIONS[k] = (column, window)
    return _FUNCTIONS[k]


def median_padded(xp: torch.Tensor, k: int = 5) -> torch.Tensor:
    """``k x k`` medians of (N, H + k - 1, W + k - 1) already padded images -> (N, H, W)."""
    column, window = _FUNCTIONS[k] if k in _FUNCTIONS else median_functions(k)
    h, w = xp.shape[-2] - (k - 1), xp.shape[-1] - (k - 1)
    # Sorted vertical columns of k values, for every column position of the padded image.
    cols = column(*[xp[:, i : i + h, :] for i in range(k)])
    # Window inputs column by column, smallest first (the order ``window`` takes them in).
    (out,) = window(*[cols[rank][:, :, c : c + w] for c in range(k) for rank in range(k)])
    return out


def median_blur(x: torch.Tensor, k: int = 5) -> torch.Tensor:
    """Exact ``k x k`` median of each image in ``x`` (..., H, W), replicated borders."""
    if k <= 1:
        return x
    h, w = x.shape[-2:]
    r = k // 2
    xp = F.pad(x.reshape(-1, 1, h, w), (r, r, r, r), mode="replicate")[:, 0]
    return median_padded(xp, k).reshape(x.shape)
