"""``python -m microexp.eval.megc spot|recog``: score CSV files, print a table, write JSON.

Bad input ends with one ``error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from microexp.eval.megc.formats import (
    PREDICTION_COLUMNS,
    TRUTH_COLUMNS,
    read_predictions,
    read_truth,
)
from microexp.eval.megc.recognition import read_recognition, score_recognition
from microexp.eval.megc.records import FPS, KINDS, MegcInputError
from microexp.eval.megc.spotting import score_spotting, write_log

TRUTH = ",".join(TRUTH_COLUMNS)
PRED = ",".join(PREDICTION_COLUMNS[:5]) + "[,type]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def _fps(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        fps = float(value)
    except ValueError:
        fps = 0.0
    if not name or not fps > 0:
        raise argparse.ArgumentTypeError(f"expected NAME=FPS with FPS > 0, not {text!r}")
    return name, fps


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m microexp.eval.megc", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    spot = commands.add_parser("spot", help="MEGC spotting F1 on long videos")
    spot.add_argument("--truth", required=True, type=Path, help="truth CSV (" + TRUTH + ")")
    spot.add_argument("--pred", required=True, type=Path, help="predictions CSV (" + PRED + ")")
    spot.add_argument("--out", type=Path, help="write the scores as JSON here")
    spot.add_argument("--log", type=Path, help="write every TP / FP / FN row as CSV here")
    spot.add_argument(
        "--fps", type=_fps, action="append", default=[], metavar="NAME=FPS",
        help=f"frame rate of a dataset, to type untyped predictions (known: {FPS})",
    )  # fmt: skip
    spot.add_argument(
        "--count-unlisted", action="store_true",
        help="count predictions for videos the truth file does not list as false positives "
        "(default: an error)",
    )  # fmt: skip
    recog = commands.add_parser("recog", help="MEGC 2019 recognition UF1 / UAR (pooled)")
    recog.add_argument(
        "--pred", required=True, type=Path, nargs="+",
        help="subject,true,pred[,dataset]; several files (a sweep's folds) are pooled",
    )  # fmt: skip
    recog.add_argument("--out", type=Path, help="write the scores as JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "spot":
            scores = _spot(args)
            print(spot_table(scores))
        else:
            scores = score_recognition([r for p in args.pred for r in read_recognition(p)])
            print(recog_table(scores))
        if args.out is not None:
            _write_json(args.out, scores)
    except MegcInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _spot(args: argparse.Namespace) -> dict[str, Any]:
    truth = read_truth(args.truth)
    predictions = read_predictions(args.pred)
    try:
        scores = score_spotting(truth, predictions, FPS | dict(args.fps), args.count_unlisted)
    except MegcInputError as exc:
        raise MegcInputError(f"{args.pred}, {exc}") from None
    if args.log is not None:
        _writing(args.log, lambda: write_log(args.log, scores.matches))
    return scores.to_json()


def _write_json(path: Path, scores: dict[str, Any]) -> None:
    _writing(path, lambda: path.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8"))


def _writing(path: Path, write: Callable[[], object]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write()
    except OSError as exc:
        raise MegcInputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _spot_row(dataset: str, kind: str, counts: tuple, rates: tuple) -> str:
    return " ".join(
        [f"{dataset:<12}", f"{kind:<8}", *(f"{c:>6}" for c in counts), *(f"{r:>7}" for r in rates)]
    )


def spot_table(scores: dict[str, Any]) -> str:
    """Per dataset: micro / macro / overall TP FP FN P R F1 (``-`` where undefined)."""
    lines = [_spot_row("dataset", "type", ("TP", "FP", "FN"), ("P", "R", "F1"))]
    for dataset, entry in scores.items():
        for kind in (*KINDS, "overall"):
            s = entry[kind]
            counts = (s["tp"], s["fp"], s["fn"])
            rates = tuple(_rate(s[k]) for k in ("precision", "recall", "f1"))
            lines.append(_spot_row(dataset, kind, counts, rates))
        lines += [f"{dataset:<12} note: {note}" for note in entry.get("notes", [])]
    return "\n".join(lines)


def recog_table(scores: dict[str, Any]) -> str:
    """Per dataset and overall: n, accuracy, UF1, UAR, and any class left out of the means."""
    lines = [f"{'dataset':<12} {'n':>6} {'acc':>7} {'UF1':>7} {'UAR':>7}"]
    for dataset, s in scores.items():
        lines.append(
            f"{dataset:<12} {s['n']:>6} {s['accuracy']:>7.4f} {s['uf1']:>7.4f} {s['uar']:>7.4f}"
        )
        if s.get("absent_classes"):
            absent = ", ".join(s["absent_classes"])
            lines.append(f"{dataset:<12} absent classes {absent}: {s['absent_reason']}")
    return "\n".join(lines)
