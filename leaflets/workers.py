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
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TextIO, TypeVar
from urllib.parse import urlsplit

from leaflets.errors import ConfigError

K = TypeVar("K")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Workers:
    """Where tasks run (``pool``; None: in this process) and how many run at once (``size``)."""

    pool: Executor | None
    size: int


@contextmanager
def executor(workers: int, scheduler: str | None = None) -> Iterator[Workers]:
    """``workers`` local processes, or the Dask scheduler at ``scheduler``; one worker runs tasks inline."""
    if scheduler:
        with _dask(scheduler) as found:
            yield found
    elif workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # With "fork", the first task starts every worker: do it now, while the caller holds little, so
            # that workers do not carry a copy of a large batch's facts and pages (memory grew with it).
            pool.submit(os.getpid).result()
            yield Workers(pool, workers)
    else:
        yield Workers(None, 1)


@contextmanager
def _dask(address: str) -> Iterator[Workers]:
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("--scheduler needs Dask: pip install 'leaflets[cluster]' (on this machine and on "
                          "every worker)") from None
    host, port = _host_and_port(address)
    try:
        # A refused connection fails at once here; Client itself would retry until its timeout.
        socket.create_connection((host, port), timeout=10).close()
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc}); check the address "
                          "and that 'dask scheduler' runs there") from None
    try:
        yield Workers(client.get_executor(pure=False), max(1, sum(client.nthreads().values())))
    finally:
        client.close()


def _host_and_port(address: str) -> tuple[str, int]:
    """The host and port of a scheduler address, or a ConfigError saying what one looks like."""
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = None
    if not parts.hostname or not port or parts.scheme not in ("tcp", "tls"):
        raise ConfigError(f"--scheduler {address}: give the scheduler's address as tcp://host:port, as "
                          "'dask scheduler' prints it (the port is usually 8786)")
    return parts.hostname, port


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


class Stream(Generic[K, T, R]):
    """``function`` over tasks handed in one at a time, each result handed to ``done(key, result)`` in this
    thread as soon as it arrives. On a pool at most ``window`` tasks are out at once: handing in one more
    first waits for one to finish, so a batch never sits whole in memory, here or in the pool's queue."""

    def __init__(self, function: Callable[[T], R], workers: Workers, done: Callable[[K, R], None],
                 progress: Progress | None = None, window: int | None = None) -> None:
        self.function, self.pool, self.done, self.progress = function, workers.pool, done, progress
        self.window = window or 4 * workers.size  # enough that no worker waits for the next task
        self.pending: dict[Future[R], tuple[K, str]] = {}

    def submit(self, task: T, key: K, label: str) -> None:
        if self.pool is None:
            self._finished(key, label, self.function(task))
            return
        while len(self.pending) >= self.window:
            self._collect()
        self.pending[self.pool.submit(self.function, task)] = (key, label)

    def finish(self) -> None:
        """Wait for every task handed in, handing on each result."""
        while self.pending:
            self._collect()

    def cancel(self) -> None:
        """Drop the tasks not started yet; the running ones finish, their results unused."""
        for future in self.pending:
            future.cancel()
        self.pending.clear()

    def _collect(self) -> None:
        finished, _ = wait(self.pending, return_when=FIRST_COMPLETED)
        for future in finished:
            key, label = self.pending.pop(future)
            self._finished(key, label, future.result())

    def _finished(self, key: K, label: str, result: R) -> None:
        if self.progress:
            self.progress.step(label)
        self.done(key, result)


def run_all(function: Callable[[T], R], tasks: Sequence[T], labels: Sequence[str], workers: Workers,
            progress: Progress | None = None) -> list[R]:
    """``function`` over ``tasks`` on ``workers``, results in task order, progress as each one finishes."""
    results: dict[int, R] = {}
    stream: Stream[int, T, R] = Stream(function, workers, results.__setitem__, progress)
    for n, (task, label) in enumerate(zip(tasks, labels, strict=True)):
        stream.submit(task, n, label)
    stream.finish()
    return [results[n] for n in range(len(tasks))]
