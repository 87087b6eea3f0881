"""The spotting CSV files, read and written.

* truth: ``dataset,video,type,onset,apex,offset``, one row per annotated expression (``type`` is
  ``micro`` or ``macro``; ``apex`` may be empty). A video without any expression is listed by a
  row whose ``type``, ``onset``, ``apex`` and ``offset`` are all empty, so that its predictions
  are counted as false positives.
* predictions: ``dataset,video,start,end,score[,type]``, one row per predicted interval; an
  absent or empty ``type`` means "typed by its length".

Frames are absolute and inclusive; ``end < start`` (``offset < onset``) is an error.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from microexp.eval.megc.csvfile import Row, read_rows
from microexp.eval.megc.records import (
    MegcInputError,
    Predictions,
    PredInterval,
    Truth,
    TruthInterval,
    VideoKey,
)

TRUTH_COLUMNS = ("dataset", "video", "type", "onset", "apex", "offset")
PREDICTION_COLUMNS = ("dataset", "video", "start", "end", "score", "type")
_REQUIRED_PREDICTION_COLUMNS = PREDICTION_COLUMNS[:5]


def read_truth(path: str | Path) -> Truth:
    """Every video the truth file lists, in file order, with its expressions in file order."""
    truth: Truth = {}
    for row in read_rows(path, TRUTH_COLUMNS):
        key = _video_key(row)
        expressions = truth.setdefault(key, [])
        if not row.is_empty("type", "onset", "apex", "offset"):
            expressions.append(_truth_interval(row))
    if not truth:
        raise MegcInputError(f"{path}: no videos (the truth file has a header and no rows)")
    return truth


def read_predictions(path: str | Path) -> Predictions:
    """The predicted intervals of each video, in file order (an empty file scores as no
    predictions at all)."""
    predictions: Predictions = {}
    for row in read_rows(path, _REQUIRED_PREDICTION_COLUMNS, ("type",)):
        key = _video_key(row)
        start, end = row.integer("start"), row.integer("end")
        if end < start:
            raise row.error(f"end {end} < start {start}")
        kind = row.kind("type") if row.cells.get("type") else None
        pred = PredInterval(start, end, row.number("score"), kind, line=row.line)
        predictions.setdefault(key, []).append(pred)
    return predictions


def write_truth(path: str | Path, truth: Mapping[VideoKey, Sequence[TruthInterval]]) -> None:
    """Write the truth file: every video in the given order, an empty row for one without
    expressions (:func:`read_truth` reads it back equal)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        for (dataset, video), expressions in truth.items():
            if not expressions:
                writer.writerow([dataset, video, "", "", "", ""])
            for e in expressions:
                apex = "" if e.apex is None else e.apex
                writer.writerow([dataset, video, e.kind, e.onset, apex, e.offset])


def write_predictions(
    path: str | Path, predictions: Mapping[VideoKey, Sequence[PredInterval]]
) -> None:
    """Write the predictions file, ``type`` empty where a prediction has none
    (:func:`read_predictions` reads it back equal)."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(PREDICTION_COLUMNS)
        for (dataset, video), preds in predictions.items():
            for p in preds:
                kind = "" if p.kind is None else p.kind
                writer.writerow([dataset, video, p.start, p.end, repr(float(p.score)), kind])


def _video_key(row: Row) -> VideoKey:
    return row.text("dataset"), row.text("video")


def _truth_interval(row: Row) -> TruthInterval:
    kind = row.kind("type")
    onset, offset = row.integer("onset"), row.integer("offset")
    apex = row.optional_integer("apex")
    if offset < onset:
        raise row.error(f"offset {offset} < onset {onset}")
    return TruthInterval(kind, onset, apex, offset)
