"""File helpers shared by every cache and writer: atomic writes, guarded .npy reads, safe names."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_SAFE = re.compile(r"[A-Za-z0-9_\-.]")


def safe_name(clip_id: str) -> str:
    """A file-name-safe, injective encoding of ``clip_id`` (percent-encoding, '/' -> '%2F')."""
    if not clip_id:
        raise ValueError("empty clip id")
    out = "".join(
        c if _SAFE.fullmatch(c) else "".join(f"%{b:02X}" for b in c.encode()) for c in clip_id
    )
    return "%2E" + out[1:] if out.startswith(".") else out  # no hidden files, no "." / ".."


def atomic_write(path: Path, write: Callable[[Any], Any]) -> None:
    """Write through ``write(binary_file)`` to a temporary file beside ``path``, then rename it,
    so a reader sees the complete old file, the complete new one, or none."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    """``np.save`` (no pickles) through :func:`atomic_write`."""
    atomic_write(path, lambda f: np.save(f, array, allow_pickle=False))


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text through :func:`atomic_write`."""
    data = text.encode()
    atomic_write(path, lambda f: f.write(data))


def read_npy(path: Path) -> np.ndarray:
    """A ``.npy`` file memory-mapped read-only, or ValueError/OSError/EOFError when it is not
    one: a file cut short, random bytes, a zip or ``.npz`` archive, pickled objects, or a header
    promising more bytes than the file holds (mapped, so never allocated)."""
    with open(path, "rb") as fh:
        magic = fh.read(len(np.lib.format.MAGIC_PREFIX))
    if magic != np.lib.format.MAGIC_PREFIX:
        raise ValueError("not a .npy file" if magic else "empty file (0 bytes)")
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        raise
    except Exception as exc:  # a damaged header trips numpy's parser (TokenError, SyntaxError)
        raise ValueError(f"damaged .npy header ({type(exc).__name__}: {exc})") from exc
    if not isinstance(arr, np.ndarray):  # pragma: no cover - the magic rules out archives
        raise ValueError(f"holds a {type(arr).__name__}, not an array")
    return arr
