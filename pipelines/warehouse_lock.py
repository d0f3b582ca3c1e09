"""One writer at a time: an OS file lock next to the warehouse, `<warehouse>.lock`.

DuckDB lets one process at a time open a file for writing; a second one fails at once with a lock
error. `kim run`, `kim demo` and `kim report` therefore take this lock (fcntl.flock, exclusive)
for their whole run: a second command on the same warehouse waits for the first, with a message
naming the holder, and gives up after a timeout with an error that says what to do. The kernel
releases the lock when its holder ends, however it ends (crash, kill -9), so a lock file left
behind is harmless: the file is never deleted, only locked.

Dagster runs started by the daemon do not hold this lock (the run queue and the pool "duckdb"
keep them apart); their warehouse connections only look at it, to name the holder when the file is
busy (pipelines/defs/resources.py).

Within one process the lock is re-entrant: `kim run` holds it while its own in-process Dagster
steps open the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT_SECONDS = 1800.0

_held: dict[str, int] = {}
_held_guard = threading.Lock()


class Bilingual(str):
    """An English message (Dagster's log, developers) that carries its German text for the terminal
    of `kim run`, `kim report` and the other commands (kim.cli prints `.german`)."""

    german: str

    def __new__(cls, english: str, german: str) -> Bilingual:
        message = super().__new__(cls, english)
        message.german = german
        return message


def german(message: object) -> str:
    """The German text of a Bilingual message or of an exception raised with one."""
    text = message.args[0] if isinstance(message, BaseException) and message.args else message
    return text.german if isinstance(text, Bilingual) else str(text)


class WarehouseLocked(RuntimeError):
    """A Dagster step found the warehouse file locked by another process for longer than its
    connection attempts (transient: the step's retry policy tries again)."""


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse lock for longer than we were willing to wait."""


def lock_path(warehouse: Path | str) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".lock")


def _key(warehouse: Path | str) -> str:
    return str(lock_path(warehouse).resolve())


def held_here(warehouse: Path | str) -> bool:
    """Does this process hold the lock of `warehouse`?"""
    with _held_guard:
        return _key(warehouse) in _held


def describe_holder(warehouse: Path | str) -> Bilingual:
    """Who holds the lock, as the holder wrote it: 'kim run (pid 4711, since 10:02:03 UTC)'."""
    try:
        info = json.loads(lock_path(warehouse).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return Bilingual("another process", "ein anderer Prozess")
    holder, pid, since = info.get("holder", "process"), info["pid"], info.get("since", "?")
    return Bilingual(
        f"another {holder} (pid {pid}, since {since})", f"ein anderer Prozess „{holder}“ (PID {pid}, seit {since})"
    )


def holder_pid(warehouse: Path | str) -> int | None:
    try:
        return int(json.loads(lock_path(warehouse).read_text(encoding="utf-8") or "{}").get("pid") or 0) or None
    except (OSError, ValueError):
        return None


def is_locked_elsewhere(warehouse: Path | str) -> bool:
    """True while another process holds the lock (a quick probe; takes nothing)."""
    if held_here(warehouse):
        return False
    path = lock_path(warehouse)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def busy_message(warehouse: Path | str, waited: float, command: str) -> Bilingual:
    pid, who = holder_pid(warehouse), describe_holder(warehouse)
    check = f" (`ps -p {pid} -o user,etime,cmd` shows it)" if pid else ""
    check_de = f" (`ps -p {pid} -o user,etime,cmd` zeigt ihn)" if pid else ""
    return Bilingual(
        f"gave up after {waited:.0f} s: {who} is still writing {warehouse}{check}. "
        f"Nothing was changed. Wait until it has finished and start `{command}` again, or let it wait "
        "longer with KIM_LOCK_TIMEOUT=<seconds>.",
        f"nach {waited:.0f} s aufgegeben: {who.german} schreibt noch in {warehouse}{check_de}. Es wurde nichts "
        f"geändert. Warten Sie, bis er fertig ist, und starten Sie `{command}` erneut, oder lassen Sie ihn mit "
        "KIM_LOCK_TIMEOUT=<Sekunden> länger warten.",
    )


@contextmanager
def warehouse_lock(
    warehouse: Path | str,
    holder: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
    command: str = "kim run",
) -> Iterator[None]:
    """Hold the exclusive lock of `warehouse` for the block; wait up to `timeout` seconds for it
    (calling `on_wait` once with a message naming the holder), then raise WarehouseBusy."""
    key = _key(warehouse)
    with _held_guard:
        if key in _held:  # re-entrant within the process
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return

    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        started = time.monotonic()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                who = describe_holder(warehouse)
                on_wait(
                    Bilingual(
                        f"{who} is writing {warehouse}; waiting up to {timeout:.0f} s …",
                        f"{who.german} schreibt gerade in {warehouse}; es wird bis zu {timeout:.0f} s gewartet …",
                    )
                )
            while True:
                if time.monotonic() - started >= timeout:
                    raise WarehouseBusy(busy_message(warehouse, time.monotonic() - started, command)) from None
                time.sleep(POLL_SECONDS)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    continue
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"holder": holder, "pid": os.getpid(), "since": since}).encode(), 0)
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
