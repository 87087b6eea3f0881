"""The ``flow`` benchmark of ``python -m microexp.bench`` (tiny settings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from microexp import bench


def test_machine_info() -> None:
    info = bench.machine_info()
    assert info["cpu_count"] >= 1
    assert {"torch", "opencv", "gpu", "python"} <= set(info)


def test_flow_benchmark_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "bench" / "flow.json"
    args = ["flow", "--pairs", "2", "--size", "32", "--repeat", "1", "--workers", "1"]
    result = bench.main([*args, "--device", "cpu", "--out", str(out)])
    printed = json.loads(capsys.readouterr().out)
    assert printed == result == json.loads(out.read_text())
    assert result["pairs"] == 2 and result["size"] == 32
    for name in ("opencv", "torch"):
        assert result[name]["pairs_per_s"] > 0
        assert 0 <= result[name]["epe"] < 1
    assert result["opencv"]["workers"] in (1,)
    assert {"single", "pool"} <= set(result["opencv"])
    assert result["torch"]["device"] == "cpu"
    ratio = result["torch"]["pairs_per_s"] / result["opencv"]["pairs_per_s"]
    assert result["ratio"] == pytest.approx(ratio, rel=1e-2)
    assert result["machine"]["cpu_count"] >= 1
    # the ratio at data.flow_size's 128 x 128 too, beside the figures at --size
    at = result["at_128"]
    assert result["ratio_128"] == at["ratio"] > 0
    assert at["torch"]["pairs_per_s"] > 0 and at["opencv"]["pairs_per_s"] > 0
    assert at["ratio"] == pytest.approx(
        at["torch"]["pairs_per_s"] / at["opencv"]["pairs_per_s"], rel=1e-2
    )


def test_registry_is_extensible() -> None:
    assert "flow" in bench.BENCHMARKS
    b = bench.BENCHMARKS["flow"]
    assert callable(b.add_args) and callable(b.run)
    with pytest.raises(SystemExit):
        bench.main(["nonexistent"])


def test_live_benchmark_cli(capsys: pytest.CaptureFixture) -> None:
    result = bench.main(["live", "--frames", "9", "--threads", "1"])
    assert json.loads(capsys.readouterr().out) == result
    live, offline = result["runs"]["live"], result["runs"]["offline"]
    assert live["chunk"] < offline["chunk"] and live["frames_per_s"] > 0
    assert result["live_vs_target"] == pytest.approx(live["frames_per_s"] / 30.0, rel=1e-2)
    assert result["meets_target"] == (live["frames_per_s"] >= 30.0)
    assert live["registration_ms_per_frame"] > 0 and result["torch_threads"] == 1
