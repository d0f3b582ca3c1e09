"""Worker processes that end with the run that started them.

Every process pool of the pipeline (decoding deliveries, the disclosure audit's blocks, rendering
reports) starts fresh interpreters through a forkserver: a fork would inherit DuckDB's and
HiGHS's threads without the threads. A run killed with SIGKILL (or crashing) cannot shut its pool
down, and the forkserver lives as long as any of its workers; so each worker watches a pipe whose
only writing end the run holds, and exits at its end of file.

Nothing is preloaded into the forkserver (which would spare each new pool's workers about 2 s of
imports): importing Polars starts threads (jemalloc's, an out-of-core cleaner), and forking a
process with threads is what the forkserver is there to avoid."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection


def workers_for(items: int, from_items: int, beside: int = 0) -> int:
    """How many worker processes pay for `items` pieces of work: none below `from_items` (starting
    a pool costs a second or two) or on one core, else one per core but `beside` (kept for the
    process that hands the work out and, for example, writes it)."""
    cores = os.cpu_count() or 1
    return 0 if items < from_items or cores < 2 else max(1, cores - beside)


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
