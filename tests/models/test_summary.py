"""Tests of the parameter / FLOP summary."""

from __future__ import annotations

import json

import pytest

from microexp.models.summary import SEG_HEAD, main, summarize


def test_summarize_cpu_width() -> None:
    s = summarize(0.25, 64, 14)
    modules = s["modules"]
    assert sum(m["params"] for m in modules.values()) == s["total"]["params"]
    joint = [m for k, m in modules.items() if k != SEG_HEAD]
    assert sum(m["flops_per_sequence"] for m in joint) == s["total"]["flops_per_sequence"]
    assert s["total"]["flops_per_sequence"] > 7 * s["total"]["flops_per_pair"]
    assert all(m["params"] > 0 and m["flops_per_pair"] > 0 for m in modules.values())


@pytest.mark.parametrize("args", [["--json"], []])
def test_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    main(["--width", "0.25", "--seq-len", "2", *args])
    text = capsys.readouterr().out
    if args:
        assert json.loads(text)["total"]["params"] > 0
    else:
        assert "total" in text
