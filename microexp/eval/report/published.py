"""Published results the MEGC tables print beside ours, labelled :data:`PUBLISHED`.

Spotting on long videos (MEGC 2020 protocol, F1 per expression type and overall, with TP/FP/FN
where the authors give them) and MEGC 2019 composite recognition (UF1/UAR pooled over all LOSO
folds). Each row says how its numbers were selected: a number picked on the test subjects is not
comparable with a leakage-free one, and the row says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PUBLISHED = "published"

#: The long-video datasets by the scorer's names (``CASME_sq``, ``SAMM``), as tables title them.
SPOT_DATASETS: dict[str, str] = {
    "CASME_sq": "CAS(ME)² long videos",
    "SAMM": "SAMM long videos (SAMM-LV)",
}

_SPOT_ALIASES = {"casmesq": "CASME_sq", "samm": "SAMM", "sammlv": "SAMM"}


def spot_dataset(name: str) -> str:
    """The scorer's name of a long-video dataset (``casme_sq`` -> ``CASME_sq``, ``samm_lv`` ->
    ``SAMM``); another name as it is."""
    return _SPOT_ALIASES.get(re.sub(r"[^a-z0-9]", "", name.lower()), name)


@dataclass(frozen=True)
class SpotRow:
    """One published spotting row on one dataset: F1 per type and overall, counts if given."""

    method: str
    f1: dict[str, float]  # micro, macro, overall
    note: str
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # type -> TP, FP, FN


_BASELINE = "MEGC 2020 baseline (MDMD, He et al.)"
_BASELINE_NOTE = "threshold swept on the evaluation data"
_SOFTNET_NOTE = "threshold chosen on the evaluated data"
_AUW_NOTE = "selects the best epoch on the test subject (leaky)"

SPOTTING: dict[str, tuple[SpotRow, ...]] = {
    "CASME_sq": (
        SpotRow(
            _BASELINE,
            {"micro": 0.0082, "macro": 0.1196, "overall": 0.0376},
            _BASELINE_NOTE,
            {"micro": (21, 5014, 36), "macro": (109, 1414, 191), "overall": (130, 6428, 227)},
        ),
        SpotRow("SOFTNet", {"micro": 0.1173, "macro": 0.2410, "overall": 0.2022}, _SOFTNET_NOTE),
        SpotRow("AUW-GCN", {"micro": 0.1538, "macro": 0.4235, "overall": 0.3834}, _AUW_NOTE),
    ),
    "SAMM": (
        SpotRow(
            _BASELINE,
            {"micro": 0.0364, "macro": 0.0629, "overall": 0.0445},
            _BASELINE_NOTE,
            {"micro": (29, 1407, 130), "macro": (22, 334, 321), "overall": (51, 1741, 451)},
        ),
        SpotRow("SOFTNet", {"micro": 0.1520, "macro": 0.2169, "overall": 0.1881}, _SOFTNET_NOTE),
        SpotRow("AUW-GCN", {"micro": 0.1984, "macro": 0.4293, "overall": 0.3728}, _AUW_NOTE),
    ),
}


@dataclass(frozen=True)
class RecogRow:
    """One published MEGC 2019 composite row: (UF1, UAR) overall and per release."""

    method: str
    scores: dict[str, tuple[float, float]]  # "overall", "casme2", "samm", "smic"
    note: str


COMPOSITE: tuple[RecogRow, ...] = (
    RecogRow(
        "STSTNet (PyTorch run log)",
        {"overall": (0.7209, 0.7250)},
        "fixed 800 epochs, last epoch, pooled: leakage-free",
    ),
    RecogRow(
        "LBP-TOP baseline (MEGC 2019)",
        {
            "overall": (0.5882, 0.5785),
            "smic": (0.2000, 0.5280),
            "casme2": (0.7026, 0.7429),
            "samm": (0.3954, 0.4102),
        },
        "the challenge's baseline: no epoch to select",
    ),
)

_RELEASES = {"casme2": "casme2", "casmeii": "casme2", "samm": "samm", "smic": "smic"}


def release_key(dataset: str) -> str | None:
    """The published column of a dataset name (``casme2``, ``CASME II`` -> ``casme2``;
    ``SMIC-HS`` -> ``smic``); None for a release the published rows do not cover."""
    plain = re.sub(r"[^a-z0-9]", "", dataset.lower())
    if plain in _RELEASES:
        return _RELEASES[plain]
    return "smic" if plain.startswith("smic") else None
