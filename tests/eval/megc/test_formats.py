"""The spotting CSV formats: round trips through the writers; bad rows named by file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microexp.eval.megc.formats import (
    read_predictions,
    read_truth,
    write_predictions,
    write_truth,
)
from microexp.eval.megc.records import MegcInputError, PredInterval, TruthInterval

TRUTH_HEADER = "dataset,video,type,onset,apex,offset\n"
PRED_HEADER = "dataset,video,start,end,score,type\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_truth_round_trips_with_videos_without_expressions(tmp_path: Path) -> None:
    truth = {
        ("CASME_sq", "15_0101"): [
            TruthInterval("macro", 100, 130, 200),
            TruthInterval("micro", 300, None, 312),
        ],
        ("CASME_sq", "15_0508"): [],
        ("SAMM", "006_1"): [TruthInterval("micro", 1, 40, 80)],
    }
    path = tmp_path / "truth.csv"
    write_truth(path, truth)
    assert path.read_text().splitlines()[:4] == [
        "dataset,video,type,onset,apex,offset",
        "CASME_sq,15_0101,macro,100,130,200",
        "CASME_sq,15_0101,micro,300,,312",
        "CASME_sq,15_0508,,,,",
    ]
    assert read_truth(path) == truth


def test_predictions_round_trip(tmp_path: Path) -> None:
    preds = {
        ("CASME_sq", "15_0101"): [
            PredInterval(-3, 9, 0.1 + 0.2, None),
            PredInterval(40, 90, 1.0, "macro"),
        ],
        ("SAMM", "006_1"): [PredInterval(5, 5, 0.0, "micro")],
    }
    path = tmp_path / "spots.csv"
    write_predictions(path, preds)
    assert path.read_text().splitlines()[1] == "CASME_sq,15_0101,-3,9,0.30000000000000004,"
    got = read_predictions(path)
    assert got == preds
    assert [p.line for p in got[("CASME_sq", "15_0101")]] == [2, 3]


def test_tolerant_reading(tmp_path: Path) -> None:
    # BOM, header case and order, spaces, extra columns, blank rows, no type column.
    text = (
        "\ufeffScore, End ,start,VIDEO,dataset,note\n"
        "0.5,9,0,006_1,SAMM,x\n\n,,,,,\n0.7,20,11,006_1,SAMM,\n"
    )
    got = read_predictions(write(tmp_path, "p.csv", text))
    assert got == {("SAMM", "006_1"): [PredInterval(0, 9, 0.5), PredInterval(11, 20, 0.7)]}
    assert read_predictions(write(tmp_path, "empty.csv", PRED_HEADER)) == {}
    truth = read_truth(write(tmp_path, "t.csv", TRUTH_HEADER + "SAMM,006_1,Micro,1,,9\n"))
    assert truth == {("SAMM", "006_1"): [TruthInterval("micro", 1, None, 9)]}


BAD_TRUTH = [
    ("CASME_sq,15_0101,micro,10,12\n", "line 2: missing value for 'offset'"),
    ("CASME_sq,15_0101,micro,10,12,1.5\n", "line 2: offset '1.5' is not an integer frame number"),
    ("CASME_sq,15_0101,micro,20,22,10\n", "line 2: offset 10 < onset 20"),
    ("CASME_sq,15_0101,Micro - 1/2,10,12,20\n", "line 2: unknown type 'Micro - 1/2'"),
    ("CASME_sq,15_0101,micro,10,x,20\n", "line 2: apex 'x' is not an integer frame number"),
    ("CASME_sq,15_0101,,10,12,20\n", "line 2: missing value for 'type'"),
    ("CASME_sq,,micro,10,12,20\n", "line 2: missing value for 'video'"),
    ("\n\nCASME_sq,1,micro,1,2,3,4\n", "line 4: 7 cells but the header names 6"),
]


@pytest.mark.parametrize(("body", "message"), BAD_TRUTH)
def test_bad_truth_rows_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "truth.csv", TRUTH_HEADER + body)
    with pytest.raises(MegcInputError, match=re.escape(f"{path}, {message}")):
        read_truth(path)


BAD_PREDICTIONS = [
    ("SAMM,006_1,10,5,0.5,\n", "line 2: end 5 < start 10"),
    ("SAMM,006_1,1e3,2000,0.5,\n", "line 2: start '1e3' is not an integer frame number"),
    ("SAMM,006_1,1,20,high,\n", "line 2: score 'high' is not a finite number"),
    ("SAMM,006_1,1,20,nan,\n", "line 2: score 'nan' is not a finite number"),
    ("SAMM,006_1,1,20,,\n", "line 2: missing value for 'score'"),
    (
        "SAMM,006_1,1,20,0.5,mikro\n",
        "line 2: unknown type 'mikro' (expected one of: micro, macro)",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_PREDICTIONS)
def test_bad_prediction_rows_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "spots.csv", PRED_HEADER + body)
    with pytest.raises(MegcInputError, match=re.escape(f"{path}, {message}")):
        read_predictions(path)


def test_bad_files(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "dataset,video,type,onset,offset\nA,b,micro,1,2\n")
    with pytest.raises(MegcInputError, match=r"t.csv: missing column\(s\) apex \(header: "):
        read_truth(path)
    with pytest.raises(MegcInputError, match=r"t.csv: empty file"):
        read_truth(write(tmp_path, "t.csv", "\n"))
    with pytest.raises(MegcInputError, match=r"t.csv: no videos"):
        read_truth(write(tmp_path, "t.csv", TRUTH_HEADER))
    with pytest.raises(MegcInputError, match=r"named twice in the header: \['start'\]"):
        read_predictions(write(tmp_path, "p.csv", "dataset,video,start,start,end,score\n"))
    with pytest.raises(MegcInputError, match=r"missing.csv: cannot read"):
        read_truth(tmp_path / "missing.csv")
    (tmp_path / "latin.csv").write_bytes(TRUTH_HEADER.encode() + b"A,b\xe9,micro,1,2,3\n")
    with pytest.raises(MegcInputError, match=r"latin.csv: not UTF-8 text"):
        read_truth(tmp_path / "latin.csv")
