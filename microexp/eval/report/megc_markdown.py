"""``report.md``'s MEGC sections: long-video spotting per dataset and composite recognition, ours
beside the published rows (labelled *published*) and the references."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microexp.eval.megc.recognition import OVERALL
from microexp.eval.megc.records import KINDS
from microexp.eval.report.composite import CompositeTable
from microexp.eval.report.contents import is_number
from microexp.eval.report.megc_spotting import MegcMethod
from microexp.eval.report.published import (
    COMPOSITE,
    PUBLISHED,
    SPOT_DATASETS,
    SPOTTING,
    release_key,
)

TYPES: tuple[str, ...] = (*KINDS, "overall")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _f(value: Any) -> str:
    return f"{value:.4f}" if is_number(value) else "—"


def _counts(entry: Mapping[str, Any] | None) -> str:
    return f"{entry['tp']} / {entry['fp']} / {entry['fn']}" if entry else "—"


def _ours_row(m: MegcMethod, dataset: str) -> list[str]:
    s = m.scores[dataset]
    label = f"ours ({len(m.folds)} fold{'s' if len(m.folds) != 1 else ''}, pooled)"
    return [
        f"{m.method.row} ({m.name})",
        label,
        *(_f(s[t]["f1"]) for t in TYPES),
        *(_counts(s[t]) for t in TYPES),
        m.source,
    ]


def spotting_sections(methods: Mapping[str, MegcMethod]) -> list[str]:
    """One MEGC table per dataset found in the runs."""
    datasets = list(dict.fromkeys(d for m in methods.values() for d in m.scores))
    if not datasets:
        return []
    lines = [
        "",
        "## MEGC spotting on long videos (TP/FP/FN summed over all folds, then F1)",
        "",
        "Matching as the MEGC rules: per video and expression type, one-to-one at IoU ≥ 0.5 on "
        "inclusive frames; every video of the truth files counts, a video without expressions "
        "too (its spots are false positives). *published*: the authors' numbers on the full "
        "release with their own selection (see each row's note); not ours.",
    ]
    header = [
        "Method",
        "numbers",
        *(f"{t} F1" for t in TYPES),
        *(f"{t} TP / FP / FN" for t in TYPES),
        "note",
    ]
    for dataset in datasets:
        rows = [_ours_row(m, dataset) for m in methods.values() if dataset in m.scores]
        for pub in SPOTTING.get(dataset, ()):
            rows.append(
                [
                    pub.method,
                    PUBLISHED,
                    *(_f(pub.f1.get(t)) for t in TYPES),
                    *(
                        " / ".join(map(str, pub.counts[t])) if t in pub.counts else "—"
                        for t in TYPES
                    ),
                    pub.note,
                ]
            )
        title = SPOT_DATASETS.get(dataset, dataset)
        lines += ["", f"### {title} (`{dataset}`)", ""] + _md_table(header, rows)
        notes = [n for m in methods.values() for n in m.scores.get(dataset, {}).get("notes", [])]
        lines += [""] + [f"- Note: {n}" for n in notes] if notes else []
    return lines


def _recog_cells(scores: Mapping[str, Any], columns: Sequence[str]) -> list[str]:
    cells = []
    for column in columns:
        s = scores.get(column)
        cells += [_f(s["uf1"]), _f(s["uar"])] if s else ["—", "—"]
    return cells


def composite_section(tables: Mapping[str, CompositeTable]) -> list[str]:
    """The MEGC 2019 composite table: ours, the references and the published rows."""
    if not tables:
        return []
    datasets = list(dict.fromkeys(d for t in tables.values() for d in t.scores if d != OVERALL))
    columns = [OVERALL, *datasets]
    header = ["Method", "numbers"]
    header += [f"{c} {s}" for c in columns for s in ("UF1", "UAR")]
    rows = []
    for t in tables.values():
        n = ", ".join(f"{c} {t.scores[c]['n']}" for c in columns)
        rows.append(
            [f"{t.method.row} ({t.name})", f"ours, pooled (n: {n})"]
            + _recog_cells(t.scores, columns)
        )
        const = t.references["constant"]
        rows.append(
            [
                "Reference: constant predictor (majority class of each column)",
                f"on {t.name}'s clips",
            ]
            + _recog_cells(const, columns)
        )
        rows.append(
            ["Reference: uniform guess (expected counts)", f"on {t.name}'s clips"]
            + _recog_cells(t.references["uniform"], columns)
        )
    for pub in COMPOSITE:
        by_column = {c: pub.scores.get(release_key(c) or c) for c in columns}
        by_column[OVERALL] = pub.scores.get(OVERALL)
        cells = {c: {"uf1": v[0], "uar": v[1]} for c, v in by_column.items() if v}
        rows.append([pub.method, f"{PUBLISHED}: {pub.note}"] + _recog_cells(cells, columns))
    lines = [
        "",
        "## MEGC 2019 composite recognition (UF1 / UAR pooled over all folds)",
        "",
        "All folds' test predictions pooled, then per-class TP/FP/FN: UF1 = mean F1, UAR = mean "
        "recall over the classes present (the MEGC 2019 definition), overall and per release; "
        "the same numbers as `python -m microexp.eval.megc recog --pred "
        "<method>/megc_recognition.csv`. *published*: the full composite (442 clips, 68 "
        "subjects), not our data.",
        "",
    ]
    lines += _md_table(header, rows) + [""]
    for t in tables.values():
        if t.left_out:
            lines.append(
                f"- {t.name}: {t.left_out} clip(s) without a true or predicted class left out."
            )
        for column in columns:
            absent = t.scores.get(column, {}).get("absent_classes")
            if absent:
                lines.append(
                    f"- {t.name}, {column}: class(es) {', '.join(absent)} absent: "
                    f"{t.scores[column]['absent_reason']}."
                )
    return lines
