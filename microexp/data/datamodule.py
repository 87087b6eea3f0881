"""``MicroExpDataModule``: one LightningDataModule for the spatial, temporal and joint stages.

The :class:`~microexp.data.store.ClipStore` prepares the clips (frame and flow caches, targets),
the split picks the subjects of each part, :mod:`microexp.data.windows` serves them: training
sequences (whole clips, or windows of ``seq_len`` steps; ``copies`` virtual augmented copies
per clip, drawn class-balanced by default, the similarity transform applied on the device in
:meth:`MicroExpDataModule.on_after_batch_transfer`) and whole clips for evaluation. Under DDP
the training draws and the evaluation clips are shared out between the ranks by the samplers
themselves (the trainer's ``use_distributed_sampler`` must be off).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader, Dataset, Sampler

from microexp.classes import protocol_of
from microexp.data.augment import AugmentConfig, apply_batch_augmentation
from microexp.data.records import Clip, DataFormatError
from microexp.data.splits import SPLITS, Split, make_splits
from microexp.data.store import ClipStore, PreparedClip, PreparedData
from microexp.data.windows import EpochSampler, EvalShard, TrainSequences, WholeClips, collate

log = logging.getLogger(__name__)

TRAIN_SEQUENCES = ("whole", "window")
BALANCE = ("classes", "none")


#: The arguments of :class:`MicroExpDataModule` that are :class:`ClipStore` fields.
_STORE_FIELDS = frozenset(f.name for f in dataclasses.fields(ClipStore))


def _check_options(
    split: str, frame_stride: int, seq_len: int, copies: int, train_sequences: str, balance: str
) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    if frame_stride < 1 or seq_len < 1 or copies < 1:
        raise ValueError("frame_stride, seq_len and copies must be >= 1")
    if train_sequences not in TRAIN_SEQUENCES:
        raise ValueError(
            f"train_sequences must be one of {TRAIN_SEQUENCES}, not {train_sequences!r}"
        )
    if balance not in BALANCE:
        raise ValueError(f"balance must be one of {BALANCE}, not {balance!r}")


def _augment_config(augment: dict[str, Any] | AugmentConfig | None) -> AugmentConfig:
    if isinstance(augment, AugmentConfig):
        return augment
    fields = dict(augment or {})
    if "scale" in fields:
        fields["scale"] = tuple(fields["scale"])
    return AugmentConfig(**fields)


class MicroExpDataModule(pl.LightningDataModule):
    """A release (or its synthetic twin, read through the same reader) for every stage.

    Args:
        root: the release's folder, as released (``dataset``'s layout).
        dataset: the release's reader (``microexp.data.datasets.READERS``).
        protocol: the dataset's protocol (``microexp.classes.dataset_protocols``).
        tree: frame tree (``auto``, ``cropped``, ``raw`` or a folder name).
        sheet: coding sheet path, if not found under ``root``.
        synthetic: generator arguments (``subjects``, ``clips``, ``seed``, ...): when given and
            ``root`` is missing or empty, a synthetic release of ``dataset``'s layout is written
            there first.
        size: network input side in pixels.
        crop: ``auto`` (face crop on raw frames, none on cropped ones), ``face`` or ``none``.
        square: ``crop`` (the centred square) or ``pad`` (black bars): how a face that is not
            square becomes one, keeping its aspect.
        cache_dir: where decoded frames and flow are cached.
        flow_backend, flow_params, flow_device: TV-L1 backend and parameters for the cache.
        flow_size: side at which the flow is computed (>= ``size``), then shrunk to ``size``.
        flow_reference: each step's flow starts from the clip's first frame (``onset``), the
            frame ``flow_lag`` frames earlier (``lag``) or the previous step (``previous``).
        flow_lag: frames back for ``flow_reference=lag`` (a multiple of ``frame_stride``).
        split: ``loso``, ``holdout``, ``cross_dataset`` or ``holdout_clips`` (clip-level;
            comparison only).
        fold: LOSO fold (the fold-th subject in natural order is left out).
        val_subjects: number of (or list of) training subjects held out for validation.
        train_fraction: holdout training fraction.
        split_seed: seed of the holdout / validation draw.
        train_datasets, test_datasets: ``cross_dataset``: the releases (``Clip.dataset``) to
            train and to test on.
        seq_len: window length in steps with ``train_sequences=window`` (the paper: 14).
        train_sequences: ``whole`` (each training item is a whole clip: the GRU trains on the
            lengths it is evaluated on) or ``window`` (``seq_len`` steps; evaluation must then
            run in windows of that length, see :attr:`eval_window`).
        frame_stride: frames per step at ``stride_fps``.
        stride_fps: the frame rate ``frame_stride`` and ``flow_lag`` count at: a clip recorded
            at another rate steps the same time span (None: the same number of frames).
        copies: virtual augmented copies of each training clip per epoch (the paper: 150).
        batch_size, eval_batch_size, num_workers, pin_memory: loader settings.
        augment: :class:`AugmentConfig` fields.
        intensity: ``linear`` or ``cosine`` target ramps.
        mask_threshold: displacement in pixels (at ``size``) above which a face pixel is in the
            pseudo-mask, on frames inside [onset, offset].
        compensate_head: remove each step's head motion (a similarity fitted over the face).
        balance: ``classes`` (every class drawn equally often per epoch, in expectation) or
            ``none`` (each copy of each clip once per epoch).
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
        square: str = "crop",
        cache_dir: str = ".cache/microexp",
        flow_backend: str = "torch",
        flow_params: dict[str, Any] | None = None,
        flow_device: str | None = None,
        flow_size: int = 128,
        flow_reference: str = "onset",
        flow_lag: int = 8,
        split: str = "loso",
        fold: int = 0,
        val_subjects: int | Sequence[str] = 0,
        train_fraction: float = 0.7,
        split_seed: int = 0,
        train_datasets: Sequence[str] | None = None,
        test_datasets: Sequence[str] | None = None,
        seq_len: int = 14,
        train_sequences: str = "whole",
        frame_stride: int = 1,
        stride_fps: float | None = 200.0,
        copies: int = 1,
        batch_size: int = 8,
        eval_batch_size: int = 4,
        num_workers: int = 0,
        pin_memory: bool = False,
        augment: dict[str, Any] | AugmentConfig | None = None,
        intensity: str = "linear",
        mask_threshold: float = 0.1,
        compensate_head: bool = True,
        balance: str = "classes",
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        super().__init__()
        _check_options(split, frame_stride, seq_len, copies, train_sequences, balance)
        if mask_threshold <= 0:  # (the store checks its own options)
            raise ValueError(f"mask_threshold must be > 0 pixels, got {mask_threshold}")
        # every argument named as a store field goes to the store
        store = {k: v for k, v in locals().items() if k in _STORE_FIELDS}
        self.store = ClipStore(
            **store
            | {
                "protocol": str(protocol),
                "synthetic": dict(synthetic) if synthetic else None,
                "flow_params": dict(flow_params or {}),
            }
        )
        self.root = self.store.root
        self.protocol = str(protocol)
        self.split_name, self.fold = split, fold
        self.val_subjects = val_subjects if isinstance(val_subjects, int) else list(val_subjects)
        self.train_fraction, self.split_seed = train_fraction, split_seed
        self.datasets = {"train": list(train_datasets or ()), "test": list(test_datasets or ())}
        self.seq_len = seq_len
        self.train_sequences = train_sequences
        self.copies = copies
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.augment = _augment_config(augment)
        self.mask_threshold = float(mask_threshold)
        self.balance = balance
        self.seed = seed
        self.data: PreparedData | None = None
        self.split: Split | None = None
        self.train_set: TrainSequences | None = None
        self.val_set: WholeClips | None = None
        self.test_set: WholeClips | None = None
        self._sampler: EpochSampler | None = None

    @property
    def eval_window(self) -> int | None:
        """Steps per GRU run at evaluation: None (whole clips, as trained) or ``seq_len`` with
        ``train_sequences=window`` (evaluate with
        :func:`~microexp.models.joint.infer_windows`, the state reset at every window)."""
        return self.seq_len if self.train_sequences == "window" else None

    # ---------------------------------------------------------------- preparation

    def prepare_data(self) -> None:
        """Generate the synthetic set if asked and absent, then fill the frame and flow caches.

        Lightning calls this once (on the main process) before :meth:`setup`."""
        self.store.fill_caches()

    def prepare(self) -> PreparedData:
        """Read the dataset and its caches (filling them if needed)."""
        self.data = self.store.prepare()
        return self.data

    def split_of(self, clips: Sequence[Clip]) -> Split:
        """This run's split of ``clips`` (ValueError: too few subjects for it, a fold that does
        not exist, releases missing for a cross-dataset split)."""
        (split,) = make_splits(
            self.split_name,
            clips,
            [self.fold],
            val_subjects=self.val_subjects,
            train_fraction=self.train_fraction,
            seed=self.split_seed,
            train_datasets=self.datasets["train"],
            test_datasets=self.datasets["test"],
        )
        return split

    def _make_split(self, clips: Sequence[PreparedClip]) -> Split:
        try:
            split = self.split_of([c.clip for c in clips])
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
        # under DDP, with fewer evaluation clips than ranks some ranks get none (EvalShard)
        self.allow_zero_length_dataloader_with_multiple_devices = True
        threshold = self.mask_threshold
        self.train_set = TrainSequences(
            parts["train"],
            seq_len=self.eval_window,
            copies=self.copies,
            seed=self.seed,
            augment=self.augment,
            mask_threshold=threshold,
        )
        self.val_set = WholeClips(parts["val"], mask_threshold=threshold) if parts["val"] else None
        self.test_set = WholeClips(parts["test"], mask_threshold=threshold)
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

    def _loader(self, dataset: Dataset, batch_size: int, sampler: Sampler[int]) -> DataLoader:
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
        labels = self.train_set.labels if self.balance == "classes" else None
        self._sampler = EpochSampler(len(self.train_set), self.seed, labels=labels)
        return self._loader(self.train_set, self.batch_size, self._sampler)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        return self._loader(self.val_set, self.eval_batch_size, EvalShard(len(self.val_set)))

    def test_dataloader(self) -> DataLoader:
        assert self.test_set is not None, "call setup() first"
        return self._loader(self.test_set, self.eval_batch_size, EvalShard(len(self.test_set)))

    def predict_dataloader(self) -> DataLoader:
        return self.test_dataloader()

    def on_after_batch_transfer(self, batch: dict, dataloader_idx: int) -> dict:
        """Apply the per-sequence similarity transform on the device (training batches)."""
        return apply_batch_augmentation(batch, self.augment.enabled)

    # ---------------------------------------------------------------- reporting

    @property
    def class_names(self) -> tuple[str, ...]:
        """The classes of the dataset's protocol (``microexp.classes.protocol_of``)."""
        return protocol_of(self.store.dataset, self.protocol).classes

    def summary(self) -> dict[str, Any]:
        """What the run summary reports about the data: usable clips, skips and their reasons."""
        if self.data is None:
            return {}
        out: dict[str, Any] = {
            "root": str(self.root),
            **self.data.summary(),
            "dataset": self.store.dataset,
            "classes": list(self.class_names),
            "frame_stride": self.store.frame_stride,
            "stride_fps": self.store.stride_fps,
            "flow_reference": self.store.flow_reference,
            "train_sequences": self.train_sequences,
            "balance": self.balance,
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
