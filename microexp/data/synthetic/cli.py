"""Write a synthetic release from the command line; prints the generator's summary as JSON.

python -m microexp.data.synthetic OUT [--layout casme2|samm|smic|casme|casme3|composite]
    [--subjects N] [--clips M] [--seed S] [--trees cropped|raw|both (casme2)] [--workers W]
python -m microexp.data.synthetic OUT --layout casme_sq|samm_lv [--subjects N] [--videos V]
    [--minutes M] [--seed S] [--workers W]

Sizes left out take the layout's defaults (CASME II: 26 subjects x 10 clips; the others small).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from microexp.data.synthetic.long_generator import LAYOUTS as LONG_LAYOUTS
from microexp.data.synthetic.releases import GENERATORS


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.synthetic",
        description="Write a synthetic release in its real on-disk layout.",
    )
    parser.add_argument("out", type=Path, help="destination folder (empty or absent)")
    parser.add_argument("--layout", default="casme2", choices=list(GENERATORS))
    parser.add_argument("--subjects", type=int, default=None)
    parser.add_argument("--clips", type=int, default=None, help="clips per subject")
    parser.add_argument("--videos", type=int, default=None, help="videos per subject (long)")
    parser.add_argument("--minutes", type=float, default=None, help="video length (long)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trees", default=None, choices=["cropped", "raw", "both"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    if args.trees is not None and args.layout != "casme2":
        parser.error("--trees applies to the casme2 layout only")
    long = args.layout in LONG_LAYOUTS
    for name in ("videos", "minutes") if not long else ("clips",):
        if getattr(args, name) is not None:
            kind = "long-video" if name != "clips" else "short-clip"
            parser.error(f"--{name} applies to {kind} layouts only")
    options: dict = {"seed": args.seed, "workers": args.workers}
    if args.layout == "casme2":
        options.update(subjects=26, clips=10, trees=args.trees or "cropped")
    sizes = ("subjects", "videos", "minutes") if long else ("subjects", "clips")
    options.update({k: v for k in sizes if (v := getattr(args, k)) is not None})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        summary = GENERATORS[args.layout](args.out, **options)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
