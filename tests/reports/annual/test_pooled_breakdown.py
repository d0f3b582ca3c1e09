"""A breakdown column published with small groups pooled (transforms.disclosure.grouping, e.g.
handovers pending over 30 days by target service): the annual breakdown table keeps its other
columns, and the pooled column becomes a table of its own — kept codes, then "Übrige: …", then the
total — with a note saying why. The fine rows are never shown."""

from __future__ import annotations

from reports.annual.tables import POOLED_NOTE, breakdown_table
from reports.kit.columns import ColumnSpec
from reports.kit.publication import Publication
from tests.reports.annual.test_grouped_gap_matrix import K, YearFigures

PENDING = "handovers_pending_over_30d"
MEDIAN = "handover_delay_median_days"
SPECS = (ColumnSpec(MEDIAN, "Median Wartezeit (Tage)"), ColumnSpec(PENDING, "Seit über 30 Tagen offen"))


def row(indicator: str, dimension: str, value: str, number: float, denominator: int | None = None) -> dict:
    return {
        "indicator_id": indicator,
        "period": "2025",
        "provider_id": "all",
        "dimension": dimension,
        "dimension_value": value,
        "value": float(number),
        "numerator": int(number) if denominator is None else None,
        "denominator": denominator,
        "suppressed": False,
    }


def figures(pooled: bool = True) -> YearFigures:
    rows = [
        row(MEDIAN, "target_service", "wohnen", 21.0, 40),
        row(MEDIAN, "target_service", "kita", 9.0, 30),
        row(MEDIAN, "all", "all", 14.0, 70),
        row(PENDING, "all", "all", 48),
        row(PENDING, "target_service", "kita", 3),  # a fine row: not published
    ]
    if pooled:
        rows += [
            row(PENDING, "target_service_grouped", "wohnen", 12),
            row(PENDING, "target_service_grouped", "psychosozial", 10),
            row(PENDING, "target_service_grouped", "jobcenter+kita+rechtsberatung", 26),
        ]
    unpublished = {(PENDING, "city", "target_service")} | (set() if pooled else {(PENDING, "city", "target_service_grouped")})  # fmt: skip
    return YearFigures(rows, K, Publication(frozenset(unpublished)))


def test_a_pooled_column_is_a_table_of_its_own_with_the_pool_last():
    table = breakdown_table(figures(), SPECS, "target_service", "Alle Zielstellen")
    assert [c.indicator_id for c in table.columns] == [MEDIAN]
    assert table.footnote is None  # nothing left out: the pooled column is shown
    (pooled,) = table.pooled
    assert [c.indicator_id for c in pooled.columns] == [PENDING]
    assert [r.key for r in pooled.rows] == ["psychosozial", "wohnen", "jobcenter+kita+rechtsberatung", "all"]
    assert pooled.rows[2].label == "Übrige: Jobcenter, Kita, Rechtsberatung"
    assert [r.cells[0].text for r in pooled.rows] == ["10", "12", "26", "48"]
    assert pooled.footnote == POOLED_NOTE
    assert all(r.key != "kita" for r in pooled.rows)


def test_without_a_pooled_table_the_column_is_left_out_with_the_note():
    table = breakdown_table(figures(pooled=False), SPECS, "target_service", "Alle Zielstellen")
    assert [c.indicator_id for c in table.columns] == [MEDIAN]
    assert table.pooled == ()
    assert table.footnote is not None


def test_a_year_whose_grouped_table_pools_nothing_prints_the_fine_table():
    rows = [
        row(MEDIAN, "target_service", "wohnen", 21.0, 40),
        row(MEDIAN, "all", "all", 14.0, 70),
        row(PENDING, "all", "all", 22),
        row(PENDING, "target_service", "wohnen", 12),
        row(PENDING, "target_service", "kita", 10),
        row(PENDING, "target_service_grouped", "wohnen", 12),
        row(PENDING, "target_service_grouped", "kita", 10),
    ]
    table = breakdown_table(YearFigures(rows, K, Publication()), SPECS, "target_service", "Alle Zielstellen")
    assert [c.indicator_id for c in table.columns] == [MEDIAN, PENDING]
    assert table.pooled == ()
    assert {r.key: r.cells[1].text for r in table.rows} == {"kita": "10", "wohnen": "12", "all": "22"}
