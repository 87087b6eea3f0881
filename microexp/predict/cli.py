"""``python -m microexp.predict CKPT INPUT [--out DIR] [--device cpu|cuda] [--chunk N]
[--no-face] [--no-register] [--fps F] [--stride S] [--max-interval S] [--live]
[--compile-flow auto|on|off] [--no-progress]``: CKPT is the ``checkpoints/last.ckpt`` of a
``stage=joint`` run, INPUT a video file (anything OpenCV reads) or a folder of frames (with
``--live``: a camera index or a video played in real time, one JSON line per interval). Writes
``intensity.csv``, ``intervals.json`` and ``fig2.png`` into ``--out`` and prints a short
summary; bad input is ``error: ...`` and exit status 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from microexp.checkpoints import CheckpointError
from microexp.data.frames import IMAGE_SUFFIXES
from microexp.predict.errors import PredictError
from microexp.predict.live import LIVE_CHUNK, run_live
from microexp.predict.predictor import COMPILE_MIN_FRAMES, MAX_INTERVAL_S, Predictor
from microexp.predict.streaming import DEFAULT_CHUNK
from microexp.predict.writers import summary, write_outputs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microexp.predict",
        description="Spot and recognise micro-expressions in a video or a folder of frames "
        "with a trained joint network.",
    )
    parser.add_argument("ckpt", type=Path, help="checkpoints/last.ckpt of a stage=joint run")
    parser.add_argument(
        "input",
        help="a video file or a folder of frames (--live: a camera index or a video file)",
    )
    parser.add_argument("--out", type=Path, default=Path("predictions"), help="output folder")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if present)")
    parser.add_argument(
        "--chunk",
        type=int,
        default=None,
        help=f"steps per forward pass (memory bound; default {DEFAULT_CHUNK}, live "
        f"{LIVE_CHUNK}: an interval closes at most this many steps late)",
    )
    parser.add_argument(
        "--no-face",
        action="store_true",
        help="no face detection: the frames are already cropped to the face",
    )
    parser.add_argument(
        "--register",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="register every frame's face to the first frame's, removing head motion "
        "(--no-register: the first frame's crop for every frame)",
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=None,
        help="the input's frame rate (a folder's; a video's own rate otherwise)",
    )
    parser.add_argument(
        "--stride",
        type=int,
        default=None,
        help="frames per network step (default: those spanning the training step's time)",
    )
    parser.add_argument(
        "--max-interval",
        type=float,
        default=MAX_INTERVAL_S,
        help=f"warn of intervals longer than this many seconds (default {MAX_INTERVAL_S})",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="read INPUT as a stream (a camera index, or a video played in real time), "
        "frames dropped when behind, one JSON line per interval as soon as it closes",
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


#: Suffixes of the files users pass by mistake (a video or frame given as the checkpoint).
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
CHECKPOINT_SUFFIXES = {".ckpt", ".pt", ".pth"}
USAGE = "usage: python -m microexp.predict CKPT INPUT [options] (the checkpoint comes first)"


def check_arguments(ckpt: Path, source: str) -> None:
    """A usage error for arguments in the wrong places (a video, frame or folder given as the
    checkpoint, or a checkpoint as the input)."""
    wrong = []
    if ckpt.is_dir() or ckpt.suffix.lower() in VIDEO_SUFFIXES | IMAGE_SUFFIXES:
        wrong.append(f"{ckpt} looks like an input, not a checkpoint")
    if Path(source).suffix.lower() in CHECKPOINT_SUFFIXES:
        wrong.append(f"{source} looks like a checkpoint, not an input")
    if wrong:
        raise PredictError(f"{'; '.join(wrong)}. {USAGE}")


def run(args: argparse.Namespace) -> str:
    """Everything the command does; returns the summary. Raises :class:`PredictError` or
    :class:`~microexp.checkpoints.CheckpointError`."""
    check_arguments(args.ckpt, args.input)
    if not args.live and not Path(args.input).exists():
        raise PredictError(f"input {args.input} does not exist")
    predictor = Predictor.from_checkpoint(
        args.ckpt,
        args.device,
        stride=args.stride,
        fps=args.fps,
        chunk=(LIVE_CHUNK if args.live else DEFAULT_CHUNK) if args.chunk is None else args.chunk,
        detect_face=not args.no_face,
        register=args.register,
        max_interval_s=args.max_interval,
        compile_flow={"auto": None, "on": True, "off": False}[args.compile_flow],
        progress=not args.no_progress,
    )
    if args.live:
        run_live(predictor, args.input)  # its output is the JSON lines
        return ""
    pred = predictor.run(Path(args.input))
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
    if text:
        print(text)
    return 0
