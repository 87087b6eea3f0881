"""The inference API: ``Predictor.from_checkpoint(ckpt).run(video, folder or frames)``.

The steps are those of a training run's whole-clip evaluation, everything taken from the
checkpoint: the face crop chosen on the first frame, squared and resized to the input size,
TV-L1 flow along frames 0, s, 2s, ... (``s`` = the frame stride), each step's from its
reference frame, the network in chunks that carry the GRU state; step k is reported at frame
``(k+1)*s``. Intervals are then spotted in the predicted intensity and labelled.
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
from microexp.predict.crop import choose_crop, crop_frame
from microexp.predict.errors import PredictError
from microexp.predict.model import Model, load_model
from microexp.predict.prediction import Prediction, finalize
from microexp.predict.sources import Source, open_source
from microexp.predict.streaming import DEFAULT_CHUNK, StreamingInference
from microexp.progress import progress_bar

log = logging.getLogger(__name__)

#: ``compile_flow=None`` compiles the torch TV-L1 solver for inputs announcing at least this
#: many frames: compiling costs 20 s to minutes on a CPU and then runs several times faster.
COMPILE_MIN_FRAMES = 4000

Chain = Iterable[tuple[int, int, np.ndarray]]


@dataclass
class Predictor:
    """Spots and recognises micro-expressions with a trained joint network.

    Args:
        model: the network and its settings (:meth:`from_checkpoint`, or built directly).
        chunk: steps per forward pass (bounds memory; does not change the result).
        detect_face: crop videos and folders to the face found on their first frame (False:
            the frames are already cropped to the face).
        compile_flow: ``torch.compile`` the TV-L1 solver (torch backend): several times
            faster per frame pair, but compiling costs 20 s or more on a CPU. None: for a
            video or folder announcing at least ``COMPILE_MIN_FRAMES`` frames.
        progress: a progress bar on stderr while a video or folder is read.
    """

    model: Model
    chunk: int = DEFAULT_CHUNK
    detect_face: bool = True
    compile_flow: bool | None = None
    progress: bool = False

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        device: str | torch.device | None = None,
        *,
        stride: int | None = None,
        **options: Any,
    ) -> Predictor:
        """A predictor for the joint network of a ``stage=joint`` checkpoint.

        Args:
            device: ``cpu``, ``cuda`` or None (CUDA when available).
            stride: frames per network step (default: the checkpoint's ``frame_stride``).
            options: the other fields (``chunk``, ``detect_face``, ...).

        Raises:
            CheckpointError, PredictError: a checkpoint that cannot be used (see
                :func:`~microexp.predict.model.load_model`).
        """
        model = load_model(path, device)
        if stride is not None:
            model = dataclasses.replace(model, frame_stride=stride)
        return cls(model, **options)

    def run(
        self,
        frames_or_path: str | Path | Iterable[np.ndarray],
        numbers: Iterable[int] | None = None,
        *,
        box: Box | None = None,
    ) -> Prediction:
        """Predict on a video file or folder of frames (read as a stream), or on frames in
        memory: RGB uint8 ``(H, W, 3)`` of any size, numbered ``numbers`` (default 0, 1, ...),
        cropped to ``box`` (None: whole frames); an iterator is consumed as a stream.

        Raises:
            PredictError: an input that cannot be read, no face, or fewer than
                ``frame_stride + 1`` frames.
        """
        if isinstance(frames_or_path, str | Path):
            return self._run_source(open_source(frames_or_path))
        return self._run_frames(frames_or_path, numbers, box)

    def _run_source(self, source: Source) -> Prediction:
        crop = choose_crop(
            source.first_frame(),
            detect=self.detect_face,
            name=f"the first frame of {source.path}",
        )
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
                source.frames(self.model.frame_stride),
                lambda: source.frames_read,
                crop.box,
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
        return dataclasses.replace(
            pred, source=str(source.path), fps=source.fps, crop=crop, ignored=source.ignored
        )

    def _run_frames(
        self, frames: Iterable[np.ndarray], numbers: Iterable[int] | None, box: Box | None
    ) -> Prediction:
        numbered = zip(itertools.count() if numbers is None else numbers, frames, strict=False)
        seen = 0

        def counted() -> Iterator[tuple[int, int, np.ndarray]]:
            nonlocal seen
            for number, image in numbered:
                seen += 1
                yield seen - 1, int(number), image

        chain = itertools.islice(counted(), 0, None, self.model.frame_stride)
        return self._predict(chain, lambda: seen, box, bool(self.compile_flow))

    def _predict(
        self,
        chain: Chain,
        frames_read: Callable[[], int],
        box: Box | None,
        compile_flow: bool,
        advance: Callable[[int], None] | None = None,
    ) -> Prediction:
        """Run the chain ``(index, number, image)`` of frames ``frame_stride`` apart."""
        model = self.model
        start = time.perf_counter()
        stream = StreamingInference(model, self.chunk, compile_flow)
        shape: tuple[int, ...] | None = None
        for index, number, image in chain:
            if shape is None:
                shape = image.shape
            elif box is not None and image.shape != shape:
                raise PredictError(
                    f"frame {number} is {image.shape[1]}x{image.shape[0]}, the first was "
                    f"{shape[1]}x{shape[0]}: one face box cannot crop frames of different sizes"
                )
            stream.push(number, crop_frame(image, box))
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
