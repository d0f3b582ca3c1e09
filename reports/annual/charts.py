"""The annual report's charts over the months of the year and of its budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from reports.annual.figures import YearFigures, shown
from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.tables import ChartBlock
from reports.kit.text import among_shown, omitted_note
from reports.suppression import Cell


def trend_chart(months: Sequence[str], series: Mapping[str, Mapping[str, Cell]], *, city: str, span: str) -> ChartBlock:
    names = ("cases_active", "cases_new", "cases_closed")
    published = {n: {p: c.value for p, c in series.get(n, {}).items() if c.value is not None} for n in names}
    hidden = sorted({p for n in names for p, c in series.get(n, {}).items() if c.hidden})
    if not months or not any(published.values()):
        return ChartBlock(None)
    active = published["cases_active"]
    peak = max(active.items(), key=lambda kv: kv[1]) if active else None
    among = among_shown(series.get("cases_active", {}))
    desc = (
        f"Liniendiagramm der aktiven Fälle je Monat in {city}, {span}"
        + (
            f"; {among}am meisten im {fmt.month_year(peak[0])} mit {fmt.integer(peak[1])} aktiven Fällen"
            if peak
            else ""
        )
        + ". Darunter Säulen mit den neuen und den abgeschlossenen Fällen je Monat. Die "
        "Werte stehen in der Tabelle unter der Grafik."
    )
    svg = charts.trend_chart(
        list(months),
        published["cases_active"],
        published["cases_new"],
        published["cases_closed"],
        report_period="",
        chart_id="grafik-verlauf",
        title=f"Fallzahlen je Monat, {city}, {span}",
        description=desc,
    )
    return ChartBlock(Markup(svg), omitted_note([fmt.month_year(p) for p in hidden]))


def needs_trend(months: Sequence[str], series: Mapping[str, Mapping[str, Cell]], *, span: str) -> ChartBlock:
    counts = {p: c.value for p, c in series.get("needs_unmet_count", {}).items() if c.value is not None}
    shares = {p: c.value for p, c in series.get("needs_unmet_share", {}).items() if c.value is not None}
    hidden = sorted(
        {p for n in ("needs_unmet_count", "needs_unmet_share") for p, c in series.get(n, {}).items() if c.hidden}
    )
    if not months or not (counts or shares):
        return ChartBlock(None)
    desc = f"Säulendiagramm der nicht gedeckten Bedarfe je Monat, {span}"
    if counts:
        peak = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        among = among_shown(series.get("needs_unmet_count", {}))
        desc += f"; {among}am meisten im {fmt.month_year(peak[0])} mit {fmt.integer(peak[1])}"
    if shares:
        high = max(shares.items(), key=lambda kv: (kv[1], kv[0]))
        low = min(shares.items(), key=lambda kv: (kv[1], kv[0]))
        desc += (
            f". Darunter eine Linie mit dem Anteil nicht gedeckter Bedarfe: "
            f"{among_shown(series.get('needs_unmet_share', {}))}zwischen "
            f"{fmt.percent(low[1])} ({fmt.month_year(low[0])}) und {fmt.percent(high[1])} "
            f"({fmt.month_year(high[0])})"
        )
    desc += ". Monate ohne darstellbaren Wert sind mit einem Kreuz markiert."
    svg = charts.monthly_needs_chart(
        months,
        counts,
        shares,
        chart_id="grafik-luecken-verlauf",
        title=f"Nicht gedeckte Bedarfe im Verlauf, {span}",
        description=desc,
    )
    return ChartBlock(Markup(svg), omitted_note([fmt.month_year(p) for p in hidden]))


def budget_chart(figures: YearFigures, *, span: str, year: str) -> ChartBlock:
    granted, cost = figures.cell("budget_funding_granted"), figures.cell("budget_actual_cost")
    points = [
        (label, cell.value)
        for label, cell in (("Bewilligte Förderung", granted), ("Tatsächliche Kosten", cost))
        if cell.value is not None
    ]
    if not points:
        return ChartBlock(None)
    coverage = figures.cell("budget_funding_coverage_share")
    desc = (
        f"Balkendiagramm: bewilligte Förderung {granted.text} und tatsächliche Kosten "
        f"{cost.text} für {year}, Stadt gesamt"
        + (f"; die Förderung deckt {coverage.text} der Kosten." if shown(coverage) else ".")
    )
    svg = charts.horizontal_bar_chart(
        points,
        chart_id="grafik-budget",
        title=f"Förderung und Kosten des Jahres {year}, Stadt gesamt",
        description=desc,
        axis_label="Euro",
        value_format=fmt.euro,
    )
    return ChartBlock(Markup(svg))
