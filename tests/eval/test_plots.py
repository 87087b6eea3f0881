"""Every plot renders to a valid PNG of plausible size; the example gallery regenerates."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from microexp.eval import plots
from microexp.eval.fig2 import PRED_COLOR
from microexp.eval.plot_style import STATE_COLORS
from microexp.eval.scores import roc_points
from microexp.eval.spotting import intensity_states, spot_intervals
from microexp.states import APEX, ONSET

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parents[2]


def assert_png(path: Path, min_bytes: int = 5_000) -> np.ndarray:
    """The file is a decodable PNG of plausible size; returns the image."""
    assert path.is_file()
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > min_bytes
    image = mpimg.imread(path)
    h, w = image.shape[:2]
    assert 150 <= h <= 3000 and 150 <= w <= 4000, (h, w)
    return image


def test_roc_plot(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = rng.random(500) < 0.3
    curves = {
        "network": roc_points(labels + rng.normal(0, 0.5, 500), labels),
        "LBP": roc_points(labels + rng.normal(0, 1.0, 500), labels),
        "undefined": roc_points(np.zeros(4), np.zeros(4)),
    }
    out = plots.plot_roc(curves, tmp_path / "sub" / "roc.png")
    assert out == tmp_path / "sub" / "roc.png"
    assert_png(out)


def test_confusion_plot(tmp_path: Path) -> None:
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 0]])  # a class with no true samples
    out = plots.plot_confusion(cm, ["happiness", "disgust", "others"], tmp_path / "cm.png")
    assert_png(out)
    with pytest.raises(ValueError):
        plots.plot_confusion(cm, ["a", "b"], tmp_path / "bad.png")


def test_intensity_states_plot(tmp_path: Path) -> None:
    frames = np.arange(46, 101)
    gt = np.interp(frames, [60, 70, 85], [0, 1, 0], left=0, right=0)
    pred = np.clip(gt + np.random.default_rng(1).normal(0, 0.08, frames.size), 0, 1)
    states = intensity_states(pred, spot_intervals(pred, frames, threshold=0.2), frames)
    out = plots.plot_intensity_states(
        frames,
        pred,
        states,
        tmp_path / "fig2.png",
        ground_truth=gt,
        onset=60,
        apex=70,
        offset=85,
        threshold=0.2,
    )
    assert_png(out)
    # Minimal call: no ground truth, no markers, one frame.
    assert_png(plots.plot_intensity_states([7], [0.5], [0], tmp_path / "one.png"), min_bytes=2_000)


def _pixels(image: np.ndarray, color: str) -> int:
    """How many pixels of ``image`` have exactly ``color`` (``#rrggbb``)."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return int(np.all(np.abs(image[..., :3] - rgb) < 1 / 255, axis=-1).sum())


def test_fig2_draws_the_spotted_interval_and_only_the_states_that_occur(tmp_path: Path) -> None:
    frames = np.arange(46, 101)
    gt = np.interp(frames, [60, 62, 85], [0, 1, 0], left=0, right=0)
    pred = np.clip(gt + np.random.default_rng(1).normal(0, 0.08, frames.size), 0, 1)
    intervals = spot_intervals(pred, frames, threshold=0.2)
    states = intensity_states(pred, intervals, frames)
    assert ONSET not in states  # a state that never occurs ...
    kwargs = {"ground_truth": gt, "onset": 60, "apex": 62, "offset": 85, "threshold": 0.2}
    drawn = assert_png(
        plots.plot_intensity_states(
            frames, pred, states, tmp_path / "a.png", intervals=intervals, **kwargs
        )
    )
    assert _pixels(drawn, STATE_COLORS[ONSET]) == 0  # ... has no colour, not even in a legend
    assert _pixels(drawn, STATE_COLORS[APEX]) > 100
    # the spotted interval is a bar of its own colour: gone when nothing is spotted
    none = assert_png(
        plots.plot_intensity_states(
            frames, pred, states, tmp_path / "b.png", intervals=[], **kwargs
        )
    )
    bar = _pixels(drawn, PRED_COLOR) - _pixels(none, PRED_COLOR)
    assert bar > 20 * (intervals[0].end - intervals[0].start)


def test_subject_accuracy_plot(tmp_path: Path) -> None:
    subjects = [f"sub{k:02d}" for k in range(1, 27)]
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 15, len(subjects))
    acc = np.where(counts > 0, rng.random(len(subjects)), np.nan)
    assert_png(plots.plot_subject_accuracy(subjects, acc, counts, tmp_path / "subj.png"))
    assert_png(plots.plot_subject_accuracy(["sub01"], [0.5], [4], tmp_path / "one.png"))


def test_flow_pairs_plot(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(4)]
    flows = [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(4)]
    out = plots.plot_flow_pairs(frames, flows, tmp_path / "flow.png", titles=list("abcd"))
    assert_png(out)
    with pytest.raises(ValueError):
        plots.plot_flow_pairs(frames, flows[:3], tmp_path / "bad.png")
    with pytest.raises(ValueError):
        plots.plot_flow_pairs([np.zeros((8, 8))], [np.zeros((8, 8))], tmp_path / "bad.png")


def test_gallery_script_regenerates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_figures", REPO / "docs" / "make_figures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    paths = module.main(tmp_path)
    assert sorted(p.name for p in paths) == sorted(module.FIGURES)
    readme = (tmp_path / "README.md").read_text()
    for path in paths:
        assert_png(path)
        assert path.stat().st_size < 150_000
        assert f"`{path.name}`" in readme


def test_committed_gallery_is_listed_and_small() -> None:
    folder = REPO / "docs" / "figures"
    pngs = sorted(folder.glob("*.png"))
    assert pngs, "docs/figures holds no PNG: run python docs/make_figures.py"
    readme = (folder / "README.md").read_text()
    for png in pngs:
        assert png.stat().st_size < 150_000
        assert f"`{png.name}`" in readme
