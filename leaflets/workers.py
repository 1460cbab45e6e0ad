"""Where PDFs are printed: in this process, in forked local workers, or on a Dask cluster.

Printing one PDF is a pure function of its HTML (``pdf.print_task``), so the three differ only in the
executor that runs it; all offer the ``concurrent.futures`` interface. Local workers are forked after
WeasyPrint is imported (0.6 s), so none imports it again. Dask workers need ``leaflets`` installed and the
same fonts (see docs/cluster.md); they never need the project's files, only the HTML they are sent.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Generic, TextIO, TypeVar
from urllib.parse import urlsplit

from leaflets.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def executor(workers: int, scheduler: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``workers`` local processes or the Dask scheduler at ``scheduler``; None runs inline."""
    if scheduler:
        with _dask(scheduler) as pool:
            yield pool
    elif workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # With "fork", the first task starts every worker: do it now, while the caller holds little, so
            # that workers do not carry a copy of a large batch's facts and pages (memory grew with it).
            pool.submit(os.getpid).result()
            yield pool
    else:
        yield None


@contextmanager
def _dask(address: str) -> Iterator[Executor]:
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'leaflets[cluster]' (on this machine and on "
                          "every worker)") from None
    try:
        # A refused connection fails at once here; Client itself would retry until its timeout.
        host, _, port = urlsplit(address).netloc.rpartition(":")
        socket.create_connection((host, int(port)), timeout=10).close()
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc}); check the address "
                          "and that 'dask scheduler' runs there") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


class Progress:
    """Count, current item and elapsed time: one rewritten line on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.quiet = not logging.getLogger("leaflets").isEnabledFor(logging.INFO)  # leaflets --quiet

    def step(self, label: str) -> None:
        self.done += 1
        if self.quiet:
            return
        line = f"[{self.done}/{self.total}] {label} ({time.perf_counter() - self.started:.0f} s)"
        if self.live:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r\033[K{line}{end}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Batch(Generic[T, R]):
    """``function`` over tasks handed in one at a time: on a pool each starts when it is submitted, so workers
    print while the caller still checks and renders the next leaflet; results come in submission order."""

    def __init__(self, function: Callable[[T], R], pool: Executor | None) -> None:
        self.function, self.pool = function, pool
        self.labels: list[str] = []
        self.pending: list[Future[R] | T] = []  # futures on a pool; without one, the tasks, run in results()

    def __len__(self) -> int:
        return len(self.pending)

    def submit(self, task: T, label: str) -> None:
        self.labels.append(label)
        self.pending.append(self.pool.submit(self.function, task) if self.pool else task)

    def cancel(self) -> None:
        """Drop the tasks not started yet (the running ones finish; their results are not asked for)."""
        for item in self.pending:
            if isinstance(item, Future):
                item.cancel()

    def results(self, progress: Progress | None = None) -> list[R]:
        if self.pool is None:
            results = []
            for task, label in zip(self.pending, self.labels, strict=True):
                results.append(self.function(task))  # type: ignore[arg-type] - a task, not a future
                if progress:
                    progress.step(label)
            return results
        futures: dict[Future[R], int] = {future: n for n, future in enumerate(self.pending)}  # type: ignore[misc]
        done: dict[int, R] = {}
        for future in as_completed(futures):
            n = futures[future]
            done[n] = future.result()
            if progress:
                progress.step(self.labels[n])
        return [done[n] for n in range(len(self.pending))]


def run_all(function: Callable[[T], R], tasks: Sequence[T], labels: Sequence[str], pool: Executor | None,
            progress: Progress | None = None) -> list[R]:
    """``function`` over ``tasks`` on ``pool``, results in task order, progress as each one finishes."""
    batch = Batch(function, pool)
    for task, label in zip(tasks, labels, strict=True):
        batch.submit(task, label)
    return batch.results(progress)
