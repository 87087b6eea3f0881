"""Write a synthetic CASME II from the command line; prints the generator's summary as JSON.

python -m microexp.data.synthetic OUT [--subjects N] [--clips M] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from microexp.data.synthetic.generator import generate


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.synthetic",
        description="Write a synthetic CASME II in the real on-disk layout.",
    )
    parser.add_argument("out", type=Path, help="destination folder (empty or absent)")
    parser.add_argument("--subjects", type=int, default=26)
    parser.add_argument("--clips", type=int, default=10, help="clips per subject")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trees", default="cropped", choices=["cropped", "raw", "both"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        summary = generate(
            args.out,
            subjects=args.subjects,
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
