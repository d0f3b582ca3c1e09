"""What the reports publish (design §6, issue 15): the publication plan and the protection chosen
against the disclosure audit, written to the warehouse.

    protect_warehouse(con, k)   # after marts.indicator_values and marts.indicator_values_yearly

1. The planner (transforms.disclosure.plan) decides per table whether it is published per month,
   per year or not at all -> marts.publication_plan; a city's yearly crossed table with many small
   cells is published grouped (transforms.disclosure.grouping: rows of dimension `<crossed>_grouped`
   in marts.indicator_values_yearly, written here).
2. Every row of a published table starts from the primary rule (a count of 1..k-1, a base below
   k); transforms.disclosure.protect then hides more rows until every reader's interval of every
   hidden count is at least k wide -> marts.indicator_publication (status published | hidden |
   unpublished, and why).
   A monthly table the protection mostly hides is then published per year only and the release
   protected again (`PLAN_PASSES`; the first pass a probe against the outside reader).
3. marts.indicator_values(_yearly).suppressed is set to "not published" (hidden or unpublished),
   so analysts still see what left the house.

It always starts again from the figures, never from an earlier run's flags, so an incremental
build ends with exactly the flags a full rebuild gives. The audit that gates publication
(warehouse.disclosure_audit) then audits the same release exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import duckdb
import polars as pl

from kim.settings import protection_budget_seconds
from transforms.disclosure import RESULT_SCHEMA
from transforms.disclosure.audit import AuditResult, shared_workers
from transforms.disclosure.cells import ALL, ROW_KEY, month_rows
from transforms.disclosure.grouping import ALIAS_COLUMNS, grouped_rows, grouped_tables, pooled_fine_rows
from transforms.disclosure.history import History
from transforms.disclosure.plan import demoted, mostly_hidden, plan_publication, planned, primary_hidden, with_groups
from transforms.disclosure.protect import GROUP_KEY, Protection, protect_release
from warehouse.db import fetch_polars, transaction
from warehouse.disclosure_audit import SELECT_PUBLIC, insiders, release_cells
from warehouse.disclosure_cache import load_block_cache, save_block_cache
from warehouse.migrate import release_cached_pages
from warehouse.protection_runs import ProtectionRun, protection_fingerprint, record_run, reusable, stored_publication
from warehouse.releases import approved_history

SELECT_MONTHLY = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator
FROM marts.indicator_values
"""
SELECT_YEARLY = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator
FROM marts.indicator_values_yearly
WHERE NOT suffix(dimension, '_grouped')
"""
# The grouped tables (transforms.disclosure.grouping) are rows of the yearly mart, written here.
REPLACE_GROUPED = (
    "DELETE FROM marts.indicator_values_yearly WHERE suffix(dimension, '_grouped')",
    "INSERT INTO marts.indicator_values_yearly SELECT *, false AS suppressed FROM new_grouped",
)
REPLACE_PLAN = ("DELETE FROM marts.publication_plan", "INSERT INTO marts.publication_plan SELECT * FROM new_plan")
REPLACE_PUBLICATION = (
    "DELETE FROM marts.indicator_publication",
    "INSERT INTO marts.indicator_publication SELECT * FROM new_publication",
)
# suppressed = not published (hidden or unpublished), for analysts (design §4).
UPDATE_SUPPRESSED = """
UPDATE marts.{table} AS v SET suppressed = (p.status <> 'published')
FROM marts.indicator_publication p
WHERE v.indicator_id = p.indicator_id AND v.period = p.period AND v.provider_id = p.provider_id
  AND v.dimension = p.dimension AND v.dimension_value = p.dimension_value
"""
# The protection's budget in rounds (seconds: kim.settings.protection_budget_seconds).
MAX_ROUNDS = 100
# After a full pass, batches spent publishing again the city's monthly totals the rounds hid
# without need (transforms.disclosure.unhide; a count, not seconds, so that the same figures always
# give the same release): the figures every report leads with (the monthly report, the annual
# report's series, each provider report's city column). The rounds are greedy: on the demo 5 of
# the 15 such totals hidden in 2025 could each be published alone with the audit still passing.
# One batch tries one total per block of the reader's system (an audit of those blocks, ~40 s on
# the demo). Every other row the rounds hid is not offered: on the demo two batches over all of
# them gave back 6 of 1,745 rows in 114 s.
GIVE_BACK_BATCHES = 1
HEADLINE_ROWS = (pl.col("provider_id") == ALL) & (pl.col("dimension") == ALL) & month_rows()
# Protect, demote the monthly tables the protection turned into walls of "•" to yearly
# (transforms.disclosure.plan.mostly_hidden), protect again: at most this many passes. The first
# pass protects against the outside reader only (a probe: on the demo it finds the same walls as
# a full pass in a third of the time); the last pass is always a full one.
PLAN_PASSES = 3
SELECT_PUBLICATION_ROWS = "SELECT count(*) FROM marts.indicator_publication"
VALUE_TABLES = ("indicator_values", "indicator_values_yearly")
# The step's own constants, part of what a stored protection was protected with (protection_runs).
STEP_SETTINGS = f"passes={PLAN_PASSES}|max_rounds={MAX_ROUNDS}|give_back={GIVE_BACK_BATCHES}"
PUBLICATION_COLUMNS = [*ROW_KEY, "status", "reason"]


def planned_rows(monthly: pl.DataFrame, yearly: pl.DataFrame, plan: pl.DataFrame, k: int) -> pl.DataFrame:
    """Every marts row with `planned` (its table is published at its grain) and `suppressed` (the
    primary rule, for planned rows)."""
    frames = [
        rows.with_columns(planned=planned(rows, plan, grain))
        for rows, grain in ((monthly, "monthly"), (yearly, "yearly"))
    ]
    return pl.concat(frames).with_columns(suppressed=primary_hidden(k) & pl.col("planned"))


def without_pooled(rows: pl.DataFrame, pooled: pl.DataFrame) -> pl.DataFrame:
    """`rows` with the fine rows that lie in a pool (transforms.disclosure.grouping) not planned:
    their pool is printed instead."""
    inside = pooled.with_columns(_pooled=pl.lit(True))
    return (
        rows.join(inside, on=list(ROW_KEY), how="left")
        .with_columns(planned=pl.col("planned") & pl.col("_pooled").is_null())
        .with_columns(suppressed=pl.col("suppressed") & pl.col("planned"))
        .drop("_pooled")
    )


def without_aliases(history: History, grouped: pl.DataFrame) -> History:
    """The history as the protection models a release: without the grouped rows that repeat a fine
    row (alias_publication gives them the fine row's status; the fine row is in the history too).
    Kept, they would be cells the protection's model does not have, tied to the fine cells by the
    earlier equations as if they were other figures, and it would withdraw tables to protect them."""
    aliases = grouped.filter(pl.col(ALIAS_COLUMNS[0]).is_not_null()).select(ROW_KEY).unique()
    if not history or aliases.is_empty():
        return history
    return History(history.cells.join(aliases, on=list(ROW_KEY), how="anti"), history.public)


def alias_publication(grouped: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """The status of every grouped row that pools nothing: that of the fine row it repeats (the
    audit and the protection see only the fine row, so one figure is never two cells)."""
    fine = published.select(
        "indicator_id",
        "period",
        "provider_id",
        pl.col("dimension").alias(ALIAS_COLUMNS[0]),
        pl.col("dimension_value").alias(ALIAS_COLUMNS[1]),
        "status",
        "reason",
    )
    aliases = grouped.filter(pl.col(ALIAS_COLUMNS[0]).is_not_null())
    joined = aliases.join(fine, on=["indicator_id", "period", "provider_id", *ALIAS_COLUMNS], how="left")
    twin = pl.col("status").is_not_null()
    return joined.select(
        *ROW_KEY,
        pl.col("status").fill_null("unpublished"),
        pl.when(twin).then(pl.col("reason")).otherwise(pl.lit("plan")).alias("reason"),
    )


def start_cells(rows: pl.DataFrame) -> pl.DataFrame:
    """The audit's cells of the planned release: the primary rule hidden, unplanned rows unprinted."""
    cells = release_cells(rows.drop("planned"))
    unplanned = rows.filter(~pl.col("planned")).select(ROW_KEY).with_columns(_unplanned=pl.lit(True))
    return (
        cells.join(unplanned, on=list(ROW_KEY), how="left")
        .with_columns(
            status=pl.when(pl.col("_unplanned")).then(pl.lit("unprinted")).otherwise(pl.col("status")),
            value=pl.when(pl.col("_unplanned")).then(None).otherwise(pl.col("value")),
        )
        .drop("_unplanned")
    )


def publication(rows: pl.DataFrame, added: pl.DataFrame, withdrawn: pl.DataFrame) -> pl.DataFrame:
    """Per marts row: published | hidden | unpublished, and the reason (plan, primary, protection:
    hidden beside a small count, or its breakdown withdrawn for the period)."""
    protected = added.select(ROW_KEY).unique().with_columns(_added=pl.lit(True))
    gone = withdrawn.select(GROUP_KEY).unique().with_columns(_withdrawn=pl.lit(True))
    marked = (
        rows.join(protected, on=list(ROW_KEY), how="left")
        .join(gone, on=list(GROUP_KEY), how="left")
        .with_columns(pl.col("_added").fill_null(False), pl.col("_withdrawn").fill_null(False))
    )
    status = (
        pl.when(~pl.col("planned") | pl.col("_withdrawn"))
        .then(pl.lit("unpublished"))
        .when(pl.col("suppressed") | pl.col("_added"))
        .then(pl.lit("hidden"))
        .otherwise(pl.lit("published"))
    )
    reason = (
        pl.when(~pl.col("planned"))
        .then(pl.lit("plan"))
        .when(pl.col("_withdrawn"))
        .then(pl.lit("protection"))
        .when(pl.col("suppressed"))
        .then(pl.lit("primary"))
        .when(pl.col("_added"))
        .then(pl.lit("protection"))
        .otherwise(None)
    )
    return marked.select(*ROW_KEY, status=status, reason=reason).sort(list(ROW_KEY))


def _store(
    con: duckdb.DuckDBPyConnection,
    plan: pl.DataFrame,
    published: pl.DataFrame,
    grouped: pl.DataFrame,
    run: ProtectionRun | None,
) -> None:
    con.register("new_plan", plan.to_arrow())
    con.register("new_publication", published.select(PUBLICATION_COLUMNS).to_arrow())
    con.register("new_grouped", grouped.to_arrow())
    try:
        with transaction(con):
            for statement in (*REPLACE_GROUPED, *REPLACE_PLAN, *REPLACE_PUBLICATION):
                con.execute(statement)
            for table in VALUE_TABLES:  # names from the constant above, never from input
                con.execute(UPDATE_SUPPRESSED.format(table=table))
            if run is not None:
                record_run(con, run)
    finally:
        con.unregister("new_plan")
        con.unregister("new_publication")
        con.unregister("new_grouped")


def _with_pass(on_round: Callable[[dict[str, float]], Any], plan_pass: int, progress: dict[str, float]) -> Any:
    return on_round({**progress, "pass": plan_pass})


def protect_warehouse(
    con: duckdb.DuckDBPyConnection,
    k: int,
    *,
    on_round: Callable[[dict[str, float]], Any] | None = None,
    max_seconds: float | None = None,
) -> Protection:
    """Plan and protect the release in the warehouse (see the module); returns the protection
    (its `audit` is the last round's verdict)."""
    monthly = fetch_polars(con, SELECT_MONTHLY)
    yearly = fetch_polars(con, SELECT_YEARLY)
    tables = grouped_tables(yearly, k)
    grouped = grouped_rows(yearly, tables, k)
    public = fetch_polars(con, SELECT_PUBLIC)
    approved = approved_history(con)
    started = time.perf_counter()
    fingerprint = protection_fingerprint(con, (monthly, yearly, public), approved, k, STEP_SETTINGS)
    if reusable(con, fingerprint):  # nothing it depends on changed since it last passed
        return _stored_protection(con, k, grouped.select(yearly.columns), started)
    plan = with_groups(plan_publication(monthly, yearly, k), tables)
    pools_only = grouped.filter(pl.col(ALIAS_COLUMNS[0]).is_null()).select(yearly.columns)
    fine = (monthly, pl.concat([yearly, pools_only]), pooled_fine_rows(grouped))
    history = without_aliases(approved, grouped)  # what earlier releases printed stays known
    budget = protection_budget_seconds() if max_seconds is None else max_seconds
    cache, cut_short = load_block_cache(con), False  # blocks solved before stay solved
    release_cached_pages(con)  # from here on the memory goes to the reader's system
    with shared_workers():  # one pool of solver processes for every round and pass
        for plan_pass in range(PLAN_PASSES):
            if plan_pass and time.perf_counter() - started > budget:
                cut_short = True
                break  # no time for another pass (at tier L the system alone takes a minute to build)
            rows = without_pooled(planned_rows(fine[0], fine[1], plan, k), fine[2])
            cells = start_cells(rows)
            readers = insiders(con, cells)
            probe = plan_pass == 0 and bool(readers)  # the outside reader alone: a third of the time
            protection = protect_release(
                cells,
                public,
                k,
                () if probe else readers,
                max_rounds=MAX_ROUNDS,
                max_seconds=budget - (time.perf_counter() - started),
                on_round=None if on_round is None else partial(_with_pass, on_round, plan_pass + 1),
                exact_stage=False,  # the audit after this step gives the verdict (dq/disclosure_audit)
                give_back_batches=0 if probe else GIVE_BACK_BATCHES,
                give_back_rows=HEADLINE_ROWS,
                cache=cache,
                history=history,
            )
            published = publication(rows, protection.added, protection.withdrawn)
            walls = mostly_hidden(published) if plan_pass < PLAN_PASSES - 1 else set()
            if walls:
                plan = demoted(plan, walls)
            elif not probe:
                break
    protection.out_of_time = not protection.passed and time.perf_counter() - started >= budget
    run = ProtectionRun(
        fingerprint,
        protection.passed,
        complete=not cut_short and not protection.out_of_time,
        rounds=len(protection.rounds),
        rows_hidden=protection.added.height,
        seconds=time.perf_counter() - started,
    )
    _store(con, plan, pl.concat([published, alias_publication(grouped, published)]), grouped.select(yearly.columns), run)  # fmt: skip
    save_block_cache(con, cache)
    protection.blocks = cache.figures
    return protection


def _stored_protection(con: duckdb.DuckDBPyConnection, k: int, grouped: pl.DataFrame, started: float) -> Protection:
    """The publication the last step stored, written again with the flags of the value marts and
    the grouped rows (a rebuilt mart has lost them); no round, no audit."""
    plan, published = stored_publication(con)
    _store(con, plan, published, grouped, None)
    by_protection = published.filter(pl.col("reason") == "protection")
    added = by_protection.filter(pl.col("status") == "hidden").select(*ROW_KEY, round=pl.lit(0))
    withdrawn = by_protection.filter(pl.col("status") == "unpublished").select(*GROUP_KEY, round=pl.lit(0)).unique()
    audit = AuditResult(cells=pl.DataFrame(schema=RESULT_SCHEMA), passed=True, k=k, seconds={"reused": 1.0})
    seconds = time.perf_counter() - started
    return Protection(cells=pl.DataFrame(), added=added, audit=audit, seconds=seconds, withdrawn=withdrawn, reused=True)
