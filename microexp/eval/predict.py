"""Spot and recognise micro-expressions in your own video: ``python -m microexp.eval.predict``.

``python -m microexp.eval.predict CKPT INPUT [--out DIR] [--device cpu|cuda] [--chunk N]
[--no-face] [--stride S] [--compile-flow auto|on|off] [--no-progress]`` where CKPT is the
``checkpoints/last.ckpt`` of a ``stage=joint`` run and INPUT a video file (anything OpenCV reads:
mp4, avi, ...) or a folder of frames (image files in natural order: ``frame2`` before
``frame10``).

The steps are those of a training run's whole-clip evaluation
(:class:`microexp.data.datamodule.WholeClips`, :meth:`microexp.tasks.joint.JointTask.infer`),
with everything taken from the checkpoint (classes, input size, frame stride, flow backend and
parameters, head-motion compensation, spotting settings):

1. Face crop (:func:`choose_crop`): the largest face on the first frame, found by the LBP
   frontal-face cascade that ships inside scikit-image (:class:`~microexp.data.face.FaceDetector`),
   grown by :func:`~microexp.data.face.expand_box`; that box is used for every frame. Frames that
   are already face crops (portrait or nearly square, face box covering at least
   ``CROPPED_FACE_COVER`` of the frame) are used whole, as the training set's cropped frames were;
   ``--no-face`` skips detection altogether.
2. Resize to the checkpoint's input size (:func:`microexp.data.frames.resize_square`).
3. TV-L1 flow with the checkpoint's backend and parameters from frame ``i`` to ``i + s``
   (``s`` = the checkpoint's ``frame_stride``) along frames 0, s, 2s, ... only; rounded to
   float16 (the precision the training flow cache stores) and head-motion compensated
   (:func:`microexp.data.targets.compensate_head_motion`) when the run did so. The torch
   solver is compiled (``--compile-flow``) only for long inputs: compiling costs 20 s or more.
4. The joint network over the whole input, in chunks of ``--chunk`` steps that carry the GRU
   state (:func:`microexp.models.joint.infer_clip`): frames are read as a stream and memory stays
   bounded however long the video is. Step k moves from frame ``k*s`` to ``(k+1)*s`` and is
   reported at frame ``(k+1)*s``, as evaluation does.
5. Intervals spotted in the predicted intensity (:func:`microexp.eval.spotting.spot_intervals`),
   each labelled with the class of highest mean probability inside it; a state per step.

Frame numbers: a video's frames count from 0; a folder's frames carry the number at the end of
their file names (``img46.jpg`` -> 46) when every file has one and they rise in name order, and
their position (from 0) otherwise.

Writes ``intensity.csv`` (one row per step: frame, time, intensity, state, class
probabilities), ``intervals.json`` (spotted intervals with class and confidence) and
``fig2.png`` (intensity with state bands, the paper's Fig. 2) into ``--out``, and prints a short
summary. :func:`predict_frames` runs the same pipeline on frames in memory (no files written).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import itertools
import json
import logging
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from microexp.data.face import Box, FaceDetector, expand_box
from microexp.data.frames import (
    IMAGE_SUFFIXES,
    FrameReadError,
    natural_key,
    read_rgb,
    resize_square,
)
from microexp.data.targets import compensate_head_motion
from microexp.eval.spotting import (
    DEFAULT_SPOT,
    Interval,
    clip_prediction,
    intensity_states,
    spot_intervals,
)
from microexp.flow.params import TVL1Params
from microexp.models.joint import JointNet, infer_clip
from microexp.progress import progress_bar
from microexp.states import STATES

__all__ = [
    "CropChoice",
    "FolderSource",
    "Model",
    "Prediction",
    "PredictError",
    "StreamingInference",
    "VideoSource",
    "choose_crop",
    "load_model",
    "main",
    "open_source",
    "predict_frames",
    "predict_source",
    "write_outputs",
]

log = logging.getLogger(__name__)

#: Steps per forward pass (and flow batch): bounds memory, does not change the result.
DEFAULT_CHUNK = 128
#: ``--compile-flow auto`` compiles the torch TV-L1 solver for inputs of at least this many
#: frames: compiling costs 20 s to minutes on a CPU and then runs several times faster.
COMPILE_MIN_FRAMES = 4000
#: A first frame whose width / height lies in this range (portrait or nearly square) ...
CROPPED_ASPECT = (0.6, 1.1)
#: ... and whose grown face box covers at least this fraction of it is already a face crop.
CROPPED_FACE_COVER = 0.4
JOINT_TARGET = "microexp.models.joint.JointNet"
_TRAILING_NUMBER = re.compile(r"(\d+)$")


class PredictError(ValueError):
    """An input or checkpoint that cannot be used; the message names it and says why."""


# ------------------------------------------------------------------------------ the model


@dataclass
class Model:
    """A joint network with everything inference needs (what a checkpoint carries).

    Build one with :func:`load_model`, or directly (e.g. an untrained network for timing).
    """

    net: JointNet
    classes: tuple[str, ...]
    image_size: int = 64
    frame_stride: int = 1
    flow_backend: str = "torch"
    flow_params: TVL1Params = field(default_factory=TVL1Params)
    compensate_head: bool = True
    spot: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SPOT))
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    path: Path | None = None

    def __post_init__(self) -> None:
        if self.frame_stride < 1:
            raise PredictError(f"frame stride must be >= 1, got {self.frame_stride}")
        self.net = self.net.to(self.device).eval()

    def describe(self) -> str:
        """One line: classes, input size, stride, flow."""
        return (
            f"joint network (width {self.net.width}), {len(self.classes)} classes, "
            f"{self.image_size}x{self.image_size} input, frame stride {self.frame_stride}, "
            f"{self.flow_backend} TV-L1 flow"
            f"{', head motion compensated' if self.compensate_head else ''}, on {self.device}"
        )


def resolve_device(name: str | None) -> torch.device:
    """``cpu``, ``cuda`` (``cuda:N``) or None (CUDA when available, else the CPU)."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise PredictError(f"unknown device {name!r}: use cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise PredictError(f"--device {name}: no CUDA device is available here; use --device cpu")
    if device.type not in ("cpu", "cuda"):
        raise PredictError(f"unknown device {name!r}: use cpu or cuda")
    return device


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def load_model(path: str | Path, device: str | torch.device | None = None) -> Model:
    """Load the joint network of a ``stage=joint`` checkpoint (``weights_only`` load).

    Raises:
        PredictError: the file is missing, damaged, not a microexp checkpoint, the checkpoint of
            a spatial or temporal stage, or lacks what inference needs.
    """
    path = Path(path)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    if not path.exists():
        raise PredictError(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise PredictError(f"checkpoint {path} is not a file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types on damaged files
        raise PredictError(
            f"cannot load checkpoint {path}: damaged or not a PyTorch checkpoint "
            f"({_first_line(exc)})"
        ) from None
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise PredictError(f"{path} is not a training checkpoint (it has no state_dict)")
    meta = ckpt.get("microexp")
    if not isinstance(meta, dict):
        raise PredictError(
            f"{path} carries no microexp metadata: not a checkpoint written by microexp.train"
        )
    stage = meta.get("stage")
    if stage != "joint":
        raise PredictError(
            f"{path} is the checkpoint of the {stage} stage; predict needs the joint network's: "
            "checkpoints/last.ckpt of a stage=joint run (e.g. "
            "outputs/train/runs/<date>_joint/checkpoints/last.ckpt, not the spatial/ or "
            "temporal/ runs inside it)"
        )
    missing = [k for k in ("net", "image_size", "frame_stride", "flow") if meta.get(k) is None]
    if missing:
        raise PredictError(f"{path} lacks {', '.join(missing)} in its metadata; retrain it")
    hparams = ckpt.get("hyper_parameters") or {}
    classes = tuple(meta.get("classes") or hparams.get("class_names") or ())
    net_cfg = dict(meta["net"])
    target = net_cfg.pop("_target_", JOINT_TARGET)
    if target != JOINT_TARGET:
        raise PredictError(f"{path} holds a {target}, not a {JOINT_TARGET}")
    try:
        net = JointNet(**net_cfg)
    except (TypeError, ValueError) as exc:
        raise PredictError(f"{path}: cannot rebuild the network ({_first_line(exc)})") from None
    state = {k[4:]: v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise PredictError(
            f"{path}: the weights do not fit the network its metadata describes "
            f"({_first_line(exc)})"
        ) from None
    num_classes = net.memory.class_head[-1].out_features
    if len(classes) != num_classes:
        raise PredictError(
            f"{path} names {len(classes)} classes for a network with {num_classes} outputs"
        )
    size = meta["image_size"]
    if isinstance(size, list | tuple):
        if len(size) != 2 or size[0] != size[1]:
            raise PredictError(f"{path}: input size {size} is not square")
        size = size[0]
    flow = dict(meta["flow"])
    backend = str(flow.get("backend", "torch"))
    if backend not in ("torch", "opencv"):
        raise PredictError(f"{path}: unknown flow backend {backend!r}")
    try:
        params = TVL1Params.from_kwargs(**(flow.get("params") or {}))
    except (TypeError, ValueError) as exc:
        raise PredictError(f"{path}: flow parameters not understood ({exc})") from None
    spot = meta.get("spot") or hparams.get("spot") or DEFAULT_SPOT
    return Model(
        net=net,
        classes=classes,
        image_size=int(size),
        frame_stride=int(meta["frame_stride"]),
        flow_backend=backend,
        flow_params=params,
        compensate_head=bool(flow.get("compensate_head", True)),
        spot=dict(spot),
        device=dev,
        path=path,
    )


# ------------------------------------------------------------------------------ inputs


class VideoSource:
    """A video file read frame by frame with OpenCV (never whole into memory)."""

    kind = "video"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        cap = cv2.VideoCapture(str(self.path))
        try:
            if not cap.isOpened():
                raise PredictError(
                    f"cannot read video {self.path}: OpenCV cannot open it (not a video, "
                    "damaged, or a codec this OpenCV build lacks)"
                )
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            fps = cap.get(cv2.CAP_PROP_FPS)
        finally:
            cap.release()
        #: Frames announced by the file's header (may be off; None when unknown).
        self.count: int | None = int(count) if count and count > 0 else None
        self.fps: float | None = float(fps) if fps and math.isfinite(fps) and fps > 0 else None
        #: Frames decoded so far by :meth:`frames`.
        self.frames_read = 0

    def first_frame(self) -> np.ndarray:
        """Frame 0 (RGB uint8)."""
        for _, _, image in self.frames(1):
            return image
        raise PredictError(f"video {self.path} has no frame that can be decoded (zero frames)")

    def frames(self, step: int = 1) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(index, frame number, RGB uint8 image)`` of every ``step``-th frame from frame 0.

        The frames between are only grabbed (not converted); :attr:`frames_read` counts all.
        """
        cap = cv2.VideoCapture(str(self.path))
        self.frames_read = 0
        try:
            index = 0
            while True:
                if index % step == 0:
                    ok, bgr = cap.read()
                    if not ok or bgr is None:
                        break
                    self.frames_read = index + 1
                    yield index, index, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                else:
                    if not cap.grab():
                        break
                    self.frames_read = index + 1
                index += 1
        finally:
            cap.release()


class FolderSource:
    """A folder of frames: its image files in natural order (``f2`` before ``f10``)."""

    kind = "folder"
    fps: float | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        entries = [p for p in self.path.iterdir() if not p.name.startswith(".")]
        images = {p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}
        self.files = sorted(images, key=lambda p: natural_key(p.name))
        #: Entries that are not image files (named in the summary, never read).
        self.ignored = sorted(p.name for p in entries if p not in images)
        if not self.files:
            raise PredictError(
                f"folder {self.path} holds no image files "
                f"({', '.join(sorted(IMAGE_SUFFIXES))}): zero frames"
            )
        self.numbers = frame_numbers_from_names([p.name for p in self.files])
        self.count: int | None = len(self.files)
        self.frames_read = 0

    def first_frame(self) -> np.ndarray:
        return self._read(0)

    def _read(self, i: int) -> np.ndarray:
        try:
            return read_rgb(self.files[i])
        except FrameReadError as exc:
            raise PredictError(f"cannot decode frame {exc.path}") from None

    def frames(self, step: int = 1) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(index, frame number, RGB uint8 image)`` of every ``step``-th file from the first
        (the files between are not read)."""
        self.frames_read = 0
        for i in range(0, len(self.files), step):
            image = self._read(i)
            self.frames_read = min(len(self.files), i + step)
            yield i, self.numbers[i], image
        self.frames_read = len(self.files)


def frame_numbers_from_names(names: list[str]) -> list[int]:
    """The number ending each file name when all have one and they rise in this order, else
    the positions 0, 1, 2, ..."""
    found = [_TRAILING_NUMBER.search(Path(n).stem) for n in names]
    if all(found):
        numbers = [int(m.group(1)) for m in found]  # type: ignore[union-attr]
        if all(a < b for a, b in itertools.pairwise(numbers)):
            return numbers
    return list(range(len(names)))


def open_source(path: str | Path) -> VideoSource | FolderSource:
    """A video file or a folder of frames."""
    path = Path(path)
    if not path.exists():
        raise PredictError(f"input {path} does not exist")
    if path.is_dir():
        return FolderSource(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise PredictError(
            f"input {path} is a single image (one frame): give a video or a folder of frames"
        )
    return VideoSource(path)


# ------------------------------------------------------------------------------ face crop


@dataclass(frozen=True)
class CropChoice:
    """How every frame is cropped: ``box`` (None = the whole frame) and why."""

    box: Box | None
    face: Box | None  # the detected face, when detection ran
    reason: str


def choose_crop(
    image: np.ndarray,
    *,
    detect: bool = True,
    detector: FaceDetector | None = None,
    margin: float = 0.25,
    name: str = "the first frame",
) -> CropChoice:
    """The crop for every frame, decided on the first one (``image``, RGB uint8).

    The rule: with ``detect=False`` the whole frame. Otherwise the largest face (none: an
    error); its box grown by ``margin`` (:func:`~microexp.data.face.expand_box`, as training
    crops raw frames) is the crop, unless the frame is already a face crop: portrait or nearly
    square (width / height in ``CROPPED_ASPECT``) with the grown box covering at least
    ``CROPPED_FACE_COVER`` of it. Then the whole frame is used, as training used its cropped
    frames.

    Raises:
        PredictError: no face was found.
    """
    h, w = image.shape[:2]
    if not detect:
        return CropChoice(None, None, "whole frame (--no-face)")
    face = (detector or FaceDetector()).detect(image)
    if face is None:
        raise PredictError(
            f"no face found in {name} (the detector, scikit-image's LBP frontal-face cascade, "
            "needs an upright frontal face at least 15% of the frame's shorter side); if the "
            "frames are already cropped to the face, pass --no-face"
        )
    box = expand_box(face, image.shape, margin)
    cover = box.area / float(h * w)
    lo, hi = CROPPED_ASPECT
    if lo <= w / h <= hi and cover >= CROPPED_FACE_COVER:
        return CropChoice(
            None,
            face,
            f"whole frame: already a face crop (the face box covers {cover:.0%} of the "
            f"{w}x{h} frame)",
        )
    return CropChoice(
        box,
        face,
        f"face box x {box.x0}-{box.x1}, y {box.y0}-{box.y1} of the {w}x{h} frame, "
        "from the first frame",
    )


def to_network(image: np.ndarray, box: Box | None, size: int) -> np.ndarray:
    """Crop (``box``) and resize an RGB uint8 ``(H, W, 3)`` frame to ``(3, size, size)``."""
    if box is not None:
        image = image[box.y0 : box.y1, box.x0 : box.x1]
    return np.ascontiguousarray(resize_square(image, size).transpose(2, 0, 1))


# ------------------------------------------------------------------------------ inference


class StreamingInference:
    """Flow and network over a stream of frames ``s`` apart, ``chunk`` steps at a time.

    :meth:`push` network-size frames (``(3, S, S)`` uint8, the chain 0, s, 2s, ...); every
    ``chunk`` steps the flow between consecutive ones is computed and the network run with the
    GRU state of the previous chunk. Memory: ``chunk + 1`` frames and the per-step outputs.
    """

    def __init__(
        self, model: Model, chunk: int = DEFAULT_CHUNK, compile_flow: bool = False
    ) -> None:
        if chunk < 1:
            raise PredictError(f"--chunk must be >= 1, got {chunk}")
        self.model = model
        self.chunk = chunk
        self.compile_flow = compile_flow
        self._frames: list[np.ndarray] = []
        self._numbers: list[int] = []
        self._hidden: torch.Tensor | None = None
        self._out_numbers: list[np.ndarray] = []
        self._probs: list[np.ndarray] = []
        self._intensity: list[np.ndarray] = []

    def push(self, number: int, frame: np.ndarray) -> None:
        """Add the next frame of the chain (reported as frame ``number``)."""
        self._frames.append(frame)
        self._numbers.append(int(number))
        if len(self._frames) > self.chunk:
            self._run()

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run what is left. Returns frame numbers (T,), intensity (T,) and probs (T, C)."""
        if len(self._frames) > 1:
            self._run()
        c = len(self.model.classes)
        if not self._probs:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros((0, c))
        return (
            np.concatenate(self._out_numbers),
            np.concatenate(self._intensity),
            np.concatenate(self._probs),
        )

    def flow(self, frames: torch.Tensor) -> torch.Tensor:
        """Flow between consecutive frames of ``frames`` ((n+1, 3, S, S) uint8), prepared as the
        training data is: float16 precision, head motion subtracted. Returns (n, 2, S, S)."""
        from microexp.flow import compute_flow

        m = self.model
        device = m.device if m.flow_backend == "torch" else None
        flow = compute_flow(
            frames[:-1],
            frames[1:],
            m.flow_backend,
            device,
            params=m.flow_params,
            compile=self.compile_flow if m.flow_backend == "torch" else None,
        )
        flow = flow.detach().cpu().to(torch.float16).float()  # the flow cache's precision
        if m.compensate_head:
            flow = torch.from_numpy(compensate_head_motion(flow.numpy()))
        return flow

    def _run(self) -> None:
        frames = torch.from_numpy(np.stack(self._frames))
        flow = self.flow(frames)
        dev = self.model.device
        out = infer_clip(
            self.model.net,
            frames[None].to(dev),
            flow[None].to(dev),
            chunk=self.chunk,
            hidden=self._hidden,
        )
        self._hidden = out.hidden
        self._probs.append(out.probs[0].float().cpu().numpy().astype(np.float64))
        self._intensity.append(out.intensity[0].float().cpu().numpy().astype(np.float64))
        self._out_numbers.append(np.asarray(self._numbers[1:], np.int64))
        self._frames, self._numbers = self._frames[-1:], self._numbers[-1:]


@dataclass
class Prediction:
    """What :func:`predict_frames` / :func:`predict_source` found in one input."""

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

    @property
    def steps(self) -> int:
        return int(len(self.frame_numbers))

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def finalize(
    model: Model,
    numbers: np.ndarray,
    intensity: np.ndarray,
    probs: np.ndarray,
    frames: int,
    seconds: float,
) -> Prediction:
    """Spot intervals, label each (and the input), and read the states off the curve."""
    intervals = spot_intervals(intensity, numbers, **model.spot)
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


def _predict_chain(
    model: Model,
    chain: Iterable[tuple[int, int, np.ndarray]],
    frames_read: Callable[[], int],
    *,
    box: Box | None,
    chunk: int,
    compile_flow: bool = False,
    advance: Callable[[int], None] | None = None,
) -> Prediction:
    """Run the chain ``(index, number, image)`` of frames ``stride`` apart."""
    start = time.perf_counter()
    stream = StreamingInference(model, chunk, compile_flow)
    shape: tuple[int, ...] | None = None
    for index, number, image in chain:
        if shape is None:
            shape = image.shape
        elif box is not None and image.shape != shape:
            raise PredictError(
                f"frame {number} is {image.shape[1]}x{image.shape[0]}, the first was "
                f"{shape[1]}x{shape[0]}: one face box cannot crop frames of different sizes"
            )
        stream.push(number, to_network(image, box, model.image_size))
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
    return finalize(model, numbers, intensity, probs, n, time.perf_counter() - start)


def predict_frames(
    model: Model,
    frames: Iterable[np.ndarray],
    numbers: Iterable[int] | None = None,
    *,
    box: Box | None = None,
    chunk: int = DEFAULT_CHUNK,
    compile_flow: bool = False,
) -> Prediction:
    """Predict on frames in memory (nothing is written): the whole pipeline after reading.

    Args:
        model: from :func:`load_model` (or built directly).
        frames: every frame of the input in order, RGB uint8 ``(H, W, 3)`` of any size (an
            iterator is consumed as a stream); every ``model.frame_stride``-th is used.
        numbers: the frames' numbers (default 0, 1, 2, ...).
        box: crop box (e.g. :func:`choose_crop`'s); None uses whole frames.
        chunk: steps per forward pass.
        compile_flow: ``torch.compile`` the TV-L1 solver (torch backend): several times
            faster per frame pair, but compiling costs 20 s or more on a CPU at the first call
            of a process; worth it for long inputs only.

    Raises:
        PredictError: fewer than ``frame_stride + 1`` frames.
    """
    numbered = zip(itertools.count() if numbers is None else numbers, frames, strict=False)
    seen = 0

    def counted() -> Iterator[tuple[int, int, np.ndarray]]:
        nonlocal seen
        for number, image in numbered:
            seen += 1
            yield seen - 1, int(number), image

    chain = itertools.islice(counted(), 0, None, model.frame_stride)
    return _predict_chain(
        model, chain, lambda: seen, box=box, chunk=chunk, compile_flow=compile_flow
    )


def predict_source(
    model: Model,
    source: VideoSource | FolderSource,
    crop: CropChoice,
    *,
    chunk: int = DEFAULT_CHUNK,
    compile_flow: bool | None = None,
    progress: bool = False,
) -> Prediction:
    """Predict on a video or frame folder, streaming it (with a progress bar on stderr).

    ``compile_flow=None`` compiles the torch TV-L1 solver when the input announces at least
    ``COMPILE_MIN_FRAMES`` frames."""
    if compile_flow is None:
        compile_flow = (source.count or 0) >= COMPILE_MIN_FRAMES
    with progress_bar(
        progress,
        source.count,
        f"predicting {source.path.name}",
        "frames",
        transient=True,
        absolute=True,
    ) as advance:
        return _predict_chain(
            model,
            source.frames(model.frame_stride),
            lambda: source.frames_read,
            box=crop.box,
            chunk=chunk,
            compile_flow=compile_flow,
            advance=advance,
        )


# ------------------------------------------------------------------------------ outputs


def _seconds(frame: int, fps: float | None) -> float | None:
    return round(frame / fps, 4) if fps else None


def write_outputs(
    pred: Prediction,
    model: Model,
    out: Path,
    *,
    source: str = "",
    fps: float | None = None,
    crop: CropChoice | None = None,
) -> dict[str, Path]:
    """``intensity.csv``, ``intervals.json`` and ``fig2.png`` in ``out``."""
    from microexp.eval import plots

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PredictError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    classes = model.classes
    files = {"intensity": out / "intensity.csv", "intervals": out / "intervals.json"}
    with files["intensity"].open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["frame", "time_s", "intensity", "state"] + [f"p_{c}" for c in classes])
        for i, frame in enumerate(pred.frame_numbers):
            t = _seconds(int(frame), fps)
            writer.writerow(
                [int(frame), "" if t is None else f"{t:.4f}", f"{pred.intensity[i]:.6f}"]
                + [STATES[pred.states[i]]]
                + [f"{p:.6f}" for p in pred.probs[i]]
            )

    def probs(p: np.ndarray) -> dict[str, float]:
        return {c: round(float(v), 6) for c, v in zip(classes, p, strict=True)}

    intervals = [
        {
            "start": iv.start,
            "end": iv.end,
            "peak": iv.peak,
            "start_s": _seconds(iv.start, fps),
            "end_s": _seconds(iv.end, fps),
            "score": round(iv.score, 6),
            "class": classes[iv.label] if iv.label is not None else None,
            "label": iv.label,
            "confidence": round(float(iv.confidence or 0.0), 6),
            "probabilities": probs(p),
        }
        for iv, p in zip(pred.intervals, pred.interval_probs, strict=True)
    ]
    report = {
        "input": source,
        "checkpoint": str(model.path) if model.path else None,
        "frames": pred.frames,
        "fps": fps,
        "frame_stride": model.frame_stride,
        "steps": pred.steps,
        "first_step_frame": int(pred.frame_numbers[0]),
        "last_step_frame": int(pred.frame_numbers[-1]),
        "crop": None
        if crop is None
        else {
            "box": None if crop.box is None else dataclasses.astuple(crop.box),
            "face": None if crop.face is None else dataclasses.astuple(crop.face),
            "reason": crop.reason,
        },
        "classes": list(classes),
        "spot": model.spot,
        "intervals": intervals,
        "clip": {
            "class": classes[pred.label],
            "label": pred.label,
            "confidence": round(pred.confidence, 6),
            "from": "highest-scoring interval" if pred.from_interval else "whole input",
            "probabilities": probs(pred.clip_probs),
        },
        "seconds": round(pred.seconds, 3),
        "frames_per_second": round(pred.frames_per_second, 2),
    }
    files["intervals"].write_text(json.dumps(report, indent=2))
    threshold = model.spot.get("threshold")
    files["fig2"] = plots.plot_intensity_states(
        pred.frame_numbers,
        pred.intensity,
        pred.states,
        out / "fig2.png",
        threshold=threshold if model.spot.get("method", "threshold") == "threshold" else None,
        title=f"{Path(source).name or 'input'}: predicted intensity and states",
    )
    return files


def summary(
    pred: Prediction,
    model: Model,
    *,
    source: str,
    fps: float | None,
    crop: CropChoice | None,
    files: dict[str, Path] | None = None,
    ignored: list[str] | None = None,
) -> str:
    """The few lines the command prints."""
    c = model.classes

    def when(frame: int) -> str:
        t = _seconds(frame, fps)
        return f" ({t:.2f} s)" if t is not None else ""

    rate = f", {fps:g} fps" if fps else ""
    lines = [f"input: {source} ({pred.frames} frames{rate})"]
    if ignored:
        shown = ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        lines.append(f"  ignored {len(ignored)} entries that are not image files: {shown}")
    if crop is not None:
        lines.append(f"crop: {crop.reason}")
    lines.append(f"model: {model.describe()}")
    lines.append(
        f"predicted {pred.steps} steps (frames {int(pred.frame_numbers[0])}-"
        f"{int(pred.frame_numbers[-1])}) in {pred.seconds:.1f} s "
        f"({pred.frames_per_second:.1f} input frames/s)"
    )
    if pred.intervals:
        n = len(pred.intervals)
        lines.append(f"spotted {n} interval{'s' if n != 1 else ''}:")
        for iv in pred.intervals:
            lines.append(
                f"  frames {iv.start}{when(iv.start)} to {iv.end}{when(iv.end)}, peak {iv.peak}, "
                f"score {iv.score:.2f}: {c[iv.label]} (confidence {iv.confidence:.2f})"
            )
        lines.append(f"class: {c[pred.label]} (confidence {pred.confidence:.2f})")
    else:
        settings = ", ".join(f"{k} {v}" for k, v in model.spot.items())
        lines.append(
            f"no micro-expression spotted (peak intensity {pred.intensity.max():.2f}; spotting: "
            f"{settings}); class over the whole input: {c[pred.label]} ({pred.confidence:.2f})"
        )
    if files:
        lines.append("wrote " + ", ".join(str(p) for p in files.values()))
    return "\n".join(lines)


# ------------------------------------------------------------------------------ command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microexp.eval.predict",
        description="Spot and recognise micro-expressions in a video or a folder of frames "
        "with a trained joint network.",
    )
    parser.add_argument("ckpt", type=Path, help="checkpoints/last.ckpt of a stage=joint run")
    parser.add_argument("input", type=Path, help="a video file or a folder of frames")
    parser.add_argument("--out", type=Path, default=Path("predictions"), help="output folder")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if present)")
    parser.add_argument(
        "--chunk", type=int, default=DEFAULT_CHUNK, help="steps per forward pass (memory bound)"
    )
    parser.add_argument(
        "--no-face",
        action="store_true",
        help="no face detection: the frames are already cropped to the face",
    )
    parser.add_argument(
        "--stride",
        type=int,
        default=None,
        help="frames per network step (default: the checkpoint's frame_stride)",
    )
    parser.add_argument(
        "--compile-flow",
        choices=("auto", "on", "off"),
        default="auto",
        help="torch.compile the TV-L1 solver (torch flow backend): several times faster per "
        "frame, but compiling takes 20 s or more on a CPU; auto: for inputs of at least "
        f"{COMPILE_MIN_FRAMES} frames",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> str:
    """Everything the command does; returns the summary. Raises :class:`PredictError`."""
    if args.chunk < 1:
        raise PredictError(f"--chunk must be >= 1, got {args.chunk}")
    if args.stride is not None and args.stride < 1:
        raise PredictError(f"--stride must be >= 1, got {args.stride}")
    if not args.input.exists():
        raise PredictError(f"input {args.input} does not exist")
    model = load_model(args.ckpt, args.device)
    if args.stride is not None:
        model.frame_stride = args.stride
    source = open_source(args.input)
    crop = choose_crop(
        source.first_frame(), detect=not args.no_face, name=f"the first frame of {source.path}"
    )
    pred = predict_source(
        model,
        source,
        crop,
        chunk=args.chunk,
        compile_flow={"auto": None, "on": True, "off": False}[args.compile_flow],
        progress=not args.no_progress,
    )
    if source.kind == "video" and source.count and pred.frames < source.count:
        log.warning(
            "%s announces %d frames; %d could be decoded", source.path, source.count, pred.frames
        )
    files = write_outputs(
        pred, model, args.out, source=str(source.path), fps=source.fps, crop=crop
    )
    return summary(
        pred,
        model,
        source=str(source.path),
        fps=source.fps,
        crop=crop,
        files=files,
        ignored=getattr(source, "ignored", None),
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; bad input gives ``error: ...`` on stderr and exit status 2."""
    args = build_parser().parse_args(argv)
    # our own message says when a video cannot be read; FFmpeg's lines would only repeat it
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        text = run(args)
    except PredictError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
