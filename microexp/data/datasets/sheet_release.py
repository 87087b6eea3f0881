"""Read a sheet-plus-frames release (CASME II, SAMM, CASME, CAS(ME)^3) into a :class:`ClipSet`:
find the sheet, read it, pick and index the frame tree, one clip or skip per row, a skip per
folder that no row names, and the dataset's notes."""

from __future__ import annotations

from pathlib import Path

from microexp.data.datasets.folders import FrameTree, few, find_frames_tree, index_tree
from microexp.data.datasets.rows import RowLog, read_row
from microexp.data.datasets.sheets import find_sheet, read_sheet, sheet_path
from microexp.data.datasets.spec import SheetRelease
from microexp.data.frames import natural_key
from microexp.data.records import Clip, ClipSet, Skip

#: Apex adjustments counted in the dataset notes: RowLog field -> the note's wording.
_APEX_NOTES = {
    "apex_midpoints": "with no apex frame ('/'): the onset-offset midpoint is used",
    "apex_clamped": "with the apex outside the interval: clamped into it",
    "apex_at_onset": "with the apex on the onset frame: kept",
}


def load_sheet_release(
    release: SheetRelease,
    root: str | Path,
    *,
    protocol: str,
    tree: str = "auto",
    sheet: str | Path | None = None,
) -> ClipSet:
    """Parse a release folder (annotation sheet + frame tree) into :class:`Clip` records.

    Raises ``release.error`` when the protocol is unknown or the folder, sheet or frame tree
    cannot be used at all.
    """
    root = Path(root).expanduser()
    name, classes = release.protocol(protocol)
    if not root.is_dir():
        raise release.error(f"{release.title} root {root} is not a folder")
    notes: list[str] = []
    path = sheet_path(root, sheet, lambda r: _find_sheet(release, r), release.error)
    rows = read_sheet(path, release.columns, notes, error=release.error)
    frames, tree_kind = _frame_tree(release, root, tree, notes)

    clips: list[Clip] = []
    skipped: list[Skip] = []
    log = RowLog()
    for row in rows:
        item = read_row(row, frames, release=release, sheet_name=path.name, protocol=name, log=log)
        if isinstance(item, Clip):
            clips.append(item)
        else:
            skipped.append(item)
    unclaimed = _unclaimed_folders(frames, log.claimed)
    if release.cut and unclaimed:
        notes.append(
            f"{len(unclaimed)} video folder(s) have no row in {path.name} (nothing to cut): "
            + few([f"{s.subject}/{s.episode}" for s in unclaimed])
        )
    else:
        skipped.extend(unclaimed)
    notes.extend(clip_notes(clips, log))
    clips.sort(key=lambda c: (natural_key(c.subject), natural_key(c.episode)))
    return ClipSet(
        root=root,
        sheet=path,
        frames_tree=frames.path,
        tree_kind=tree_kind,
        protocol=name,
        classes=classes.classes,
        clips=clips,
        skipped=skipped,
        notes=notes,
    )


def _find_sheet(release: SheetRelease, root: Path) -> Path:
    try:
        return find_sheet(
            root,
            release.sheet_names,
            release.sheet_patterns,
            description=f"{release.title} {release.columns.noun}",
            error=release.error,
        )
    except release.error as exc:
        raise release.error(f"{exc}; {_sheet_hint(release, root)}") from None


def _sheet_hint(release: SheetRelease, root: Path) -> str:
    """What to do when no sheet is found: a root that is a frame tree (``.../Cropped``) is
    pointed at its parent; otherwise the sheet's path can be given."""
    trees = {name.split("/")[-1].lower() for name in (*release.trees.cropped, *release.trees.raw)}
    if root.name.lower() in trees - {"."}:
        return (
            f"{root} is the {release.title} frame tree, not its release folder: use its parent "
            f"{root.parent} (train.py: data.root={root.parent})"
        )
    return (
        "or give the sheet's path (train.py: data.sheet=PATH; python -m "
        "microexp.data.datasets: --sheet PATH)"
    )


def _frame_tree(
    release: SheetRelease, root: Path, tree: str, notes: list[str]
) -> tuple[FrameTree, str]:
    if release.find_tree is not None:
        return release.find_tree(root, tree, notes)
    path, kind, tree_notes = find_frames_tree(
        root, tree, release.trees, release.subject_of, release.error
    )
    notes.extend(tree_notes)
    return index_tree(path, notes, release.subject_of), kind


def _unclaimed_folders(frames: FrameTree, claimed: set[tuple[str, str]]) -> list[Skip]:
    """A skip for every episode folder that no sheet row matched."""
    return [
        Skip(subject, name, "folder has no row in the coding sheet")
        for subject, episodes in frames.folders.items()
        for name in episodes
        if (subject, name) not in claimed
    ]


def clip_notes(clips: list[Clip], log: RowLog) -> list[str]:
    """The dataset's notes on its clips: one per kind of apex adjustment (with the clips), one
    for videos cut into several clips, then each clip's other notes prefixed by its id."""
    notes: list[str] = []
    for attr, wording in _APEX_NOTES.items():
        ids = getattr(log, attr)
        if ids:
            notes.append(f"{len(ids)} clip(s) {wording} ({few(ids)})")
    shared = [f"{s}/{video}" for (s, video), n in log.cuts.items() if n > 1]
    if shared:
        notes.append(
            f"{len(shared)} video(s) hold several expressions, each read as its own clip "
            f"named video_onset ({few(shared)})"
        )
    for clip in clips:
        for note in clip.notes:
            if not note.startswith("apex "):
                notes.append(f"{clip.id}: {note}")
    return notes
