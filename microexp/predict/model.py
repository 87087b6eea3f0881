"""The joint network with everything inference needs, rebuilt from a ``stage=joint``
checkpoint: classes, input size and aspect rule, frame stride, flow backend, parameters,
reference and size, head-motion compensation and spotting settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from microexp import checkpoints
from microexp.data.frames import SQUARE_MODES
from microexp.eval.spotting import DEFAULT_SPOT
from microexp.flow.params import TVL1Params
from microexp.flow.reference import FlowReference
from microexp.models.joint import JointNet
from microexp.predict.errors import PredictError
from microexp.predict.run_status import RunStatus, run_status

JOINT_TARGET = "microexp.models.joint.JointNet"


@dataclass
class Model:
    """A joint network with everything inference needs (what a checkpoint carries).

    Build one with :func:`load_model`, or directly (e.g. an untrained network for timing); the
    defaults are the data's (``conf/data/casme2.yaml``).
    """

    net: JointNet
    classes: tuple[str, ...]
    image_size: int = 64
    frame_stride: int = 1
    fps: float | None = None  # the training clips' frame rate (None: not recorded)
    flow_backend: str = "torch"
    flow_params: TVL1Params = field(default_factory=TVL1Params)
    flow_reference: str = "onset"
    flow_lag: int = 8
    flow_size: int = 128
    square: str = "crop"
    compensate_head: bool = True
    spot: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SPOT))
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    path: Path | None = None
    run: RunStatus = field(default_factory=lambda: RunStatus("unknown"))

    def __post_init__(self) -> None:
        if self.frame_stride < 1:
            raise PredictError(f"frame stride must be >= 1, got {self.frame_stride}")
        if self.flow_size < self.image_size:
            raise PredictError(
                f"flow size {self.flow_size} is below the input size {self.image_size}"
            )
        if self.square not in SQUARE_MODES:
            raise PredictError(f"square must be one of {SQUARE_MODES}, not {self.square!r}")
        try:
            self.reference  # noqa: B018 - validates the reference, stride and lag
        except ValueError as exc:
            raise PredictError(str(exc)) from None
        self.net = self.net.to(self.device).eval()

    @property
    def reference(self) -> FlowReference:
        """Which frame each step's flow starts from (on the chain of frames s apart)."""
        return FlowReference(self.flow_reference, self.frame_stride, self.flow_lag)

    def describe(self) -> str:
        """One line: classes, input size, stride, flow."""
        return (
            f"joint network (width {self.net.width}), {len(self.classes)} classes, "
            f"{self.image_size}x{self.image_size} input, frame stride {self.frame_stride}"
            f"{f' at {self.fps:g} fps' if self.fps else ''}, "
            f"{self.flow_backend} TV-L1 flow from the {self.flow_reference} frame at "
            f"{self.flow_size}x{self.flow_size}, faces squared by {self.square}"
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
        CheckpointError: the file is missing, damaged, not a training checkpoint or the
            checkpoint of the spatial or temporal stage.
        PredictError: no microexp metadata, or it lacks or garbles what inference needs.
    """
    path = Path(path)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    ckpt = checkpoints.read(path, "joint")
    meta = checkpoints.meta(ckpt)
    if not isinstance(ckpt.get("state_dict"), dict):
        raise PredictError(f"checkpoint {path} holds no state_dict: not a training checkpoint")
    if not meta.get("stage"):
        raise PredictError(
            f"{path} carries no microexp metadata: not a checkpoint written by microexp.train"
        )
    missing = [k for k in ("net", "image_size", "frame_stride", "flow") if meta.get(k) is None]
    if missing:
        raise PredictError(f"{path} lacks {', '.join(missing)} in its metadata; retrain it")
    hparams = ckpt.get("hyper_parameters") or {}
    classes = tuple(meta.get("classes") or hparams.get("class_names") or ())
    net = _network(path, meta["net"], checkpoints.weights(ckpt))
    num_classes = net.memory.class_head[-1].out_features
    if len(classes) != num_classes:
        raise PredictError(
            f"{path} names {len(classes)} classes for a network with {num_classes} outputs"
        )
    flow = dict(meta["flow"])
    backend = str(flow.get("backend", "torch"))
    if backend not in ("torch", "opencv"):
        raise PredictError(f"{path}: unknown flow backend {backend!r}")
    try:
        params = TVL1Params.from_kwargs(**(flow.get("params") or {}))
    except (TypeError, ValueError) as exc:
        raise PredictError(f"{path}: flow parameters not understood ({exc})") from None
    spot = meta.get("spot") or hparams.get("spot") or DEFAULT_SPOT
    image_size = _square_size(path, meta["image_size"])
    return Model(
        net=net,
        classes=classes,
        image_size=image_size,
        frame_stride=int(meta["frame_stride"]),
        fps=float(meta["fps"]) if meta.get("fps") else None,
        flow_backend=backend,
        flow_params=params,
        # checkpoints written before these were recorded: flow between steps at the input size
        flow_reference=str(flow.get("reference") or "previous"),
        flow_lag=int(flow.get("lag") or 0),
        flow_size=int(flow.get("size") or image_size),
        square=str(meta.get("square", "crop")),
        compensate_head=bool(flow.get("compensate_head", True)),
        spot=dict(spot),
        device=dev,
        path=path,
        run=run_status(path, ckpt),
    )


def _network(path: Path, config: dict[str, Any], state: dict[str, torch.Tensor]) -> JointNet:
    """The joint network its metadata describes, with the checkpoint's weights."""
    net_cfg = dict(config)
    target = net_cfg.pop("_target_", JOINT_TARGET)
    if target != JOINT_TARGET:
        raise PredictError(f"{path} holds a {target}, not a {JOINT_TARGET}")
    try:
        net = JointNet(**net_cfg)
    except (TypeError, ValueError) as exc:
        raise PredictError(f"{path}: cannot rebuild the network ({_first_line(exc)})") from None
    try:
        net.load_state_dict(state)
    except RuntimeError as exc:
        raise PredictError(
            f"{path}: the weights do not fit the network its metadata describes "
            f"({_first_line(exc)})"
        ) from None
    return net


def _square_size(path: Path, size: Any) -> int:
    if isinstance(size, list | tuple):
        if len(size) != 2 or size[0] != size[1]:
            raise PredictError(f"{path}: input size {size} is not square")
        size = size[0]
    return int(size)
