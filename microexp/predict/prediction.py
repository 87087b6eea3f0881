"""What inference found in one input: per-step intensity, class probabilities and states, the
spotted intervals (each labelled with the class of highest mean probability inside it) and the
input's class."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microexp.eval.spotting import Interval, clip_prediction, intensity_states, spot_intervals
from microexp.predict.crop import CropChoice
from microexp.predict.rate import StepPlan


@dataclass
class Prediction:
    """What :meth:`microexp.predict.Predictor.run` found in one input."""

    frame_numbers: np.ndarray  # (T,) the frame each step is reported at
    intensity: np.ndarray  # (T,)
    probs: np.ndarray  # (T, C) class probabilities per step
    states: np.ndarray  # (T,) state ids (microexp.states.STATES)
    intervals: list[Interval]  # spotted, each with label and confidence
    interval_probs: list[np.ndarray]  # (C,) mean probabilities inside each interval
    label: int  # the input's class: of the highest-scoring interval (or the whole input)
    confidence: float
    clip_probs: np.ndarray  # (C,)
    from_interval: bool  # False: no interval was spotted; the class is the whole input's
    frames: int  # input frames read
    seconds: float  # reading, cropping, flow and network
    source: str = ""  # the input's path ("" for frames in memory)
    fps: float | None = None  # the video's frame rate (None: unknown, or not a video)
    crop: CropChoice | None = None  # how the frames were cropped (None: as given)
    ignored: list[str] = field(default_factory=list)  # folder entries that are not images
    registration: dict[str, Any] | None = None  # how faces were aligned (None: not registered)
    plan: StepPlan | None = None  # how the step was chosen (None: the model's stride as given)
    warnings: list[str] = field(default_factory=list)  # what deserves a second look

    @property
    def steps(self) -> int:
        return int(len(self.frame_numbers))

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def finalize(
    spot: dict[str, Any],
    numbers: np.ndarray,
    intensity: np.ndarray,
    probs: np.ndarray,
    frames: int,
    seconds: float,
) -> Prediction:
    """Spot intervals (``spot``: :func:`~microexp.eval.spotting.spot_intervals`'s settings),
    label each (and the input), and read the states off the curve."""
    intervals = spot_intervals(intensity, numbers, **spot)
    labelled, interval_probs = [], []
    for iv in intervals:
        p = clip_prediction(probs, [iv], numbers)
        labelled.append(dataclasses.replace(iv, label=p.label, confidence=p.confidence))
        interval_probs.append(p.probs)
    clip = clip_prediction(probs, labelled, numbers)
    return Prediction(
        frame_numbers=numbers,
        intensity=intensity,
        probs=probs,
        states=intensity_states(intensity, labelled, numbers),
        intervals=labelled,
        interval_probs=interval_probs,
        label=clip.label,
        confidence=clip.confidence,
        clip_probs=clip.probs,
        from_interval=bool(labelled),
        frames=frames,
        seconds=seconds,
    )


def long_intervals(intervals: list[Interval], fps: float | None, max_seconds: float) -> list[str]:
    """A warning for each interval longer than ``max_seconds`` at ``fps`` (none when the rate
    is unknown): a micro-expression lasts under half a second."""
    if not fps:
        return []
    out = []
    for iv in intervals:
        seconds = (iv.end - iv.start) / fps
        if seconds > max_seconds:
            out.append(
                f"frames {iv.start}-{iv.end} span {seconds:.2f} s, longer than a "
                f"micro-expression (> {max_seconds:g} s): a macro-expression, head motion the "
                "registration missed, or a frame rate far from the training one"
            )
    return out
