"""TV-L1 parameters shared by every backend: OpenCV's names and defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["TVL1Params"]


@dataclass(frozen=True)
class TVL1Params:
    """Parameters of the dual TV-L1 optical flow, named and defaulted as in OpenCV.

    ``lambda_`` carries a trailing underscore because ``lambda`` is a Python keyword; the other
    names are OpenCV's in snake case. ``gamma`` (OpenCV's illumination term) is fixed at 0.
    """

    tau: float = 0.25
    lambda_: float = 0.15
    theta: float = 0.3
    nscales: int = 5
    warps: int = 5
    epsilon: float = 0.01
    inner_iterations: int = 30
    outer_iterations: int = 10
    scale_step: float = 0.8
    median_filtering: int = 5

    def __post_init__(self) -> None:
        if self.nscales < 1 or self.warps < 1:
            raise ValueError("nscales and warps must be >= 1")
        if self.inner_iterations < 1 or self.outer_iterations < 1:
            raise ValueError("inner_iterations and outer_iterations must be >= 1")
        if not 0.0 < self.scale_step < 1.0:
            raise ValueError(f"scale_step must lie in (0, 1), got {self.scale_step}")
        if self.theta <= 0 or self.tau <= 0 or self.lambda_ <= 0 or self.epsilon < 0:
            raise ValueError("tau, lambda_ and theta must be > 0 and epsilon >= 0")
        if self.median_filtering > 1 and self.median_filtering not in (3, 5):
            # OpenCV's medianBlur on float images supports only these two apertures.
            raise ValueError(f"median_filtering must be 0, 1, 3 or 5, got {self.median_filtering}")

    def as_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` dict, stable in order (used to hash cache keys)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_kwargs(cls, params: TVL1Params | None = None, **overrides: Any) -> TVL1Params:
        """``params`` (or the defaults) with the given fields replaced; unknown names raise."""
        base = params if params is not None else cls()
        if not overrides:
            return base
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise TypeError(f"unknown TV-L1 parameter(s) {unknown}; known: {sorted(names)}")
        return dataclasses.replace(base, **overrides)
