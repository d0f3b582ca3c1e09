"""The provider feedback report's context: one function per section of the page."""

from __future__ import annotations

from typing import Any

from reports import labels
from reports.kit import columns as cols
from reports.kit import formatting as fmt
from reports.kit.figures import Figures
from reports.kit.navigation import Link, Navigation, monthly_file
from reports.kit.publication import Publication
from reports.kit.tables import Definition
from reports.kit.text import method_note, short_label
from reports.provider import sections
from reports.provider.cells import change, check_provider_id, unit
from reports.provider.model import CITY_WIDE, OWN, PROVIDER_KINDS, QUERIES, Card, ComparisonGroup, ComparisonRow
from reports.suppression import indicator_kind, legend


def build_provider_context(con: Any, *, city: str, k: int, period: str, provider_id: str) -> dict[str, Any]:
    """Everything the provider feedback template needs, already suppressed and formatted."""
    fmt.parse_period(period)
    check_provider_id(provider_id)
    provider = _provider(con, provider_id)
    name = str(provider["provider_name"] or provider_id)
    month = fmt.month_year(period)
    previous = fmt.previous_period(period)

    params = {"provider_id": provider_id, "period": period, "previous": previous}
    # Defence in depth: nothing but the provider's own and the city-wide rows is ever used.
    rows = [r for r in QUERIES.run(con, "provider_values", params) if r["provider_id"] in (provider_id, "all")]
    publication = Publication.load(con, "monthly")
    figures = Figures([r for r in rows if r["period"] == period], k, publication)
    before = Figures([r for r in rows if r["period"] == previous], k, publication)
    groups = _comparison(figures, before, provider_id, k)
    trend, trend_table = sections.trend_section(
        con, provider_id=provider_id, name=name, period=period, month=month, k=k, publication=publication
    )
    delivery, timeliness, data_as_of = sections.delivery_section(
        con, provider_id=provider_id, period=period, figures=figures, k=k
    )
    return {
        "city": city,
        "k": k,
        "period": period,
        "month": month,
        "navigation": Navigation(providers=[Link(monthly_file(period), f"Monatsbericht der Stadt, {month}")]),
        "previous_month": fmt.month_year(previous),
        "provider_id": provider_id,
        "provider_name": name,
        "provider_kind_label": labels.code_label("provider_kind", provider["provider_kind"]),
        "title": f"Rückmeldung an den Träger: {name} – {month}",
        "short_title": f"{name} – {month}",
        "data_as_of": data_as_of,
        "own_label": OWN,
        "city_label": CITY_WIDE,
        "cards": _cards(figures, before, provider_id),
        "groups": groups,
        "city_hidden": any(row.city.hidden for g in groups for row in g.rows),
        "trend": trend,
        "trend_table": trend_table,
        **_handovers_and_needs(figures, provider_id, name=name, month=month, k=k),
        "delivery": delivery,
        "timeliness": timeliness,
        "definitions": _definitions(figures, groups),
        "legend": legend(),
        "method_note": method_note(k),
    }


def _provider(con: Any, provider_id: str) -> dict[str, Any]:
    """The provider's row of marts.dim_providers; ValueError if unknown or not case-managing."""
    info = QUERIES.run(con, "provider_info", {"provider_id": provider_id})
    if not info:
        raise ValueError(f"provider {provider_id!r} is not in marts.dim_providers")
    provider = info[0]
    if provider["provider_kind"] not in PROVIDER_KINDS:
        raise ValueError(
            f"provider {provider_id!r} ({provider['provider_kind']}) manages no cases:"
            " there is no feedback report for it"
        )
    return provider


def _comparison(figures: Figures, before: Figures, provider_id: str, k: int) -> list[ComparisonGroup]:
    """Kennzahlen im Vergleich: own figure, previous month, change and the city-wide figure."""

    def comparison(indicator_id: str) -> ComparisonRow:
        kind = indicator_kind(indicator_id)
        own = figures.cell(indicator_id, provider_id)
        prev = before.cell(indicator_id, provider_id)
        return ComparisonRow(
            indicator_id=indicator_id,
            label=labels.indicator_label(indicator_id),
            own=own,
            previous=prev,
            change=change(own, prev, kind, k),
            city=figures.cell(indicator_id, "all"),
        )

    groups = []
    for index, (title, indicator_ids) in enumerate(cols.PROVIDER_COMPARISON_GROUPS):
        present = [i for i in indicator_ids if figures.has(i) or before.has(i)]
        if present:
            groups.append(ComparisonGroup(title, f"gruppe-{index + 1}", [comparison(i) for i in present]))
    return groups


def _cards(figures: Figures, before: Figures, provider_id: str) -> list[Card]:
    """The key-figure cards at the top."""
    return [
        Card(
            i,
            short_label(i),
            figures.cell(i, provider_id),
            unit(indicator_kind(i)),
            before.cell(i, provider_id),
            figures.cell(i, "all"),
        )
        for i in cols.PROVIDER_CARDS
        if figures.has(i)
    ]


def _handovers_and_needs(figures: Figures, provider_id: str, *, name: str, month: str, k: int) -> dict[str, Any]:
    """Übergaben and Bedarfe: own vs city-wide tables, each with a bar chart."""
    handover_table = sections.pair_section(
        figures,
        provider_id,
        dimension="target_service",
        columns=cols.PROVIDER_HANDOVERS,
        total_label="Alle Zielstellen",
        k=k,
    )
    needs_table = sections.pair_section(
        figures,
        provider_id,
        dimension="category",
        columns=cols.PROVIDER_NEEDS,
        total_label="Alle Bedarfskategorien",
        k=k,
    )
    return {
        "handover_table": handover_table,
        "handover_chart": sections.bar_chart(
            handover_table,
            "handover_delay_median_days",
            chart_id="grafik-uebergaben",
            title=f"Wartezeit bis zum ersten Termin je Zielstelle (Ihr Träger), {month}",
            describe=lambda pts, ref: sections.describe_handovers(pts, ref, name=name, month=month),
            axis_label="Median der Wartezeit in Tagen",
            reference_label="Stadt gesamt, alle Zielstellen: {overall} Tage",
            value_format=lambda v: fmt.decimal_fixed(v, 1),
            table_ref="tabelle-uebergaben",
            table_caption=f"Übergaben nach Zielstelle, {name} und Stadt gesamt, {month}",
        ),
        "needs_table": needs_table,
        "needs_chart": sections.bar_chart(
            needs_table,
            "needs_unmet_share",
            chart_id="grafik-bedarfe",
            title=f"Anteil ungedeckter Bedarfe je Kategorie (Ihr Träger), {month}",
            describe=lambda pts, ref: sections.describe_needs(pts, ref, name=name, month=month),
            axis_label="Anteil nicht gedeckter Bedarfe",
            reference_label="Stadt gesamt, alle Kategorien: {overall}",
            value_format=fmt.percent,
            table_ref="tabelle-bedarfe",
            table_caption=f"Bedarfe nach Bedarfskategorie, {name} und Stadt gesamt, {month}",
            share_axis=True,
        ),
    }


def _definitions(figures: Figures, groups: list[ComparisonGroup]) -> list[Definition]:
    """Hinweise: definitions of the indicators in the comparison table (and delivery_on_time)."""
    shown = [row.indicator_id for g in groups for row in g.rows]
    definitions = [
        Definition(short_label(i), labels.INDICATOR_DEFINITION[i]) for i in shown if labels.INDICATOR_DEFINITION.get(i)
    ]
    if figures.has("delivery_on_time") and labels.INDICATOR_DEFINITION.get("delivery_on_time"):
        definitions.append(Definition(short_label("delivery_on_time"), labels.INDICATOR_DEFINITION["delivery_on_time"]))
    return definitions
