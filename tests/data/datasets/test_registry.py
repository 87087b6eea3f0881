"""The reader registry: ``data=<name>`` picks a reader by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from microexp.data.datasets import READERS, read_clips, read_videos, reader


def test_every_registered_reader_imports() -> None:
    for name in READERS:
        assert callable(reader(name))


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="casme2"):
        reader("casme9")


def test_read_clips_reads_the_synthetic_layout(tiny_dataset: Path) -> None:
    ds = read_clips("casme2", tiny_dataset)
    assert len(ds.clips) == 15 and not ds.skipped


def test_readers_say_whether_they_hold_clips_or_videos(tmp_path: Path) -> None:
    kinds = {name: entry.kind for name, entry in READERS.items()}
    assert kinds["casme2"] == "clips" and kinds["casme_sq"] == kinds["samm_lv"] == "videos"
    with pytest.raises(ValueError, match="holds videos, not clips"):
        read_clips("samm_lv", tmp_path)
    with pytest.raises(ValueError, match="holds clips, not videos"):
        read_videos("casme2", tmp_path)


def test_every_new_reader_reads_its_synthetic_layout(layouts: dict[str, Path]) -> None:
    for name, root in layouts.items():
        ds = read_clips(name, root)
        assert ds.clips and {c.dataset for c in ds.clips} <= {name, "casme2", "samm", "smic"}
        assert READERS[name].kind == "clips"
