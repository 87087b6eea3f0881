"""Write a synthetic release from the command line; prints the generator's summary as JSON.

python -m microexp.data.synthetic OUT [--layout casme2|samm|smic|casme|casme3|composite]
    [--subjects N] [--clips M] [--seed S] [--workers W]
    [--size F] [--margin K] [--no-quirks] [--trees cropped|raw|both]   (casme2 only)
python -m microexp.data.synthetic OUT --layout casme_sq|samm_lv [--subjects N] [--videos V]
    [--minutes M] [--seed S] [--workers W]

Sizes left out take the layout's defaults (CASME II: the release's 255 clips over 26 subjects,
``--size 0.5`` half of them; the others small).
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
    parser.add_argument("--workers", type=int, default=None)
    casme2 = parser.add_argument_group("casme2 only")
    casme2.add_argument("--size", type=float, default=None, help="fraction of the release")
    casme2.add_argument("--margin", type=int, default=None, help="neutral frames each side")
    casme2.add_argument("--no-quirks", dest="quirks", action="store_false", default=None)
    casme2.add_argument("--trees", default=None, choices=["cropped", "raw", "both"])
    args = parser.parse_args(argv)
    for name in ("size", "margin", "quirks", "trees"):
        if getattr(args, name) is not None and args.layout != "casme2":
            flag = "--no-quirks" if name == "quirks" else f"--{name}"
            parser.error(f"{flag} applies to the casme2 layout only")
    long = args.layout in LONG_LAYOUTS
    for name in ("videos", "minutes") if not long else ("clips",):
        if getattr(args, name) is not None:
            kind = "long-video" if name != "clips" else "short-clip"
            parser.error(f"--{name} applies to {kind} layouts only")
    options: dict = {"seed": args.seed, "workers": args.workers}
    sizes = ("subjects", "videos", "minutes") if long else ("subjects", "clips")
    sizes += ("size", "margin", "quirks", "trees") if args.layout == "casme2" else ()
    options.update({k: v for k in sizes if (v := getattr(args, k)) is not None})
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        summary = GENERATORS[args.layout](args.out, **options)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
