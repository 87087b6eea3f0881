"""``MicroExpDataModule``: one LightningDataModule for the spatial, temporal and joint stages.

The :class:`~microexp.data.store.ClipStore` prepares the clips (frame and flow caches, targets),
the split picks the subjects of each part, :mod:`microexp.data.windows` serves them: random
training windows of ``seq_len`` steps (``copies`` virtual augmented copies per clip, the
similarity transform applied on the device in :meth:`MicroExpDataModule.on_after_batch_transfer`)
and whole clips for evaluation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader, Dataset

from microexp.data.augment import AugmentConfig, augment_batch
from microexp.data.records import DataFormatError
from microexp.data.splits import SPLITS, Split, make_splits
from microexp.data.store import ClipStore, PreparedClip, PreparedData
from microexp.data.windows import EpochSampler, TrainWindows, WholeClips, collate

log = logging.getLogger(__name__)


def _augment_config(augment: dict[str, Any] | AugmentConfig | None) -> AugmentConfig:
    if isinstance(augment, AugmentConfig):
        return augment
    fields = dict(augment or {})
    if "scale" in fields:
        fields["scale"] = tuple(fields["scale"])
    return AugmentConfig(**fields)


class MicroExpDataModule(pl.LightningDataModule):
    """CASME II (or its synthetic twin, read through the same loader) for every stage.

    Args:
        root: dataset folder in the CASME II layout.
        dataset: the release's reader (``microexp.data.datasets.READERS``).
        protocol: ``"5"`` or ``"7"`` classes.
        tree: frame tree (``auto``, ``cropped``, ``raw`` or a folder name).
        sheet: coding sheet path, if not found under ``root``.
        synthetic: generator arguments (``subjects``, ``clips``, ``seed``, ...): when given and
            ``root`` is missing or empty, a synthetic CASME II is written there first.
        size: network input side in pixels.
        crop: ``auto`` (face crop on raw frames, none on cropped ones), ``face`` or ``none``.
        cache_dir: where decoded frames and flow are cached.
        flow_backend, flow_params, flow_device: TV-L1 backend and parameters for the cache.
        split: ``loso``, ``holdout`` or ``holdout_clips`` (clip-level; comparison only).
        fold: LOSO fold (the fold-th subject in natural order is left out).
        val_subjects: number of (or list of) training subjects held out for validation.
        train_fraction: holdout training fraction.
        split_seed: seed of the holdout / validation draw.
        seq_len: training window length in steps (the paper: 14).
        frame_stride: frames per step.
        copies: virtual augmented copies of each training clip per epoch (the paper: 150).
        batch_size, eval_batch_size, num_workers, pin_memory: loader settings.
        augment: :class:`AugmentConfig` fields.
        intensity: ``linear`` or ``cosine`` target ramps.
        mask_quantile: quantile of the pseudo-mask threshold.
        compensate_head: subtract each step's median flow (head motion).
        seed: seed of the windows, transforms and shuffling.
        progress: show progress bars.
    """

    def __init__(
        self,
        root: str,
        *,
        dataset: str = "casme2",
        protocol: str = "5",
        tree: str = "auto",
        sheet: str | None = None,
        synthetic: dict[str, Any] | None = None,
        size: int = 64,
        crop: str = "auto",
        cache_dir: str = ".cache/microexp",
        flow_backend: str = "torch",
        flow_params: dict[str, Any] | None = None,
        flow_device: str | None = None,
        split: str = "loso",
        fold: int = 0,
        val_subjects: int | Sequence[str] = 0,
        train_fraction: float = 0.7,
        split_seed: int = 0,
        seq_len: int = 14,
        frame_stride: int = 1,
        copies: int = 1,
        batch_size: int = 8,
        eval_batch_size: int = 4,
        num_workers: int = 0,
        pin_memory: bool = False,
        augment: dict[str, Any] | AugmentConfig | None = None,
        intensity: str = "linear",
        mask_quantile: float = 0.9,
        compensate_head: bool = True,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        super().__init__()
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
        if frame_stride < 1 or seq_len < 1 or copies < 1:
            raise ValueError("frame_stride, seq_len and copies must be >= 1")
        self.store = ClipStore(
            Path(root),
            dataset=dataset,
            protocol=str(protocol),
            tree=tree,
            sheet=sheet,
            synthetic=dict(synthetic) if synthetic else None,
            size=size,
            crop=crop,
            cache_dir=Path(cache_dir),
            flow_backend=flow_backend,
            flow_params=dict(flow_params or {}),
            flow_device=flow_device,
            frame_stride=frame_stride,
            intensity=intensity,
            mask_quantile=mask_quantile,
            compensate_head=compensate_head,
            progress=progress,
        )
        self.root = self.store.root
        self.protocol = str(protocol)
        self.split_name = split
        self.fold = fold
        self.val_subjects = val_subjects if isinstance(val_subjects, int) else list(val_subjects)
        self.train_fraction = train_fraction
        self.split_seed = split_seed
        self.seq_len = seq_len
        self.frame_stride = frame_stride
        self.copies = copies
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.augment = _augment_config(augment)
        self.seed = seed
        self.data: PreparedData | None = None
        self.split: Split | None = None
        self.train_set: TrainWindows | None = None
        self.val_set: WholeClips | None = None
        self.test_set: WholeClips | None = None
        self._sampler: EpochSampler | None = None

    # ---------------------------------------------------------------- preparation

    def prepare_data(self) -> None:
        """Generate the synthetic set if asked and absent, then fill the frame and flow caches.

        Lightning calls this once (on the main process) before :meth:`setup`."""
        self.store.fill_caches()

    def prepare(self) -> PreparedData:
        """Read the dataset and its caches (filling them if needed)."""
        self.data = self.store.prepare()
        return self.data

    def _make_split(self, clips: Sequence[PreparedClip]) -> Split:
        try:
            (split,) = make_splits(
                self.split_name,
                [c.clip for c in clips],
                [self.fold],
                val_subjects=self.val_subjects,
                train_fraction=self.train_fraction,
                seed=self.split_seed,
            )
        except ValueError as exc:  # too few subjects for the split, a fold that does not exist
            subjects = sorted({c.clip.subject for c in clips})
            raise DataFormatError(
                f"cannot make the {self.split_name} split of the usable clips in {self.root} "
                f"(subjects: {', '.join(subjects)}): {exc}"
            ) from exc
        return split

    def setup(self, stage: str | None = None) -> None:
        """Apply the split and build the datasets (reads caches; fills them if needed)."""
        if self.data is None:
            self.prepare()
        assert self.data is not None
        self.split = self._make_split(self.data.clips)
        parts = self.data.parts(self.split)
        if not parts["train"]:
            raise DataFormatError(
                f"no training clips in {self.root}: the {self.split.name} split of the "
                f"{len(self.data.clips)} usable clip(s) (subjects: "
                f"{', '.join(sorted({c.clip.subject for c in self.data.clips}))}) leaves none "
                "for training"
            )
        compensate = self.store.compensate_head
        self.train_set = TrainWindows(
            parts["train"],
            seq_len=self.seq_len,
            stride=self.frame_stride,
            copies=self.copies,
            seed=self.seed,
            augment=self.augment,
            compensate=compensate,
        )
        self.val_set = (
            WholeClips(parts["val"], stride=self.frame_stride, compensate=compensate)
            if parts["val"]
            else None
        )
        self.test_set = WholeClips(parts["test"], stride=self.frame_stride, compensate=compensate)
        log.info(
            "split %s%s: %d train / %d val / %d test clips",
            self.split.name,
            f" fold {self.split.fold} (test {', '.join(self.split.test)})"
            if self.split.fold is not None
            else "",
            len(parts["train"]),
            len(parts["val"]),
            len(parts["test"]),
        )

    # ---------------------------------------------------------------- loaders

    def _loader(self, dataset: Dataset, batch_size: int, sampler=None) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=collate,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
            drop_last=False,
        )

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        self._sampler = EpochSampler(len(self.train_set), self.seed)
        return self._loader(self.train_set, self.batch_size, self._sampler)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        return self._loader(self.val_set, self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        assert self.test_set is not None, "call setup() first"
        return self._loader(self.test_set, self.eval_batch_size)

    def predict_dataloader(self) -> DataLoader:
        return self.test_dataloader()

    def on_after_batch_transfer(self, batch: dict, dataloader_idx: int) -> dict:
        """Apply the per-sequence similarity transform on the device (training batches)."""
        params = batch.pop("aug", None)
        if params is not None and self.augment.enabled:
            batch = augment_batch(batch, params)
        return batch

    # ---------------------------------------------------------------- reporting

    @property
    def class_names(self) -> tuple[str, ...]:
        from microexp.classes import PROTOCOLS

        return PROTOCOLS[self.protocol]

    def summary(self) -> dict[str, Any]:
        """What the run summary reports about the data: usable clips, skips and their reasons."""
        if self.data is None:
            return {}
        out: dict[str, Any] = {
            "root": str(self.root),
            **self.data.summary(),
            "frame_stride": self.frame_stride,
        }
        if self.split is not None:
            out["split"] = {
                "name": self.split.name,
                "fold": self.split.fold,
                "train": list(self.split.train),
                "val": list(self.split.val),
                "test": list(self.split.test),
            }
            out["train_clips"] = len(self.train_set.clips) if self.train_set else 0
            out["val_clips"] = len(self.val_set) if self.val_set else 0
            out["test_clips"] = len(self.test_set) if self.test_set else 0
        return out
