"""Live spotting (``python -m microexp.predict CKPT SOURCE --live``): frames from a camera or
a video played in real time, each registered and pushed through flow and network a few steps
at a time (``chunk``, the GRU state carried), intervals spotted as the steps arrive and
printed as JSON lines as soon as they close. Frames the pipeline has no time for are dropped
and counted; a face that leaves the picture, a dropped frame and an assumed frame rate are
JSON notes, never crashes.

Lines: ``{"event": "start", ...}``, ``{"event": "warning", "message"}``, ``{"event":
"interval", "start", "end", "peak", "start_s", "end_s", "score", "class", "confidence",
"latency_s"}``, ``{"event": "face_lost", "frame"}``, ``{"event": "face_found", "frame",
"lost_steps"}``, and last ``{"event": "end", ...}`` with the counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from microexp.eval.spotting import Interval
from microexp.predict.camera import QUEUE, LiveSource
from microexp.predict.online import OnlineSpotter
from microexp.predict.predictor import Predictor
from microexp.predict.streaming import StreamingInference

Emit = Callable[[dict[str, Any]], None]
#: The face counts as gone (a ``face_lost`` note) after this long without a fit.
LOST_AFTER_S = 0.5
#: Steps per flow batch and forward pass live: TV-L1 on a batch costs far less per pair than
#: pair by pair, and an interval closes at most this many steps late.
LIVE_CHUNK = 8


def print_line(event: dict[str, Any]) -> None:
    """One JSON line on stdout, flushed at once (the command's output)."""
    print(json.dumps(event), flush=True)


@dataclass
class _Counts:
    steps: int = 0
    intervals: int = 0
    face_lost: int = 0
    latencies: list[float] = field(default_factory=list)


class LiveSession:
    """One live run: :meth:`run` reads ``source`` until it ends (or Ctrl-C) and emits lines."""

    def __init__(self, predictor: Predictor, source: LiveSource, emit: Emit) -> None:
        self.predictor = predictor
        self.source = source
        self.emit = emit
        self.counts = _Counts()

    def run(self) -> dict[str, Any]:
        """Returns the closing line (also emitted)."""
        src, p = self.source, self.predictor
        start = time.perf_counter()
        first = src.first()
        aligner = p.aligner(first, f"{src.kind} {src.name}")
        plan = p.plan(src.fps)
        model = plan.apply(p.model)
        spotter = OnlineSpotter(model.spot)
        stream = StreamingInference(model, chunk=p.chunk)
        self.fps, self.stride = src.fps, model.frame_stride
        self.emit(
            {
                "event": "start",
                "source": src.name,
                "kind": src.kind,
                "fps": src.fps,
                "step": plan.describe(),
                "registration": aligner.method,
                "classes": list(model.classes),
            }
        )
        notes = list(plan.warnings) + [spotter.method_note, p.model.run.warning() or ""]
        for note in filter(None, notes):
            self.emit({"event": "warning", "message": note})
        stream.push(0, aligner(first, 0))
        src.start(model.frame_stride)
        lost = False
        try:
            while (item := src.get()) is not None:
                number, image, captured = item
                stream.push(number, aligner(image, number))
                lost = self._face(aligner.lost_for, number, lost)
                self._steps(stream.take(), spotter, model.classes, captured)
        except KeyboardInterrupt:
            pass  # the usual way to stop a camera: close what is open and report
        finally:
            src.stop()
        self._steps(stream.finish(), spotter, model.classes, None)
        self._intervals(spotter.finish(), model.classes, None)
        return self._end(start, aligner.notes())

    def _face(self, lost_for: int, number: int, lost: bool) -> bool:
        gone = lost_for * self.stride / self.fps >= LOST_AFTER_S
        if gone and not lost:
            self.counts.face_lost += 1
            self.emit({"event": "face_lost", "frame": number})
        elif lost and lost_for == 0:
            self.emit({"event": "face_found", "frame": number})
        return gone or (lost and lost_for > 0)

    def _steps(
        self,
        steps: tuple[np.ndarray, np.ndarray, np.ndarray],
        spotter: OnlineSpotter,
        classes: tuple[str, ...],
        captured: float | None,
    ) -> None:
        numbers, intensity, probs = steps
        for number, value, p in zip(numbers, intensity, probs, strict=True):
            self.counts.steps += 1
            self._intervals(spotter.push(int(number), float(value), p), classes, captured)

    def _intervals(
        self, intervals: list[Interval], classes: tuple[str, ...], captured: float | None
    ) -> None:
        for iv in intervals:
            self.counts.intervals += 1
            latency = None if captured is None else round(time.monotonic() - captured, 3)
            if latency is not None:
                self.counts.latencies.append(latency)
            line = {
                "event": "interval",
                "start": iv.start,
                "end": iv.end,
                "peak": iv.peak,
                "start_s": round(iv.start / self.fps, 4),
                "end_s": round(iv.end / self.fps, 4),
                "score": round(iv.score, 6),
                "class": classes[iv.label] if iv.label is not None else None,
                "confidence": round(float(iv.confidence or 0.0), 6),
                "latency_s": latency,
            }
            self.emit(line)
            seconds = (iv.end - iv.start) / self.fps
            if seconds > self.predictor.max_interval_s:
                message = (
                    f"frames {iv.start}-{iv.end} span {seconds:.2f} s, longer than a "
                    f"micro-expression (> {self.predictor.max_interval_s:g} s)"
                )
                self.emit({"event": "warning", "message": message})

    def _end(self, start: float, notes: list[str]) -> dict[str, Any]:
        src, c = self.source, self.counts
        seconds = time.perf_counter() - start
        if src.dropped:
            notes.append(
                f"{src.dropped} frame(s) dropped: the pipeline could not keep up with "
                f"{src.fps:g} fps at a step of {self.stride} frame(s)"
            )
        if src.stalled:
            notes.append(f"the {src.kind} stopped sending frames for {src.stall_s:g} s")
        end = {
            "event": "end",
            "frames": src.frames_read,
            "steps": c.steps,
            "intervals": c.intervals,
            "dropped": src.dropped,
            "face_lost": c.face_lost,
            "seconds": round(seconds, 3),
            "max_latency_s": max(c.latencies) if c.latencies else None,
            "notes": notes,
        }
        self.emit(end)
        return end


def run_live(predictor: Predictor, source: str, emit: Emit = print_line) -> dict[str, Any]:
    """Run live on ``source`` (a camera index or a video file); returns the closing line.

    Raises:
        PredictError: the source cannot be opened or gives no frame; no face in its first
            frame.
    """
    source_ = LiveSource(source, predictor.fps, queue=predictor.chunk + QUEUE)
    return LiveSession(predictor, source_, emit).run()
