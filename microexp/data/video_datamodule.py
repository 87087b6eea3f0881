"""``VideoDataModule``: long videos (CAS(ME)^2, SAMM long videos, their synthetic twins) for the
joint network, selected by ``data=casme_sq`` / ``data=samm_lv``.

The :class:`~microexp.data.video_store.VideoStore` caches every video chunk by chunk, the split
picks the subjects (LOSO or holdout), training serves windows drawn around and away from the
expressions (:class:`~microexp.data.video_windows.VideoWindows`) and the test serves every test
video whole, in consecutive chunks, for streamed inference that carries the GRU state
(:class:`~microexp.data.video_windows.VideoChunks`); the joint task's long-video hook
(:mod:`microexp.tasks.video_test`) spots, writes ``spots.csv``/``truth.csv`` and scores them
with :mod:`microexp.eval.megc`, as ``spotting`` here configures.
"""

from __future__ import annotations

import logging
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader, Dataset

from microexp.classes import protocol_of
from microexp.data.augment import apply_batch_augmentation
from microexp.data.datamodule import _augment_config
from microexp.data.records import DataFormatError
from microexp.data.splits import Split, holdout_split, loso_split
from microexp.data.video_store import PreparedVideos, VideoStore
from microexp.data.video_windows import VideoChunks, VideoWindows, collate_chunks
from microexp.data.windows import EpochSampler, collate
from microexp.eval.long_videos import VideoSpotting

log = logging.getLogger(__name__)


class VideoDataModule(pl.LightningDataModule):
    """Long videos for the joint stage.

    Args:
        root, dataset, tree, sheet, synthetic, size, crop, square, cache_dir, flow_backend,
            flow_params, flow_device, flow_size, flow_lag, frame_stride, intensity,
            compensate_head, progress: the :class:`VideoStore`'s options (``flow_reference``
            must be ``lag``: a long video has no onset to refer to).
        cache_chunk: chain entries per cache file.
        protocol: the class protocol the network is built with (long videos train the
            intensity only: no class loss).
        split, fold, train_fraction, split_seed: ``loso`` (fold = the left-out subject) or
            ``holdout``; ``val_subjects`` must be 0 (no validation on long videos yet).
        seq_len, copies, around: training windows of ``seq_len`` steps, ``copies`` per
            training expression per epoch, a share ``around`` of them holding an expression's
            apex (the others anywhere).
        eval_chunk: steps per test chunk (the GRU state is carried across chunks).
        batch_size, num_workers, pin_memory, augment, seed: loader settings.
        spotting: :class:`~microexp.eval.long_videos.VideoSpotting` fields (seconds).
    """

    def __init__(
        self,
        root: str,
        *,
        dataset: str = "casme_sq",
        tree: str = "auto",
        sheet: str | None = None,
        synthetic: dict[str, Any] | None = None,
        size: int = 64,
        crop: str = "face",
        square: str = "crop",
        cache_dir: str = ".cache/microexp",
        flow_backend: str = "torch",
        flow_params: dict[str, Any] | None = None,
        flow_device: str | None = None,
        flow_size: int = 128,
        flow_reference: str = "lag",
        flow_lag: int = 8,
        frame_stride: int = 1,
        cache_chunk: int = 256,
        intensity: str = "linear",
        compensate_head: bool = True,
        protocol: str = "types",
        split: str = "loso",
        fold: int = 0,
        val_subjects: int = 0,
        train_fraction: float = 0.7,
        split_seed: int = 0,
        seq_len: int = 32,
        copies: int = 8,
        around: float = 0.5,
        eval_chunk: int = 256,
        batch_size: int = 8,
        num_workers: int = 0,
        pin_memory: bool = False,
        augment: dict[str, Any] | None = None,
        spotting: dict[str, Any] | None = None,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        super().__init__()
        if flow_reference != "lag":
            raise ValueError(f"long videos need flow_reference=lag, not {flow_reference!r}")
        if split not in ("loso", "holdout"):
            raise ValueError(f"split must be loso or holdout for long videos, not {split!r}")
        if val_subjects:
            raise ValueError("val_subjects must be 0 for long videos (no validation yet)")
        self.store = VideoStore(
            root=root, dataset=dataset, tree=tree, sheet=sheet,
            synthetic=dict(synthetic) if synthetic else None, size=size, crop=crop,
            square=square, cache_dir=cache_dir, flow_backend=flow_backend,
            flow_params=dict(flow_params or {}), flow_device=flow_device, flow_size=flow_size,
            flow_lag=flow_lag, frame_stride=frame_stride, chunk=cache_chunk,
            intensity=intensity, compensate_head=compensate_head, progress=progress,
        )  # fmt: skip
        self.root = self.store.root
        self.protocol = str(protocol)
        self.split_name, self.fold = split, fold
        self.train_fraction, self.split_seed = train_fraction, split_seed
        self.seq_len, self.copies, self.around = seq_len, copies, around
        self.eval_chunk = eval_chunk
        self.batch_size, self.num_workers, self.pin_memory = batch_size, num_workers, pin_memory
        self.augment = _augment_config(augment)
        self.spotting = VideoSpotting(**dict(spotting or {}))
        self.frame_stride = frame_stride
        self.seed = seed
        self.data: PreparedVideos | None = None
        self.split: Split | None = None
        self.train_set: VideoWindows | None = None
        self.val_set: None = None
        self.test_set: VideoChunks | None = None

    def prepare_data(self) -> None:
        """Generate the synthetic set if asked and absent, then fill every video's caches."""
        self.data = self.store.prepare()

    def _make_split(self, subjects: list[str]) -> Split:
        try:
            if self.split_name == "loso":
                return loso_split(subjects, self.fold, seed=self.split_seed)
            return holdout_split(
                subjects, train_fraction=self.train_fraction, seed=self.split_seed
            )
        except ValueError as exc:
            raise DataFormatError(
                f"cannot make the {self.split_name} split of the videos in {self.root} "
                f"(subjects: {', '.join(sorted(set(subjects)))}): {exc}"
            ) from exc

    def setup(self, stage: str | None = None) -> None:
        """Apply the split and build the training windows and the test chunks."""
        if self.data is None:
            self.data = self.store.prepare()
        videos = self.data.videos
        self.split = self._make_split([v.subject for v in videos])
        train = [v for v in videos if v.subject in self.split.train]
        test = [v for v in videos if v.subject in self.split.test]
        if not train:
            raise DataFormatError(f"no training videos in {self.root} for {self.split}")
        self.train_set = VideoWindows(
            train, seq_len=self.seq_len, copies=self.copies, around=self.around,
            seed=self.seed, augment=self.augment,
        )  # fmt: skip
        self.test_set = VideoChunks(test, chunk=self.eval_chunk)
        log.info(
            "split %s%s: %d train / %d test videos",
            self.split.name,
            f" fold {self.split.fold} (test {', '.join(self.split.test)})"
            if self.split.fold is not None
            else "",
            len(train),
            len(test),
        )

    def _loader(self, dataset: Dataset, batch_size: int, sampler=None, collate_fn=collate):
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            shuffle=False,
            num_workers=self.num_workers,
            collate_fn=collate_fn,
            pin_memory=self.pin_memory,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        sampler = EpochSampler(len(self.train_set), self.seed)
        return self._loader(self.train_set, self.batch_size, sampler)

    def val_dataloader(self) -> list:
        return []

    def test_dataloader(self) -> DataLoader:
        """Chunks one at a time, in order (the GRU state is carried from one to the next)."""
        assert self.test_set is not None, "call setup() first"
        return self._loader(self.test_set, 1, collate_fn=collate_chunks)

    def on_after_batch_transfer(self, batch: dict, dataloader_idx: int) -> dict:
        """Apply the per-window similarity transform on the device (training batches)."""
        return apply_batch_augmentation(batch, self.augment.enabled)

    @property
    def class_names(self) -> tuple[str, ...]:
        """The classes of the dataset's protocol (the expression types for long videos)."""
        return protocol_of(self.store.dataset, self.protocol).classes

    def summary(self) -> dict[str, Any]:
        """What the run summary reports about the data (``clips`` counts videos)."""
        if self.data is None:
            return {}
        out: dict[str, Any] = {
            "root": str(self.root),
            "dataset": self.store.dataset,
            **self.data.summary(),
            "frame_stride": self.frame_stride,
            "flow_reference": "lag",
            "flow_lag": self.store.flow_lag,
        }
        if self.split is not None:
            out["split"] = {
                "name": self.split.name,
                "fold": self.split.fold,
                "train": list(self.split.train),
                "val": [],
                "test": list(self.split.test),
            }
            out["train_clips"] = len(self.train_set.clips) if self.train_set else 0
            out["val_clips"] = 0
            out["test_clips"] = len(self.test_set.videos) if self.test_set else 0
        return out
