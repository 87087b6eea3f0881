"""``python -m microexp.predict CKPT INPUT [--out DIR] [--device cpu|cuda] [--chunk N]
[--no-face] [--stride S] [--compile-flow auto|on|off] [--no-progress]``: CKPT is the
``checkpoints/last.ckpt`` of a ``stage=joint`` run, INPUT a video file (anything OpenCV reads)
or a folder of frames. Writes ``intensity.csv``, ``intervals.json`` and ``fig2.png`` into
``--out`` and prints a short summary; bad input is ``error: ...`` and exit status 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from microexp.checkpoints import CheckpointError
from microexp.predict.errors import PredictError
from microexp.predict.predictor import COMPILE_MIN_FRAMES, Predictor
from microexp.predict.streaming import DEFAULT_CHUNK
from microexp.predict.writers import summary, write_outputs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microexp.predict",
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
    """Everything the command does; returns the summary. Raises :class:`PredictError` or
    :class:`~microexp.checkpoints.CheckpointError`."""
    if args.chunk < 1:
        raise PredictError(f"--chunk must be >= 1, got {args.chunk}")
    if args.stride is not None and args.stride < 1:
        raise PredictError(f"--stride must be >= 1, got {args.stride}")
    if not args.input.exists():
        raise PredictError(f"input {args.input} does not exist")
    predictor = Predictor.from_checkpoint(
        args.ckpt,
        args.device,
        stride=args.stride,
        chunk=args.chunk,
        detect_face=not args.no_face,
        compile_flow={"auto": None, "on": True, "off": False}[args.compile_flow],
        progress=not args.no_progress,
    )
    pred = predictor.run(args.input)
    files = write_outputs(pred, predictor.model, args.out)
    return summary(pred, predictor.model, files)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; bad input gives ``error: ...`` on stderr and exit status 2."""
    args = build_parser().parse_args(argv)
    # our own message says when a video cannot be read; FFmpeg's lines would only repeat it
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        text = run(args)
    except (PredictError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    print(text)
    return 0
