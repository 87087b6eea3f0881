"""Shared file helpers: safe names, atomic writes, guarded .npy reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from microexp.io import atomic_save_npy, atomic_write_text, read_npy, safe_name


def test_safe_names() -> None:
    assert safe_name("sub01/EP02_01f") == "sub01%2FEP02_01f"
    ids = ["a/b", "a%2Fb", "a_b", "a b", "../x", ".hidden", "é/ü", "a/b/c"]
    names = [safe_name(i) for i in ids]
    assert len(set(names)) == len(ids)
    for n in names:
        assert "/" not in n and not n.startswith(".") and n.isascii()
    with pytest.raises(ValueError):
        safe_name("")


def test_atomic_writes_round_trip_and_leave_no_temporaries(tmp_path: Path) -> None:
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    atomic_save_npy(tmp_path / "deep" / "a.npy", arr)
    atomic_write_text(tmp_path / "t.json", "{}")
    np.testing.assert_array_equal(read_npy(tmp_path / "deep" / "a.npy"), arr)
    assert (tmp_path / "t.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.npy", "t.json"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    from microexp.io import atomic_write

    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def boom(f) -> None:
        f.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


@pytest.mark.parametrize(
    "content", [b"", b"random bytes here", b"PK\x03\x04zip", b"\x93NUMPY\x01\x00garbage"]
)
def test_read_npy_refuses_what_is_not_an_array(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npy"
    path.write_bytes(content)
    with pytest.raises((ValueError, OSError, EOFError)):
        read_npy(path)
