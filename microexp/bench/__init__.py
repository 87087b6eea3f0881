"""Benchmarks: ``python -m microexp.bench <name> [options]``, one JSON object out.

Each benchmark is a function returning a dict and registered in :data:`BENCHMARKS` with the
function that adds its command-line options; ``all`` runs every registered one. Warm-up (process
start-up, compilation) is excluded from the timings and reported separately.

    python -m microexp.bench flow [--pairs N] [--size 64] [--repeat R] [--out FILE]
    python -m microexp.bench data [--root DIR] [--batches N] [--workers 0 2] [--out FILE]
    python -m microexp.bench long [--minutes 0.2 0.8] [--chunk 128] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.bench import live, long_video, predict, prep, training
from microexp.bench.data import _data_args, _data_run, bench_data
from microexp.bench.flow import _flow_args, _flow_run, bench_flow
from microexp.bench.machine import machine_info

__all__ = ["BENCHMARKS", "Benchmark", "bench_data", "bench_flow", "machine_info", "main"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark: adds its options to a sub-parser and runs from the parsed namespace."""

    add_args: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], dict[str, Any]]
    help: str


#: name -> benchmark; ``all`` runs each with its defaults. Others add theirs here.
BENCHMARKS: dict[str, Benchmark] = {
    "flow": Benchmark(_flow_args, _flow_run, "TV-L1: torch vs OpenCV throughput and accuracy"),
    "data": Benchmark(_data_args, _data_run, "augmented training sequences per second"),
    "train": Benchmark(
        training.add_args, training.run, "training sequences/s and peak memory per stage"
    ),
    "predict": Benchmark(
        predict.add_args, predict.run, "inference input frames/s (flow + network, chunked)"
    ),
    "live": Benchmark(
        live.add_args, live.run, "predict --live: input frames/s at stride 1 vs the 30 fps target"
    ),
    "prep": Benchmark(
        prep.add_args, prep.run, "CASME II-sized preparation (frames + flow): torch vs OpenCV"
    ),
    "long": Benchmark(
        long_video.add_args,
        long_video.run,
        "long videos: flow and network frames/s, peak memory at two lengths (ratio)",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microexp.bench", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="name", required=True)
    for name, b in BENCHMARKS.items():
        sp = sub.add_parser(name, help=b.help)
        b.add_args(sp)
        sp.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    sp = sub.add_parser("all", help="every benchmark with its defaults")
    sp.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    return parser


def _defaults(name: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    BENCHMARKS[name].add_args(p)
    return p.parse_args([])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse ``argv``, run, print the JSON on stdout (and write it to ``--out``)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.name == "all":
        result: dict[str, Any] = {
            name: BENCHMARKS[name].run(_defaults(name)) for name in BENCHMARKS
        }
        result["machine"] = machine_info()
    else:
        result = BENCHMARKS[args.name].run(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return result
