"""Which frame pairs a clip's flow is computed on: the stride chain and each entry's reference.

A clip is seen on its *chain*, frames 0, s, 2s, ... (s = the frame stride); the flow of chain
entry j moves the entry's reference frame to chain frame j:

* ``onset``: the clip's first frame (its displacement since the onset, for clips that start at
  their onset);
* ``previous``: chain frame j - 1 (the step between consecutive chain frames);
* ``lag``: the frame ``lag`` frames earlier (a multiple of s), clamped to the first frame.

Entry 0 has no earlier frame: its flow is zero. :class:`FlowReference` gives the pairs of a
whole clip (the flow cache) and :class:`ReferenceBuffer` the same pairs for a stream, keeping
only the frames a later entry still needs.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["REFERENCES", "FlowReference", "ReferenceBuffer", "chain_length"]

REFERENCES = ("onset", "lag", "previous")


def chain_length(n_frames: int, stride: int) -> int:
    """Entries of the chain 0, s, 2s, ... of ``n_frames`` frames (0 for no frame)."""
    return 0 if n_frames < 1 else (n_frames - 1) // stride + 1


@dataclass(frozen=True)
class FlowReference:
    """The reference frame of every chain entry.

    Args:
        kind: ``onset``, ``lag`` or ``previous``.
        stride: frames between chain entries (s >= 1).
        lag: ``lag`` only: how many frames earlier the reference lies (a multiple of ``stride``).
    """

    kind: str = "onset"
    stride: int = 1
    lag: int = 0

    def __post_init__(self) -> None:
        if self.kind not in REFERENCES:
            raise ValueError(f"flow reference must be one of {REFERENCES}, not {self.kind!r}")
        if self.stride < 1:
            raise ValueError(f"frame stride must be >= 1, got {self.stride}")
        if self.kind == "lag" and (self.lag < self.stride or self.lag % self.stride):
            raise ValueError(
                f"flow_lag must be a positive multiple of the frame stride ({self.stride}) with "
                f"flow_reference=lag, got {self.lag}"
            )

    @property
    def back(self) -> int | None:
        """Chain entries between an entry and its reference (None: always entry 0)."""
        if self.kind == "onset":
            return None
        return 1 if self.kind == "previous" else self.lag // self.stride

    def sources(self, entries: int) -> np.ndarray:
        """``(entries,)`` int64: the chain index of each entry's reference (itself for entry 0,
        whose flow is zero)."""
        j = np.arange(entries, dtype=np.int64)
        back = self.back
        return np.zeros_like(j) if back is None else np.maximum(j - back, 0)

    def pairs(self, entries: int) -> tuple[np.ndarray, np.ndarray]:
        """``(reference, entry)`` chain indices of the entries whose flow must be computed (the
        others are zero)."""
        src = self.sources(entries)
        todo = np.flatnonzero(src != np.arange(entries))
        return src[todo], todo

    def entry_of_frame(self, n_frames: int, entries: int) -> np.ndarray:
        """``(n_frames,)``: the entry that describes each frame of the clip: the nearest chain
        frame for a displacement (``onset``, ``lag``), the step centred nearest the frame for
        ``previous`` (entry j spans frames (j - 1)s .. js)."""
        if entries < 1:
            raise ValueError("a clip needs at least one flow entry")
        t = np.arange(n_frames, dtype=np.float64) / self.stride
        j = np.floor(t + 1.0) if self.kind == "previous" else np.floor(t + 0.5)
        low = 1 if self.kind == "previous" and entries > 1 else 0
        return np.clip(j, low, entries - 1).astype(np.int64)

    def as_dict(self) -> dict[str, Any]:
        """What changes the flow (part of the cache key)."""
        lag = self.lag if self.kind == "lag" else None
        return {"reference": self.kind, "stride": self.stride, "lag": lag}


class ReferenceBuffer:
    """The streaming form of :class:`FlowReference`: push the chain frames one by one, get
    each one's reference back; holds the first frame (``onset``) or the last ``back`` frames
    (``previous``, ``lag``), never the whole input."""

    def __init__(self, reference: FlowReference) -> None:
        self.reference = reference
        back = reference.back
        self._first: Any = None
        self._recent: deque[Any] = deque(maxlen=back)  # empty (maxlen None) for onset
        self._count = 0

    def push(self, frame: Any) -> Any:
        """Add the next chain frame; returns its reference frame (None for entry 0)."""
        ref: Any = None
        if self._count == 0:
            self._first = frame
        elif self.reference.back is None:
            ref = self._first
        else:  # the oldest kept frame: ``back`` entries earlier, or the first one
            ref = self._recent[0]
        if self.reference.back is not None:
            self._recent.append(frame)
        self._count += 1
        return ref
