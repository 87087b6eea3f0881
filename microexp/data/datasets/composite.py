"""The MEGC 2019 composite: CASME II + SAMM + SMIC-HS as one set of clips, the published
sample selection, classes negative / positive / surprise.

The three releases sit under one root, each in a folder of its own (``CASME2/``, ``SAMM/``,
``SMIC/``: found by what they hold, whatever their names). The selection and the labels come
from the challenge's list ``combined_3class_gt.csv`` (no header; ``dataset, subject, filename,
label`` with 0 = negative, 1 = positive, 2 = surprise; subjects written ``sub01``, ``6``,
``s01`` and SMIC clips ``s01_ne_01``), taken from the root, from ``sheet=``, or from the copy
shipped with the package. A listed sample missing from the user's copy is a skip with its
reason; a clip not in the list is left out and counted in the notes. Clips keep their release's
subject names (``sub01``, ``006``, ``s1``), which cannot collide, so every subject and every
clip id is unique across the three.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from microexp.classes import label_of
from microexp.data.datasets.casme2 import CASME2, load_casme2, subject_name
from microexp.data.datasets.folders import few, find_frames_tree
from microexp.data.datasets.samm import SAMM, load_samm, samm_subject
from microexp.data.datasets.sheets import find_sheet
from microexp.data.datasets.smic import TREES as SMIC_TREES
from microexp.data.datasets.smic import load_smic, smic_subject
from microexp.data.datasets.spec import SheetRelease, resolve_protocol
from microexp.data.frames import natural_key
from microexp.data.records import Clip, ClipSet, DataFormatError, Skip

LIST_NAME = "combined_3class_gt.csv"
#: The list as shipped with the package (annotation metadata from the challenge's repository,
#: github.com/Facial-Micro-ExpressionGC/MEGC2019, ``images/combined_3class_gt.csv``).
PACKAGED_LIST = Path(__file__).with_name("megc2019_composite.csv")


class CompositeFormatError(DataFormatError):
    """The composite cannot be read at all; the message names the folder or file (and row)."""


@dataclass(frozen=True)
class Member:
    """One release of the composite: how to read it whole (every emotion) and how the list
    writes its subjects and clips."""

    name: str  # as the list and the registry write it
    title: str
    load: Callable[..., ClipSet]
    every_emotion: str  # the protocol that keeps every emotion the list may name
    holds: Callable[[Path], bool]  # whether a folder holds this release
    subject: Callable[[Any], str | None]
    episode: Callable[[str], str] = str.strip


def _has_sheet(release: SheetRelease) -> Callable[[Path], bool]:
    def holds(folder: Path) -> bool:
        try:
            find_sheet(
                folder,
                release.sheet_names,
                release.sheet_patterns,
                description="sheet",
                error=DataFormatError,
            )
        except DataFormatError:
            return False
        return True

    return holds


def _has_smic_tree(folder: Path) -> bool:
    try:
        find_frames_tree(folder, "auto", SMIC_TREES, smic_subject, DataFormatError)
    except DataFormatError:
        return False
    return True


def _smic_episode(text: str) -> str:
    """``s01_ne_01`` (the list) -> ``s1_ne_01`` (the folder)."""
    m = re.match(r"^s0*(\d+)_(.+)$", text.strip(), re.IGNORECASE)
    return f"s{int(m.group(1))}_{m.group(2)}" if m else text.strip()


MEMBERS: tuple[Member, ...] = (
    Member("casme2", "CASME II", load_casme2, "7", _has_sheet(CASME2), subject_name),
    Member("samm", "SAMM", load_samm, "all", _has_sheet(SAMM), samm_subject),
    Member("smic", "SMIC-HS", load_smic, "3", _has_smic_tree, smic_subject, _smic_episode),
)
_BY_NAME = {m.name: m for m in MEMBERS}


@dataclass(frozen=True)
class Listed:
    """One sample of the list: release, subject and clip as the release names them, label."""

    dataset: str
    subject: str
    episode: str
    label: int
    row: int


def load_composite(
    root: str | Path,
    *,
    protocol: str = "3",
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Read CASME II, SAMM and SMIC-HS under ``root`` as the MEGC 2019 composite.

    Args:
        root: the folder holding the three releases, one folder each.
        protocol: ``"3"`` (negative, positive, surprise), the composite's only protocol.
        tree: passed to each release's reader (``auto`` prefers cropped faces).
        sheet: the composite list, if not ``root/combined_3class_gt.csv`` nor shipped.

    Raises:
        CompositeFormatError: no such folder, a release not found, no list or a malformed one;
            a release's own error when that release cannot be read.
    """
    root = Path(root).expanduser()
    name, classes = resolve_protocol("composite", protocol, CompositeFormatError)
    if not root.is_dir():
        raise CompositeFormatError(f"composite root {root} is not a folder")
    folders = _find_members(root)
    list_path = _list_path(root, sheet)
    notes = [
        "releases found: " + ", ".join(f"{m.title} in {folders[m.name].name}/" for m in MEMBERS),
        f"sample list: {list_path}",
    ]
    listed = read_list(list_path, notes)
    sets = {m.name: m.load(folders[m.name], protocol=m.every_emotion, tree=tree) for m in MEMBERS}
    clips, skipped = _select(listed, sets, list_path.name, classes.classes, notes)
    kinds = sorted({ds.tree_kind for ds in sets.values()})
    if len(kinds) > 1:
        notes.append(
            "frame trees of different kinds: "
            + ", ".join(f"{m.title} {sets[m.name].tree_kind}" for m in MEMBERS)
        )
    return ClipSet(
        root=root,
        sheet=list_path,
        frames_tree=root,
        tree_kind=kinds[0] if len(kinds) == 1 else "mixed",
        protocol=name,
        classes=classes.classes,
        clips=clips,
        skipped=skipped,
        notes=notes,
        member_kinds={m.name: sets[m.name].tree_kind for m in MEMBERS},
    )


def _find_members(root: Path) -> dict[str, Path]:
    """Each release's folder: the first folder under ``root`` (natural order) that holds it."""
    children = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: natural_key(p.name))
    found: dict[str, Path] = {}
    for member in MEMBERS:
        match = next((p for p in children if p not in found.values() and member.holds(p)), None)
        if match is not None:
            found[member.name] = match
    missing = [m.title for m in MEMBERS if m.name not in found]
    if missing:
        raise CompositeFormatError(
            f"no {', '.join(missing)} under {root}: the composite needs CASME II (a folder with "
            "its coding sheet), SAMM (a folder with SAMM_Micro_FACS_Codes_v2.xlsx) and SMIC-HS "
            "(a folder with SMIC_all_cropped/HS, SMIC_all_raw/HS or HS), one folder each"
        )
    return found


def _list_path(root: Path, sheet: str | Path | None) -> Path:
    """The composite list: ``sheet``, else one in ``root``, else the packaged copy."""
    if sheet is not None:
        path = Path(sheet)
        path = path if path.is_absolute() or path.exists() else root / path
        if not path.is_file():
            raise CompositeFormatError(f"composite list {path} does not exist")
        return path
    in_root = sorted(root.glob("combined_3class_gt*.csv"), key=lambda p: natural_key(p.name))
    if in_root:
        return in_root[0]
    if PACKAGED_LIST.is_file():
        return PACKAGED_LIST
    raise CompositeFormatError(
        f"no MEGC 2019 composite list: put {LIST_NAME} (github.com/Facial-Micro-ExpressionGC/"
        f"MEGC2019, images/) in {root}, or pass its path as sheet="
    )


def read_list(path: Path, notes: list[str]) -> list[Listed]:
    """The list's samples, with subjects and clips named as each release names them. Blank
    rows (the ``-2`` variant's ``,,,``) and repeated samples are passed over with a note; a row
    that is not ``dataset, subject, filename, label`` is an error naming the file and row."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CompositeFormatError(f"cannot read composite list {path}: {exc}") from exc
    listed: dict[tuple[str, str, str], Listed] = {}
    blank = repeated = 0
    for n, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            blank += 1
            continue
        item = _listed(cells, n, path)
        key = (item.dataset, item.subject, item.episode.lower())
        if key in listed:
            repeated += 1
            continue
        listed[key] = item
    if not listed:
        raise CompositeFormatError(f"composite list {path} holds no samples")
    if blank:
        notes.append(f"composite list {path.name}: {blank} blank row(s) ignored")
    if repeated:
        notes.append(f"composite list {path.name}: {repeated} repeated sample(s) ignored")
    return list(listed.values())


def _listed(cells: list[str], n: int, path: Path) -> Listed:
    where = f"composite list {path} row {n}"
    if len(cells) < 4:
        raise CompositeFormatError(f"{where}: expected dataset,subject,filename,label")
    member = _BY_NAME.get(cells[0].lower())
    if member is None:
        raise CompositeFormatError(
            f"{where}: unknown dataset {cells[0]!r} (expected {', '.join(_BY_NAME)})"
        )
    subject = member.subject(cells[1])
    if subject is None or not cells[2] or cells[3] not in ("0", "1", "2"):
        raise CompositeFormatError(f"{where}: {','.join(cells[:4])!r} is not a listed sample")
    return Listed(member.name, subject, member.episode(cells[2]), int(cells[3]), n)


def _select(
    listed: list[Listed],
    sets: dict[str, ClipSet],
    list_name: str,
    classes: tuple[str, ...],
    notes: list[str],
) -> tuple[list[Clip], list[Skip]]:
    """The listed clips relabelled by the list, a skip per listed sample not read, and notes
    on each release (what it noted, what it read but the list leaves out)."""
    clips: list[Clip] = []
    skipped: list[Skip] = []
    for member in MEMBERS:
        ds = sets[member.name]
        read = {(c.subject, c.episode.lower()): c for c in ds.clips}
        passed = {(s.subject, s.episode.lower()): s.reason for s in ds.skipped}
        found: list[Clip] = []
        for item in (x for x in listed if x.dataset == member.name):
            clip = read.pop((item.subject, item.episode.lower()), None)
            if clip is None:
                why = passed.pop((item.subject, item.episode.lower()), None)
                reason = f"listed in {list_name} (row {item.row}) but " + (
                    f"not in this copy of {member.title}"
                    if why is None
                    else f"skipped by the {member.title} reader: {why}"
                )
                skipped.append(Skip(item.subject, item.episode, reason))
                continue
            found.append(_relabelled(clip, item, classes, notes))
        clips.extend(sorted(found, key=lambda c: natural_key(c.id)))
        notes.extend(f"{member.title}: {note}" for note in ds.notes)
        if read:
            emotions = Counter(c.emotion for c in read.values())
            notes.append(
                f"{member.title}: {len(read)} clip(s) not in {list_name} left out ("
                + ", ".join(f"{e} {k}" for e, k in sorted(emotions.items()))
                + ")"
            )
        if passed:
            notes.append(
                f"{member.title}: {len(passed)} item(s) skipped by its reader, none of them "
                f"listed ({few([f'{s}/{e}' for s, e in passed])})"
            )
    return clips, skipped


def _relabelled(clip: Clip, item: Listed, classes: tuple[str, ...], notes: list[str]) -> Clip:
    """The clip labelled as the list labels it; a note when its emotion maps elsewhere."""
    extra: list[str] = []
    mapped = label_of("composite", "3", clip.emotion)
    if mapped != item.label:
        mapped_name = "no class" if mapped is None else classes[mapped]
        extra.append(
            f"listed as {classes[item.label]} while its emotion '{clip.emotion}' maps to "
            f"{mapped_name}: the list's label is used"
        )
        notes.append(f"{clip.dataset} {clip.id}: {extra[-1]}")
    return dataclasses.replace(clip, label=item.label, notes=clip.notes + extra)
