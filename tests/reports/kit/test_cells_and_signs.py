"""Cells and signs (reports/suppression.py): what a stored row is shown as, and which values may
reach a chart."""

from __future__ import annotations

import pytest

from reports.kit.cells import hidden_cell
from reports.kit.text import method_note, omitted_note
from reports.suppression import HIDDEN_NOTE, SIGN_HIDDEN, Kind, display, legend, publishable

K = 5
DOT = "\u2022"


@pytest.mark.parametrize(
    ("row", "kind", "text", "publishable_value"),
    [
        ({"value": 3, "suppressed": True}, Kind.COUNT, DOT, None),
        ({"value": 3, "suppressed": False}, Kind.COUNT, DOT, None),  # safety net
        ({"value": 7, "suppressed": True}, Kind.COUNT, DOT, None),
        ({"value": 0, "suppressed": True}, Kind.COUNT, DOT, None),
        ({"value": 0, "suppressed": False}, Kind.COUNT, "0", 0.0),
        ({"value": 1234, "suppressed": False}, Kind.COUNT, "1.234", 1234.0),
        ({"value": 0.125, "numerator": 5, "denominator": 40, "suppressed": False}, Kind.SHARE, "12,5 %", 0.125),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": True}, Kind.SHARE, DOT, None),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": False}, Kind.SHARE, DOT, None),  # safety net
        ({"value": 9.0, "denominator": 3, "suppressed": True}, Kind.DAYS, DOT, None),
        ({"value": 12.5, "denominator": 30, "suppressed": True}, Kind.DAYS, DOT, None),
        ({"value": 2.0, "numerator": 3, "denominator": None, "suppressed": False}, Kind.RATIO, DOT, None),  # safety net
        ({"value": 900.0, "numerator": 1, "denominator": 4, "suppressed": False}, Kind.MONEY_PER_CASE, DOT, None),
        ({"value": 12.5, "denominator": 30, "suppressed": False}, Kind.DAYS, "12,5", 12.5),
        ({"value": None, "suppressed": False}, Kind.COUNT, "k. A.", None),
        (None, Kind.SHARE, "k. A.", None),
        # a share over zero cases is stored without a value: it does not exist, it is not hidden
        ({"value": None, "numerator": 0, "denominator": 0, "suppressed": True}, Kind.SHARE, "k. A.", None),
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


# Every way a figure can be hidden (design §6): primary or secondary, flagged or caught by the
# safety net, a count of any size, a share, a median, a ratio, a cost per case, and the cells a
# report hides on its own account. They must be indistinguishable: same text, status, CSS class
# and note, so that the sign tells nothing about the size of the cell or the reason.
HIDDEN_ROWS = {
    "count 2, flagged (primary)": ({"value": 2, "suppressed": True}, Kind.COUNT),
    "count 2, unflagged (safety net)": ({"value": 2, "suppressed": False}, Kind.COUNT),
    "count 40, flagged (secondary)": ({"value": 40, "suppressed": True}, Kind.COUNT),
    "count 0, flagged (secondary)": ({"value": 0, "suppressed": True}, Kind.COUNT),
    "share, base 3": ({"value": 1 / 3, "numerator": 1, "denominator": 3, "suppressed": True}, Kind.SHARE),
    "share, base 200, flagged": ({"value": 0.25, "numerator": 50, "denominator": 200, "suppressed": True}, Kind.SHARE),
    "median, base 2": ({"value": 14.0, "denominator": 2, "suppressed": False}, Kind.DAYS),
    "ratio, numerator 4": ({"value": 1.3, "numerator": 4, "suppressed": False}, Kind.RATIO),
    "cost per case, base 1": (
        {"value": 4000.0, "numerator": 1, "denominator": 1, "suppressed": False},
        Kind.MONEY_PER_CASE,
    ),
}


def test_every_hidden_figure_looks_the_same():
    cells = {name: display(row, kind, K) for name, (row, kind) in HIDDEN_ROWS.items()}
    cells["a report's own hidden cell"] = hidden_cell()
    looks = {(c.text, c.status, c.css_class, c.note, c.value, c.hidden) for c in cells.values()}
    assert looks == {(DOT, "hidden", "cell-hidden", HIDDEN_NOTE, None, True)}, cells
    assert SIGN_HIDDEN == DOT


def test_hidden_count_2_secondary_40_and_hidden_share_render_identically():
    """The example of the audit: "< 5" told the reader 1…4, "x" told ≥ 5."""
    small = display({"value": 2, "suppressed": True}, Kind.COUNT, K)
    large = display({"value": 40, "suppressed": True}, Kind.COUNT, K)
    share = display({"value": 0.4, "numerator": 2, "denominator": 5, "suppressed": True}, Kind.SHARE, K)
    assert small == large == share


def test_the_hidden_note_tells_neither_size_nor_reason():
    for k in (3, 5, 10):
        note = display({"value": 1, "suppressed": False}, Kind.COUNT, k).note
        assert note == HIDDEN_NOTE
        assert not any(ch.isdigit() for ch in note), note
        for word in ("weniger", "zwischen", "gesperrt", "Sperr", "sekundär", "zu klein", "zu wenige", "Schutz anderer"):
            assert word.lower() not in note.lower(), (word, note)


def test_zero_and_missing_stay_distinct_from_hidden():
    zero = display({"value": 0, "suppressed": False}, Kind.COUNT, K)
    missing = display(None, Kind.COUNT, K)
    hidden = display({"value": 2, "suppressed": True}, Kind.COUNT, K)
    assert (zero.text, zero.status, zero.css_class) == ("0", "zero", "cell-zero")
    assert (missing.text, missing.status, missing.css_class) == ("k. A.", "missing", "cell-missing")
    assert len({zero.text, missing.text, hidden.text}) == 3
    assert not zero.hidden and not missing.hidden


def test_legend_has_exactly_one_sign_for_hidden_figures():
    signs = [sign for sign, _ in legend()]
    assert signs == [DOT, "0", "k. A."]
    texts = dict(legend())
    assert texts[DOT] == "Zahlenwert unbekannt oder geheim zu halten"
    assert texts["0"] == "genau null"
    assert texts["k. A."].startswith("keine Angabe")
    for old in ("< ", "x", "–"):
        assert old not in signs


def test_method_note_states_the_rules_without_a_reason_per_cell():
    text = " ".join(method_note(K))
    assert "weniger als 5 Personen oder Fälle" in text
    assert "Summen, anderen Tabellen, anderen Monaten, Anteilen oder anderen Berichten" in text
    assert f"dasselbe Zeichen „{DOT}“, gleich aus welchem Grund" in text
    assert "mindestens 5" in text and "Vor jeder Veröffentlichung" in text
    assert "mindestens 10" in " ".join(method_note(10))
    for old in ("< 5", "&lt;", "zwischen 1 und", "gesperrt", "sekundär"):
        assert old not in text


def test_chart_note_names_what_is_left_out_but_not_why():
    note = omitted_note(["Kita", "Schule"])
    assert note is not None and note.startswith("Aus Datenschutzgründen nicht dargestellt: Kita und Schule.")
    for word in ("zu wenige", "zu klein", "gesperrt", "weniger als"):
        assert word not in note
    assert omitted_note([]) is None
