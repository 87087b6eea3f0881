"""The scorer's records: truth and predicted intervals keyed by ``(dataset, video)``, the frame
rates that type an untyped prediction, and the error every bad input raises.

Frames are absolute and inclusive (``[start, end]`` holds ``end - start + 1`` frames).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Expression types, in the order tables and JSON list them.
KINDS: tuple[str, ...] = ("micro", "macro")

#: Frames per second of each dataset, as the scorer's files name them (``--fps NAME=FPS`` adds
#: or overrides one). Used only to type a prediction that has no ``type``.
FPS: dict[str, float] = {"CASME_sq": 30.0, "SAMM": 200.0}

#: Longest micro-expression, in seconds: a prediction of at most this length is micro.
MICRO_MAX_SECONDS = 0.5

#: ``(dataset, video)``, e.g. ``("CASME_sq", "15_0101")`` or ``("SAMM", "006_1")``.
VideoKey = tuple[str, str]


class MegcInputError(ValueError):
    """Input the scorer cannot use; the message names the file and line (or the video)."""


@dataclass(frozen=True)
class TruthInterval:
    """One annotated expression: ``kind`` is ``micro`` or ``macro``; ``apex`` is carried, not
    used for scoring (None when the file leaves it empty)."""

    kind: str
    onset: int
    apex: int | None
    offset: int

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"type must be one of {KINDS}, not {self.kind!r}")
        if self.offset < self.onset:
            raise ValueError(f"offset {self.offset} < onset {self.onset}")


@dataclass(frozen=True)
class PredInterval:
    """One predicted interval; ``kind`` None means typed by its length. ``line`` is where it was
    read (None when built in code), for error messages."""

    start: int
    end: int
    score: float
    kind: str | None = None
    line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"type must be one of {KINDS} or None, not {self.kind!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end} < start {self.start}")

    @property
    def length(self) -> int:
        """Number of frames, ``end - start + 1``."""
        return self.end - self.start + 1


#: Every video the truth file lists, with its expressions (an empty list: none annotated).
Truth = dict[VideoKey, list[TruthInterval]]
#: The predicted intervals of each video that has any.
Predictions = dict[VideoKey, list[PredInterval]]


def prediction_kind(pred: PredInterval, dataset: str, fps: Mapping[str, float]) -> str:
    """``pred.kind`` when given, else micro when it lasts at most 0.5 s at the dataset's fps."""
    if pred.kind is not None:
        return pred.kind
    if dataset not in fps:
        where = f"line {pred.line}: " if pred.line is not None else ""
        raise MegcInputError(
            f"{where}no frame rate for dataset {dataset!r} to type an untyped prediction by its "
            f"length (known: {', '.join(sorted(fps))}); give the prediction a type or pass "
            f"--fps {dataset}=FPS"
        )
    return "micro" if pred.length <= MICRO_MAX_SECONDS * fps[dataset] else "macro"
