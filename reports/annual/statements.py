"""The annual report's summary in a few plain sentences, only from publishable figures."""

from __future__ import annotations

from reports import labels
from reports.annual.figures import YearFigures, change_text, shown
from reports.kit.figures import sorted_breakdown
from reports.kit.text import join_labels


def statements(
    figures: YearFigures,
    previous: YearFigures | None,
    *,
    city: str,
    span: str,
    year: str,
    prev_year: str,
    complete: bool,
) -> list[str]:
    """The year's story in a few plain sentences, only from publishable figures."""
    return (
        _reach(figures, previous, city=city, span=span, year=year, complete=complete)
        + _process(figures)
        + _needs_and_budget(figures)
    )


def _reach(
    figures: YearFigures, previous: YearFigures | None, *, city: str, span: str, year: str, complete: bool
) -> list[str]:
    """Cases and persons, new and closed cases, the focus group; each with the previous year."""
    out: list[str] = []
    c = figures.cell

    def prev_note(indicator_id: str) -> str:
        if previous is None or not previous.has(indicator_id):
            return ""
        cur, prev = c(indicator_id), previous.cell(indicator_id)
        change = change_text(cur, prev, indicator_id)
        if not shown(prev) or change is None:
            return ""
        return f" (Vorjahr: {prev.text}; {change})"

    period = f"im Jahr {year}" if complete else f"von {span}"
    active, persons = c("cases_active"), c("persons_active")
    if shown(active):
        text = (
            f"{period[0].upper() + period[1:]} begleitete das Kommunale "
            f"Integrationsmanagement in {city} {active.text} Fälle"
            f"{prev_note('cases_active')}"
        )
        if shown(persons):
            text += f"; dahinter stehen {persons.text} Personen"
        out.append(text + ".")
    new, closed = c("cases_new"), c("cases_closed")
    parts = []
    if shown(new):
        parts.append(f"{new.text} Fälle kamen neu hinzu{prev_note('cases_new')}")
    if shown(closed):
        parts.append(f"{closed.text} Fälle wurden abgeschlossen{prev_note('cases_closed')}")
    if parts:
        out.append(" und ".join(parts) + ".")
    focus = c("focus_group_share_new")
    if shown(focus):
        out.append(
            f"{focus.text} der neuen Fälle hatten bei der Aufnahme eine Duldung oder "
            f"Aufenthaltsgestattung{prev_note('focus_group_share_new')}."
        )
    return out


def _process(figures: YearFigures) -> list[str]:
    """Handovers, continuity and status changes."""
    out: list[str] = []
    c = figures.cell
    median, within = c("handover_delay_median_days"), c("handover_within_14d_share")
    if shown(median):
        text = (
            f"Nach einer Weitervermittlung an eine andere Stelle hatte die Hälfte der Personen "
            f"nach spätestens {median.text} Tagen einen ersten Termin"
        )
        if shown(within):
            text += f"; {within.text} innerhalb von 14 Tagen"
        out.append(text + ".")
    pending = c("handovers_pending_over_30d")
    if shown(pending) and pending.status == "value":
        out.append(
            f"Am Ende des Berichtszeitraums warteten {pending.text} Übergaben seit mehr "
            "als 30 Tagen auf einen ersten Termin."
        )
    continuity = c("cm_continuity_share")
    if shown(continuity):
        out.append(
            f"{continuity.text} der abgeschlossenen Fälle wurden von Anfang bis Ende von derselben Fachkraft begleitet."
        )
    retained = c("status_change_retained_share")
    if shown(retained):
        out.append(
            f"Von den begleiteten Menschen, deren Aufenthaltsstatus sich änderte, wurden "
            f"{retained.text} weiter begleitet oder mit erreichten Zielen bzw. "
            "Weitervermittlung abgeschlossen."
        )
    return out


def _needs_and_budget(figures: YearFigures) -> list[str]:
    """Unmet needs (with the categories of the highest shares) and the budget."""
    out: list[str] = []
    c = figures.cell
    unmet = c("needs_unmet_share")
    if shown(unmet):
        text = f"{unmet.text} der abschließend bewerteten Bedarfe konnten nicht gedeckt werden"
        top = [
            labels.code_label("category", code)
            for code in sorted_breakdown(
                figures.figures,
                "needs_unmet_share",
                "category",
                figures.dimension_values(["needs_unmet_share"], "category"),
            )
            if (figures.cell("needs_unmet_share", "all", "category", code).value or 0) > 0
        ][:3]
        if top:
            text += f"; die höchsten ausgewiesenen Anteile gab es in den Bereichen {join_labels(top)}"
        out.append(text + ".")
    granted, cost, coverage = (c("budget_funding_granted"), c("budget_actual_cost"), c("budget_funding_coverage_share"))
    if shown(granted) and shown(cost) and shown(coverage):
        out.append(
            f"Die bewilligte Förderung von {granted.text} deckte {coverage.text} der "
            f"tatsächlichen Kosten von {cost.text}."
        )
    return out
