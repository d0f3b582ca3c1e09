"""The annual report's bar charts name the values they leave out in code-list order, whatever
order the codes come in (they come from a set, whose order changes with PYTHONHASHSEED)."""

from __future__ import annotations

from reports.annual.figures import YearFigures
from reports.annual.tables import bar_chart

CATEGORIES = ["sonstiges", "familie", "schule", "ausbildung", "wohnen"]


def _rows() -> list[dict]:
    rows = [
        {"indicator_id": "needs_unmet_share", "period": "2025", "provider_id": "all", "dimension": "all",
         "dimension_value": "all", "value": 0.3, "numerator": 30, "denominator": 100, "suppressed": False}
    ]  # fmt: skip
    for category in CATEGORIES:
        big = category == "wohnen"
        rows.append(
            {"indicator_id": "needs_unmet_share", "period": "2025", "provider_id": "all", "dimension": "category",
             "dimension_value": category, "value": 0.5, "numerator": 20 if big else 1,
             "denominator": 40 if big else 2, "suppressed": not big}
        )  # fmt: skip
    return rows


def _note(codes) -> str | None:
    chart = bar_chart(
        YearFigures(_rows(), 5), "needs_unmet_share", "category", codes,
        chart_id="grafik", title="T", describe=lambda points: "D", axis_label="A",
        value_format=lambda value: str(value), reference_label=None,
    )  # fmt: skip
    return chart.omitted_note


def test_left_out_values_are_named_in_code_list_order_whatever_the_input_order():
    expected = "Ausbildung, Schule, Familie und Sonstiges"
    assert expected in (_note(CATEGORIES) or "")
    assert expected in (_note(list(reversed(CATEGORIES))) or "")
    assert expected in (_note(set(CATEGORIES)) or "")
