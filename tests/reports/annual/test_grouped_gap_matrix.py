"""The annual gap matrix when the plan publishes it grouped (transforms.disclosure.grouping): rows
and columns are the kept categories and reasons with the pools last ("Übrige: …"), totals from
the groups over every reason and category, hidden grouped cells as "•", and a note saying that
small categories were pooled. The fine table's rows never appear."""

from __future__ import annotations

from reports.annual.figures import YearFigures
from reports.annual.tables import POOLED_REMARK, gap_matrix
from reports.kit.publication import Publication

K = 5
GROUPED = "category_reason_grouped"
ALL_LEFT = "arbeit+familie+wohnen"
ALL_RIGHT = "kein_angebot+kosten+wartezeit"


def row(dimension: str, value: str, count: int, suppressed: bool = False) -> dict:
    return {
        "indicator_id": "needs_unmet_count",
        "period": "2025",
        "provider_id": "all",
        "dimension": dimension,
        "dimension_value": value,
        "value": float(count),
        "numerator": count,
        "denominator": None,
        "suppressed": suppressed,
    }


def figures() -> YearFigures:
    grouped = {
        "wohnen|kein_angebot": 75,
        "wohnen|kosten+wartezeit": 40,
        "arbeit+familie|kein_angebot": 9,
        "arbeit+familie|kosten+wartezeit": 6,
        f"wohnen|{ALL_RIGHT}": 115,
        f"arbeit+familie|{ALL_RIGHT}": 15,
        f"{ALL_LEFT}|kein_angebot": 84,
        f"{ALL_LEFT}|kosten+wartezeit": 46,
    }
    hidden = {"arbeit+familie|kein_angebot", "arbeit+familie|kosten+wartezeit"}
    rows = [row(GROUPED, value, n, suppressed=value in hidden) for value, n in grouped.items()]
    rows += [row("all", "all", 130), row("category_reason", "wohnen|kosten", 2)]  # a fine row: never shown
    unpublished = Publication(frozenset({("needs_unmet_count", "city", "category_reason")}))
    return YearFigures(rows, K, unpublished)


def test_the_grouped_matrix_has_kept_members_first_and_the_pools_last():
    matrix = gap_matrix(figures(), K)
    assert matrix.note is None and matrix.remark == POOLED_REMARK
    assert [c.indicator_id for c in matrix.columns] == ["kein_angebot", "kosten+wartezeit"]
    assert matrix.columns[1].header.startswith("Übrige: ")
    assert [r.key for r in matrix.rows] == ["wohnen", "arbeit+familie", "all"]
    assert matrix.rows[1].label == "Übrige: Arbeit, Familie"
    texts = {r.key: [cell.text for _, cell in r.cells] for r in matrix.rows}
    assert texts["wohnen"] == ["75", "40", "115"]
    assert texts["arbeit+familie"][0] == texts["arbeit+familie"][1] != "6"  # both hidden: the same sign
    assert texts["arbeit+familie"][2] == "15"
    assert texts["all"] == ["84", "46", "130"]
    assert matrix.hidden_share == 0.5  # 2 of 4 inner cells
    keys = [key for r in matrix.rows for key, _ in r.cells]
    assert "wohnen|kosten" not in keys
