"""Worker processes that end with the run that started them.

Every process pool of the pipeline (decoding deliveries, the disclosure audit's blocks, rendering
reports) starts fresh interpreters through a forkserver: a fork would inherit DuckDB's and
HiGHS's threads without the threads. A run killed with SIGKILL (or crashing) cannot shut its pool
down, and the forkserver lives as long as any of its workers; so each worker watches a pipe whose
only writing end the run holds, and exits at its end of file."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection


def _exit_with_the_run(run_alive: Connection) -> None:
    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            run_alive.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-the-run", daemon=True).start()


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` fresh processes that exit with this one, shut down on leaving."""
    watched, alive = multiprocessing.Pipe(duplex=False)
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(workers, context, initializer=_exit_with_the_run, initargs=(watched,))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)
        alive.close()
        watched.close()
