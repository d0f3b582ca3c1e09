"""The indicator specs (transforms/indicators/specs/*.yaml): the loader refuses what does not follow
the format, every spec has its SQL and every SQL file a spec, `reads` says what the SQL reads, the
relations name existing figures, and everything derived from the specs (registry, labels, display
kinds, docs/indicators.md) is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from reports import labels
from reports.suppression import INDICATOR_KIND, Kind, indicator_kind
from tests.transforms.indicators.conftest import marts_columns
from transforms.indicators import INDICATORS, INDICATORS_BY_ID, KINDS, SHARED_OBSERVATIONS, indicator_registry
from transforms.indicators.docs import render
from transforms.indicators.registry import SPEC_DIR, SQL_DIR
from transforms.indicators.spec import PUBLIC_QUANTITIES, SpecError, load_specs, parse_spec

ROOT = Path(__file__).resolve().parents[3]


def _raw(indicator_id: str = "cm_continuity_share") -> dict:
    return yaml.safe_load((SPEC_DIR / f"{indicator_id}.yaml").read_text(encoding="utf-8"))


def _sql(indicator_id: str) -> str:
    """The indicator's SQL and that of the shared observation views it uses, without comments."""
    sql = (SQL_DIR / INDICATORS_BY_ID[indicator_id].sql).read_text(encoding="utf-8")
    for name in SHARED_OBSERVATIONS:
        if re.search(rf"\b{name}\b", sql):
            sql += (SQL_DIR / f"observations_{name}.sql").read_text(encoding="utf-8")
    return re.sub(r"--[^\n]*", "", sql)


# ---------------------------------------------------------------------------------------------
# The loader


def test_a_spec_round_trips_through_the_loader():
    assert parse_spec(_raw(), "cm_continuity_share.yaml") == INDICATORS_BY_ID["cm_continuity_share"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw.update(colour="blue"), r"unknown key\(s\) \['colour'\]"),
        (lambda raw: raw.pop("label"), r"missing key\(s\) \['label'\]"),
        (lambda raw: raw.update(kind="mean"), "'mean' is not one of"),
        (lambda raw: raw["definition"].pop("yearly"), r"definition: missing key\(s\) \['yearly'\]"),
        (lambda raw: raw.update(reads=["fct_cases.closed_on"]), "not marts.<table>.<column>"),
        (lambda raw: raw["relations"][1].update(type="similar"), r"relations\[1\].type"),
        (lambda raw: raw["relations"][1]["left"].update(colum="value"), r"unknown key\(s\) \['colum'\]"),
        (lambda raw: raw["examples"][0]["expected"].append([1, 2]), "expected rows of"),
        (lambda raw: raw["adds_up"].update(over=["districts"]), "'districts' is not one of"),
        (lambda raw: raw["shown_in"][0].update(table="gap_matrix"), r"shown_in\[0\]: table 'gap_matrix' is not"),
        (lambda raw: raw["shown_in"][0].update(position=0), r"shown_in\[0\]: position must be"),
        (lambda raw: raw["shown_in"][0].update(colour="red"), r"shown_in\[0\]: unknown key"),
    ],
)
def test_the_loader_fails_loudly_with_the_file_name(change, message):
    raw = _raw()
    change(raw)
    with pytest.raises(SpecError, match=message) as error:
        parse_spec(raw, "cm_continuity_share.yaml")
    assert str(error.value).startswith("cm_continuity_share.yaml")


def test_the_set_of_specs_is_checked_together(tmp_path):
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    (sql_dir / "cm_continuity_share.sql").write_text("SELECT 1")
    raw = _raw()
    (tmp_path / "cm_continuity_share.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(SpecError, match=r"unknown indicator\(s\) \['cases_closed'\]"):
        load_specs(tmp_path, sql_dir)
    raw["relations"] = raw["relations"][:1]
    (tmp_path / "cm_continuity_share.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    assert [spec.id for spec in load_specs(tmp_path, sql_dir)] == ["cm_continuity_share"]
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(SpecError, match=r"other\.yaml: id 'cm_continuity_share' differs from the file name"):
        load_specs(tmp_path, sql_dir)


# ---------------------------------------------------------------------------------------------
# Specs, SQL files and the marts they read


def test_every_spec_has_its_sql_file_and_every_sql_file_a_spec():
    sql_files = {path.name for path in SQL_DIR.glob("*.sql")}
    expected = {spec.sql for spec in INDICATORS} | {f"observations_{name}.sql" for name in SHARED_OBSERVATIONS}
    assert sql_files == expected
    assert {path.stem for path in SPEC_DIR.glob("*.yaml")} == set(INDICATORS_BY_ID)


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_reads_names_the_marts_columns_the_sql_reads(facts_db, indicator):
    sql = _sql(indicator.id)
    tables = set(re.findall(r"\bmarts\.([a-z_]+)", sql))
    assert {table.removeprefix("marts.") for table in indicator.read_tables} == tables
    columns = marts_columns(facts_db)
    for read in indicator.reads:
        _, table, column = read.split(".")
        assert column in columns[table], f"{read}: no such column"
        assert re.search(rf"\b{column}\b", sql), f"{read}: the SQL does not mention {column}"


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_relations_name_existing_figures(indicator):
    for relation in indicator.relations:
        for term in relation.terms():
            if term.public:
                assert term.public in PUBLIC_QUANTITIES
                continue
            other = INDICATORS_BY_ID[term.indicator]
            if term.dimension:
                assert term.dimension in other.breakdowns, (relation.about, term)
            if relation.cells == "matching" and term.dimension is None:
                # a cell of the left side exists on this side too
                assert set(INDICATORS_BY_ID[relation.left.indicator].breakdowns) <= set(other.breakdowns)
    if indicator.hidden_with:
        assert INDICATORS_BY_ID[indicator.hidden_with].kind == "count"
    assert ("months" in indicator.adds_up.over) == (indicator.time == "flow" and bool(indicator.adds_up.columns))


# ---------------------------------------------------------------------------------------------
# What is derived from the specs


def test_the_registry_keeps_its_order_and_content():
    assert [i.id for i in INDICATORS][:4] == ["cases_active", "persons_active", "cases_new", "cases_closed"]
    assert [i.order for i in INDICATORS] == sorted(i.order for i in INDICATORS)
    assert KINDS["cost_per_closed_case"] == "per_case"
    registry = indicator_registry()
    assert registry.columns == ["indicator_id", "kind", "unit", "breakdowns", "description", "source"]
    assert registry.row(2) == (
        "cases_new",
        "count",
        "cases",
        "residence_status, referral_source, district",
        "Cases opened in the month.",
        "design §5",
    )


def test_labels_and_definitions_come_from_the_specs():
    assert list(labels.INDICATOR)[:4] == ["cases_active", "cases_new", "cases_closed", "persons_active"]
    spec = INDICATORS_BY_ID["cm_continuity_share"]
    assert labels.INDICATOR["cm_continuity_share"] == spec.label
    assert labels.INDICATOR_DEFINITION["cm_continuity_share"] == spec.definition
    assert "im Berichtsjahr" in labels.INDICATOR_DEFINITION_YEARLY["cm_continuity_share"]
    assert set(labels.INDICATOR) == set(labels.INDICATOR_DEFINITION) == set(INDICATORS_BY_ID)


def test_display_kinds_come_from_the_specs_and_unknown_ids_are_an_error():
    assert set(INDICATOR_KIND) == set(INDICATORS_BY_ID)
    assert indicator_kind("budget_funding_coverage_share") is Kind.MONEY_SHARE
    assert indicator_kind("handover_delay_p90_days") is Kind.DAYS
    with pytest.raises(KeyError, match="no indicator spec"):
        indicator_kind("cases_reopened_share")


def test_docs_indicators_md_is_generated_from_the_specs():
    current = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert current == render(), "docs/indicators.md is stale: python -m transforms.indicators.docs > docs/indicators.md"


# ---------------------------------------------------------------------------------------------
# Where the reports show an indicator (shown_in)


def test_the_report_tables_are_derived_from_the_specs():
    from reports.kit import columns

    monthly_handovers = [(c.indicator_id, c.header, c.always) for c in columns.MONTHLY_HANDOVERS]
    expected = [
        (spec.id, spec.label, place.always)
        for spec in INDICATORS
        for place in sorted(spec.shown_in, key=lambda place: place.position)
        if place.table == "monthly.handovers"
    ]
    assert sorted(monthly_handovers) == sorted(expected)
    assert monthly_handovers[0] == ("handover_delay_median_days", "Median Wartezeit Übergabe (Tage)", True)
    every_table = {place.table for spec in INDICATORS for place in spec.shown_in}
    assert every_table == set(columns.TABLES)


def test_every_indicator_has_one_label_in_every_table():
    """Issue 19: one indicator appeared under three names. Every column of every report table is
    headed by the indicator's one label, and a spec cannot give a table its own header."""
    from reports.kit import columns

    labels = {spec.id: spec.label for spec in INDICATORS}
    headers = {(c.indicator_id, c.header) for table in columns.TABLES for c in columns.columns(table)}
    assert headers == {(indicator_id, labels[indicator_id]) for indicator_id, _ in headers}
    assert not any("Kaplan-Meier" in label for label in labels.values())  # the method, not a name


def test_a_spec_giving_a_table_its_own_header_is_refused(tmp_path):
    raw = _raw("cases_closed")
    raw["shown_in"] = [{"table": "monthly.closing", "position": 1, "header": "Abschlüsse"}]
    with pytest.raises(SpecError, match="one German label"):
        parse_spec(raw, "cases_closed.yaml")


def test_two_specs_cannot_take_the_same_place_in_a_table(tmp_path):
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    for indicator_id in ("cases_closed", "cm_continuity_share"):
        raw = _raw(indicator_id)
        raw["relations"] = []
        raw["shown_in"] = [{"table": "monthly.closing", "position": 1}]
        (sql_dir / f"{indicator_id}.sql").write_text("SELECT 1")
        (tmp_path / f"{indicator_id}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(SpecError, match=r"shown_in positions \[\('monthly.closing', 1\)\]"):
        load_specs(tmp_path, sql_dir)
