"""The paper's published results (Tables 1 and 2 of §3, CASME II) and our methods' rows.

The numbers are copied from the paper's text; ``text`` keeps each cell exactly as printed. They
are the paper's results on CASME II with its protocol, never ours: reports print them in their own
column, labelled :data:`PUBLISHED_LABEL`, beside :data:`OURS_LABEL`.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLISHED_LABEL = "published (CASME II, paper)"
OURS_LABEL = "ours (this data)"


@dataclass(frozen=True)
class PublishedRow:
    """One row of a published table: the method's name as printed and its result in percent."""

    method: str
    value: float  # percent
    text: str  # the cell exactly as printed in the paper


#: Table 1: "Quantitative Results of micro-expression spotting on CASMEII Dataset" (AUC).
TABLE1_TITLE = "Quantitative Results of micro-expression spotting on CASMEII Dataset"
TABLE1: tuple[PublishedRow, ...] = (
    PublishedRow("LBP", 92.98, "92.98%"),
    PublishedRow("HOOF", 64.99, "64.99 %"),
    PublishedRow("Proposed", 94.24, "94.24 %"),
)

#: Table 2: "Quantitative Results of micro-expression recognition on CASMEII Dataset" (accuracy).
TABLE2_TITLE = "Quantitative Results of micro-expression recognition on CASMEII Dataset"
TABLE2: tuple[PublishedRow, ...] = (
    PublishedRow("Baseline [8]", 63.41, "63.41 %"),
    PublishedRow("Kim et al. [10]", 60.98, "60.98 %"),
    PublishedRow("Peng et al. [11]", 66.67, "66.67 %"),
    PublishedRow("Adaptive MM [15]", 75.30, "75.30 %"),
    PublishedRow("Park et al. [16]", 69.63, "69.63 %"),
    PublishedRow("Proposed", 81.46, "81.46 %"),
)


@dataclass(frozen=True)
class Method:
    """How a run's ``stage`` appears in the tables: the paper's row name and a description."""

    row: str
    description: str


#: Our stages, by the paper's row they reproduce.
METHODS: dict[str, Method] = {
    "joint": Method("Proposed", "time-contrasted features + visual memory (this implementation)"),
    "lbp": Method("LBP", "LBP features (baseline of this repository)"),
    "hoof": Method("HOOF", "histograms of oriented optical flow (baseline of this repository)"),
    "lbptop_svm": Method("Baseline [8]", "LBP-TOP + SVM, the CASME II baseline (this repository)"),
}


def method_for(stage: str) -> Method:
    """The :class:`Method` of a stage; an unknown stage is its own row."""
    return METHODS.get(stage, Method(stage, f"stage {stage!r}"))
