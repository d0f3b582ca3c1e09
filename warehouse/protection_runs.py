"""What each protection step protected (dq.protection_runs), so that a run in which nothing the
protection depends on changed takes the stored publication instead of protecting again (issue 17).

The protection is a function of its inputs: the indicator values, the public quantities, the
approved releases, the providers (who reads as an insider), k and the engine version (the rows it
hides do not depend on the order of its solves: transforms.disclosure.block.canonical_bindings).
So a step that passed and ended by itself gave the release a new step would give, and the gate
audit still audits whatever is stored. A step that failed or was cut short by its time budget is
never reused: more time may give another release.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path

import duckdb
import polars as pl

from transforms import disclosure
from transforms.disclosure import ENGINE_VERSION
from transforms.disclosure.history import History
from warehouse.db import fetch_polars
from warehouse.disclosure_audit import SELECT_PROVIDERS, digest_frames

INSERT_RUN = """
INSERT INTO dq.protection_runs VALUES (now(), $fingerprint, $passed, $complete, $rounds, $rows_hidden, $seconds)
"""
SELECT_LAST_RUN = """
SELECT fingerprint, passed AND complete FROM dq.protection_runs ORDER BY protected_at DESC LIMIT 1
"""
SELECT_STORED_PLAN = "SELECT * FROM marts.publication_plan"
SELECT_STORED_PUBLICATION = "SELECT * FROM marts.indicator_publication"
# benchmarks and tests that time or check a protection from scratch forget the stored ones
FORGET_RUNS = "DELETE FROM dq.protection_runs"


@dataclasses.dataclass(frozen=True)
class ProtectionRun:
    fingerprint: str
    passed: bool
    complete: bool
    rounds: int
    rows_hidden: int
    seconds: float


@functools.cache
def protection_code() -> str:
    """A hash of the code that decides the protection (the disclosure package, this step): an
    upgrade that changes it protects again even where ENGINE_VERSION was not raised."""
    digest = hashlib.sha256()
    sources = sorted(Path(disclosure.__file__).parent.glob("*.py"))
    for path in [*sources, Path(__file__).with_name("disclosure_protection.py"), Path(__file__)]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def protection_fingerprint(
    con: duckdb.DuckDBPyConnection,
    frames: tuple[pl.DataFrame, ...],
    history: History,
    k: int,
    settings: str,
) -> str:
    """A hash of everything the protection depends on: `frames` (the monthly and yearly values and
    the public quantities), the approved releases, the providers and their kinds, k, the engine
    version, its code and `settings` (the step's own constants)."""
    providers = con.execute(SELECT_PROVIDERS).fetchall()
    head = f"engine={ENGINE_VERSION}|code={protection_code()}|k={k}|{settings}|providers={providers!r}|"
    digest = hashlib.sha256(head.encode())
    digest_frames(digest, (*frames, history.cells, history.public))
    return digest.hexdigest()


def reusable(con: duckdb.DuckDBPyConnection, fingerprint: str) -> bool:
    """Did the last protection step protect exactly these inputs, pass and end by itself?"""
    last = con.execute(SELECT_LAST_RUN).fetchall()
    return bool(last) and last[0][0] == fingerprint and bool(last[0][1])


def stored_publication(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The plan and the publication the last protection step stored."""
    return fetch_polars(con, SELECT_STORED_PLAN), fetch_polars(con, SELECT_STORED_PUBLICATION)


def record_run(con: duckdb.DuckDBPyConnection, run: ProtectionRun) -> None:
    """Inside the transaction that stores the publication: the stored run always describes what
    marts.indicator_publication holds."""
    con.execute(INSERT_RUN, dataclasses.asdict(run))
