"""One rich progress bar on stderr for long work (flow filling, prediction)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(
    enabled: bool,
    total: int | None,
    description: str,
    unit: str,
    *,
    transient: bool = False,
    absolute: bool = False,
) -> Iterator[Callable[[int], None]]:
    """A progress bar over ``total`` items (None: unknown) named ``description``.

    Yields ``update(n)``: ``n`` more items done, or (``absolute=True``) ``n`` items done in all.
    When ``enabled`` is false (or ``total`` is 0) nothing is drawn and ``update`` does nothing.
    """
    if not enabled or total == 0:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=transient) as bar:
        task = bar.add_task(description, total=total)
        if absolute:
            yield lambda n: bar.update(task, completed=n)
        else:
            yield lambda n: bar.advance(task, n)
