"""The report figures' shared style: colours, rc settings, and a figure context that saves a PNG.

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, not pyplot: no global
backend is switched and no figure is left open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

DPI = 120

#: Background colour of each state of ``microexp.states.STATES`` (same order).
STATE_COLORS: tuple[str, ...] = (
    "#eeeeee",  # neutral
    "#c6dbef",  # onset
    "#6baed6",  # onset-apex
    "#fd8d3c",  # apex
    "#74c476",  # apex-offset
    "#c7e9c0",  # offset
)

#: Line colours for several curves on one axes (network first, then baselines).
CURVE_COLORS: tuple[str, ...] = ("#1f4e9c", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#666666")

_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.1,
    "image.interpolation": "nearest",
}


@contextmanager
def figure(
    path: str | Path, figsize: tuple[float, float], layout: str | None = None
) -> Iterator[Figure]:
    """Yield a styled figure; save it as PNG at ``path`` on exit."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context(_STYLE):
        fig = Figure(figsize=figsize, dpi=DPI, layout=layout)
        FigureCanvasAgg(fig)
        yield fig
        fig.savefig(path, format="png")
    fig.clear()
    logger.debug("wrote %s", path)
