"""``python -m microexp.baselines``: LBP / HOOF spotting and LBP-TOP + SVM recognition.

A plain argparse command (not a Hydra stage): the baselines train nothing that needs a Lightning
trainer, loggers or checkpoints, and a LOSO sweep of all three takes minutes in one process
(per-clip features are computed once and reused by every fold). Examples::

    python -m microexp.baselines --root data/synthetic-casme2-12x20-seed0 --out outputs/baselines
    python -m microexp.baselines --root /path/to/CASME2 --split loso --fold 0 --method lbp
    python -m microexp.baselines --root /path/to/CASME2 --split holdout --method lbptop_svm
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path

from microexp.baselines import METHODS
from microexp.data.splits import SPLITS


def parse_folds(text: str) -> list[int] | None:
    """``all`` -> None; ``3`` -> [3]; ``0,2,5-7`` -> [0, 2, 5, 6, 7]."""
    if text.strip().lower() == "all":
        return None
    folds: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                a, b = part.split("-", 1)
                folds.extend(range(int(a), int(b) + 1))
            else:
                folds.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fold takes 'all', a number or a list like 0,2,5-7, not {text!r}"
        ) from None
    return folds


def parse_k(text: str) -> int | None:
    """``auto`` -> None, else a positive number of frames."""
    if text.strip().lower() == "auto":
        return None
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--k takes 'auto' or frames, not {text!r}") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"--k must be >= 1, got {k}")
    return k


def parse_grid(text: str) -> tuple[int, int]:
    """``6`` or ``6x6`` -> (6, 6)."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"a grid is like 6x6, not {text!r}") from None
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"a grid is like 6x6, not {text!r}")
    return parts[0], parts[1]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m microexp.baselines",
        description="Handcrafted baselines of the paper's tables (LBP and HOOF spotting, "
        "LBP-TOP + SVM recognition), written as the network's runs are.",
    )
    _data_options(p.add_argument_group("data and splits (as the network's data.* and split.*)"))
    _method_options(p.add_argument_group("methods"))
    p.add_argument("--quiet", action="store_true", help="log warnings only, no progress bars")
    return p


def _data_options(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--root",
        required=True,
        type=Path,
        help="dataset folder in the CASME II layout (coding sheet + Cropped/ or "
        "CASME2_RAW_selected/)",
    )
    g.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default outputs/baselines/<date_time>)",
    )
    g.add_argument(
        "--split",
        choices=SPLITS,
        default="loso",
        help="loso: one fold per subject (default); holdout: one subject-level train/test draw "
        "(--train-fraction, --split-seed); holdout_clips: a clip-level draw, NOT subject-"
        "independent (only to compare with papers that did so)",
    )
    g.add_argument(
        "--fold",
        type=parse_folds,
        default=None,
        help="LOSO folds: 'all' (default), a number, or a list like 0,2,5-7",
    )
    g.add_argument("--train-fraction", type=float, default=0.7, help="holdout training share")
    g.add_argument("--split-seed", type=int, default=0, help="holdout seed")
    g.add_argument("--protocol", choices=("5", "7"), default="5", help="CASME II classes")
    g.add_argument("--tree", default="auto", help="frame tree: auto, cropped, raw or a folder")
    g.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".cache/microexp"),
        help="frame/flow cache shared with the network (default .cache/microexp)",
    )
    g.add_argument("--size", type=int, default=64, help="frame side in pixels (default 64)")
    g.add_argument(
        "--crop",
        choices=("auto", "face", "none"),
        default="auto",
        help="auto: detect the face on raw frames, use cropped frames whole",
    )
    _flow_args(g)


def _method_options(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--method",
        nargs="+",
        choices=METHODS,
        default=list(METHODS),
        help="methods to run (default: all)",
    )
    g.add_argument(
        "--k",
        type=parse_k,
        default=None,
        help="half the feature-difference interval in frames, or 'auto' (default: "
        "half the median expression length of the training clips)",
    )
    g.add_argument(
        "--p",
        type=float,
        default=0.5,
        help="spotting threshold mean + p (max - mean) (default 0.5)",
    )
    grid = "blocks ROWSxCOLS the face is divided into for the {} histograms (default {})"
    g.add_argument("--lbp-grid", type=parse_grid, default=(6, 6), help=grid.format("LBP", "6x6"))
    g.add_argument("--hoof-grid", type=parse_grid, default=(6, 6), help=grid.format("HOOF", "6x6"))
    g.add_argument(
        "--lbptop-grid",
        type=parse_grid,
        default=(5, 5),
        help=grid.format("LBP-TOP", "5x5, CASME II's baseline"),
    )
    g.add_argument(
        "--lbptop-variant",
        choices=("original", "legacy"),
        default="original",
        help="LBP-TOP features: 'original' (the codes, neighbour order and common interior of "
        "Zhao & Pietikainen's LBPTOP.m) or 'legacy' (microexp before 0.2)",
    )
    g.add_argument(
        "--svm-c",
        type=float,
        default=1.0,
        help="the linear SVM's regularisation C (larger: fits the training clips harder; "
        "default 1.0)",
    )


def _flow_args(p: argparse._ArgumentGroup) -> None:
    """The frame and flow settings, each as the network's ``data.<name>``: the caches are then
    the network's."""
    p.add_argument("--square", choices=("crop", "pad"), default="crop", help="as data.square")
    p.add_argument(
        "--frame-stride",
        type=int,
        default=4,
        help="chain stride of the flow cache used by HOOF, as data.frame_stride (default 4)",
    )
    p.add_argument("--flow-size", type=int, default=128, help="as data.flow_size (default 128)")
    p.add_argument(
        "--flow-reference",
        choices=("onset", "lag", "previous"),
        default="onset",
        help="as data.flow_reference (default onset)",
    )
    p.add_argument("--flow-lag", type=int, default=8, help="as data.flow_lag (default 8)")
    p.add_argument(
        "--flow-backend",
        choices=("torch", "opencv"),
        default="torch",
        help="TV-L1 backend if the flow cache must be filled (default torch)",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (prints ``error: ...`` on bad input)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.root.is_dir():  # before the heavy imports: a typo fails at once
        print(
            f"error: dataset folder {args.root} does not exist (--root: the folder holding "
            "the CASME II coding sheet and Cropped/ or CASME2_RAW_selected/)",
            file=sys.stderr,
        )
        return 1
    from microexp.baselines.config import BaselineConfig, BaselineError
    from microexp.baselines.runner import run_baselines
    from microexp.data.records import DataFormatError

    out = args.out or Path("outputs/baselines") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    try:
        cfg = BaselineConfig(
            root=args.root,
            out=out,
            methods=tuple(dict.fromkeys(args.method)),
            split=args.split,
            folds=args.fold,
            train_fraction=args.train_fraction,
            split_seed=args.split_seed,
            protocol=args.protocol,
            tree=args.tree,
            size=args.size,
            crop=args.crop,
            square=args.square,
            cache_dir=args.cache_dir,
            frame_stride=args.frame_stride,
            flow_backend=args.flow_backend,
            flow_size=args.flow_size,
            flow_reference=args.flow_reference,
            flow_lag=args.flow_lag,
            k=args.k,
            p=args.p,
            lbp_grid=args.lbp_grid,
            hoof_grid=args.hoof_grid,
            lbptop_grid=args.lbptop_grid,
            lbptop_variant=args.lbptop_variant,
            svm_c=args.svm_c,
            progress=not args.quiet,
        )
        summary = run_baselines(cfg)
    except (BaselineError, DataFormatError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"baselines on {summary['root']} ({summary['split']}, {len(summary['folds'])} "
        f"split(s), {summary['data']['clips']} clips, {summary['seconds']} s) -> {out}"
    )
    for method, res in summary["methods"].items():
        scores = ", ".join(
            f"{k} {v:.4f}"
            for k, v in res["pooled"].items()
            if isinstance(v, int | float) and k != "clips"
        )
        print(f"  {method:<11} {scores}  ({res['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
