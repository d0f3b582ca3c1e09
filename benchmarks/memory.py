"""Peak resident memory (RSS) of this process during a stage, sampled from /proc every 20 ms.

ru_maxrss only ever grows over the whole process, so it cannot say which stage needed the memory;
a sampler thread records the highest RSS seen between start() and stop() instead. DuckDB's and
Arrow's native allocations count too, as they are part of the process's RSS."""

from __future__ import annotations

import os
import resource
import threading

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
INTERVAL_SECONDS = 0.02


def current_rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def process_peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class PeakRss:
    """with PeakRss() as peak: ...; then peak.bytes is the highest RSS sampled meanwhile."""

    def __init__(self) -> None:
        self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.bytes = max(self.bytes, current_rss_bytes())
            self._stop.wait(INTERVAL_SECONDS)

    def __enter__(self) -> PeakRss:
        self.bytes = current_rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.bytes = max(self.bytes, current_rss_bytes())
