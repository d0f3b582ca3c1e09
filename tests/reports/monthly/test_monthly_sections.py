"""The sections of the monthly monitoring report beyond the basics: comparisons with the previous
month and the same month last year, the gap matrix, continuity, focus group, persons, late
deliveries, revisions, a report for every month."""

from __future__ import annotations

import re

from tests.html_helpers import parse
from tests.reports.monthly.hand_built import CITY, K
from tests.reports.signs import HIDDEN


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start : html.index("</table>", start)]


def _card(html: str, indicator: str) -> str:
    start = html.index(f'<div class="card" data-indicator="{indicator}">')
    return html[start : html.index("</div>", start)]


def test_new_sections_have_german_headings_in_order(rich):
    _, out, _ = rich
    page = parse(out["monthly"])
    for heading in (
        "Überblick",
        "Fallzahlen im Verlauf",
        "Personen, Fälle und Zielgruppe",
        "Übergaben an andere Stellen",
        "Ungedeckte Bedarfe",
        "Kontinuität der Fallverantwortung",
        "Korrekturen gegenüber dem Vormonat",
        "Datenstand",
        "Hinweise zu Datenschutz und Methodik",
    ):
        assert heading in page.heading_texts(2), heading
    for heading in (
        "Begleitete Personen und Fälle",
        "Zielgruppe: Duldung und Aufenthaltsgestattung",
        "Lücken im Angebot: ungedeckte Bedarfe nach Kategorie und Grund",
        "Seit über 90 Tagen offene Bedarfe",
        "Weiterbegleitung nach einem Statuswechsel",
        "Fallverantwortliche nach Zahl ihrer Fälle",
    ):
        assert heading in page.heading_texts(3), heading
    # h1 -> h2 -> h3, never a level skipped
    html = out["monthly"].read_text(encoding="utf-8")
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def test_key_figures_compare_previous_month_and_same_month_last_year(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    card = _card(html, "cases_active")
    assert 'title="September 2026">Vormonat: 1.200' in card
    assert 'title="Oktober 2025">Oktober 2025: 1.000' in card
    assert '<span class="arrow" aria-hidden="true">▲</span> 34 mehr (+2,8 %)' in card
    assert "234 mehr (+23,4 %)" in card
    assert 'data-direction="up"' in card
    # a hidden value last year: shown with its sign, but no change computed from it
    card = _card(html, "cases_new")
    assert f"Oktober 2025: {HIDDEN}" in card and "8 mehr (+20,0 %)" in card
    assert card.count('class="change"') == 1
    # shares change in percentage points, days are longer or shorter
    assert "2,5 %-Punkte mehr" in _card(html, "needs_unmet_share")
    card = _card(html, "handover_delay_median_days")
    assert "1,5 Tage länger" in card and "unverändert" in card
    # no month before the first one: no comparison line at all
    first = (out["monthly_all"][0]).read_text(encoding="utf-8")
    assert "Vormonat:" not in _card(first, "cases_active")


def test_gap_matrix_shows_suppressed_cells_with_the_hidden_sign(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells()
    html = out["monthly"].read_text(encoding="utf-8")
    t = "tabelle-luecken"
    assert cells[(t, "needs_unmet_count", "wohnen|kein_angebot")] == HIDDEN  # planted 3
    assert cells[(t, "needs_unmet_count", "wohnen|wartezeit")] == HIDDEN
    assert cells[(t, "needs_unmet_count", "gesundheit|kosten")] == HIDDEN
    assert cells[(t, "needs_unmet_count", "arbeit|kein_angebot")] == "0"  # no such need
    assert cells[(t, "needs_unmet_count", "wohnen|all")] == "10"  # row total
    assert cells[(t, "needs_unmet_count", "arbeit|all")] == HIDDEN
    assert cells[(t, "needs_unmet_count", "all|wartezeit")] == "14"  # column total
    assert cells[(t, "needs_unmet_count", "all|kein_angebot")] == HIDDEN
    assert cells[(t, "needs_unmet_count", "all|all")] == "18"
    table = _table(html, t)
    # rows are categories, columns reasons, with headers for both
    assert '<th scope="row">Wohnen</th>' in table and "Kein passendes Angebot" in table
    assert '<th scope="col" class="num total-col">Insgesamt</th>' in table
    assert re.search(r">\s*[37]\s*<", table) is None  # no hidden count leaks
    # needs open over 90 days by category
    t = "tabelle-offene-bedarfe"
    assert cells[(t, "needs_open_over_90d", "wohnen")] == "20"
    assert cells[(t, "needs_open_over_90d", "familie")] == HIDDEN
    assert cells[(t, "needs_open_over_90d", "all")] == "30"


def test_handover_table_has_kaplan_meier_median_and_explains_it(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells()
    html = out["monthly"].read_text(encoding="utf-8")
    t = "tabelle-uebergaben"
    assert cells[(t, "handover_contact_km_median_days", "jobcenter")] == "9,5"
    assert cells[(t, "handover_contact_km_median_days", "kita")] == HIDDEN
    assert cells[(t, "handover_contact_km_median_days", "all")] == "14,0"
    assert "Median Wartezeit Übergabe inkl. noch wartender (Tage)" in html
    section = _section(html, "uebergaben")
    assert "Der Median nach Kaplan-Meier bezieht auch die Übergaben" in section
    # median, p90, share within 14 days and pending over 30 days
    assert cells[(t, "handover_delay_median_days", "jobcenter")] == "8,0"
    assert cells[(t, "handover_delay_p90_days", "jobcenter")] == "21,0"
    assert cells[(t, "handover_within_14d_share", "jobcenter")] == "75,0 %"
    assert cells[(t, "handovers_pending_over_30d", "jobcenter")] == HIDDEN
    assert cells[(t, "handovers_pending_over_30d", "mbe")] == "0"  # none pending
    assert cells[(t, "handovers_pending_over_30d", "all")] == "6"
    assert cells[(t, "handover_within_14d_share", "mbe")] == "k. A."  # no observations


def test_persons_focus_group_and_continuity_sections(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells()
    html = out["monthly"].read_text(encoding="utf-8")
    assert cells[("tabelle-personen", "persons_active", "all")] == "1.180"
    assert cells[("tabelle-personen", "persons_active", "stadt")] == HIDDEN
    assert cells[("tabelle-personen", "cases_active", "all")] == "1.234"
    assert "stadtweit 1.180 Personen in 1.234 aktiven Fällen" in html
    assert cells[("tabelle-personen", "focus_group_share_new", "all")] == "41,7 %"
    assert cells[("tabelle-personen", "focus_group_share_new", "awo")] == HIDDEN
    assert cells[("tabelle-aufenthaltsstatus", "cases_new", "duldung")] == "12"
    assert cells[("tabelle-aufenthaltsstatus", "cases_new", "unbekannt")] == HIDDEN
    assert cells[("tabelle-kontinuitaet", "cm_continuity_share", "caritas")] == "77,8 %"
    assert cells[("tabelle-kontinuitaet", "cm_continuity_share", "all")] == "71,4 %"
    assert cells[("tabelle-statuswechsel", "status_change_retained_share", "duldung")] == HIDDEN
    # caseload bands: the city-wide distribution only, every band, never per provider
    bands = {key[2]: text for key, text in cells.items() if key[0] == "tabelle-fallzahlbaender"}
    assert bands == {"unter_30": "0", "30_bis_49": HIDDEN, "50_bis_69": "7", "ab_70": HIDDEN, "all": "15"}
    assert "tabelle-traeger" in html and not any(
        key[1] == "caseload_band_case_managers" and key[2] == "caritas" for key in cells
    )


def test_late_and_stale_deliveries_flagged_at_the_top(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    notice = html[html.index('id="hinweis-datenstand"') :]
    notice = notice[: notice.index("</div>")]
    assert html.index('id="hinweis-datenstand"') < html.index('class="cards"')
    assert (
        "Caritasverband Leverkusen (Lieferung für Oktober 2026 nicht fristgerecht bis 10.11.2026 eingegangen)" in notice
    )
    assert "Deutsches Rotes Kreuz Leverkusen (letzte Lieferung: September 2026" in notice
    assert "Diakonisches Werk" not in notice
    row = _table(html, "tabelle-datenstand")
    row = row[row.index('<tr data-key="caritas">') :]
    assert '<td data-on-time="caritas"><span class="badge">nein</span></td>' in row
    # September: caritas was on time, drk delivered: nothing to flag
    september = (out["monthly_all"][-2]).read_text(encoding="utf-8")
    assert 'id="hinweis-datenstand"' not in september


def test_corrections_against_previous_month(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    section = _section(html, "korrekturen")
    table = _table(section, "tabelle-korrekturen")
    keys = re.findall(r'<tr data-key="([^"]+)">', table)
    assert keys == ["cases_active|2026-09", "cases_closed|2026-09"]
    assert "1.190" in table and "1.200" in table and "10 mehr (+0,8 %)" in table
    assert "2 mehr (+22,2 %)" in table
    assert "777" not in html  # suppressed before: never shown
    assert "2 stadtweite Kennzahlen früherer Monate wurden" in html
    # only the newest month's report has the section
    september = (out["monthly_all"][-2]).read_text(encoding="utf-8")
    assert 'id="korrekturen"' not in september and "Korrekturen gegenüber" not in september


def test_corrections_only_against_figures_a_release_printed(rich, tmp_path):
    """Issue 15 (a review of the published demo): "Bisher" printed figures of the data state of
    the month before, which no release had printed: new figures beside the disclosure audit. Now a
    correction is listed only where its earlier figure is the one the newest approved release
    printed."""
    from reports import render_reports

    con, _, _ = rich
    try:
        con.execute("UPDATE publication.release_values SET shown = '8' WHERE indicator_id = 'cases_closed'")
        html = render_reports(con, tmp_path / "changed", city=CITY, k=K)["monthly"].read_text(encoding="utf-8")
        keys = re.findall(r'<tr data-key="([^"]+)">', _table(_section(html, "korrekturen"), "tabelle-korrekturen"))
        assert keys == ["cases_active|2026-09"]  # 9 -> 11 is not listed: no release printed 9
        con.execute("UPDATE publication.releases SET status = 'built'")
        html = render_reports(con, tmp_path / "unapproved", city=CITY, k=K)["monthly"].read_text(encoding="utf-8")
        assert 'id="tabelle-korrekturen"' not in html  # nothing published before: nothing to correct
        assert "Keine stadtweite Kennzahl früherer Monate weicht sichtbar von der letzten Veröffentlichung ab" in html
    finally:
        con.execute("UPDATE publication.releases SET status = 'approved'")
        con.execute("UPDATE publication.release_values SET shown = '9' WHERE indicator_id = 'cases_closed'")


def test_no_corrections_section_without_revisions_table(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    assert 'id="korrekturen"' not in html and "Korrekturen gegenüber" not in html


def test_every_chart_has_title_axis_labels_alt_text_and_data_table(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    figures = re.findall(r"<figure\b[^>]*>.*?</figure>", html, re.S)
    charts_found = [f for f in figures if "<svg" in f]
    assert len(charts_found) == 3
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for fig in charts_found:
        svg = re.search(r"<svg\b[^>]*>", fig).group(0)
        chart_id = re.search(r'\bid="([^"]+)"', svg).group(1)
        assert 'role="img"' in svg
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        title = re.search(rf'<title id="{chart_id}-title">([^<]+)</title>', fig).group(1)
        desc = re.search(rf'<desc id="{chart_id}-desc">([^<]+)</desc>', fig).group(1)
        assert len(title) > 10 and len(desc) > 40
        assert "Tabelle" in desc  # the text alternative points to the values
        # a data table: inside the figure, or referenced and present on the page
        ref = re.search(r'<figure[^>]*data-table="([^"]+)"', fig)
        assert "<table" in fig or (ref and ref.group(1) in ids), chart_id
        if chart_id != "grafik-verlauf":  # bar charts: the breakdown table below them
            assert ref is not None and f'<table id="{ref.group(1)}"' in html
    verlauf = next(f for f in charts_found if 'id="grafik-verlauf"' in f)
    assert '<details class="chart-data" open>' in verlauf
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-verlauf-2026", "cases_active", "2026-10")] == "1.234"
    assert cells[("tabelle-verlauf-2026", "cases_active", "2026-09")] == "1.200"
    assert cells[("tabelle-verlauf-2025", "cases_active", "2025-10")] == "1.000"
    assert cells[("tabelle-verlauf-2025", "cases_new", "2025-10")] == HIDDEN
    assert cells[("tabelle-verlauf-2026", "cases_new", "2026-03")] == "k. A."
    # the same palette everywhere (Okabe-Ito blue and orange), nothing else coloured
    fills = set(re.findall(r"fill: ?(#[0-9a-fA-F]{6})", " ".join(charts_found)))
    assert "#0072b2" in {f.lower() for f in fills}
    assert not {f.lower() for f in fills} - {
        "#0072b2",
        "#e69f00",
        "#ffffff",
        "#1f2933",
        "#6b7280",
        "#e5e7eb",
        "#fdf3d8",
        "#000000",
    }


def test_axis_labels_in_bar_charts(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    chart = html[html.index('id="grafik-uebergaben"') :]
    chart = chart[: chart.index("</svg>")]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    joined = " ".join(texts)
    assert "Median der Wartezeit in Tagen" in joined and "Zielstelle" in joined
    chart = html[html.index('id="grafik-verlauf"') :]
    chart = chart[: chart.index("</svg>")]
    joined = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", chart))
    for label in ("Aktive Fälle", "Fälle je Monat", "Monat"):
        assert label in joined


def test_no_suppressed_value_anywhere(rich):
    _, out, _ = rich
    for path in out["monthly_all"]:
        html = path.read_text(encoding="utf-8")
        # text outside the charts' drawing instructions (coordinates may contain any digits)
        text = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.S) + " ".join(
            re.findall(r"<(?:text|title|desc)\b[^>]*>([^<]*)<", html)
        )
        assert "93,7" not in html and "93.7" not in text  # hidden Kaplan-Meier median
        assert "43,2" not in html and "0.4321" not in text  # hidden share
        assert "777" not in text  # hidden before a revision
        assert "data-value" not in html
        for attr in re.findall(r'data-[a-z-]+="([^"]*)"', html):
            assert not re.fullmatch(r"\d+([.,]\d+)?", attr), attr


def test_a_report_for_every_month_listed_newest_first(rich):
    con, out, _tmp_path = rich
    periods = [row[0] for row in con.execute("SELECT period FROM marts.dim_periods ORDER BY period").fetchall()]
    assert [p.name for p in out["monthly_all"]] == [f"monatsbericht_{p}.html" for p in periods]
    assert all(p.is_file() for p in out["monthly_all"])
    hrefs = [url for tag, attr, url in parse(out["index"]).urls if tag == "a" and url.startswith("monatsbericht_")]
    assert hrefs == [f"monatsbericht_{p}.html" for p in reversed(periods)]
    html = out["index"].read_text(encoding="utf-8")
    assert html.index("<h2>2026</h2>") < html.index("<h2>2025</h2>")
    assert ">Oktober 2025</a>" in html  # the short title: the year's heading says the rest
