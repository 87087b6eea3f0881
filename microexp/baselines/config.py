"""The baselines' settings (written into each ``metrics.json``) and their error type."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from microexp.baselines import METHODS
from microexp.baselines.lbptop_svm import VARIANTS as LBPTOP_VARIANTS
from microexp.data.store import ClipStore
from microexp.flow.reference import FlowReference


class BaselineError(ValueError):
    """Bad input for the baselines (split, fold, options); the message says what to change."""


@dataclass
class BaselineConfig:
    """Everything a baseline run depends on (written into each ``metrics.json``)."""

    root: Path
    out: Path
    methods: tuple[str, ...] = METHODS
    split: str = "loso"
    folds: list[int] | None = None  # LOSO folds; None = all
    train_fraction: float = 0.7
    split_seed: int = 0
    protocol: str = "5"
    tree: str = "auto"
    size: int = 64
    crop: str = "auto"
    square: str = "crop"
    cache_dir: Path = Path(".cache/microexp")
    frame_stride: int = 4  # chain stride of the flow cache (HOOF); clips this short are skipped
    flow_backend: str = "torch"
    flow_size: int = 128
    flow_reference: str = "onset"
    flow_lag: int = 8
    k: int | None = None  # None: half the median training expression length
    p: float = 0.5  # MEGC peak threshold: mean + p * (max - mean)
    top_fraction: float = 1 / 3
    lbp_grid: tuple[int, int] = (6, 6)
    lbp_points: int = 8
    lbp_radius: float = 1.0
    hoof_grid: tuple[int, int] = (6, 6)
    hoof_bins: int = 8
    # None: normalised histograms of step flow (flow_reference=previous), block magnitudes of a
    # displacement (onset, lag), whose direction alone stays the same over an expression
    hoof_normalise: bool | None = None
    compensate_head: bool = True
    lbptop_grid: tuple[int, int] = (5, 5)
    lbptop_points: int = 4
    lbptop_radii: tuple[float, float, float] = (1.0, 1.0, 4.0)
    lbptop_variant: str = "original"
    svm_c: float = 1.0
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if self.frame_stride < 1:
            raise BaselineError(f"frame_stride must be >= 1, got {self.frame_stride}")
        if self.flow_size < self.size:
            raise BaselineError(f"flow_size ({self.flow_size}) must be >= size ({self.size})")
        try:
            FlowReference(self.flow_reference, self.frame_stride, self.flow_lag)
        except ValueError as exc:
            raise BaselineError(str(exc)) from None
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown or not self.methods:
            raise BaselineError(f"unknown method(s) {unknown}: choose from {METHODS}")
        if self.k is not None and self.k < 1:
            raise BaselineError(f"k must be >= 1 (or None for auto), got {self.k}")
        if not 0 <= self.p <= 1:
            raise BaselineError(f"p must lie in [0, 1], got {self.p}")
        if self.lbptop_variant not in LBPTOP_VARIANTS:
            raise BaselineError(
                f"unknown LBP-TOP variant {self.lbptop_variant!r}: choose from {LBPTOP_VARIANTS}"
            )

    def params(self, method: str) -> dict[str, Any]:
        """The settings of ``method`` (for ``metrics.json``)."""
        d = asdict(self)
        keys = {
            "lbp": ("p", "top_fraction", "lbp_grid", "lbp_points", "lbp_radius"),
            "hoof": (
                "p",
                "top_fraction",
                "hoof_grid",
                "hoof_bins",
                "hoof_normalise",
                "compensate_head",
                "flow_backend",
                "flow_size",
                "flow_reference",
            ),
            "lbptop_svm": (
                "lbptop_grid",
                "lbptop_points",
                "lbptop_radii",
                "lbptop_variant",
                "svm_c",
            ),
        }[method]
        return {key: d[key] for key in keys} | {"size": self.size}

    def options(self, method: str) -> dict[str, Any]:
        """The feature options of ``method``: the fields named ``<method>_<option>``, by
        ``<option>`` (``lbp_grid`` -> ``grid`` for ``lbp``)."""
        prefix = f"{method}_"
        return {
            f.name.removeprefix(prefix): getattr(self, f.name)
            for f in fields(self)
            if f.name.startswith(prefix)
        }

    def store(self) -> ClipStore:
        """The network's data store with these settings (every store field of the same name):
        the same caches, clips and skips as the network's."""
        shared = {f.name for f in fields(ClipStore)} & {f.name for f in fields(self)}
        return ClipStore(**{name: getattr(self, name) for name in shared})
