"""Summarise a release with its registered reader: a readable table, or one JSON object.

python -m microexp.data.datasets NAME ROOT [--json] [--protocol P] [--tree ...] [--sheet ...]

``--protocol`` takes one of the dataset's protocols (:mod:`microexp.classes`); its first is the
default.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from microexp.classes import dataset_protocols
from microexp.data.datasets import READERS, read_clips
from microexp.data.records import ClipSet, DataFormatError


def print_table(title: str, ds: ClipSet) -> None:
    """Print the summary as text: where the data is, clips per class, skips and notes."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    s = ds.summary()
    console.print(f"[bold]{title}[/bold] at {s['root']}")
    console.print(f"  sheet: {s['sheet']}    frames: {s['frames_tree']} ({s['tree_kind']})")
    console.print(
        f"  {s['clips']} usable clips from {s['subjects']} subjects ({s['protocol']} protocol)"
    )
    table = Table(title="clips per class")
    table.add_column("class")
    table.add_column("clips", justify="right")
    for name, n in s["per_class"].items():
        table.add_row(name, str(n))
    console.print(table)
    if ds.skipped:
        skips = Table(title=f"skipped ({len(ds.skipped)})")
        skips.add_column("subject")
        skips.add_column("episode")
        skips.add_column("reason")
        for item in ds.skipped:
            skips.add_row(item.subject, item.episode, item.reason)
        console.print(skips)
    for note in ds.notes:
        console.print(f"  note: {note}")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: summarise a release; exit 2 with ``error:`` when it cannot be read."""
    parser = argparse.ArgumentParser(
        prog="python -m microexp.data.datasets",
        description="Summarise a dataset release with its registered reader.",
    )
    parser.add_argument("name", choices=sorted(READERS), help="registered reader")
    parser.add_argument("root", type=Path, help="dataset folder (annotations + frame tree)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--protocol", default=None, help="class protocol (default: the dataset's first)"
    )
    parser.add_argument("--tree", default="auto", help="auto | cropped | raw | folder name")
    parser.add_argument("--sheet", type=Path, default=None, help="annotation sheet, if elsewhere")
    args = parser.parse_args(argv)
    known = dataset_protocols(args.name)
    protocol = known[0] if args.protocol is None else args.protocol
    if protocol not in known:
        parser.error(
            f"argument --protocol: {protocol!r} is not a protocol of {args.name} "
            f"(choose from {', '.join(known)})"
        )
    try:
        ds = read_clips(args.name, args.root, protocol=protocol, tree=args.tree, sheet=args.sheet)
    except DataFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(ds.summary(), indent=2))
    else:
        print_table(READERS[args.name].title, ds)
    return 0
