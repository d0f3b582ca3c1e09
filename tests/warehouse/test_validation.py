"""The validation contract: for every expectation of every table's suite, a passing and a failing
fixture (the failing one made from the passing one by breaking exactly that rule); the SQL checks;
and the history of results."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from checks.contract import contract_rules
from kim.contract import TABLES
from synthetic import generate
from warehouse.load import ingest_landing
from warehouse.migrate import connect
from warehouse.models import build_staging
from warehouse.validation import (
    record_outcomes,
    reference_outcomes,
    shift_outcomes,
    validate_rows,
    validate_rows_sql,
    validate_staging,
)

END = "2026-10"
EXPORT_DATE = date(2026, 11, 5)


@pytest.fixture(scope="module")
def staged(tmp_path_factory, config):
    root = tmp_path_factory.mktemp("validation")
    generate(config, root / "landing", months=2, seed=21, total_cases=300, end_period=END)
    con = connect(root / "w.duckdb")
    ingest_landing(con, root / "landing", config, "k")
    build_staging(con)
    yield con
    con.close()


def delivery_rows(con, table: str) -> pd.DataFrame:
    """One current delivery's rows of a staging table, as the suite sees them."""
    provider = "abh" if table == "status_changes" else "caritas"
    return con.execute(
        f"SELECT * EXCLUDE (delivery_id, provider_id, source_row) FROM staging.{table} "
        "WHERE provider_id = ? ORDER BY source_row",
        [provider],
    ).df()


def first_row(rows: pd.DataFrame, condition: str | None) -> int:
    matching = rows.query(condition) if condition else rows
    return matching.index[0]


# Rows where a required-iff column must be set (pandas query), to pick a row to break.
MUST_BE_SET = {
    ("cases", "closing_reason"): "closed_on.notnull()",
    ("needs", "resolved_on"): "status in ['gedeckt', 'nicht_gedeckt']",
    ("needs", "unmet_reason"): "status == 'nicht_gedeckt'",
}


def required_iff_condition(table: str, column: str, kind: str) -> str:
    condition = MUST_BE_SET[(table, column)]
    return condition if kind == "expect_column_values_to_not_be_null" else f"not ({condition})"


def break_rule(rows: pd.DataFrame, table: str, expectation) -> pd.DataFrame:
    """A copy of `rows` in which exactly this expectation's rule is broken (on one row)."""
    broken = rows.copy()
    configuration = expectation.configuration
    kind, kwargs = configuration.type, configuration.kwargs
    column = kwargs.get("column")
    condition = required_iff_condition(table, column, kind) if kwargs.get("row_condition") else None
    if kind == "expect_column_values_to_be_unique":
        broken.loc[broken.index[1], column] = broken.loc[broken.index[0], column]
    elif kind == "expect_compound_columns_to_be_unique":
        for name in kwargs["column_list"]:
            broken.loc[broken.index[1], name] = broken.loc[broken.index[0], name]
    elif kind == "expect_column_values_to_not_be_null":
        broken.loc[first_row(rows, condition), column] = None
    elif kind == "expect_column_values_to_be_null":
        sample = rows[column].dropna().iloc[0] if rows[column].notna().any() else "kein_angebot"
        broken.loc[first_row(rows, condition), column] = sample
    elif kind == "expect_column_values_to_match_regex":
        broken.loc[first_row(rows, f"{column}.notnull()"), column] = "Not A Pseudonym"
    elif kind == "expect_column_values_to_be_in_type_list":
        broken[column] = broken[column].astype(str)
    elif kind == "expect_column_values_to_be_between":
        too_late = (
            pd.Timestamp(EXPORT_DATE + timedelta(days=1)) if str(rows[column].dtype).startswith("datetime") else 99_999
        )
        broken.loc[first_row(rows, f"{column}.notnull()"), column] = too_late
    elif kind == "expect_column_values_to_be_in_set":
        broken.loc[first_row(rows, f"{column}.notnull()"), column] = "gibt_es_nicht"
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs["column_A"], kwargs["column_B"]
        index = first_row(rows, f"{a}.notnull() and {b}.notnull()")
        broken.loc[index, a] = rows.loc[index, b] - pd.Timedelta(days=1)
    else:
        raise AssertionError(f"no fixture for {kind}: add one")
    return broken


CASES = [(table, index) for table in TABLES for index, _ in enumerate(contract_rules(table, EXPORT_DATE))]


@pytest.mark.parametrize(("table", "index"), CASES, ids=[f"{t}-{i}" for t, i in CASES])
def test_every_expectation_passes_good_rows_and_fails_broken_ones(staged, table, index):
    rows = delivery_rows(staged, table)
    rule = contract_rules(table, EXPORT_DATE)[index]
    description = rule.description_de

    def outcome_of(frame):
        (outcome,) = validate_rows(frame, table, "d", "p", EXPORT_DATE, rules=[rule])
        assert outcome.description == description
        # the same rule as DuckDB SQL (kim check) gives the same verdict, counts and sample keys
        (in_sql,) = sql_outcomes(frame, table, rule)
        assert (in_sql.expectation, in_sql.column, in_sql.description, in_sql.success) == (
            outcome.expectation,
            outcome.column,
            outcome.description,
            outcome.success,
        )
        if outcome.unexpected_count is not None:
            assert (in_sql.unexpected_count, in_sql.element_count) == (outcome.unexpected_count, outcome.element_count)
            assert sorted(in_sql.sample_keys) == sorted(outcome.sample_keys)
        return outcome

    assert outcome_of(rows).success, description
    failed = outcome_of(break_rule(rows, table, rule.expectation))
    assert not failed.success, description
    if failed.unexpected_count is not None and "unique" not in failed.expectation:
        assert failed.unexpected_count == 1


def sql_outcomes(frame: pd.DataFrame, table: str, rule) -> list:
    con = duckdb.connect()
    try:
        con.register("delivery_rows", frame)
        return validate_rows_sql(con, "delivery_rows", table, "d", "p", EXPORT_DATE, rules=[rule])
    finally:
        con.close()


def test_references_between_tables_are_checked(staged):
    assert all(o.success for o in reference_outcomes(staged, "needs"))
    staged.execute("CREATE TEMP TABLE saved AS SELECT * FROM staging.needs")
    try:
        staged.execute(
            "UPDATE staging.needs SET case_id = 'ffffffffffffffffffffffffffffffff' "
            "WHERE need_id = (SELECT min(need_id) FROM staging.needs WHERE provider_id = 'awo')"
        )
        failed = [o for o in reference_outcomes(staged, "needs") if not o.success]
        assert [(o.provider_id, o.expectation, o.unexpected_count) for o in failed] == [("awo", "reference_exists", 1)]
        assert len(failed[0].sample_keys) == 1
    finally:
        staged.execute("DELETE FROM staging.needs; INSERT INTO staging.needs SELECT * FROM saved; DROP TABLE saved")


def test_a_sudden_drop_in_rows_warns(staged):
    assert all(o.success for o in shift_outcomes(staged, "contacts") if o.expectation == "row_count_not_dropping")
    current = staged.execute(
        "SELECT delivery_id FROM staging.current_deliveries WHERE provider_id = 'stadt'"
    ).fetchall()[0][0]
    staged.execute("CREATE TEMP TABLE saved AS SELECT * FROM raw.contacts WHERE delivery_id = ?", [current])
    try:
        staged.execute("DELETE FROM raw.contacts WHERE delivery_id = ? AND source_row % 2 = 0", [current])
        warned = [o for o in shift_outcomes(staged, "contacts") if not o.success]
        assert [(o.provider_id, o.severity, o.expectation) for o in warned] == [
            ("stadt", "warning", "row_count_not_dropping")
        ]
    finally:
        staged.execute("DELETE FROM raw.contacts WHERE delivery_id = ?", [current])
        staged.execute("INSERT INTO raw.contacts SELECT * FROM saved; DROP TABLE saved")


def test_results_are_kept_once_per_state_of_the_data(staged):
    from warehouse.validation import validate_staging

    count = "SELECT count(*) FROM dq.check_results"
    before = staged.execute(count).fetchall()[0][0]
    outcomes = validate_staging(staged, "assignments")
    record_outcomes(staged, outcomes)
    after_first = staged.execute(count).fetchall()[0][0]
    assert after_first == before + len(outcomes)
    record_outcomes(staged, validate_staging(staged, "assignments"))
    assert staged.execute(count).fetchall()[0][0] == after_first
    stored = staged.execute(
        "SELECT provider_id, table_name, severity, success, description FROM dq.check_results "
        "WHERE expectation = 'expect_column_values_to_not_be_null' AND column_name = 'case_id' ORDER BY provider_id"
    ).fetchall()
    assert [row[0] for row in stored] == ["awo", "caritas", "diakonie", "drk", "stadt"]
    assert stored[0][1:] == ("staging.assignments", "error", True, "Pflichtfeld case_id ist gefüllt")


def test_unchanged_deliveries_reuse_their_recorded_outcomes_and_changed_ones_are_checked_again(staged, monkeypatch):
    """A new delivery of one provider must not re-run the GX suite of every other current delivery
    (issue 8, incremental run); a delivery whose rows changed is checked again."""
    import warehouse.validation as validation

    first = validation.validate_staging(staged, "assignments")
    validation.record_outcomes(staged, first)
    suite_runs = []
    real_validate_deliveries = validation.validate_deliveries
    monkeypatch.setattr(
        validation,
        "validate_deliveries",
        lambda rows, table, deliveries, *args: (
            suite_runs.extend(d for d, _, _ in deliveries) or real_validate_deliveries(rows, table, deliveries, *args)
        ),
    )
    again = validation.validate_staging(staged, "assignments")
    assert suite_runs == []
    key = lambda o: (o.delivery_id, o.expectation, o.column or "", o.success, o.unexpected_count)  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, first))

    current = staged.execute(
        "SELECT delivery_id FROM staging.current_deliveries WHERE provider_id = 'caritas'"
    ).fetchall()[0][0]
    staged.execute("CREATE TEMP TABLE saved AS SELECT * FROM staging.assignments WHERE delivery_id = ?", [current])
    try:
        staged.execute(
            "UPDATE staging.assignments SET case_id = NULL WHERE delivery_id = ? AND source_row = 2", [current]
        )
        changed = validation.validate_staging(staged, "assignments")
        assert suite_runs == [current]
        assert any(o.provider_id == "caritas" and o.column == "case_id" and not o.success for o in changed)
    finally:
        staged.execute("DELETE FROM staging.assignments WHERE delivery_id = ?", [current])
        staged.execute("INSERT INTO staging.assignments SELECT * FROM saved; DROP TABLE saved")


def test_a_jumping_code_share_warns(staged):
    def code_share_warnings():
        return [o for o in shift_outcomes(staged, "contacts") if o.expectation == "code_share_stable" and not o.success]

    assert code_share_warnings() == []
    current = staged.execute(
        "SELECT delivery_id FROM staging.current_deliveries WHERE provider_id = 'caritas'"
    ).fetchall()[0][0]
    staged.execute("CREATE TEMP TABLE saved AS SELECT * FROM raw.contacts WHERE delivery_id = ?", [current])
    try:
        staged.execute("UPDATE raw.contacts SET channel = 'video' WHERE delivery_id = ?", [current])
        (warning,) = code_share_warnings()
        assert (warning.provider_id, warning.column, warning.severity) == ("caritas", "channel", "warning")
        assert warning.observed_value.startswith("video: ") and warning.observed_value.endswith("-> 100%")
    finally:
        staged.execute("DELETE FROM raw.contacts WHERE delivery_id = ?", [current])
        staged.execute("INSERT INTO raw.contacts SELECT * FROM saved; DROP TABLE saved")


def _comparable(outcomes) -> list[tuple]:
    return sorted(
        (
            o.delivery_id,
            o.provider_id,
            o.suite_name,
            o.expectation,
            o.column or "",
            o.success,
            o.unexpected_count,
            o.element_count,
        )
        for o in outcomes
        if o.expectation != "expect_column_values_to_be_in_type_list"  # GX reports a pandas dtype: success only
    )


BATCHES = ("batch", "gx_batch")


def _samples(outcomes, engine: str) -> list[tuple]:
    """Each outcome's sample keys: in GX's order for the GX batch, for SQL in no particular order."""

    def keys(outcome) -> list[str]:
        return outcome.sample_keys if engine != "batch" else sorted(outcome.sample_keys)

    return sorted((o.delivery_id, o.expectation, o.column or "", o.description, keys(o)) for o in outcomes)


def test_the_batches_over_all_deliveries_give_the_gx_suites_outcomes(staged):
    """Issue 17: the contract runs over every pending delivery of a table at once, as one SQL query
    per rule (from GX_MAX_DELIVERIES deliveries on, tier L) or as one GX suite run (below). Per
    delivery and rule both give what one GX suite per delivery gives (sample keys included), on
    clean rows and after breaking rules in three deliveries: a value outside the code list, a key
    repeated within a delivery and one repeated across two deliveries (no duplicate: each
    delivery's keys are its own), a reason where the status forbids one, a date after the export
    (the rule's bound is the delivery's own export date), a missing status, a delivery without keys."""
    # outcomes recorded by other tests would be reused instead of computed: set them aside
    staged.execute("CREATE TEMP TABLE needs_saved AS SELECT * FROM staging.needs")
    staged.execute("CREATE TEMP TABLE results_saved AS SELECT * FROM dq.check_results")
    staged.execute("DELETE FROM dq.check_results")
    try:
        for table in TABLES:
            reference = validate_staging(staged, table, engine="gx")
            for engine in BATCHES:
                assert _comparable(validate_staging(staged, table, engine=engine)) == _comparable(reference), (
                    table,
                    engine,
                )
        staged.execute(
            "UPDATE staging.needs SET category = 'gibt_es_nicht' WHERE provider_id = 'caritas' AND source_row IN (2, 3)"
        )
        staged.execute(
            "UPDATE staging.needs SET need_id = (SELECT min(need_id) FROM staging.needs WHERE provider_id = 'awo') "
            "WHERE provider_id = 'awo' AND source_row = 4"
        )
        staged.execute(
            "UPDATE staging.needs SET need_id = (SELECT min(need_id) FROM staging.needs WHERE provider_id = 'awo') "
            "WHERE provider_id = 'drk' AND source_row = 2"
        )
        staged.execute(
            "UPDATE staging.needs SET unmet_reason = 'kein_angebot', identified_on = DATE '2027-01-01' "
            "WHERE provider_id = 'diakonie' AND source_row = 3 AND status <> 'nicht_gedeckt'"
        )
        # a missing status: not in the terminal statuses as GX reads it, so resolved_on must be empty there
        staged.execute("UPDATE staging.needs SET status = NULL WHERE provider_id = 'stadt' AND source_row = 2")
        # a delivery without any key: not-null fails without sample keys (a missing key identifies no
        # row; GX lists it as 'None' alone and as 'nan' in a batch), uniqueness ignores the rows
        stadt_rows = staged.execute("SELECT count(*) FROM staging.needs WHERE provider_id = 'stadt'").fetchall()[0][0]
        staged.execute("UPDATE staging.needs SET need_id = NULL WHERE provider_id = 'stadt'")
        gx = validate_staging(staged, "needs", engine="gx")
        for engine in BATCHES:
            batch = validate_staging(staged, "needs", engine=engine)
            assert _comparable(batch) == _comparable(gx), engine
            assert _samples(batch, engine) == _samples(gx, engine), engine
        failed = {(o.provider_id, o.expectation, o.unexpected_count) for o in gx if not o.success}
        assert ("caritas", "expect_column_values_to_be_in_set", 2) in failed
        assert ("awo", "expect_column_values_to_be_unique", 2) in failed
        assert ("diakonie", "expect_column_values_to_be_null", 1) in failed
        assert ("diakonie", "expect_column_values_to_be_between", 1) in failed
        assert not [o for o in gx if o.provider_id == "drk" and not o.success]
        assert ("stadt", "expect_column_values_to_not_be_null", stadt_rows) in failed
        assert not [o.sample_keys for o in gx if o.provider_id == "stadt" and o.sample_keys]
        assert not [o for o in gx if o.provider_id == "stadt" and "unique" in o.expectation and not o.success]
    finally:
        staged.execute("DELETE FROM staging.needs")
        staged.execute("INSERT INTO staging.needs SELECT * FROM needs_saved")
        staged.execute("INSERT INTO dq.check_results SELECT * FROM results_saved")
        staged.execute("DROP TABLE needs_saved")
        staged.execute("DROP TABLE results_saved")


def test_the_gx_batch_stops_at_its_row_limit_and_gives_the_same_outcomes(staged, monkeypatch):
    """GX_BATCH_ROWS bounds the frame of one GX suite run; a delivery is never split."""
    import warehouse.validation as validation

    staged.execute("CREATE TEMP TABLE results_saved AS SELECT * FROM dq.check_results")
    staged.execute("DELETE FROM dq.check_results")
    runs: list[tuple[int, int]] = []
    real_validate_deliveries = validation.validate_deliveries
    monkeypatch.setattr(
        validation,
        "validate_deliveries",
        lambda rows, table, batch: runs.append((len(rows), len(batch))) or real_validate_deliveries(rows, table, batch),
    )
    try:
        whole = validate_staging(staged, "needs", engine="gx_batch")
        sizes = [n for (n,) in staged.execute("SELECT count(*) FROM staging.needs GROUP BY delivery_id").fetchall()]
        assert runs == [(sum(sizes), len(sizes))] and len(sizes) == 5  # every provider but abh has needs
        limit = 2 * max(sizes)  # two deliveries at most
        runs.clear()
        monkeypatch.setattr(validation, "GX_BATCH_ROWS", limit)
        split = validate_staging(staged, "needs", engine="gx_batch")
        assert sum(deliveries for _, deliveries in runs) == 5 and 1 < len(runs) < 5, runs
        assert all(rows <= limit for rows, _ in runs)
        assert _comparable(split) == _comparable(whole) and _samples(split, "gx_batch") == _samples(whole, "gx_batch")
    finally:
        staged.execute("INSERT INTO dq.check_results SELECT * FROM results_saved")
        staged.execute("DROP TABLE results_saved")
