"""Streaming inference: TV-L1 flow and the joint network along frames ``s`` apart, a chunk of
steps at a time, the GRU state carried from chunk to chunk (memory stays bounded however long
the input is). Frames and flow are prepared as the training data is: the face squared and
resized as :func:`~microexp.data.frames.to_square` does, each step's flow from its reference
frame (:class:`~microexp.flow.reference.ReferenceBuffer`, which keeps only the frames a later
step needs) computed at the flow size on brightness-matched grey levels and shrunk, rounded
to float16 (the flow cache's precision) and its head motion removed when the run did so."""

from __future__ import annotations

import numpy as np
import torch

from microexp.data.frames import to_square
from microexp.flow.brightness import match_brightness
from microexp.flow.head_motion import fit_head_motion, remove_head_motion
from microexp.flow.reference import ReferenceBuffer
from microexp.models.joint import infer_clip
from microexp.predict.errors import PredictError
from microexp.predict.model import Model

#: Steps per forward pass (and flow batch): bounds memory, does not change the result.
DEFAULT_CHUNK = 128


def _chw(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image.transpose(2, 0, 1))


class StreamingInference:
    """Flow and network over a stream of frames ``s`` apart, ``chunk`` steps at a time.

    :meth:`push` the face image of every chain frame (RGB uint8 ``(H, W, 3)``, any size: the
    chain 0, s, 2s, ...); every ``chunk`` steps the flow of each step is computed and the
    network run with the GRU state of the previous chunk. Memory: ``chunk + 1`` frames, the
    reference frames still needed and the per-step outputs.
    """

    def __init__(
        self, model: Model, chunk: int = DEFAULT_CHUNK, compile_flow: bool = False
    ) -> None:
        if chunk < 1:
            raise PredictError(f"--chunk must be >= 1, got {chunk}")
        self.model = model
        self.chunk = chunk
        self.compile_flow = compile_flow
        self._references = ReferenceBuffer(model.reference)
        self._frames: list[np.ndarray] = []  # network-size frames: the last chunk's end + new
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []  # flow-size (reference, frame)
        self._numbers: list[int] = []
        self._hidden: torch.Tensor | None = None
        self._out_numbers: list[np.ndarray] = []
        self._probs: list[np.ndarray] = []
        self._intensity: list[np.ndarray] = []

    def push(self, number: int, image: np.ndarray) -> None:
        """Add the next chain frame's face image (reported as frame ``number``)."""
        m = self.model
        frame = _chw(to_square(image, m.image_size, m.square))
        for_flow = (
            frame if m.flow_size == m.image_size else _chw(to_square(image, m.flow_size, m.square))
        )
        reference = self._references.push(for_flow)
        if reference is not None:
            self._pairs.append((reference, for_flow))
        self._frames.append(frame)
        self._numbers.append(int(number))
        if len(self._frames) > self.chunk:
            self._run()

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run what is left. Returns frame numbers (T,), intensity (T,) and probs (T, C) of
        the steps not yet :meth:`take`-n."""
        if len(self._frames) > 1:
            self._run()
        return self.take()

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The steps computed since the last call (frame numbers, intensity, probs), forgotten
        here: a live stream keeps no history."""
        c = len(self.model.classes)
        if not self._probs:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros((0, c))
        out = (
            np.concatenate(self._out_numbers),
            np.concatenate(self._intensity),
            np.concatenate(self._probs),
        )
        self._out_numbers, self._intensity, self._probs = [], [], []
        return out

    def flow(self, prev: torch.Tensor, nxt: torch.Tensor) -> torch.Tensor:
        """Flow of the pairs ((n, 3, F, F) uint8 at the flow size), prepared as the training
        data is: brightness matched, shrunk to the input size, float16 precision, head motion
        removed. Returns (n, 2, S, S)."""
        from microexp.flow import compute_flow
        from microexp.flow.resize import resize_flow

        m = self.model
        device = m.device if m.flow_backend == "torch" else None
        prev, nxt = match_brightness(prev, nxt)
        flow = compute_flow(
            prev,
            nxt,
            m.flow_backend,
            device,
            params=m.flow_params,
            compile=self.compile_flow if m.flow_backend == "torch" else None,
        )
        flow = resize_flow(flow.detach().cpu(), m.image_size)
        flow = flow.to(torch.float16).float().numpy()  # the flow cache's precision
        if m.compensate_head:
            flow = remove_head_motion(flow, fit_head_motion(flow))
        return torch.from_numpy(flow)

    def _run(self) -> None:
        frames = torch.from_numpy(np.stack(self._frames))
        prev = torch.from_numpy(np.stack([p for p, _ in self._pairs]))
        nxt = torch.from_numpy(np.stack([n for _, n in self._pairs]))
        flow = self.flow(prev, nxt)
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
        self._frames, self._numbers, self._pairs = self._frames[-1:], self._numbers[-1:], []
