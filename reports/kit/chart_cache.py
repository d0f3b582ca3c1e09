"""Draw each chart once per distinct input (issue 17): a chart function's SVG kept under a key made
of its name, every argument and the chart code's version.

Drawing is most of a report's rendering time (Matplotlib's SVG output: ~80 % on the demo). The
chart functions (reports.kit.charts) are deterministic and take only published figures, so a
chart whose inputs did not change is the same SVG: inside a `chart_cache(folder)` block it is
taken from the block's memory or from `folder` (internal data beside the warehouse, never the
published folder: kim.settings.Settings.chart_cache) instead of being drawn again, so a run in
which nothing changed draws nothing. Outside a block every chart is drawn.

The key covers the arguments by value (numbers, strings, sequences, mappings, dataclasses) and
callables by their code (a value formatter: `fmt.percent`, `lambda v: fmt.decimal_fixed(v, 1)`),
plus the source of reports.kit.charts and reports.kit.formatting and the Matplotlib version, so changed chart code never
serves an old picture. Deleting the folder is always safe.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import numbers
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

import matplotlib

from reports.kit.files import write_atomic

P = ParamSpec("P")
MEMORY_ENTRIES = 512  # SVGs kept in this process (a monthly report draws ~4)


@dataclass
class CacheStats:
    drawn: int = 0
    reused: int = 0


_state: dict[str, Any] = {"active": False, "folder": None, "stats": CacheStats(), "memory": {}}


@contextmanager
def chart_cache(folder: Path | None) -> Iterator[CacheStats]:
    """Draw each chart inside the block once, keeping it in `folder` (and using those found there;
    None: the block's memory only); yields the block's counts of charts drawn and reused."""
    previous = dict(_state)
    stats = CacheStats()
    _state.update(active=True, folder=folder, stats=stats, memory={})
    try:
        yield stats
    finally:
        _state.update(previous)


def active_cache_folder() -> Path | None:
    """The folder of the chart cache block this process is in (None: none, or memory only), for
    worker processes that render on its behalf."""
    return _state["folder"] if _state["active"] else None


@functools.cache
def code_version() -> str:
    from reports.kit import charts, formatting

    sources = f"{inspect.getsource(charts)}|{inspect.getsource(formatting)}|{matplotlib.__version__}"
    return hashlib.sha256(sources.encode()).hexdigest()[:16]


def stable(value: Any) -> Any:
    """A form of `value` whose repr is the same in every process for equal inputs."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, numbers.Number):  # NumPy scalars too
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((stable(k), stable(v)) for k, v in value.items())))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, stable(dataclasses.asdict(value)))
    if isinstance(value, list | tuple):
        return tuple(stable(item) for item in value)
    if callable(value) and hasattr(value, "__code__"):
        code = value.__code__
        closure = tuple(stable(cell.cell_contents) for cell in value.__closure__ or ())
        return (
            "code",
            value.__module__,
            value.__qualname__,
            code.co_code,
            stable(code.co_consts),
            code.co_names,
            closure,
        )
    if callable(value):
        return ("callable", getattr(value, "__module__", ""), getattr(value, "__qualname__", repr(type(value))))
    raise TypeError(f"chart argument of type {type(value).__name__} has no stable cache key")


def chart_key(name: str, args: tuple, kwargs: dict) -> str:
    described = repr((code_version(), name, stable(args), stable(kwargs)))
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def _remember(key: str, svg: str) -> None:
    memory: dict[str, str] = _state["memory"]
    if len(memory) >= MEMORY_ENTRIES:
        memory.pop(next(iter(memory)))
    memory[key] = svg


def _from_folder(folder: Path | None, key: str) -> str | None:
    if folder is None:
        return None
    try:
        return (folder / key[:2] / f"{key}.svg").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None


def cached_chart(function: Callable[P, str]) -> Callable[P, str]:
    """Decorate a chart function: its SVG for the same arguments is drawn once (see the module)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        if not _state["active"]:
            return function(*args, **kwargs)
        key = chart_key(function.__qualname__, args, kwargs)
        folder: Path | None = _state["folder"]
        stats: CacheStats = _state["stats"]
        svg = _state["memory"].get(key) or _from_folder(folder, key)
        if svg is not None:
            stats.reused += 1
        else:
            svg = function(*args, **kwargs)
            stats.drawn += 1
            if folder is not None:
                write_atomic(folder / key[:2] / f"{key}.svg", svg)
        _remember(key, svg)
        return svg

    return wrapper
