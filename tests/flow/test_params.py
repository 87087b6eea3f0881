from __future__ import annotations

import dataclasses

import cv2
import pytest

from microexp.flow import TVL1Params
from microexp.flow.opencv import create_tvl1


def test_defaults_are_opencvs() -> None:
    p = TVL1Params()
    # ours with our defaults, and OpenCV's own defaults
    for obj in (create_tvl1(None), cv2.optflow.DualTVL1OpticalFlow_create()):
        assert obj.getTau() == pytest.approx(p.tau)
        assert obj.getLambda() == pytest.approx(p.lambda_)
        assert obj.getTheta() == pytest.approx(p.theta)
        assert obj.getScalesNumber() == p.nscales
        assert obj.getWarpingsNumber() == p.warps
        assert obj.getEpsilon() == pytest.approx(p.epsilon)
        assert obj.getInnerIterations() == p.inner_iterations
        assert obj.getOuterIterations() == p.outer_iterations
        assert obj.getScaleStep() == pytest.approx(p.scale_step)
        assert obj.getMedianFiltering() == p.median_filtering
        assert obj.getGamma() == 0.0


def test_create_passes_every_parameter() -> None:
    p = TVL1Params(
        tau=0.2,
        lambda_=0.1,
        theta=0.5,
        nscales=3,
        warps=2,
        epsilon=0.02,
        inner_iterations=7,
        outer_iterations=4,
        scale_step=0.6,
        median_filtering=3,
    )
    cv = create_tvl1(p)
    got = (
        cv.getTau(),
        cv.getLambda(),
        cv.getTheta(),
        cv.getScalesNumber(),
        cv.getWarpingsNumber(),
        cv.getEpsilon(),
        cv.getInnerIterations(),
        cv.getOuterIterations(),
        cv.getScaleStep(),
        cv.getMedianFiltering(),
    )
    assert got == pytest.approx(tuple(p.as_dict().values()))


def test_as_dict_frozen_hashable_and_overrides() -> None:
    p = TVL1Params()
    d = p.as_dict()
    assert list(d) == [f.name for f in dataclasses.fields(TVL1Params)]
    assert d["lambda_"] == 0.15 and d["inner_iterations"] == 30
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.tau = 1.0  # type: ignore[misc]
    assert hash(p) == hash(TVL1Params())
    q = TVL1Params.from_kwargs(p, warps=3)
    assert q.warps == 3 and q != p
    assert TVL1Params.from_kwargs(None) == p
    with pytest.raises(TypeError, match="unknown"):
        TVL1Params.from_kwargs(None, lamda=0.2)


@pytest.mark.parametrize(
    "bad",
    [
        {"median_filtering": 7},
        {"scale_step": 1.0},
        {"nscales": 0},
        {"inner_iterations": 0},
        {"theta": 0.0},
    ],
)
def test_invalid_parameters_raise(bad: dict) -> None:
    with pytest.raises(ValueError):
        TVL1Params(**bad)
