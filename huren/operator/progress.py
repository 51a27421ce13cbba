"""How far a long command has got, on standard error: a bar on a terminal, a line per step
elsewhere (a log file, a CI job), so standard output keeps only the command's results."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["progress"]


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A function to call with the count done so far, out of ``total``."""
    if not sys.stderr.isatty():

        def report(done: int) -> None:
            print(f"{label}: {done} of {total}", file=sys.stderr, flush=True)

        yield report
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
