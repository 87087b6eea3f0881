"""A loop-by-loop transcription of ``LBPTOP.m`` (the reference the vectorised codes are checked
against)."""

from __future__ import annotations

import math

import numpy as np


def reference_lbptop(volume: np.ndarray, points: int, radii: tuple[int, int, int]) -> np.ndarray:
    """Raw XY, XT, YT codes of ``LBPTOP.m`` (Zhao and Pietikainen; Matlab version by X. Huang;
    no interpolation), transcribed loop by loop: 1-based ``VolData(y, x, t)``, ``TimeLength =
    R_t``, ``BorderLength = max(R_x, R_y)``. Returns ``(3, T', H', W')``."""
    rx, ry, rt = radii
    length, height, width = volume.shape
    time_length, border = rt, max(rx, ry)

    def vol(y: int, x: int, t: int) -> int:
        return int(volume[t - 1, y - 1, x - 1])

    codes = []
    for i in range(time_length + 1, length - time_length + 1):
        for yc in range(border + 1, height - border + 1):
            for xc in range(border + 1, width - border + 1):
                centre = vol(yc, xc, i)
                xy = xt = yt = 0
                for p in range(points):
                    angle = (2 * math.pi * p) / points
                    x = math.floor(xc + rx * math.cos(angle) + 0.5)
                    y = math.floor(yc - ry * math.sin(angle) + 0.5)
                    if vol(y, x, i) >= centre:
                        xy += 2**p
                    z = math.floor(i + rt * math.sin(angle) + 0.5)
                    if vol(yc, x, z) >= centre:
                        xt += 2**p
                    z = math.floor(i + rt * math.cos(angle) + 0.5)
                    if vol(y, xc, z) >= centre:
                        yt += 2**p
                codes.append((xy, xt, yt))
    shape = (length - 2 * time_length, height - 2 * border, width - 2 * border)
    return np.array(codes, np.int64).T.reshape(3, *shape)


def reference_histograms(codes: np.ndarray, points: int) -> np.ndarray:
    """``LBPTOP.m``'s output with ``Bincount = 0``: ``(3, 2**P)``, each plane's row divided by
    its sum."""
    counts = np.stack([np.bincount(plane.ravel(), minlength=2**points) for plane in codes])
    return counts / counts.sum(axis=1, keepdims=True)
