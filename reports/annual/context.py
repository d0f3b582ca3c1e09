"""The annual report's context: one function per section of the page, each returning the
template variables of its section, already suppressed and formatted."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reports import labels
from reports.annual import charts, tables
from reports.annual.figures import YearFigures, change_text, check_year, is_complete_year, span_label, valid_period
from reports.annual.model import AnnualKeyFigure, SourceRow
from reports.annual.quality import data_quality
from reports.annual.spec import QUERIES, SHOWN_INDICATORS
from reports.annual.statements import statements
from reports.annual.wording import annual_legend, definition_text, term
from reports.kit import columns as cols
from reports.kit import formatting as fmt
from reports.kit.cells import plain
from reports.kit.publication import Publication
from reports.kit.tables import Column, Definition, Table
from reports.kit.targets import load_targets, target_lights
from reports.kit.text import HIGHEST_SHOWN, LONGEST_SHOWN, MOST_SHOWN, method_note
from reports.suppression import Cell, display, indicator_kind


@dataclass(frozen=True)
class _Year:
    """The year reported on, the months it covers and the previous year to compare with."""

    year: str
    months: list[str]
    span: str
    complete: bool
    last_month: str
    prev_year: str
    previous: YearFigures | None
    prev_span: str
    comparable: bool


YEARLY_VIEW = "marts.published_indicator_values_yearly"


def require_yearly(con: Any) -> set[str]:
    """The warehouse's tables; ValueError without the published yearly figures (the view of
    migration 0007 over marts.indicator_values_yearly, which may exist and still be empty)."""
    tables = {r["name"] for r in QUERIES.run(con, "annual_tables")}
    if YEARLY_VIEW not in tables:
        raise ValueError(
            f"{YEARLY_VIEW} does not exist: migrate the warehouse (warehouse.migrate) and build the "
            "yearly figures (warehouse.indicator_build.build_yearly_indicator_values)"
        )
    return tables


def annual_years(con: Any) -> list[str]:
    """Every year with published yearly figures, oldest first (none before the yearly build)."""
    require_yearly(con)
    return [str(r["period"]) for r in QUERIES.run(con, "annual_years")]


def has_yearly_figures(con: Any) -> bool:
    """Whether any annual report can be rendered: the yearly figures exist and have rows (since
    migration 0007 their table exists empty before the yearly build)."""
    tables = {r["name"] for r in QUERIES.run(con, "annual_tables")}
    return YEARLY_VIEW in tables and bool(QUERIES.run(con, "annual_years"))


def build_annual_context(con: Any, *, city: str, k: int, year: str | int) -> dict[str, Any]:
    """Everything the annual template needs, already suppressed and formatted."""
    year = check_year(year)
    warehouse_tables = require_yearly(con)
    publication = Publication.load(con, "yearly", year)
    figures = YearFigures(QUERIES.run(con, "annual_values", {"year": year}), k, publication)
    if not figures.figures.indicators:
        raise ValueError(f"{YEARLY_VIEW} has no figures for {year}")
    y = _year(con, year, k)
    providers_all = QUERIES.run(con, "annual_providers", {"year": year})
    case_providers = _case_providers(providers_all, figures)
    city_label = f"Stadt {city} gesamt"
    series = _series(con, year, k)
    quality = data_quality(con, warehouse_tables, providers_all, year)
    sources = _sources(con, providers_all, quality["delivery_rows"], y.last_month)
    title = f"Jahresbericht Kommunales Integrationsmanagement {city} {year}"
    if not y.complete and y.months:
        title += f" ({y.span.removesuffix(' ' + year)})"
    return {
        "city": city,
        "k": k,
        "year": year,
        "span": y.span,
        "complete": y.complete,
        "first_month": fmt.month_year(y.months[0]) if y.months else None,
        "last_month": fmt.month_year(y.last_month),
        "title": title,
        "short_title": title.replace(f"Kommunales Integrationsmanagement {city} ", ""),
        "data_as_of": sources["data_as_of"],
        "previous_year": y.prev_year if y.previous else None,
        "previous_span": y.prev_span if y.previous else None,
        "comparable": y.comparable,
        **_summary(figures, y, city=city),
        "target_lights": target_lights(load_targets(con), figures.cell),
        **_reach(figures, y, series, case_providers, city=city, city_label=city_label, k=k),
        **_process(figures, y, case_providers, city_label=city_label),
        **_results(figures, y),
        **_gaps(figures, y, series, k=k),
        **_budget(figures, y, case_providers, city_label=city_label, k=k),
        "quality": quality,
        "sources": sources["sources"],
        "stale_sources": [s for s in sources["sources"] if s.stale],
        "has_abh": any(p["provider_kind"] == "abh" for p in providers_all),
        "definitions": _definitions(figures),
        "legend": annual_legend(),
        "method_note": method_note(k),
        "has": figures.has,
    }


def _year(con: Any, year: str, k: int) -> _Year:
    months = [r["period"] for r in QUERIES.run(con, "annual_months", {"year": year})]
    prev_year = str(int(year) - 1)
    prev_rows = QUERIES.run(con, "annual_values", {"year": prev_year})
    previous = YearFigures(prev_rows, k, Publication.load(con, "yearly", prev_year)) if prev_rows else None
    prev_months = [r["period"] for r in QUERIES.run(con, "annual_months", {"year": prev_year})] if previous else []
    return _Year(
        year=year,
        months=months,
        span=span_label(months) or year,
        complete=is_complete_year(months),
        last_month=months[-1] if months else f"{year}-12",
        prev_year=prev_year,
        previous=previous,
        prev_span=span_label(prev_months) or prev_year,
        comparable=bool(previous) and [m[5:] for m in prev_months] == [m[5:] for m in months],
    )


def _case_providers(providers_all: list[dict[str, Any]], figures: YearFigures) -> list[dict[str, Any]]:
    """The case-managing providers (no Ausländerbehörde), unknown ids with figures after them."""
    case_providers = [p for p in providers_all if p["provider_kind"] != "abh"]
    known = {p["provider_id"] for p in providers_all}
    case_providers += [
        {"provider_id": pid, "provider_name": pid, "provider_kind": "wohlfahrt", "funded_fte": None}
        for pid in sorted(figures.providers() - known)
    ]
    return case_providers


def _series(con: Any, year: str, k: int) -> dict[str, dict[str, Cell]]:
    series: dict[str, dict[str, Cell]] = {}
    monthly = Publication.load(con, "monthly")
    for row in monthly.rows(QUERIES.run(con, "annual_city_series", {"year": year})):
        series.setdefault(row["indicator_id"], {})[row["period"]] = display(row, indicator_kind(row["indicator_id"]), k)
    return series


def _summary(figures: YearFigures, y: _Year, *, city: str) -> dict[str, Any]:
    """Zusammenfassung: key figures against the previous year and the year in sentences."""
    previous = y.previous
    key_figures = []
    for spec in cols.ANNUAL_SUMMARY:
        indicator_id = spec.indicator_id
        if not figures.has(indicator_id):
            continue
        cell = figures.cell(indicator_id)
        prev_cell = previous.cell(indicator_id) if previous and previous.has(indicator_id) else None
        key_figures.append(
            AnnualKeyFigure(
                indicator_id=indicator_id,
                label=spec.header,
                cell=cell,
                unit="",
                previous=prev_cell,
                previous_label=(f"Vorjahr {y.prev_year}" if y.comparable else f"Vorjahr ({y.prev_span})"),
                change=change_text(cell, prev_cell, indicator_id) if y.comparable else None,
            )
        )
    return {
        "key_figures": key_figures,
        "statements": statements(
            figures,
            previous if y.comparable else None,
            city=city,
            span=y.span,
            year=y.year,
            prev_year=y.prev_year,
            complete=y.complete,
        ),
    }


def _reach(
    figures: YearFigures,
    y: _Year,
    series: Mapping[str, Mapping[str, Cell]],
    case_providers: Sequence[Mapping[str, Any]],
    *,
    city: str,
    city_label: str,
    k: int,
) -> dict[str, Any]:
    """Reichweite: by provider, cases per month, new cases by residence status."""
    span = y.span
    residence_chart = tables.bar_chart(
        figures,
        "cases_new",
        "residence_status",
        figures.dimension_values(["cases_new"], "residence_status"),
        chart_id="grafik-aufenthaltsstatus",
        title=f"Neue Fälle nach Aufenthaltsstatus bei Aufnahme, {span}",
        describe=lambda pts: (
            f"Balkendiagramm: neue Fälle je Aufenthaltsstatus bei Aufnahme. {MOST_SHOWN}: "
            f"{max(pts, key=lambda p: p[1])[0]} mit {fmt.integer(max(p[1] for p in pts))} "
            "Fällen."
        ),
        axis_label="Neue Fälle (Anzahl)",
        value_format=fmt.integer,
        reference_label=None,
    )
    return {
        "reach_table": tables.provider_table(figures, cols.ANNUAL_REACH, case_providers, city_label),
        "trend": charts.trend_chart(y.months, series, city=city, span=span),
        "trend_table": tables.series_table(y.months, series, cols.ANNUAL_TREND, k, "grafik-verlauf"),
        "residence_table": tables.breakdown_table(
            figures,
            cols.ANNUAL_RESIDENCE,
            "residence_status",
            "Alle neuen Fälle",
            chart_id="grafik-aufenthaltsstatus",
            full_code_list=True,
        ),
        "residence_chart": residence_chart,
    }


def _process(
    figures: YearFigures, y: _Year, case_providers: Sequence[Mapping[str, Any]], *, city_label: str
) -> dict[str, Any]:
    """Prozessqualität: handovers by target service, process figures by provider, caseloads."""
    span = y.span
    handover_chart = tables.bar_chart(
        figures,
        "handover_delay_median_days",
        "target_service",
        figures.dimension_values([s.indicator_id for s in cols.ANNUAL_HANDOVERS], "target_service"),
        chart_id="grafik-uebergaben",
        title=f"Wartezeit bis zum ersten Termin nach Zielstelle, {span}",
        describe=lambda pts: (
            "Balkendiagramm: Median der Wartezeit in Tagen von der Weitervermittlung bis zum "
            f"ersten Termin je Zielstelle, {span}. {LONGEST_SHOWN}: "
            f"{max(pts, key=lambda p: p[1])[0]} mit "
            f"{fmt.decimal_fixed(max(p[1] for p in pts))} Tagen; am kürzesten: "
            f"{min(pts, key=lambda p: p[1])[0]} mit "
            f"{fmt.decimal_fixed(min(p[1] for p in pts))} Tagen."
        ),
        axis_label="Median der Wartezeit in Tagen",
        value_format=lambda v: fmt.decimal_fixed(v, 1),
        reference_label="Alle Zielstellen: {overall} Tage",
    )
    return {
        "handover_table": tables.breakdown_table(
            figures,
            cols.ANNUAL_HANDOVERS,
            "target_service",
            "Alle Zielstellen",
            order_by="handover_delay_median_days",
            chart_id="grafik-uebergaben",
        ),
        "handover_chart": handover_chart,
        "process_table": tables.provider_table(figures, cols.ANNUAL_PROCESS, case_providers, city_label),
        "caseload_table": tables.breakdown_table(
            figures, cols.ANNUAL_CASELOAD, "caseload_band", "Alle Fallverantwortlichen", full_code_list=True
        ),
    }


def _results(figures: YearFigures, y: _Year) -> dict[str, Any]:
    """Ergebnisse: closed cases by reason and duration, unmet needs by category."""
    span = y.span
    needs_chart = tables.bar_chart(
        figures,
        "needs_unmet_share",
        "category",
        figures.dimension_values([s.indicator_id for s in cols.ANNUAL_NEEDS], "category"),
        chart_id="grafik-bedarfe",
        title=f"Anteil nicht gedeckter Bedarfe nach Bedarfskategorie, {span}",
        describe=lambda pts: (
            "Balkendiagramm: Anteil der abschließend bewerteten Bedarfe, die nicht gedeckt "
            f"werden konnten, je Bedarfskategorie, {span}. {HIGHEST_SHOWN}: "
            f"{max(pts, key=lambda p: p[1])[0]} mit {fmt.percent(max(p[1] for p in pts))}."
        ),
        axis_label="Anteil nicht gedeckter Bedarfe",
        value_format=fmt.percent,
        reference_label="Alle Kategorien: {overall}",
        share_axis=True,
    )
    return {
        "closing_table": tables.breakdown_table(
            figures, cols.ANNUAL_CLOSING, "closing_reason", "Alle Abschlussgründe", full_code_list=True
        ),
        "duration_table": tables.breakdown_table(
            figures, cols.ANNUAL_DURATION, "duration_band", "Alle abgeschlossenen Fälle", full_code_list=True
        ),
        "needs_table": tables.breakdown_table(
            figures,
            cols.ANNUAL_NEEDS,
            "category",
            "Alle Bedarfskategorien",
            order_by="needs_unmet_share",
            chart_id="grafik-bedarfe",
        ),
        "needs_chart": needs_chart,
    }


def _gaps(figures: YearFigures, y: _Year, series: Mapping[str, Mapping[str, Cell]], *, k: int) -> dict[str, Any]:
    """Strukturelle Lücken: the gap matrix, the largest gaps, unmet needs per month."""
    gaps = tables.top_gaps(figures)
    return {
        "matrix": tables.gap_matrix(figures, k),
        "gaps": gaps,
        "gaps_counts_hidden": bool(gaps) and all(g.count.value is None for g in gaps),
        "gaps_reasons_hidden": bool(gaps) and not any(g.reasons for g in gaps),
        "needs_trend": charts.needs_trend(y.months, series, span=y.span),
        "needs_trend_table": tables.series_table(
            y.months, series, cols.ANNUAL_NEEDS_TREND, k, "grafik-luecken-verlauf"
        ),
    }


def _budget(
    figures: YearFigures, y: _Year, case_providers: Sequence[Mapping[str, Any]], *, city_label: str, k: int
) -> dict[str, Any]:
    """Budget: funding and costs by provider with the funded FTE, and a chart for the city."""
    budget_table = tables.provider_table(
        figures, cols.ANNUAL_BUDGET, case_providers, city_label, chart_id="grafik-budget"
    )
    fte_cells = []
    for row in budget_table.rows:
        fte = next((p.get("funded_fte") for p in case_providers if p["provider_id"] == row.key), None)
        if row.key == "all":
            ftes = [float(p["funded_fte"]) for p in case_providers if p.get("funded_fte")]
            fte = sum(ftes) if ftes else None
        fte_cells.append(
            plain(fte, fmt.decimal_fixed(fte, 1))
            if fte is not None
            else display(None, indicator_kind("caseload_per_fte"), k)
        )
    if budget_table.rows:
        budget_table = Table(
            budget_table.columns + [Column("funded_fte", "Geförderte Vollzeitstellen")],
            [dataclasses.replace(r, cells=r.cells + [c]) for r, c in zip(budget_table.rows, fte_cells)],
            budget_table.chart_id,
        )
    return {"budget_table": budget_table, "budget_chart": charts.budget_chart(figures, span=y.span, year=y.year)}


def _sources(
    con: Any, providers_all: Sequence[Mapping[str, Any]], delivery_rows: Sequence[Mapping[str, Any]], last_month: str
) -> dict[str, Any]:
    """Methodische Hinweise: the delivered months of each provider and its newest delivery."""
    newest = {r["provider_id"]: r for r in QUERIES.run(con, "annual_newest_deliveries")}
    deliveries = {r["provider_id"]: r for r in delivery_rows}
    sources = []
    for p in providers_all:
        d = deliveries.get(p["provider_id"])
        first, last = (d or {}).get("first_period"), (d or {}).get("last_period")
        n = newest.get(p["provider_id"])
        sources.append(
            SourceRow(
                provider_id=p["provider_id"],
                provider_name=p["provider_name"],
                kind_label=labels.code_label("provider_kind", p["provider_kind"]),
                months=span_label([first, last]) if first and last else "keine Lieferung",
                newest=fmt.month_year(n["period"]) if n and valid_period(n["period"]) else "–",
                stale=bool(n is None or not valid_period(n["period"]) or n["period"] < last_month),
            )
        )
    loaded = [r["loaded_local"] for r in newest.values() if r.get("loaded_local")]
    return {"sources": sources, "data_as_of": fmt.date_long(max(loaded)) if loaded else None}


def _definitions(figures: YearFigures) -> list[Definition]:
    shown = [i for i in labels.INDICATOR if figures.has(i) and i in SHOWN_INDICATORS]
    return [Definition(term(i), definition_text(i)) for i in shown if definition_text(i)]
