"""The MEGC 2019 composite: three releases under one root, the listed samples labelled as the
list says, counts by release and class, listed samples missing from the copy skipped with their
reason; malformed lists and missing releases are errors naming the file or folder."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from microexp.classes import MEGC2019_CLASSES
from microexp.data.datasets import read_clips
from microexp.data.datasets.composite import CompositeFormatError, load_composite, read_list
from tests.data.datasets.casme_fixture import SHEET as CASME2_SHEET
from tests.data.datasets.casme_fixture import row, write_frames, write_sheet
from tests.data.datasets.release_fixtures import planted, write_images, write_workbook


def _listed(root: Path) -> list[list[str]]:
    return [line.split(",") for line in (root / "combined_3class_gt.csv").read_text().split()]


def test_synthetic_composite_counts_by_release_and_class(layouts: dict[str, Path]) -> None:
    root = layouts["composite"]
    ds = load_composite(root)
    listed = _listed(root)
    samm_gone = [s for s in planted(root / "SAMM") if s["quirk"] == "no-frames"]
    missing = {("casme2", "sub01", "EP99_99f")}
    missing |= {("samm", str(int(s["subject"])), s["episode"]) for s in samm_gone}
    kept = [r for r in listed if tuple(r[:3]) not in missing]
    assert Counter((c.dataset, c.label) for c in ds.clips) == Counter(
        (d, int(k)) for d, _, _, k in kept
    )
    assert ds.classes == MEGC2019_CLASSES and ds.protocol == "3" and ds.tree_kind == "cropped"
    assert len({c.id for c in ds.clips}) == len(ds.clips) == len(kept)
    by_release = {
        d: {c.subject for c in ds.clips if c.dataset == d} for d in ("casme2", "samm", "smic")
    }
    assert sum(map(len, by_release.values())) == len(ds.subjects)  # no subject shared
    assert {c.fps for c in ds.clips if c.dataset == "samm"} == {200.0}
    assert {c.fps for c in ds.clips if c.dataset == "smic"} == {100.0}
    reasons = [s.reason for s in ds.skipped]
    assert len(reasons) == len([r for r in listed if tuple(r[:3]) in missing])
    assert sum("but not in this copy of CASME II" in r for r in reasons) == 1
    gone = "but skipped by the SAMM reader: no frame folder SAMM_CROP/"
    assert sum(gone in r for r in reasons) == len(reasons) - 1
    assert ds.notes[0] == "releases found: CASME II in CASME2/, SAMM in SAMM/, SMIC-HS in SMIC/"
    assert any(n.startswith("CASME II: ") and "left out (others" in n for n in ds.notes)
    assert any(n.startswith("SMIC-HS: passed over 1 other item(s)") for n in ds.notes)
    summary = read_clips("composite", root).summary()
    assert sum(summary["per_class"].values()) == len(kept)


def _releases(root: Path) -> None:
    """CASME II (2 clips), SAMM (2 clips) and SMIC-HS (2 clips) under folders of other names."""
    casme2 = root / "casme2_data"
    write_sheet(
        casme2 / CASME2_SHEET,
        [row(1, "EP02_01f", 2, 3, 5, "disgust"), row(2, "EP03_01", 2, 3, 5, "others")],
    )
    write_frames(casme2 / "Cropped" / "sub01" / "EP02_01f", range(1, 7))
    write_frames(casme2 / "Cropped" / "sub02" / "EP03_01", range(1, 7))
    samm = root / "SAMM_v2"
    header = ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame"]
    header += ["Action Units", "Estimated Emotion"]
    rows = [header, ["006", "006_1_2", 10, 12, 14, "12", "Happiness"]]
    rows.append(["037", "037_3_2", 10, 12, 14, "4", "Contempt"])
    write_workbook(samm / "SAMM_Micro_FACS_Codes_v2.xlsx", [["SAMM"], [], *rows])
    for subject, name in (("006", "006_1_2"), ("037", "037_3_2")):
        write_images(
            samm / "SAMM" / subject / name, [f"{subject}_{n:05d}.jpg" for n in range(10, 15)]
        )
    hs = root / "SMIC-HS" / "SMIC_all_raw" / "HS"
    for name, cls in (("s1_ne_01", "negative"), ("s12_sur_03", "surprise")):
        write_images(
            hs / name.split("_")[0] / "micro" / cls / name, ["image000001.bmp", "image000002.bmp"]
        )


LIST = (
    "casme2,sub01,EP02_01f,1\r\n"  # disgust listed as positive: the list wins, with a note
    ",,,\r\n"
    "smic,s01,s01_ne_01,0\r\n"
    "smic,s12,s12_sur_03,2\r\n"
    "smic,s12,s12_sur_03,2\r\n"  # repeated
    "samm,6,006_1_2,1\r\n"
    "samm,37,037_3_2,0\r\n"
    "samm,26,026_1_1,0\r\n"  # not in this copy
)


def test_hand_made_list_in_the_official_format(tmp_path: Path) -> None:
    _releases(tmp_path)
    (tmp_path / "combined_3class_gt.csv").write_bytes(LIST.encode())
    ds = load_composite(tmp_path)
    assert [(c.dataset, c.id, c.label) for c in ds.clips] == [
        ("casme2", "sub01/EP02_01f", 1),
        ("samm", "006/006_1_2", 1),
        ("samm", "037/037_3_2", 0),
        ("smic", "s1/s1_ne_01", 0),
        ("smic", "s12/s12_sur_03", 2),
    ]
    assert ds.clips[0].notes[-1] == (
        "listed as positive while its emotion 'disgust' maps to negative: the list's label is used"
    )
    assert ds.skipped[0].reason == (
        "listed in combined_3class_gt.csv (row 8) but not in this copy of SAMM"
    )
    assert ds.notes[:4] == [
        "releases found: CASME II in casme2_data/, SAMM in SAMM_v2/, SMIC-HS in SMIC-HS/",
        f"sample list: {tmp_path / 'combined_3class_gt.csv'}",
        "composite list combined_3class_gt.csv: 1 blank row(s) ignored",
        "composite list combined_3class_gt.csv: 1 repeated sample(s) ignored",
    ]
    assert "casme2 sub01/EP02_01f: listed as positive" in ds.notes[4]
    assert "CASME II: 1 clip(s) not in combined_3class_gt.csv left out (others 1)" in ds.notes
    assert ds.per_class() == {"negative": 2, "positive": 2, "surprise": 1}
    assert ds.tree_kind == "mixed"  # CASME II cropped, the others raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("casme2,sub01,EP02_01f\r\n", "row 1: expected dataset,subject,filename,label"),
        ("mmew,s1,x,0\r\n", "row 1: unknown dataset 'mmew'"),
        ("casme2,sub01,EP02_01f,1\r\nsamm,6,006_1_2,3\r\n", "row 2: 'samm,6,006_1_2,3' is not"),
        (",,,\r\n", "holds no samples"),
    ],
)
def test_malformed_list_names_the_file_and_row(tmp_path: Path, text: str, message: str) -> None:
    _releases(tmp_path)
    (tmp_path / "my_list.csv").write_text(text)
    with pytest.raises(CompositeFormatError, match="my_list.csv") as err:
        load_composite(tmp_path, sheet="my_list.csv")
    assert message in str(err.value)


def test_missing_release_or_list_is_an_error(tmp_path: Path) -> None:
    _releases(tmp_path)
    with pytest.raises(CompositeFormatError, match="no MEGC 2019 composite list: put combined"):
        load_composite(tmp_path)
    with pytest.raises(CompositeFormatError, match="composite list .*nothing.csv does not exist"):
        load_composite(tmp_path, sheet="nothing.csv")
    for path in sorted((tmp_path / "SMIC-HS").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    with pytest.raises(CompositeFormatError, match="no SMIC-HS under"):
        load_composite(tmp_path)
    with pytest.raises(CompositeFormatError, match="known protocols are 3"):
        load_composite(tmp_path, protocol="5")


def test_the_official_list_format_is_read(tmp_path: Path) -> None:
    path = tmp_path / "combined_3class_gt.csv"
    path.write_bytes(LIST.encode())
    notes: list[str] = []
    samples = read_list(path, notes)
    assert [(s.dataset, s.subject, s.episode, s.label) for s in samples][2:4] == [
        ("smic", "s12", "s12_sur_03", 2),
        ("samm", "006", "006_1_2", 1),
    ]
