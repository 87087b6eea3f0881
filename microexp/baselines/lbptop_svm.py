"""LBP-TOP features with a linear SVM: the recognition baseline of CASME II (Yan et al., 2014).

LBP on three orthogonal planes (Zhao and Pietikainen, 2007): for every block of a grid over the
face, uniform LBP histograms of the XY, XT and YT planes of the clip's grey volume, each
normalised to sum 1, concatenated. CASME II's baseline used 5 x 5 blocks and
LBP-TOP(4,4,4; 1,1,4): 4 neighbours on each plane, radius 1 pixel in space and 4 frames in time.
The codes are those of the original ``LBPTOP.m`` (``variant="original"``); ``"legacy"`` keeps
this package's earlier features. The classifier is a linear SVM on standardised features, fitted
on the training subjects only; its decision values, through a softmax, stand in for class
probabilities.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy.special import softmax

from microexp.baselines.lbp import block_histograms, lbp_codes, lbptop_codes, n_bins, to_grey

log = logging.getLogger(__name__)

#: LBP-TOP feature variants (see :func:`lbp_top`).
VARIANTS = ("original", "legacy")


def lbp_top(
    volume: np.ndarray,
    *,
    grid: tuple[int, int] = (5, 5),
    points: int = 4,
    radii: tuple[float, float, float] = (1.0, 1.0, 4.0),
    method: str = "nri_uniform",
    variant: str = "original",
) -> np.ndarray:
    """The LBP-TOP descriptor of a clip.

    Args:
        volume: grey ``(T, H, W)`` or RGB ``(T, 3, H, W)`` uint8 frames. Clips shorter than
            ``2 R_t + 1`` frames are padded by repeating their end frames (so that the temporal
            planes have centres).
        grid: ``(rows, cols)`` blocks.
        points: neighbours per plane.
        radii: ``(R_x, R_y, R_t)``.
        method: LBP code mapping (see :func:`microexp.baselines.lbp.lbp_codes`).
        variant: ``"original"``: the codes of ``LBPTOP.m``
            (:func:`microexp.baselines.lbp.lbptop_codes`) at the centres of the volume's common
            interior, the grid splitting that interior; with a ``(1, 1)`` grid the three
            histograms are ``LBPTOP.m``'s output (its ``Bincount = 0`` histogram for
            ``method="default"``; its 59 uniform bins are ``nri_uniform``'s in another order).
            ``"legacy"``: this package's earlier features, scikit-image's sampling on every
            plane (:func:`microexp.baselines.lbp.lbp_codes`: bilinear, the XT plane mirrored in
            time and the YT neighbours in reverse order against ``LBPTOP.m``), each plane with
            its own interior, the grid splitting whole frames.

    Returns:
        ``(rows * cols * 3 * bins,)`` float64, ordered block-major, then plane (XY, XT, YT),
        then bin; every (block, plane) histogram sums to 1.
    """
    if variant not in VARIANTS:
        raise ValueError(f"LBP-TOP variant must be one of {VARIANTS}, got {variant!r}")
    grey = to_grey(volume)
    if grey.shape[0] == 0:
        raise ValueError("an LBP-TOP volume needs at least one frame")
    need = 2 * int(np.ceil(radii[2])) + 1
    if grey.shape[0] < need:
        pad = need - grey.shape[0]
        grey = np.pad(grey, ((pad // 2, pad - pad // 2), (0, 0), (0, 0)), mode="edge")
    if variant == "original":
        planes = list(lbptop_codes(grey, points=points, radii=radii, method=method))
    else:
        planes = [
            lbp_codes(grey, plane, points=points, radii=radii, method=method)
            for plane in ("xy", "xt", "yt")
        ]
    bins = n_bins(points, method)
    hists = [block_histograms(codes, grid, bins, per_frame=False) for codes in planes]
    return np.stack(hists, axis=1).reshape(-1)


def interval_frames(frame_numbers: Sequence[int], onset: int, offset: int) -> np.ndarray:
    """Indices of the frames inside [onset, offset] (the whole clip if none is)."""
    numbers = np.asarray(frame_numbers)
    idx = np.flatnonzero((numbers >= onset) & (numbers <= offset))
    return idx if idx.size else np.arange(numbers.size)


class LbpTopSvm:
    """A linear SVM on standardised LBP-TOP features.

    Args:
        num_classes: classes of the protocol (columns of :meth:`predict_proba`).
        c: the SVM's regularisation parameter.
        seed: seed of the solver.
    """

    def __init__(self, num_classes: int, *, c: float = 1.0, seed: int = 0) -> None:
        self.num_classes = num_classes
        self.c = c
        self.seed = seed
        self.model = None
        self.classes_: np.ndarray | None = None

    def fit(self, features: np.ndarray, labels: np.ndarray) -> LbpTopSvm:
        """Fit on ``(N, D)`` features and ``(N,)`` labels in ``[0, num_classes)``."""
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import LinearSVC

        x = np.asarray(features, np.float64)
        y = np.asarray(labels, np.int64)
        if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
            raise ValueError(f"need (N, D) features and (N,) labels, got {x.shape}, {y.shape}")
        if y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"labels must lie in [0, {self.num_classes}), got {np.unique(y)}")
        self.classes_ = np.unique(y)
        if self.classes_.size == 1:
            log.warning("LBP-TOP SVM: the training clips hold one class only; predicting it")
            self.model = None
            return self
        self.model = make_pipeline(
            StandardScaler(),
            LinearSVC(C=self.c, max_iter=20000, random_state=self.seed),
        ).fit(x, y)
        return self

    def decision(self, features: np.ndarray) -> np.ndarray:
        """``(N, num_classes)`` decision values; ``-inf`` for classes absent from training."""
        if self.classes_ is None:
            raise RuntimeError("fit the SVM first")
        x = np.asarray(features, np.float64)
        out = np.full((x.shape[0], self.num_classes), -np.inf)
        if self.model is None:
            out[:, self.classes_[0]] = 0.0
            return out
        d = self.model.decision_function(x)
        if d.ndim == 1:  # two classes: scikit-learn returns the positive class's score
            d = np.stack([-d, d], axis=1)
        out[:, self.classes_] = d
        return out

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Softmax of the decision values: ``(N, num_classes)``, rows summing to 1."""
        return softmax(self.decision(features), axis=1)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The class with the largest decision value: ``(N,)``."""
        return np.argmax(self.decision(features), axis=1)
