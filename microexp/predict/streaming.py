"""Streaming inference: TV-L1 flow and the joint network over frames ``s`` apart, a chunk of
steps at a time, the GRU state carried from chunk to chunk (memory stays bounded however long
the input is). The flow is prepared as the training data is: float16 precision (the flow
cache's) and head motion subtracted when the run did so."""

from __future__ import annotations

import numpy as np
import torch

from microexp.data.targets import compensate_head_motion
from microexp.models.joint import infer_clip
from microexp.predict.errors import PredictError
from microexp.predict.model import Model

#: Steps per forward pass (and flow batch): bounds memory, does not change the result.
DEFAULT_CHUNK = 128


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
