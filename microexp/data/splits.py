"""Subject-independent splits: leave-one-subject-out folds, a 70/30 holdout, and cross-dataset
(train on some releases, test on others).

A subject's clips are never in both training and test; subjects are told apart by name, so two
releases that name a subject alike cannot be split together (an error). ``holdout_clips``
(clip-level, as some papers did) exists only to compare with them and says so in its name.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microexp.data.frames import natural_sorted
from microexp.data.records import Clip

log = logging.getLogger(__name__)

#: The split names :func:`make_splits` knows.
SPLITS: tuple[str, ...] = ("loso", "holdout", "holdout_clips", "cross_dataset")


@dataclass(frozen=True)
class Split:
    """Which subjects (or, for ``holdout_clips``, which clip ids) go where."""

    name: str
    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]
    fold: int | None = None
    by: str = "subject"  # "subject", or "clip" for holdout_clips

    def __post_init__(self) -> None:
        overlap = (set(self.train) & set(self.test)) | (set(self.val) & set(self.test))
        overlap |= set(self.train) & set(self.val)
        if overlap:
            raise ValueError(f"split {self.name}: {sorted(overlap)} in more than one part")

    def part_of(self, key: str) -> str | None:
        """``"train"``, ``"val"``, ``"test"`` or None for a subject (or clip id)."""
        for part in ("train", "val", "test"):
            if key in getattr(self, part):
                return part
        return None

    def part_of_clip(self, clip: Clip) -> str | None:
        """The part holding ``clip`` (by its subject, or by its id for a clip-level split)."""
        return self.part_of(clip.id if self.by == "clip" else clip.subject)


def _carve_val(train: list[str], val_subjects: int | Sequence[str], seed: int) -> list[str]:
    if isinstance(val_subjects, int):
        if val_subjects < 0 or val_subjects >= len(train):
            raise ValueError(
                f"val_subjects={val_subjects} must leave at least one training subject "
                f"(there are {len(train)})"
            )
        return sorted(random.Random(seed).sample(train, val_subjects), key=train.index)
    val = list(val_subjects)
    unknown = [s for s in val if s not in train]
    if unknown:
        raise ValueError(f"validation subjects {unknown} are not training subjects {train}")
    return val


def loso_split(
    subjects: Iterable[str], fold: int, *, val_subjects: int | Sequence[str] = 0, seed: int = 0
) -> Split:
    """Fold ``fold`` leaves out the ``fold``-th subject (natural order of the subjects present).

    Validation subjects, if any, are carved from the remaining (training) subjects, seeded.
    """
    ordered = natural_sorted(set(subjects))
    if not ordered:
        raise ValueError("no subjects to split")
    if not 0 <= fold < len(ordered):
        raise ValueError(
            f"LOSO fold {fold} does not exist: there are {len(ordered)} subjects "
            f"(folds 0-{len(ordered) - 1})"
        )
    test = ordered[fold]
    train = [s for s in ordered if s != test]
    val = _carve_val(train, val_subjects, seed + fold)
    train = [s for s in train if s not in val]
    return Split("loso", tuple(train), tuple(val), (test,), fold=fold)


def holdout_split(
    subjects: Iterable[str],
    *,
    train_fraction: float = 0.7,
    seed: int = 0,
    val_subjects: int | Sequence[str] = 0,
) -> Split:
    """Subject-level holdout: ``train_fraction`` of the subjects train, the rest test (seeded)."""
    ordered = natural_sorted(set(subjects))
    if len(ordered) < 2:
        raise ValueError(f"a holdout split needs at least 2 subjects, got {len(ordered)}")
    shuffled = ordered[:]
    random.Random(seed).shuffle(shuffled)
    n_train = min(len(ordered) - 1, max(1, round(train_fraction * len(ordered))))
    train = natural_sorted(shuffled[:n_train])
    test = natural_sorted(shuffled[n_train:])
    val = _carve_val(train, val_subjects, seed)
    train = [s for s in train if s not in val]
    return Split("holdout", tuple(train), tuple(val), tuple(test))


def holdout_clips_split(
    clip_ids: Iterable[str], *, train_fraction: float = 0.7, seed: int = 0
) -> Split:
    """Clip-level holdout, for comparison with papers that did so only: a subject's clips can
    appear in both train and test, which inflates results."""
    ordered = natural_sorted(set(clip_ids))
    if len(ordered) < 2:
        raise ValueError(f"a holdout split needs at least 2 clips, got {len(ordered)}")
    shuffled = ordered[:]
    random.Random(seed).shuffle(shuffled)
    n_train = min(len(ordered) - 1, max(1, round(train_fraction * len(ordered))))
    return Split(
        "holdout_clips",
        tuple(natural_sorted(shuffled[:n_train])),
        (),
        tuple(natural_sorted(shuffled[n_train:])),
        by="clip",
    )


def cross_dataset_split(
    clips: Sequence[Clip],
    train_datasets: Sequence[str],
    test_datasets: Sequence[str],
    *,
    val_subjects: int | Sequence[str] = 0,
    seed: int = 0,
) -> Split:
    """Train on the subjects of ``train_datasets``, test on those of ``test_datasets`` (releases
    as ``Clip.dataset`` names them); validation subjects come from the training releases only.
    Clips of other releases are left out."""
    train_sets, test_sets = list(train_datasets or ()), list(test_datasets or ())
    present = natural_sorted({c.dataset for c in clips})
    if not train_sets or not test_sets:
        raise ValueError(
            "cross_dataset needs split.train_datasets and split.test_datasets "
            f"(releases here: {', '.join(present)})"
        )
    both = sorted(set(train_sets) & set(test_sets))
    if both:
        raise ValueError(f"{both} both in train_datasets and test_datasets")
    absent = [d for d in train_sets + test_sets if d not in present]
    if absent:
        raise ValueError(f"no clips of {absent} (releases here: {', '.join(present)})")
    train = natural_sorted({c.subject for c in clips if c.dataset in train_sets})
    test = natural_sorted({c.subject for c in clips if c.dataset in test_sets})
    val = _carve_val(train, val_subjects, seed)
    train = [s for s in train if s not in val]
    return Split("cross_dataset", tuple(train), tuple(val), tuple(test))


def _check_subjects(clips: Sequence[Clip]) -> None:
    """Every subject name belongs to one release (subjects are split by name)."""
    seen: dict[str, str] = {}
    for c in clips:
        other = seen.setdefault(c.subject, c.dataset)
        if other != c.dataset:
            raise ValueError(
                f"subject {c.subject!r} is named alike in {other} and {c.dataset}: subjects of "
                "different releases must have different names to be split"
            )


def make_splits(
    name: str,
    clips: Sequence[Clip],
    folds: Sequence[int] | None = None,
    *,
    val_subjects: int | Sequence[str] = 0,
    train_fraction: float = 0.7,
    seed: int = 0,
    train_datasets: Sequence[str] = (),
    test_datasets: Sequence[str] = (),
) -> list[Split]:
    """The splits of ``clips`` named ``name``: the LOSO ``folds`` (all when None), or the one
    holdout or cross-dataset split (``folds`` ignored).

    Raises:
        ValueError: an unknown name, a fold that does not exist, too few subjects or clips,
            a subject name shared by two releases, releases missing for ``cross_dataset``.
    """
    _check_subjects(clips)
    subjects = [c.subject for c in clips]
    if name == "cross_dataset":
        return [
            cross_dataset_split(
                clips, train_datasets, test_datasets, val_subjects=val_subjects, seed=seed
            )
        ]
    if name == "loso":
        chosen = range(len(set(subjects))) if folds is None else folds
        return [loso_split(subjects, f, val_subjects=val_subjects, seed=seed) for f in chosen]
    if name == "holdout":
        return [
            holdout_split(
                subjects, train_fraction=train_fraction, seed=seed, val_subjects=val_subjects
            )
        ]
    if name == "holdout_clips":
        log.warning(
            "split=holdout_clips mixes a subject's clips between train and test: "
            "results are not subject-independent (for comparison with papers only)"
        )
        return [
            holdout_clips_split([c.id for c in clips], train_fraction=train_fraction, seed=seed)
        ]
    raise ValueError(f"split must be one of {SPLITS}, not {name!r}")
