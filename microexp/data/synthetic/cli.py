"""Write a synthetic release from the command line; prints the generator's summary as JSON.

python -m microexp.data.synthetic OUT [--subjects N] [--clips M] [--seed S]
python -m microexp.data.synthetic OUT --layout casme_sq|samm_lv [--subjects N] [--videos V]
    [--minutes M] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from microexp.data.synthetic.generator import generate
from microexp.data.synthetic.long_generator import LAYOUTS as LONG_LAYOUTS
from microexp.data.synthetic.long_generator import generate_videos


def _long_videos(args: argparse.Namespace) -> dict:
    return generate_videos(
        args.out,
        layout=args.layout,
        subjects=3 if args.subjects is None else args.subjects,
        videos=args.videos,
        minutes=args.minutes,
        seed=args.seed,
        workers=args.workers,
    )


#: Generators of other layouts than CASME II, by ``--layout``.
LAYOUTS = dict.fromkeys(LONG_LAYOUTS, _long_videos)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.synthetic",
        description="Write a synthetic release in its real on-disk layout.",
    )
    parser.add_argument("out", type=Path, help="destination folder (empty or absent)")
    parser.add_argument("--layout", default="casme2", choices=["casme2", *LAYOUTS])
    parser.add_argument("--subjects", type=int, default=None, help="default 26 (long videos: 3)")
    parser.add_argument("--videos", type=int, default=3, help="videos per subject (long videos)")
    parser.add_argument("--minutes", type=float, default=0.5, help="video length (long videos)")
    parser.add_argument("--clips", type=int, default=10, help="clips per subject")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trees", default="cropped", choices=["cropped", "raw", "both"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.layout in LAYOUTS:
            summary = LAYOUTS[args.layout](args)
        else:
            summary = generate(
                args.out,
                subjects=26 if args.subjects is None else args.subjects,
                clips=args.clips,
                seed=args.seed,
                trees=args.trees,
                workers=args.workers,
            )
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
