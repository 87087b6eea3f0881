"""``python -m microexp.eval.megc`` end to end on small CSV files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from microexp.eval.megc.cli import main

ROOT = Path(__file__).resolve().parents[3]
RATES = {"precision", "recall", "f1"}
COUNTS = {"tp", "fp", "fn", "n_pred", "n_truth"}

TRUTH = """dataset,video,type,onset,apex,offset
CASME_sq,15_0101,micro,0,2,4
CASME_sq,15_0101,micro,5,7,9
CASME_sq,15_0101,macro,100,150,200
CASME_sq,15_0508,,,,
SAMM,006_1,macro,1000,1100,1300
"""
PRED = """dataset,video,start,end,score
CASME_sq,15_0101,0,9,0.9
CASME_sq,15_0101,-5,4,0.8
CASME_sq,15_0508,10,20,0.5
SAMM,006_1,1000,1290,0.3
"""
RECOG = """subject,true,pred,dataset
sub01,negative,negative,casme2
sub01,positive,negative,casme2
s01,surprise,surprise,smic
006,negative,negative,samm
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in {"t.csv": TRUTH, "p.csv": PRED, "r.csv": RECOG}.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_spot_end_to_end(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = files / "out" / "scores.json"
    args = ["spot", "--truth", str(files / "t.csv"), "--pred", str(files / "p.csv")]
    assert main([*args, "--out", str(out), "--log", str(files / "log.csv")]) == 0
    scores = json.loads(out.read_text())
    assert list(scores) == ["CASME_sq", "SAMM"]
    for entry in scores.values():
        assert list(entry) == ["micro", "macro", "overall"]
        for s in entry.values():
            nulls = {k for k in RATES if s[k] is None}
            assert set(s) == COUNTS | RATES | {f"{k}_reason" for k in nulls}
    cas = scores["CASME_sq"]
    assert [cas["micro"][k] for k in ("tp", "fp", "fn")] == [2, 1, 0]
    assert [cas["macro"][k] for k in ("tp", "fp", "fn", "f1")] == [0, 0, 1, 0.0]
    assert cas["overall"]["f1"] == pytest.approx(4 / 6)
    assert scores["SAMM"]["micro"]["f1"] is None
    assert scores["SAMM"]["macro"]["f1"] == 1.0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["dataset", "type", "TP", "FP", "FN", "P", "R", "F1"]
    assert table[1].split() == ["CASME_sq", "micro", "2", "1", "0", "0.6667", "1.0000", "0.8000"]
    assert table[4].split() == ["SAMM", "micro", "0", "0", "0", "-", "-", "-"]
    assert len((files / "log.csv").read_text().splitlines()) == 1 + 5


def test_recog_end_to_end(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = files / "r.json"
    assert main(["recog", "--pred", str(files / "r.csv"), "--out", str(out)]) == 0
    scores = json.loads(out.read_text())
    assert list(scores) == ["overall", "casme2", "smic", "samm"]
    required = {"uf1", "uar", "accuracy", "n", "classes", "per_class"}
    assert set(scores["overall"]) == required
    assert set(scores["smic"]) == required | {"absent_classes", "absent_reason"}
    assert scores["overall"]["n"] == 4 and scores["overall"]["accuracy"] == 0.75
    # negative: TP 2 FP 1 -> 4/5, recall 1; positive: 0, 0; surprise: 1, 1.
    assert scores["overall"]["uf1"] == pytest.approx((4 / 5 + 0 + 1) / 3)
    assert scores["overall"]["uar"] == pytest.approx(2 / 3)
    assert scores["smic"]["absent_classes"] == ["negative", "positive"]
    table = capsys.readouterr().out
    assert table.splitlines()[1].split() == ["overall", "4", "0.7500", "0.6000", "0.6667"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spot", "--truth", "{d}/p.csv", "--pred", "{d}/p.csv"], "missing column(s) type"),
        (["spot", "--truth", "{d}/t.csv", "--pred", "{d}/nope.csv"], "nope.csv: cannot read"),
        (["spot", "--truth", "{d}/t.csv", "--pred", "{d}/bad.csv"], "bad.csv, line 4: video"),
        (["spot", "--truth", "{d}/t.csv", "--pred", "{d}/p.csv", "--fps", "x"], "NAME=FPS"),
        (["recog", "--pred", "{d}/t.csv"], "missing column(s) subject"),
        (["spot", "--truth", "{d}/t.csv"], "the following arguments are required: --pred"),
        (["score"], "invalid choice: 'score'"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    files: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (files / "bad.csv").write_text(PRED.replace("15_0508,10", "15_0509,10"))
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main([a.format(d=files) for a in args]))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert message in captured.err


def test_count_unlisted_and_fps_flags(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (files / "bad.csv").write_text(PRED.replace("15_0508,10", "15_0509,10"))
    out = files / "s.json"
    args = ["spot", "--truth", str(files / "t.csv"), "--pred", str(files / "bad.csv")]
    assert main([*args, "--count-unlisted", "--fps", "CASME_sq=10", "--out", str(out)]) == 0
    cas = json.loads(out.read_text())["CASME_sq"]
    assert list(cas) == ["micro", "macro", "overall", "notes"]
    # At 10 fps only intervals of at most 5 frames are micro: [-5, 4] and [0, 9] become macro.
    assert [cas["macro"][k] for k in ("tp", "fp", "fn")] == [0, 3, 1]
    assert "15_0509" in capsys.readouterr().out


def test_module_runs_without_torch(files: Path) -> None:
    code = (
        "import sys, runpy; sys.argv = ['megc', 'spot', '--truth', sys.argv[1], '--pred', "
        "sys.argv[2]]\ntry:\n    runpy.run_module('microexp.eval.megc', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "assert not {'torch', 'pytorch_lightning', 'hydra', 'pandas'} & set(sys.modules)"
    )
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code, str(files / "t.csv"), str(files / "p.csv")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("CASME_sq")
    bad = subprocess.run(
        [sys.executable, "-m", "microexp.eval.megc", "recog", "--pred", str(files / "t.csv")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert (
        bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    )
