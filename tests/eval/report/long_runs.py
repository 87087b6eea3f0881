"""Hand-made long-video run folders (``spots.csv``, ``truth.csv``, ``metrics.json``) with counts
worked out by hand, for the report's MEGC table."""

from __future__ import annotations

import json
from pathlib import Path

TRUTH_HEADER = "dataset,video,type,onset,apex,offset"
SPOTS_HEADER = "dataset,video,start,end,score,type"

#: Two CAS(ME)² folds. Fold 0: micro [11,20] finds [10,20] (IoU 10/11); macro [100,150] finds
#: [100,160] (IoU 51/61); macro [300,340] and [10,30] are false; macro [50,90] is missed.
#: Fold 1: 16_0101 has no expression, so its spot is false; micro [30,38] misses [5,12];
#: macro [200,255] finds [200,260].
FOLDS = {
    0: (
        [
            "CASME_sq,15_0101,micro,10,15,20",
            "CASME_sq,15_0101,macro,100,130,160",
            "CASME_sq,15_0102,macro,50,70,90",
        ],
        [
            "CASME_sq,15_0101,11,20,0.9,micro",
            "CASME_sq,15_0101,100,150,0.8,macro",
            "CASME_sq,15_0101,300,340,0.7,macro",
            "CASME_sq,15_0102,10,30,0.6,macro",
        ],
        {"micro": (1, 0, 0), "macro": (1, 2, 1)},
    ),
    1: (
        [
            "CASME_sq,16_0101,,,,",
            "CASME_sq,16_0401,micro,5,8,12",
            "CASME_sq,16_0401,macro,200,230,260",
        ],
        [
            "CASME_sq,16_0101,40,48,0.9,micro",
            "CASME_sq,16_0401,30,38,0.8,micro",
            "CASME_sq,16_0401,200,255,0.7,macro",
        ],
        {"micro": (0, 2, 1), "macro": (1, 0, 0)},
    ),
}
#: Pooled by hand: TP/FP/FN summed over both folds, then F1 = 2TP / (2TP + FP + FN).
POOLED = {"micro": (1, 2, 1, 0.4), "macro": (2, 2, 1, 4 / 7), "overall": (3, 4, 2, 0.5)}


def megc_metrics(counts: dict[str, tuple[int, int, int]]) -> dict[str, float | int]:
    """``test/megc/*`` as a long-video run writes them."""
    out: dict[str, float | int] = {}
    total = [0, 0, 0]
    for kind, (tp, fp, fn) in counts.items():
        out |= {f"test/megc/{kind}_tp": tp, f"test/megc/{kind}_fp": fp, f"test/megc/{kind}_fn": fn}
        out[f"test/megc/{kind}_f1"] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        total = [a + b for a, b in zip(total, (tp, fp, fn))]
    tp, fp, fn = total
    out["test/megc/overall_f1"] = 2 * tp / (2 * tp + fp + fn)
    return out


def long_run(
    folder: Path, fold: int, *, stage: str = "joint", files: bool = True, dataset: str = ""
) -> Path:
    """One fold of a long-video LOSO sweep; ``files=False``: metrics.json only (``dataset``
    then names its data as ``data/dataset``)."""
    truth, spots, counts = FOLDS[fold]
    folder.mkdir(parents=True, exist_ok=True)
    if files:
        (folder / "truth.csv").write_text("\n".join([TRUTH_HEADER, *truth]) + "\n")
        (folder / "spots.csv").write_text("\n".join([SPOTS_HEADER, *spots]) + "\n")
    metrics = {
        "stage": stage,
        "fold": fold,
        "split": "loso",
        "test_subjects": [f"s{15 + fold}"],
        "selected": "last",
        **megc_metrics(counts),
    }
    if dataset:
        metrics["data/dataset"] = dataset
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder
