"""Summarise a release with its registered reader: a readable table, or one JSON object.

python -m microexp.data.datasets NAME ROOT [--json] [--protocol P] [--tree ...] [--sheet ...]

``--protocol`` takes one of the dataset's protocols (:mod:`microexp.classes`); its first is the
default; it applies to short-clip releases only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from microexp.classes import dataset_protocols
from microexp.data.datasets import READERS, read_clips, read_videos
from microexp.data.records import EXPRESSION_KINDS, ClipSet, DataFormatError, Skip, VideoSet

if TYPE_CHECKING:
    from rich.console import Console


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
    _print_skips_and_notes(console, ds.skipped, ds.notes, "episode")


def print_video_table(title: str, ds: VideoSet) -> None:
    """Print a long-video release as text: where it is, videos, frames and expressions per
    subject, skips and notes."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    s = ds.summary()
    minutes = s["frames"] / ds.fps / 60
    console.print(f"[bold]{title}[/bold] at {s['root']}")
    console.print(f"  sheet: {s['sheet']}    frames: {s['frames_tree']}")
    console.print(
        f"  {s['videos']} videos, {s['frames']} frames ({minutes:.1f} min at {ds.fps:g} fps) "
        f"from {s['subjects']} subjects; expressions: "
        + ", ".join(f"{n} {kind}" for kind, n in s["expressions"].items())
    )
    table = Table(title="per subject")
    for column in ("subject", "videos", "frames", *EXPRESSION_KINDS):
        table.add_column(column, justify="left" if column == "subject" else "right")
    for subject in ds.subjects:
        videos = [v for v in ds.videos if v.subject == subject]
        kinds = [sum(e.kind == k for v in videos for e in v.expressions) for k in EXPRESSION_KINDS]
        frames = sum(len(v) for v in videos)
        table.add_row(subject, str(len(videos)), str(frames), *map(str, kinds))
    console.print(table)
    _print_skips_and_notes(console, ds.skipped, ds.notes, "video")


def _print_skips_and_notes(
    console: Console, skipped: list[Skip], notes: list[str], item: str
) -> None:
    """The skips as a table (subject, ``item``, reason), then one line per note."""
    from rich.table import Table

    if skipped:
        skips = Table(title=f"skipped ({len(skipped)})")
        for column in ("subject", item, "reason"):
            skips.add_column(column)
        for skip in skipped:
            skips.add_row(skip.subject, skip.episode, skip.reason)
        console.print(skips)
    for note in notes:
        console.print(f"  note: {note}")


def _protocol(parser: argparse.ArgumentParser, name: str, protocol: str | None) -> str:
    """``protocol``, or the dataset's default; a usage error when the dataset has no such one."""
    known = dataset_protocols(name)
    chosen = known[0] if protocol is None else protocol
    if chosen not in known:
        parser.error(
            f"argument --protocol: {chosen!r} is not a protocol of {name} "
            f"(choose from {', '.join(known)})"
        )
    return chosen


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
    entry = READERS[args.name]
    try:
        if entry.kind == "videos":
            if args.protocol is not None:
                parser.error(f"--protocol applies to short-clip releases, not {args.name}")
            ds: ClipSet | VideoSet = read_videos(
                args.name, args.root, tree=args.tree, sheet=args.sheet
            )
        else:
            protocol = _protocol(parser, args.name, args.protocol)
            ds = read_clips(
                args.name, args.root, protocol=protocol, tree=args.tree, sheet=args.sheet
            )
    except DataFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(ds.summary(), indent=2))
    elif isinstance(ds, VideoSet):
        print_video_table(entry.title, ds)
    else:
        print_table(entry.title, ds)
    return 0
