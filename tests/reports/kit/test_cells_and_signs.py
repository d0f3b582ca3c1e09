"""Cells and signs (reports/suppression.py): what a stored row is shown as, and which values may
reach a chart."""

from __future__ import annotations

import pytest

from reports.suppression import Kind, display, publishable

K = 5


@pytest.mark.parametrize(
    ("row", "kind", "text", "publishable_value"),
    [
        ({"value": 3, "suppressed": True}, Kind.COUNT, "< 5", None),
        ({"value": 3, "suppressed": False}, Kind.COUNT, "< 5", None),  # safety net
        ({"value": 7, "suppressed": True}, Kind.COUNT, "x", None),
        ({"value": 0, "suppressed": True}, Kind.COUNT, "x", None),
        ({"value": 0, "suppressed": False}, Kind.COUNT, "0", 0.0),
        ({"value": 1234, "suppressed": False}, Kind.COUNT, "1.234", 1234.0),
        ({"value": 0.125, "numerator": 5, "denominator": 40, "suppressed": False}, Kind.SHARE, "12,5 %", 0.125),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": True}, Kind.SHARE, "–", None),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": False}, Kind.SHARE, "–", None),  # safety net
        ({"value": 9.0, "denominator": 3, "suppressed": True}, Kind.DAYS, "–", None),
        ({"value": 12.5, "denominator": 30, "suppressed": True}, Kind.DAYS, "–", None),
        ({"value": 12.5, "denominator": 30, "suppressed": False}, Kind.DAYS, "12,5", 12.5),
        ({"value": None, "suppressed": False}, Kind.COUNT, "k. A.", None),
        (None, Kind.SHARE, "k. A.", None),
    ],
)
def test_display_rules(row, kind, text, publishable_value):
    cell = display(row, kind, K)
    assert cell.text == text
    assert cell.value == publishable_value
    assert str(cell) == text


def test_publishable_drops_hidden_values():
    cells = [
        ("A", display({"value": 10, "suppressed": False}, Kind.COUNT, K)),
        ("B", display({"value": 3, "suppressed": True}, Kind.COUNT, K)),
        ("C", display(None, Kind.COUNT, K)),
    ]
    points, omitted = publishable(cells)
    assert points == [("A", 10.0)]
    assert omitted == ["B"]
