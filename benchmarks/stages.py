"""Timing: named stages measured with perf_counter (peak RSS sampled, optionally cProfiled), and
progress bars that also log plainly where stderr is not a terminal."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from benchmarks.tiers import PROJECT_ROOT

console = Console(stderr=True)


class LoggedProgress(Progress):
    """Rich progress bars; where stderr is not a terminal (CI, a log file) a plain line per tenth."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._logged: dict[TaskID, int] = {}
        self._started = time.perf_counter()

    def update(self, task_id: TaskID, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        self._log(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log(task_id)

    def _log(self, task_id: TaskID) -> None:
        if self.console.is_terminal:
            return
        task = next(t for t in self.tasks if t.id == task_id)
        if not task.total:
            return
        tenth = int(10 * task.completed / task.total)
        if tenth > self._logged.get(task_id, 0):
            self._logged[task_id] = tenth
            self.console.print(
                f"[{time.perf_counter() - self._started:7.1f}s] {task.description}: "
                f"{int(task.completed)}/{int(task.total)}",
                highlight=False,
            )


def new_progress() -> LoggedProgress:
    return LoggedProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


class Stages:
    """Times named stages with perf_counter; optionally profiles each with cProfile."""

    def __init__(self, profile_dir: Path | None) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_bytes: dict[str, int] = {}
        # what the stage found already held (DuckDB's buffers, caches of earlier stages): a stage's
        # peak minus this is what it added itself
        self.start_rss_bytes: dict[str, int] = {}
        self.profile_dir = profile_dir
        self.hot_spots: dict[str, list[dict[str, Any]]] = {}

    def run(self, name: str, function: Callable[[], Any]) -> Any:
        from benchmarks.memory import PeakRss, current_rss_bytes

        self.start_rss_bytes[name] = current_rss_bytes()
        profiler = cProfile.Profile() if self.profile_dir else None
        peak = PeakRss()
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            with peak:
                return function()
        finally:
            if profiler:
                profiler.disable()
            self.seconds[name] = time.perf_counter() - start
            self.peak_rss_bytes[name] = peak.bytes
            if profiler and self.profile_dir:
                self._save_profile(self.profile_dir, name, profiler)

    def _save_profile(self, profile_dir: Path, name: str, profiler: cProfile.Profile) -> None:
        profiler.dump_stats(profile_dir / f"{name}.prof")
        stats = pstats.Stats(profiler, stream=io.StringIO())
        # (file, line, function) -> (primitive calls, calls, own, cumulative, callers); typeshed lacks it
        entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
        rows = []
        for (filename, line, function), (_, calls, own, cumulative, _) in entries.items():
            rows.append(
                {
                    "function": f"{_short_path(filename)}:{line}({function})",
                    "calls": calls,
                    "own_seconds": round(own, 4),
                    "cumulative_seconds": round(cumulative, 4),
                }
            )
        rows.sort(key=lambda row: row["own_seconds"], reverse=True)
        self.hot_spots[name] = rows[:15]


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
