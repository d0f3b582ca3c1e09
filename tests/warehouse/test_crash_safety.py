"""Crash safety: the pipeline process is killed (SIGKILL, no clean-up of any kind) at chosen points
of a load and of the mart build. Afterwards the warehouse opens, holds no partial delivery, the
marts readers see are the ones before or after the run (never half of one), and a re-run ends
with exactly the marts of an uninterrupted run.

The kill is deterministic: this file is also the driver script. Run as a program it performs one
pipeline cycle (load, incremental plan, staging, marts, indicators, build log — the order of
`kim run`) through a connection wrapper that counts statements and kills its own process just
before the chosen one, or after the n-th delivery (ingest_landing's progress callback).

`--no-transactions` makes the wrapper swallow BEGIN/COMMIT/ROLLBACK: the code without its
transactions. The test `test_without_transactions_a_crash_leaves_a_partial_state` shows that the
checks here catch exactly that.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "crash-safety-key"
K = 5
MONTHS = 2
CASES = 40
# Bookkeeping of builds (when, how often) legitimately differs after a crash; the figures do not.
LOG_TABLES = {"indicator_builds"}
VOLATILE_COLUMNS = {"loaded_at", "built_at"}  # wall-clock time of a load or build
RAW_ROW_TABLES = ("cases", "needs", "handovers", "contacts", "assignments", "status_changes")


# ---------------------------------------------------------------------------------------------
# The driver (runs in the child process)


class KillingConnection:
    """A DuckDB connection that kills its process before the chosen statement.

    spec: "stmt:N" (the N-th statement of this cycle), "commit:N" (the N-th COMMIT), "match:TEXT:N"
    (the N-th statement containing TEXT). Everything else is passed to the real connection."""

    def __init__(self, con, spec: str, transactions: bool = True) -> None:
        self._con = con
        self._kind, _, rest = spec.partition(":")
        self._text, _, count = rest.rpartition(":")
        self._target = int(count) if count.isdigit() else -1
        self._seen = 0
        self._transactions = transactions

    def _before(self, sql: str) -> None:
        statement = sql.strip().upper()
        hit = (
            self._kind == "stmt"
            or (self._kind == "commit" and statement == "COMMIT")
            or (self._kind == "match" and self._text.upper() in statement)
        )
        if hit:
            self._seen += 1
            if self._seen == self._target:
                os.kill(os.getpid(), signal.SIGKILL)

    def _transaction_statement(self, sql: str) -> bool:
        return sql.strip().upper() in ("BEGIN TRANSACTION", "COMMIT", "ROLLBACK")

    def execute(self, sql: str, *args, **kwargs):
        self._before(sql)
        if not self._transactions and self._transaction_statement(sql):
            return self._con.execute("SELECT 1")
        return self._con.execute(sql, *args, **kwargs)

    def sql(self, sql: str, *args, **kwargs):
        self._before(sql)
        return self._con.sql(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def run_cycle(con, landing: Path, kill_after_deliveries: int | None = None) -> None:
    """One `kim run` without Dagster: load new deliveries, plan, rebuild everything after raw,
    recompute the planned indicator months and log the build."""
    from kim.config import load_config
    from warehouse.incremental import config_fingerprint, plan_indicator_recompute, record_indicator_build
    from warehouse.indicator_build import build_indicator_values, build_yearly_indicator_values
    from warehouse.load import ingest_landing
    from warehouse.models import build_models

    config = load_config()

    def progress(done: int, total: int) -> None:
        if done == kill_after_deliveries:
            os.kill(os.getpid(), signal.SIGKILL)

    ingest_landing(con, landing, config, KEY, progress=progress)
    fingerprint = config_fingerprint(config)
    plan = plan_indicator_recompute(con, fingerprint, K)
    build_models(con, config)
    if not plan.empty:
        build_indicator_values(con, K, plan.first_period, plan.last_period)
        record_indicator_build(con, plan, fingerprint, K, plan.first_period, plan.last_period)
    build_yearly_indicator_values(con, K)


def main(argv: list[str]) -> None:
    warehouse, landing, spec = Path(argv[0]), Path(argv[1]), argv[2]
    transactions = "--no-transactions" not in argv
    from warehouse.migrate import connect

    con = connect(warehouse)
    if spec.startswith("deliveries:"):
        run_cycle(KillingConnection(con, "none", transactions), landing, int(spec.split(":")[1]))
    else:
        run_cycle(KillingConnection(con, spec, transactions), landing)
    con.close()


# ---------------------------------------------------------------------------------------------
# Checks (in the test process)


def marts_checksums(database: Path) -> dict[str, tuple[int, str]]:
    """Per marts table: row count and an order-independent hash of every row."""
    from warehouse.migrate import connect

    con = connect(database)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
            if t not in LOG_TABLES
        ]
        sums = {}
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            # doubles rounded: a parallel sum may differ in its last bit between two runs
            shown = [
                f"round({name}, 9)" if kind == "DOUBLE" else name
                for name, kind in columns
                if name not in VOLATILE_COLUMNS
            ]
            # names come from information_schema of our own warehouse, not from input
            sums[table] = tuple(
                con.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) "
                    f"FROM (SELECT CAST(row({', '.join(shown)}) AS VARCHAR) AS r FROM marts.{table})"
                ).fetchall()[0]
            )
        return sums
    finally:
        con.close()


def assert_no_partial_delivery(database: Path) -> None:
    """The register and the raw rows agree: every row belongs to a registered, loaded delivery, and
    every loaded delivery has all its rows and files."""
    from warehouse.migrate import connect

    con = connect(database)
    try:
        loaded = "SELECT delivery_id FROM raw.deliveries WHERE state <> 'rejected'"
        for table in [f"raw.{t}" for t in RAW_ROW_TABLES] + ["raw.delivery_files", "quarantine.rejected_rows"]:
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE delivery_id NOT IN ({loaded})").fetchall()
            assert orphans == [(0,)], f"{table} holds rows of no loaded delivery"
        counts = " + ".join(
            f"(SELECT count(*) FROM raw.{t} r WHERE r.delivery_id = d.delivery_id)" for t in RAW_ROW_TABLES
        )
        incomplete = con.execute(
            f"""
            SELECT delivery_id FROM raw.deliveries d
            WHERE state <> 'rejected' AND (
                total_rows - quarantined_rows <> {counts}
                OR quarantined_rows > 0 AND NOT EXISTS (
                    SELECT 1 FROM quarantine.rejected_rows q WHERE q.delivery_id = d.delivery_id)
                OR NOT EXISTS (SELECT 1 FROM raw.delivery_files f WHERE f.delivery_id = d.delivery_id))
            """
        ).fetchall()
        assert incomplete == [], f"deliveries registered without all their rows: {incomplete}"
        current = con.execute(
            "SELECT provider_id, count(*) FILTER (WHERE state = 'accepted') FROM raw.deliveries "
            "WHERE state <> 'rejected' GROUP BY ALL HAVING count(*) FILTER (WHERE state = 'accepted') <> 1"
        ).fetchall()
        assert current == [], f"providers without exactly one current delivery: {current}"
    finally:
        con.close()


def run_driver(warehouse: Path, landing: Path, spec: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, __file__, str(warehouse), str(landing), spec, *extra],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_in_process(warehouse: Path, landing: Path) -> None:
    from warehouse.migrate import connect

    con = connect(warehouse)
    try:
        run_cycle(con, landing)
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory, config):
    """Synthetic deliveries in two stages (month 1, then both months), the marts of an
    uninterrupted run after each stage, and a copy of the warehouse after stage 1."""
    from synthetic import generate

    root = tmp_path_factory.mktemp("crash")
    full = root / "landing-all"
    generate(config, full, months=MONTHS, seed=7, total_cases=CASES)
    first = root / "landing-first"
    periods = sorted({p.name for p in full.glob("*/*")})
    for folder in full.glob("*/*"):
        if folder.name in periods[:-1]:
            shutil.copytree(folder, first / folder.parent.name / folder.name)  # keeps mtimes
    reference = root / "reference.duckdb"
    from warehouse.migrate import connect

    connect(reference).close()
    empty = marts_checksums(reference)  # the migrated, empty warehouse
    run_in_process(reference, first)
    after_first = marts_checksums(reference)
    shutil.copy(reference, root / "after-first.duckdb")
    run_in_process(reference, full)
    return {
        "root": root,
        "first": first,
        "full": full,
        "empty": empty,
        "after_first": after_first,
        "after_first_db": root / "after-first.duckdb",
        "after_all": marts_checksums(reference),
    }


def assert_readers_see_before_or_after(database: Path, before: dict, after: dict) -> None:
    """A table readers query is never half rebuilt: each marts table is as before or as after."""
    now = marts_checksums(database)
    for table, checksum in now.items():
        assert checksum in (before.get(table), after[table]), f"marts.{table} is half rebuilt after the crash"


# (stage, kill point): stage 1 loads month 1 into an empty warehouse, stage 2 adds month 2 to a
# warehouse built from stage 1 (the incremental path).
KILL_POINTS = [
    (1, "deliveries:2"),  # between two deliveries
    (1, "commit:3"),  # inside the 3rd delivery's transaction, rows inserted
    (1, "match:CREATE OR REPLACE TABLE staging.needs:1"),  # inside the staging rebuild
    (2, "match:marts.fct_handovers:1"),  # between two mart models
    (2, "match:INSERT INTO marts.indicator_values:1"),  # recomputing the new month: old rows deleted
    (2, "match:INSERT INTO marts.indicator_build_inputs:1"),  # figures stored, build log not yet
]


@pytest.mark.parametrize("stage, spec", KILL_POINTS, ids=[f"stage{s}-{p}" for s, p in KILL_POINTS])
def test_a_killed_run_leaves_a_consistent_warehouse_and_a_rerun_completes_it(world, tmp_path, stage, spec):
    warehouse = tmp_path / "warehouse.duckdb"
    before = world["empty"]
    if stage == 2:
        shutil.copy(world["after_first_db"], warehouse)
        before = world["after_first"]
    killed = run_driver(warehouse, world["full"] if stage == 2 else world["first"], spec)
    assert killed.returncode == -signal.SIGKILL, f"the kill point was not reached: {killed.stderr[-2000:]}"

    assert_no_partial_delivery(warehouse)
    after = world["after_all"] if stage == 2 else world["after_first"]
    assert_readers_see_before_or_after(warehouse, before, after)

    run_in_process(warehouse, world["full"] if stage == 2 else world["first"])
    assert_no_partial_delivery(warehouse)
    assert marts_checksums(warehouse) == after
    if stage == 1 and "staging" in spec:
        # and the next month still goes the incremental way to the same end
        run_in_process(warehouse, world["full"])
        assert marts_checksums(warehouse) == world["after_all"]


@pytest.mark.parametrize(
    "spec, broken",
    [
        ("match:INSERT INTO raw.contacts:2", assert_no_partial_delivery),
        ("match:INSERT INTO marts.indicator_values:1", "marts"),
    ],
)
def test_without_transactions_a_crash_leaves_a_partial_state(world, tmp_path, spec, broken):
    """The checks above are not vacuous: with BEGIN/COMMIT swallowed (autocommit per statement), the
    same kill leaves a half-loaded delivery or half of marts.indicator_values deleted."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(world["after_first_db"], warehouse)
    killed = run_driver(warehouse, world["full"], spec, "--no-transactions")
    assert killed.returncode == -signal.SIGKILL
    with pytest.raises(AssertionError):
        if broken == "marts":
            assert_readers_see_before_or_after(warehouse, world["after_first"], world["after_all"])
        else:
            broken(warehouse)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
