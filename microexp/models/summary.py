"""Parameter and FLOP summary of the networks.

``python -m microexp.models.summary [--width W] [--size 64] [--seq-len 14] [--conv-gru] [--json]``

FLOPs are forward FLOPs counted by ``torch.utils.flop_counter.FlopCounterMode`` (2 per
multiply-accumulate of convolutions, matrix products and the GRU's matrix products; pooling,
activations and element-wise gate arithmetic are not counted), batch size 1. "per pair" is one
transition (2 frames, 1 flow, 1 GRU step: T = 1); "per sequence" is a ``seq_len``-step window
(T + 1 frames, each frame's spatial features computed once).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from microexp.models.joint import JointNet

#: Summary rows: label -> parameter-name prefixes (relative to :class:`JointNet`).
GROUPS: dict[str, tuple[str, ...]] = {
    "spatial: DeepLab conv1-fc6": ("spatial.vgg", "spatial.fc6"),
    "spatial: fc7-fc8 seg head *": ("spatial.head",),
    "spatial: fc6 reducer": ("spatial_head",),
    "temporal: MPNet": ("temporal",),
    "contrast: eqs. 1-3 + fusion": ("contrast",),
    "memory: 1x1 conv + 2 FC": ("memory.reduce", "memory.fc"),
    "memory: GRU": ("memory.gru",),
    "memory: heads": ("memory.class_head", "memory.intensity_head"),
}
#: The row that is not part of the joint forward (its FLOPs are the spatial stage's, per frame).
SEG_HEAD = "spatial: fc7-fc8 seg head *"


def _leaf_flops(model: torch.nn.Module, *args: torch.Tensor) -> dict[str, int]:
    """Forward FLOPs per leaf-module name (names relative to ``model``)."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(*args)
    counts = {k: sum(v.values()) for k, v in counter.get_flop_counts().items()}
    root = type(model).__name__
    names = [k for k in counts if k.startswith(root + ".")]
    leaves = {
        k[len(root) + 1 :]: counts[k]
        for k in names
        if not any(o.startswith(k + ".") for o in names)
    }
    other = counts.get("Global", 0) - sum(leaves.values())
    if other:
        leaves["<other>"] = other
    return leaves


def _group_sum(values: dict[str, int], prefixes: tuple[str, ...]) -> int:
    return sum(
        v for k, v in values.items() if any(k == p or k.startswith(p + ".") for p in prefixes)
    )


def _inputs(t: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.rand(1, t + 1, 3, size, size), torch.zeros(1, t, 2, size, size)


def summarize(
    width: float = 1.0, size: int = 64, seq_len: int = 14, conv_gru: bool = False
) -> dict[str, Any]:
    """Parameters and forward FLOPs of :class:`JointNet` per module.

    Returns:
        ``{"width", "size", "seq_len", "conv_gru", "modules": {label: {"params",
        "flops_per_pair", "flops_per_sequence"}}, "total": {...}}``; the spatial segmentation
        head's FLOPs are those of the spatial stage, per frame.
    """
    torch.manual_seed(0)
    model = JointNet(width=width, image_size=size, conv_gru=conv_gru).eval()
    params = {n: p.numel() for n, p in model.named_parameters()}
    pair = _leaf_flops(model, *_inputs(1, size))
    seq = _leaf_flops(model, *_inputs(seq_len, size))
    head_flops = {
        "spatial." + k: v
        for k, v in _leaf_flops(model.spatial, torch.rand(1, 3, size, size)).items()
    }
    modules: dict[str, dict[str, int]] = {}
    for label, prefixes in GROUPS.items():
        if label == SEG_HEAD:
            pair_f = seq_f = _group_sum(head_flops, prefixes)
        else:
            pair_f, seq_f = _group_sum(pair, prefixes), _group_sum(seq, prefixes)
        modules[label] = {
            "params": _group_sum(params, prefixes),
            "flops_per_pair": pair_f,
            "flops_per_sequence": seq_f,
        }
    total = {
        "params": sum(params.values()),
        "flops_per_pair": sum(pair.values()),
        "flops_per_sequence": sum(seq.values()),
    }
    return {
        "width": width,
        "size": size,
        "seq_len": seq_len,
        "conv_gru": conv_gru,
        "modules": modules,
        "total": total,
    }


def _human(n: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def print_table(summary: dict[str, Any]) -> None:
    """Print a summary as a rich table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=(
            f"JointNet width={summary['width']} size={summary['size']} "
            f"seq_len={summary['seq_len']} conv_gru={summary['conv_gru']}"
        ),
        caption="* spatial stage only (FLOPs per frame); not part of the joint forward",
    )
    table.add_column("module")
    table.add_column("params", justify="right")
    table.add_column("FLOPs / pair", justify="right")
    table.add_column(f"FLOPs / {summary['seq_len']}-step seq", justify="right")
    rows = [*summary["modules"].items(), ("total (joint forward)", summary["total"])]
    for label, row in rows:
        table.add_row(
            label,
            f"{row['params']:,}",
            _human(row["flops_per_pair"]),
            _human(row["flops_per_sequence"]),
        )
    Console().print(table)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=14)
    parser.add_argument("--conv-gru", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    summary = summarize(args.width, args.size, args.seq_len, args.conv_gru)
    if args.json:
        print(json.dumps(summary))
    else:
        print_table(summary)


if __name__ == "__main__":
    main()
