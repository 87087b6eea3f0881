"""Shared fixtures for the network tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread_seeded() -> Iterator[None]:
    """One intra-op thread (much faster than 2 on a shared 2-core machine) and a fixed seed."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
