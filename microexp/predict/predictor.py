"""The inference API: ``Predictor.from_checkpoint(ckpt).run(video, folder or frames)``.

The steps are those of a training run's whole-clip evaluation, everything taken from the
checkpoint: the face found on the first frame and every later frame registered to it (head
motion removed; :mod:`microexp.predict.align`), squared and resized to the input size, TV-L1
flow along frames 0, s, 2s, ... (``s`` frames span the training step's time at the input's
frame rate; :mod:`microexp.predict.rate`), each step's from its reference frame, the network
in chunks that carry the GRU state; step k is reported at frame ``(k+1)*s``. Intervals are
then spotted in the predicted intensity and labelled; what deserves a second look (an assumed
frame rate, an unfinished training run, an interval too long for a micro-expression) is in
:attr:`Prediction.warnings`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from microexp.data.face import Box
from microexp.predict.align import Aligner, make_aligner
from microexp.predict.crop import crop_frame
from microexp.predict.errors import PredictError
from microexp.predict.model import Model, load_model
from microexp.predict.prediction import Prediction, finalize, long_intervals
from microexp.predict.rate import StepPlan, plan_steps
from microexp.predict.sources import Source, open_source
from microexp.predict.streaming import DEFAULT_CHUNK, StreamingInference
from microexp.progress import progress_bar

log = logging.getLogger(__name__)

#: ``compile_flow=None`` compiles the torch TV-L1 solver for inputs announcing at least this
#: many frames: compiling costs 20 s to minutes on a CPU and then runs several times faster.
COMPILE_MIN_FRAMES = 4000

Chain = Iterable[tuple[int, int, np.ndarray]]
Align = Callable[[np.ndarray, int], np.ndarray]
#: Intervals longer than this (seconds) are warned of: a micro-expression lasts under 0.5 s.
MAX_INTERVAL_S = 0.5


@dataclass
class Predictor:
    """Spots and recognises micro-expressions with a trained joint network.

    Args:
        model: the network and its settings (:meth:`from_checkpoint`, or built directly).
        chunk: steps per forward pass (bounds memory; does not change the result).
        detect_face: crop videos and folders to the face found on their first frame (False:
            the frames are already cropped to the face).
        register: register every frame's face to the first frame's (False: the first
            frame's crop for every frame, head motion left in).
        stride: input frames per step (None: those spanning the training step's time).
        fps: the input's frame rate (None: a video's own; unknown for folders and frames in
            memory, which then step as in training).
        max_interval_s: intervals longer than this are warned of.
        compile_flow: ``torch.compile`` the TV-L1 solver (torch backend): several times
            faster per frame pair, but compiling costs 20 s or more on a CPU. None: for a
            video or folder announcing at least ``COMPILE_MIN_FRAMES`` frames.
        progress: a progress bar on stderr while a video or folder is read.
    """

    model: Model
    chunk: int = DEFAULT_CHUNK
    detect_face: bool = True
    register: bool = True
    stride: int | None = None
    fps: float | None = None
    max_interval_s: float = MAX_INTERVAL_S
    compile_flow: bool | None = None
    progress: bool = False

    def __post_init__(self) -> None:
        for name, value, low in (("--chunk", self.chunk, 1), ("--stride", self.stride, 1)):
            if value is not None and value < low:
                raise PredictError(f"{name} must be >= {low}, got {value}")
        for name, value in (("--fps", self.fps), ("--max-interval", self.max_interval_s)):
            if value is not None and not value > 0:
                raise PredictError(f"{name} must be > 0, got {value}")

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, device: str | torch.device | None = None, **options: Any
    ) -> Predictor:
        """A predictor for the joint network of a ``stage=joint`` checkpoint.

        Args:
            device: ``cpu``, ``cuda`` or None (CUDA when available).
            options: the other fields (``stride``, ``chunk``, ``detect_face``, ...).

        Raises:
            CheckpointError, PredictError: a checkpoint that cannot be used (see
                :func:`~microexp.predict.model.load_model`).
        """
        return cls(load_model(path, device), **options)

    def plan(self, input_fps: float | None) -> StepPlan:
        """The stride for an input at ``input_fps`` (``fps`` given here wins)."""
        return plan_steps(self.model, self.fps or input_fps, self.stride)

    def aligner(self, first: np.ndarray, name: str) -> Aligner:
        """The face crop and registration of an input whose first frame is ``first``."""
        return make_aligner(
            first,
            detect=self.detect_face,
            register=self.register,
            name=f"the first frame of {name}",
        )

    def run(
        self,
        frames_or_path: str | Path | Iterable[np.ndarray],
        numbers: Iterable[int] | None = None,
        *,
        box: Box | None = None,
    ) -> Prediction:
        """Predict on a video file or folder of frames (read as a stream), or on frames in
        memory: RGB uint8 ``(H, W, 3)`` of any size, numbered ``numbers`` (default 0, 1, ...),
        cropped to ``box`` (None: whole frames; never registered); an iterator is consumed
        as a stream.

        Raises:
            PredictError: an input that cannot be read, no face, or fewer than
                ``frame_stride + 1`` frames.
        """
        if isinstance(frames_or_path, str | Path):
            return self._run_source(open_source(frames_or_path))
        return self._run_frames(frames_or_path, numbers, box)

    def _run_source(self, source: Source) -> Prediction:
        aligner = self.aligner(source.first_frame(), str(source.path))
        plan = self.plan(source.fps)
        model = plan.apply(self.model)
        compile_flow = self.compile_flow
        if compile_flow is None:
            compile_flow = (source.count or 0) >= COMPILE_MIN_FRAMES
        with progress_bar(
            self.progress,
            source.count,
            f"predicting {source.path.name}",
            "frames",
            transient=True,
            absolute=True,
        ) as advance:
            pred = self._predict(
                model,
                source.frames(model.frame_stride),
                lambda: source.frames_read,
                aligner,
                compile_flow,
                advance,
            )
        if source.kind == "video" and source.count and pred.frames < source.count:
            log.warning(
                "%s announces %d frames; %d could be decoded",
                source.path,
                source.count,
                pred.frames,
            )
        pred = dataclasses.replace(
            pred,
            source=str(source.path),
            fps=self.fps or source.fps,
            crop=aligner.crop,
            ignored=source.ignored,
            registration=aligner.summary(),
            plan=plan,
        )
        return self._questioned(pred, plan)

    def _questioned(self, pred: Prediction, plan: StepPlan | None) -> Prediction:
        """``pred`` with the warnings its inputs deserve."""
        warnings = list(plan.warnings) if plan is not None else []
        run = self.model.run.warning()
        if run:
            warnings.append(run)
        fps = pred.fps or (plan.training_fps if plan is not None else self.model.fps)
        warnings += long_intervals(pred.intervals, fps, self.max_interval_s)
        return dataclasses.replace(pred, warnings=warnings)

    def _run_frames(
        self, frames: Iterable[np.ndarray], numbers: Iterable[int] | None, box: Box | None
    ) -> Prediction:
        numbered = zip(itertools.count() if numbers is None else numbers, frames, strict=False)
        seen = 0
        # frames in memory step as in training unless a rate or a stride is given
        plan = self.plan(None) if self.fps or self.stride else None
        model = plan.apply(self.model) if plan is not None else self.model

        def counted() -> Iterator[tuple[int, int, np.ndarray]]:
            nonlocal seen
            for number, image in numbered:
                seen += 1
                yield seen - 1, int(number), image

        chain = itertools.islice(counted(), 0, None, model.frame_stride)
        pred = self._predict(model, chain, lambda: seen, _fixed_crop(box), bool(self.compile_flow))
        return self._questioned(dataclasses.replace(pred, fps=self.fps, plan=plan), plan)

    def _predict(
        self,
        model: Model,
        chain: Chain,
        frames_read: Callable[[], int],
        align: Align,
        compile_flow: bool,
        advance: Callable[[int], None] | None = None,
    ) -> Prediction:
        """Run the chain ``(index, number, image)`` of frames ``frame_stride`` apart."""
        start = time.perf_counter()
        stream = StreamingInference(model, self.chunk, compile_flow)
        for index, number, image in chain:
            stream.push(number, align(image, number))
            if advance is not None:
                advance(index + 1)
        numbers, intensity, probs = stream.finish()
        n = frames_read()
        if advance is not None:
            advance(n)
        s = model.frame_stride
        if n == 0:
            raise PredictError("zero frames: nothing to predict on")
        if len(numbers) == 0:
            raise PredictError(
                f"{n} frame{'s' if n != 1 else ''}: at least {s + 1} are needed (the network "
                f"moves {s} frame{'s' if s != 1 else ''} per step)"
            )
        seconds = time.perf_counter() - start
        return finalize(model.spot, numbers, intensity, probs, n, seconds)


def _fixed_crop(box: Box | None) -> Align:
    """Every frame cropped to ``box`` (None: whole frames, of any size)."""
    shape: list[tuple[int, ...]] = []

    def align(image: np.ndarray, number: int) -> np.ndarray:
        if box is not None:
            if not shape:
                shape.append(image.shape)
            elif image.shape != shape[0]:
                raise PredictError(
                    f"frame {number} is {image.shape[1]}x{image.shape[0]}, the first was "
                    f"{shape[0][1]}x{shape[0][0]}: one face box cannot crop frames of "
                    "different sizes"
                )
        return crop_frame(image, box)

    return align
