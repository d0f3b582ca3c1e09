"""Provider feedback report ("Rückmeldung an den Träger", reports/provider/).

Warehouses are built through the pipeline's real path: a small synthetic landing folder
(generator → ingest_landing → staging/marts/indicators) and the hand-built leap-month
deliveries of tests/transforms/indicators/hand_built.py (two case providers only). Planted
figures are written into copies of the synthetic warehouse's marts.indicator_values.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from reports.kit import formatting as fmt
from reports.kit.columns import PROVIDER_COMPARISON_GROUPS as KEY_FIGURE_GROUPS
from reports.provider import build_provider_context, render_provider_reports
from reports.suppression import display, indicator_kind
from tests.conftest import TEST_KEY, build_warehouse_models
from tests.html_helpers import chromium_page, parse
from tests.reports.signs import HIDDEN, HIDDEN_NOTE

CITY = "Leverkusen"
K = 5
P = "2026-10"  # the default configuration's demo_end_period: the synthetic landing ends here
PREV = "2026-09"
OWN = "caritas"
CASE_PROVIDERS = ("awo", "caritas", "diakonie", "drk", "stadt")
KEY_INDICATORS = [i for _, ids in KEY_FIGURE_GROUPS for i in ids]

# ---------------------------------------------------------------------------------------------
# Warehouses


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory, config) -> Path:
    """Four months of synthetic deliveries of every configured provider, loaded for real."""
    from synthetic.generator import generate
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect

    root = tmp_path_factory.mktemp("provider_report")
    landing = root / "landing"
    generate(config, landing, months=4, seed=20261, total_cases=300)
    path = root / "warehouse.duckdb"
    con = connect(path)
    try:
        summary = ingest_landing(con, landing, config, TEST_KEY)
        assert not summary.rejected
        build_warehouse_models(con, config, k=K)
    finally:
        con.close()
    return path


@pytest.fixture
def db(synthetic_db, tmp_path):
    """A private, writable copy of the synthetic warehouse."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(synthetic_db, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


@pytest.fixture(scope="module")
def synthetic_reports(synthetic_db, tmp_path_factory):
    """Every provider's report of the newest month (defaults), rendered once."""
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        paths = render_provider_reports(con, tmp_path_factory.mktemp("reports"), city=CITY, k=K)
    finally:
        con.close()
    return paths


@pytest.fixture(scope="module")
def two_provider_db(tmp_path_factory, config):
    """The hand-built leap-month deliveries of the indicator tests
    (tests/transforms/indicators/hand_built.py): caritas (2024-03), diakonie (2024-02, stale in
    March) and the Ausländerbehörde. Only two providers have case figures."""
    from tests.transforms.indicators.hand_built import load_leap
    from warehouse.migrate import connect

    path = tmp_path_factory.mktemp("two_providers") / "warehouse.duckdb"
    con = connect(path)
    try:
        load_leap(con, config)
        build_warehouse_models(con, config, k=K)
    finally:
        con.close()
    return path


def render_one(con, tmp_path, provider_id=OWN, period=None) -> str:
    [path] = render_provider_reports(con, tmp_path / "out", city=CITY, k=K, period=period, provider_ids=[provider_id])
    return path.read_text(encoding="utf-8")


def set_value(
    con,
    indicator,
    provider,
    value,
    *,
    numerator=None,
    denominator=None,
    suppressed=False,
    period=P,
    dimension="all",
    dimension_value="all",
):
    """Plant a figure in marts.indicator_values (insert or overwrite one cell)."""
    con.execute(
        "DELETE FROM marts.indicator_values WHERE indicator_id = ? AND period = ? "
        "AND provider_id = ? AND dimension = ? AND dimension_value = ?",
        [indicator, period, provider, dimension, dimension_value],
    )
    con.execute(
        "INSERT INTO marts.indicator_values (indicator_id, period, provider_id, dimension, "
        "dimension_value, value, numerator, denominator, suppressed) VALUES (?,?,?,?,?,?,?,?,?)",
        [indicator, period, provider, dimension, dimension_value, value, numerator, denominator, suppressed],
    )


def warehouse_row(con, indicator, provider, period=P, dimension="all", dimension_value="all"):
    cursor = con.execute(
        "SELECT value, numerator, denominator, suppressed FROM marts.indicator_values "
        "WHERE indicator_id = ? AND period = ? AND provider_id = ? AND dimension = ? "
        "AND dimension_value = ?",
        [indicator, period, provider, dimension, dimension_value],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip(("value", "numerator", "denominator", "suppressed"), row))


# ---------------------------------------------------------------------------------------------
# Reading the HTML


def sided_cells(html: str) -> dict[tuple, str]:
    """Table cells with a figure: (table, indicator, key, side) -> text."""
    return parse(html).cells("data-side")


def details(page) -> dict[str, str]:
    """The delivery status list: <dd data-indicator=…> by indicator, <dd data-status> as "status"."""
    return {
        e.get("data-indicator") or "status": e.text
        for e in page.find_all("dd")
        if e.has("data-indicator") or e.has("data-status")
    }


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def text_of(html: str) -> str:
    """The visible and machine-readable text: tags removed, entities kept as they are."""
    return re.sub(r"<[^>]+>", " ", html)


# ---------------------------------------------------------------------------------------------
# Files, structure, look


def test_one_file_per_case_provider_for_the_newest_month(synthetic_reports):
    assert [p.name for p in synthetic_reports] == [f"traegerbericht_{pid}_{P}.html" for pid in CASE_PROVIDERS]
    for path in synthetic_reports:
        assert path.is_file() and path.stat().st_size > 10_000


def test_german_headings_in_order(synthetic_reports):
    html = next(p for p in synthetic_reports if OWN in p.name).read_text(encoding="utf-8")
    page = parse(html)
    assert '<html lang="de">' in html
    assert "<title>Rückmeldung an den Träger: Caritasverband Leverkusen – Oktober 2026</title>" in html
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, page.headings  # never skips a level
    h2 = [text for level, text in page.headings if level == 2]
    assert h2 == [
        "Überblick",
        "Kennzahlen im Vergleich",
        "Fallzahlen im Verlauf",
        "Übergaben an andere Stellen",
        "Ungedeckte Bedarfe",
        "Lieferungen",
        "Hinweise zu Datenschutz und Methodik",
        "Tabellen zum Herunterladen",
    ]
    assert page.headings[0] == (1, "Rückmeldung an den Träger: Caritasverband Leverkusen – Oktober 2026")
    h3 = [text for level, text in page.headings if level == 3]
    assert "Vergleich mit der ganzen Stadt" in h3 and "Datenschutz" in h3


def test_tables_have_captions_and_header_scopes(synthetic_reports):
    for path in synthetic_reports:
        page = parse(path.read_text(encoding="utf-8"))
        assert {
            "tabelle-kennzahlen",
            "tabelle-verlauf",
            "tabelle-uebergaben",
            "tabelle-bedarfe",
            "tabelle-lieferungen",
        } <= set(page.tables)
        for table_id in page.tables:
            assert page.caption(table_id), f"{path.name}: table {table_id} has no caption"
        assert not page.th_without_scope(), path.name


def test_self_contained_without_javascript(synthetic_reports):
    for path in synthetic_reports:
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
        for tag, attr, url in page.urls:
            # in-page anchors, the index, and the report's own downloads beside it (present)
            local = url.startswith(f"downloads/{path.stem}") and (path.parent / url).is_file()
            city = url == f"monatsbericht_{path.stem[-7:]}.html"  # the city's report of the month
            assert url.startswith("#") or url == "index.html" or local or city, (tag, attr, url)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
        assert "@import" not in html
        assert not re.search(r"\son[a-z]+\s*=", html.split("<body>", 1)[1], re.I)


def test_charts_have_title_desc_and_a_data_table(synthetic_reports):
    for path in synthetic_reports:
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        charts = svgs(html)
        assert charts, path.name
        for svg in charts:
            root = svg[: svg.index(">")]
            chart_id = re.search(r'\bid="(grafik-[a-z]+)"', root).group(1)
            assert 'role="img"' in root
            assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in root
            assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
            assert re.search(rf'<desc id="{chart_id}-desc">[^<]+</desc>', svg)
            table = {
                "grafik-verlauf": "tabelle-verlauf",
                "grafik-uebergaben": "tabelle-uebergaben",
                "grafik-bedarfe": "tabelle-bedarfe",
            }[chart_id]
            assert table in page.tables, (path.name, chart_id)
            # the figure names the table that holds the chart's values and links to it
            figure = html[: html.index(svg)].rsplit("<figure", 1)[1]
            assert f'data-table="{table}"' in figure
            caption = html[html.index(svg) :].split("</figcaption>", 1)[0]
            assert f'<a href="#{table}">' in caption
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), "duplicate ids"
        # the trend chart shows the provider, not the city
        trend = next(svg for svg in charts if 'id="grafik-verlauf"' in svg[:300])
        assert "Stadt gesamt" not in trend


def test_rendering_is_deterministic(synthetic_db, tmp_path):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        first = render_one(con, tmp_path / "a")
        second = render_one(con, tmp_path / "b")
    finally:
        con.close()
    assert first == second


# ---------------------------------------------------------------------------------------------
# Figures


def expected_city(con, indicator, period=P, dimension="all", value="all") -> str:
    """The city-wide figure as the release prints it: the same for every provider's report."""
    return display(warehouse_row(con, indicator, "all", period, dimension, value), indicator_kind(indicator), K).text


def test_own_and_city_figures_equal_the_warehouse(synthetic_db, synthetic_reports):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        for path in synthetic_reports:
            provider = path.name.split("_")[1]
            cells = sided_cells(path.read_text(encoding="utf-8"))
            shown = 0
            for indicator in KEY_INDICATORS:
                kind = indicator_kind(indicator)
                key = ("tabelle-kennzahlen", indicator)
                own = display(warehouse_row(con, indicator, provider), kind, K).text
                before = display(warehouse_row(con, indicator, provider, PREV), kind, K).text
                assert cells[key + ("month", "own")] == own, (provider, indicator)
                assert cells[key + ("previous", "own")] == before, (provider, indicator)
                assert cells[key + ("month", "city")] == expected_city(con, indicator)
                shown += cells[key + ("month", "city")] not in (HIDDEN, "k. A.")
            assert shown >= 5, f"{provider}: hardly any city-wide figure shown"
            # breakdowns: the city-wide side is the city's figure too
            for table, dimension, indicator in (
                ("tabelle-uebergaben", "target_service", "handover_delay_median_days"),
                ("tabelle-bedarfe", "category", "needs_unmet_share"),
            ):
                for (t, ind, code, side), text in cells.items():
                    if t == table and ind == indicator and side == "city" and code != "all":
                        assert text == expected_city(con, indicator, P, dimension, code), (
                            provider,
                            ind,
                            code,
                        )
        # spot check against raw numbers, in German format
        value = warehouse_row(con, "cases_active", OWN)["value"]
        cells = sided_cells(next(p for p in synthetic_reports if OWN in p.name).read_text(encoding="utf-8"))
        assert cells[("tabelle-kennzahlen", "cases_active", "month", "own")] == fmt.integer(value)
    finally:
        con.close()


def test_change_against_previous_month(synthetic_db, synthetic_reports):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        cells = sided_cells(next(p for p in synthetic_reports if OWN in p.name).read_text(encoding="utf-8"))
        for indicator in ("cases_active", "cases_new", "persons_active"):
            now = warehouse_row(con, indicator, OWN)
            before = warehouse_row(con, indicator, OWN, PREV)
            change = cells[("tabelle-kennzahlen", indicator, "change", "own")]
            if (
                display(now, indicator_kind(indicator), K).hidden
                or display(before, indicator_kind(indicator), K).hidden
            ):
                assert change == HIDDEN
            else:
                diff = int(now["value"] - before["value"])
                sign = "+" if diff > 0 else ("\u2212" if diff < 0 else "\u00b1")
                assert change == sign + fmt.integer(abs(diff))
    finally:
        con.close()


def test_german_number_formats(db, tmp_path):
    set_value(db, "cases_active", OWN, 1234.0, numerator=1234)
    set_value(db, "needs_unmet_share", OWN, 0.125, numerator=5, denominator=40)
    set_value(db, "handover_delay_median_days", OWN, 12.5, denominator=30)
    set_value(db, "cases_active", OWN, 1200.0, numerator=1200, period=PREV)
    html = render_one(db, tmp_path)
    cells = sided_cells(html)
    assert cells[("tabelle-kennzahlen", "cases_active", "month", "own")] == "1.234"
    assert cells[("tabelle-kennzahlen", "cases_active", "change", "own")] == "+34"
    assert cells[("tabelle-kennzahlen", "needs_unmet_share", "month", "own")] == "12,5 %"
    assert cells[("tabelle-kennzahlen", "handover_delay_median_days", "month", "own")] == "12,5"
    assert "Oktober 2026" in html and "September 2026" in html
    # the trend table and the chart's label use the same German figures
    assert cells[("tabelle-verlauf", "cases_active", P, "own")] == "1.234"
    trend = next(svg for svg in svgs(html) if 'id="grafik-verlauf"' in svg[:300])
    assert ">1.234<" in trend


def test_suppressed_own_figures_never_show_their_value(db, tmp_path, monkeypatch):
    from reports.kit import charts

    calls = []
    original = charts.trend_chart

    def recording_trend_chart(periods, active, new, closed, **kwargs):
        calls.append((list(periods), dict(active), dict(new), dict(closed), kwargs))
        return original(periods, active, new, closed, **kwargs)

    monkeypatch.setattr(charts, "trend_chart", recording_trend_chart)
    set_value(db, "cases_closed", OWN, 3.0, numerator=3, suppressed=True)  # primary
    set_value(db, "cases_new", OWN, 987.0, numerator=987, suppressed=True)  # secondary
    set_value(db, "handover_delay_median_days", OWN, 77.7, denominator=3, suppressed=True)
    set_value(db, "needs_unmet_share", OWN, 0.6543, numerator=17, denominator=26, suppressed=True)
    html = render_one(db, tmp_path)
    page = parse(html)
    cells = page.cells("data-side")
    assert cells[("tabelle-kennzahlen", "cases_closed", "month", "own")] == HIDDEN
    assert cells[("tabelle-kennzahlen", "cases_closed", "change", "own")] == HIDDEN
    assert cells[("tabelle-verlauf", "cases_closed", P, "own")] == HIDDEN
    assert cells[("tabelle-kennzahlen", "cases_new", "month", "own")] == HIDDEN
    assert cells[("tabelle-verlauf", "cases_new", P, "own")] == HIDDEN
    assert cells[("tabelle-kennzahlen", "handover_delay_median_days", "month", "own")] == HIDDEN
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "all", "own")] == HIDDEN
    assert cells[("tabelle-kennzahlen", "needs_unmet_share", "month", "own")] == HIDDEN
    assert page.cards()["cases_closed"][1] == HIDDEN
    assert page.cards()["cases_new"][1] == HIDDEN
    for raw in ("987", "77,7", "77.7", "65,4", "0.6543"):
        assert raw not in html, raw
    # primary (3) and secondary (987) hidden counts, a hidden median and a hidden share: one
    # text, one class, one note — nothing tells which is small and which is large
    looks = {
        (td.text, tuple(td.classes), td.get("title"))
        for td in page.find_all("td", attr="data-side")
        if td.get("data-side") == "own"
        and (td.get("data-indicator"), td.get("data-key"))
        in {
            ("cases_closed", "month"),
            ("cases_new", "month"),
            ("handover_delay_median_days", "month"),
            ("needs_unmet_share", "month"),
            ("cases_closed", "change"),
        }
    }
    assert looks == {(HIDDEN, ("num", "cell-hidden"), HIDDEN_NOTE)} or looks == {
        (HIDDEN, ("num", "cell-hidden"), HIDDEN_NOTE),
        (HIDDEN, ("num", "change", "cell-hidden"), HIDDEN_NOTE),
    }, looks
    assert "&lt; 5" not in html
    # the hidden month is left out of the chart and named under it, without a reason
    note = re.search(r"Aus Datenschutzgründen nicht dargestellt: ([^.]*)\.", html)
    assert note and "Oktober 2026" in note.group(1), note
    [(periods, active, new, closed, kwargs)] = calls
    assert P in periods and P in active
    assert P not in new and P not in closed  # hidden: a gap, not a bar
    assert "987" not in kwargs["title"] + kwargs["description"]


def test_legend_explains_the_signs(synthetic_reports):
    html = synthetic_reports[0].read_text(encoding="utf-8")
    page = parse(synthetic_reports[0])
    legends = page.find_all("dl")
    legends = [dl for dl in legends if "legend" in dl.classes]
    assert len(legends) == 2  # compact under the key figures, full in the notes
    for dl in legends:
        assert [dt.text for dt in dl.iter("dt")] == [HIDDEN, "0", "k. A."]
    assert f"<dt>{HIDDEN}</dt><dd>Zahlenwert unbekannt oder geheim zu halten</dd>" in html
    for old in ("<dt>&lt; 5</dt>", "<dt>x</dt>", "<dt>–</dt>", "zwischen 1 und", "gesperrt"):
        assert old not in html, old
    # the method note, and the city comparison explained without telling a size
    assert "Diese Regeln gelten auch für die Zahlen Ihres eigenen Trägers." in html
    assert "Zahlen anderer Träger zurückrechnen ließen" in html
    assert "weniger als zwei weitere Träger" not in html


# ---------------------------------------------------------------------------------------------
# Privacy


def test_no_other_provider_name_or_figure(db, tmp_path):
    # Distinctive figures at other providers: none may appear in caritas' report.
    set_value(db, "cases_active", "diakonie", 4321.0, numerator=4321)
    set_value(db, "handover_delay_median_days", "diakonie", 88.8, denominator=31)
    set_value(db, "needs_unmet_share", "awo", 0.4321, numerator=19, denominator=44)
    set_value(
        db,
        "handover_delay_median_days",
        "drk",
        66.6,
        denominator=12,
        dimension="target_service",
        dimension_value="jobcenter",
    )
    set_value(
        db, "needs_open_over_90d", "stadt", 5555.0, numerator=5555, dimension="category", dimension_value="wohnen"
    )
    set_value(db, "cases_new", "diakonie", 2468.0, numerator=2468, period=PREV)
    html = render_one(db, tmp_path)
    for raw in ("4.321", "4321", "88,8", "88.8", "43,2", "0.4321", "66,6", "5.555", "5555", "2.468", "2468"):
        assert raw not in html, raw
    names = dict(db.execute("SELECT provider_id, provider_name FROM marts.dim_providers").fetchall())
    assert names[OWN] in html
    text = text_of(html)
    for provider_id, name in names.items():
        if provider_id == OWN:
            continue
        assert name not in html, name
        assert not re.search(rf"\b{re.escape(provider_id)}\b", text), provider_id
        assert f'"{provider_id}"' not in html, provider_id  # in no attribute either
        assert f"_{provider_id}_" not in html


def city_side(html: str) -> dict[tuple, str]:
    return {key[:3]: text for key, text in sided_cells(html).items() if key[3] == "city"}


def test_the_city_column_is_the_same_in_every_providers_report(synthetic_reports):
    """Issue 15 (a review of the published demo): the city column hid a city figure in one
    provider's report when the city minus that provider's own figure was small, and showed it in
    the others. The pattern of "•" across the reports then told what it hid: the demo's city
    share of unmet health needs, 37,5 %, hidden in exactly two reports, pinned its base to 8 and
    both providers' bases to 4. Now every report prints the city figure as the release does."""
    sides = {path.name: city_side(path.read_text(encoding="utf-8")) for path in synthetic_reports}
    assert len(sides) == len(CASE_PROVIDERS)
    shared = set.intersection(*(set(side) for side in sides.values()))
    assert len(shared) >= 20
    for key in shared:
        assert len({side[key] for side in sides.values()}) == 1, (key, {n: s[key] for n, s in sides.items()})


def test_a_small_rest_of_the_city_does_not_change_the_city_column(db, tmp_path):
    """Where the city minus the provider's own figure is a count of 1 to k-1, the provider's report
    still prints the city figure the release prints (the disclosure audit's insider reader decides
    whether the release may carry it), so the report looks the same from every provider."""
    set_value(db, "cases_closed", "all", 23.0, numerator=23)
    set_value(db, "cases_closed", OWN, 20.0, numerator=20)
    for provider, value in (("diakonie", 2), ("awo", 1), ("drk", 0), ("stadt", 0)):
        set_value(db, "cases_closed", provider, float(value), numerator=value, suppressed=value > 0)
    own_report = city_side(render_one(db, tmp_path / "own"))
    other_report = city_side(render_one(db, tmp_path / "other", "drk"))
    assert own_report[("tabelle-kennzahlen", "cases_closed", "month")] == "23"
    assert other_report[("tabelle-kennzahlen", "cases_closed", "month")] == "23"
    both = set(own_report) & set(other_report)
    assert len(both) >= 20 and all(own_report[key] == other_report[key] for key in both)
    # a city figure the release hides is hidden in every report
    set_value(db, "cases_closed", "all", 23.0, numerator=23, suppressed=True)
    assert city_side(render_one(db, tmp_path / "hidden"))[("tabelle-kennzahlen", "cases_closed", "month")] == HIDDEN


def test_with_two_providers_each_report_shows_the_city_figures_and_its_own(two_provider_db, tmp_path):
    con = duckdb.connect(str(two_provider_db), read_only=True)
    try:
        for period in ("2024-02", "2024-03"):
            pages = {p: render_one(con, tmp_path / p / period, p, period) for p in ("caritas", "diakonie")}
            for provider, html in pages.items():
                page = parse(html)
                for indicator in ("cases_active", "cases_new", "persons_active"):
                    row = warehouse_row(con, indicator, provider, period)
                    cells = page.cells("data-side")
                    assert cells[("tabelle-kennzahlen", indicator, "month", "own")] == display(row, indicator_kind(indicator), K).text  # fmt: skip
                    assert cells[("tabelle-kennzahlen", indicator, "month", "city")] == expected_city(con, indicator, period)  # fmt: skip
                other = "diakonie" if provider == "caritas" else "caritas"
                other_name = con.execute(
                    "SELECT provider_name FROM marts.dim_providers WHERE provider_id = ?", [other]
                ).fetchone()[0]
                assert other_name not in html
            assert city_side(pages["caritas"]) == city_side(pages["diakonie"]), period
        # diakonie's newest delivery is February: stale in March
        html = render_one(con, tmp_path / "stale", "diakonie", "2024-03")
        page = parse(html)
        assert details(page)["status"].startswith("Februar 2024") and "veraltet" in details(page)["status"]
        assert "Hinweis zum Datenstand" in html
    finally:
        con.close()


def test_no_pseudonym_in_any_report(synthetic_db, synthetic_reports):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        pseudonyms = set()
        for query in (
            "SELECT DISTINCT case_id, person_id, case_manager_id FROM raw.cases",
            "SELECT DISTINCT need_id, case_id, NULL FROM raw.needs",
            "SELECT DISTINCT handover_id, case_id, NULL FROM raw.handovers",
            "SELECT DISTINCT person_id, NULL, NULL FROM raw.status_changes",
            # a delivery id is <provider>_<period>_<content key prefix>: its key part is the secret
            # one ("traegerbericht_diakonie_2026-10" names a download, not a delivery)
            "SELECT DISTINCT regexp_extract(delivery_id, '_([0-9a-f]{8,})$', 1), content_key, NULL FROM raw.deliveries",
        ):
            for row in con.execute(query).fetchall():
                pseudonyms.update(v for v in row if v)
    finally:
        con.close()
    assert len(pseudonyms) > 500
    for path in synthetic_reports:
        html = path.read_text(encoding="utf-8")
        for pseudonym in pseudonyms:
            # also no truncated pseudonym (pseudonyms are 32+ hex characters)
            assert pseudonym[:16] not in html, (path.name, pseudonym)


def test_context_holds_display_cells_only(synthetic_db):
    """build_provider_context is testable without rendering; hidden cells carry no value."""
    from reports.suppression import Cell

    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        context = build_provider_context(con, city=CITY, k=K, period=P, provider_id=OWN)
    finally:
        con.close()
    assert context["title"] == "Rückmeldung an den Träger: Caritasverband Leverkusen – Oktober 2026"
    seen = []

    def walk(obj):
        if isinstance(obj, Cell):
            seen.append(obj)
            if obj.hidden or obj.status == "missing":
                assert obj.value is None, obj
            if obj.value is not None and obj.status in ("value",) and obj.text.isdigit():
                assert int(obj.text) == 0 or int(obj.text) >= K
        elif isinstance(obj, dict):
            for value in obj.values():
                walk(value)
        elif isinstance(obj, (list, tuple)):
            for value in obj:
                walk(value)
        elif hasattr(obj, "__dataclass_fields__"):
            for name in obj.__dataclass_fields__:
                walk(getattr(obj, name))

    walk(context)
    assert len(seen) > 50


def test_delivery_status(synthetic_db, synthetic_reports):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        html = next(p for p in synthetic_reports if OWN in p.name).read_text(encoding="utf-8")
        page = parse(html)
        assert details(page)["status"] == "Oktober 2026 aktuell"
        on_time = warehouse_row(con, "delivery_on_time", OWN)
        assert details(page)["delivery_on_time"] == display(on_time, indicator_kind("delivery_on_time"), K).text
        statuses = dict(
            con.execute("SELECT period, status FROM marts.delivery_timeliness WHERE provider_id = ?", [OWN]).fetchall()
        )
    finally:
        con.close()
    rows = re.findall(
        r'<tr data-key="(\d{4}-\d{2})">\s*<th scope="row">[^<]+</th>\s*'
        r'<td class="num">[^<]*</td>\s*<td class="num">[^<]*</td>\s*'
        r'<td data-status="([a-z]+)">',
        html,
    )
    assert rows and dict(rows) == {p: s for p, s in statuses.items() if p in dict(rows)}
    assert len(rows) == len([p for p in statuses if p <= P])


def test_invalid_arguments(synthetic_db, tmp_path):
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        for kwargs in (
            {"period": "../../etc"},
            {"provider_ids": ["../x"]},
            {"provider_ids": ["unbekannt"]},
            {"provider_ids": ["abh"]},
        ):
            with pytest.raises(ValueError):
                render_provider_reports(con, tmp_path, city=CITY, k=K, **kwargs)
        assert not list(tmp_path.glob("traegerbericht_*"))
        [path] = render_provider_reports(con, tmp_path, city=CITY, k=K, period=PREV, provider_ids=["drk"])
        assert path.name == f"traegerbericht_drk_{PREV}.html"
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# Headless browser


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.browser
def test_provider_report_in_headless_chromium(synthetic_reports, tmp_path):
    path = next(p for p in synthetic_reports if OWN in p.name)
    with chromium_page() as (page, traffic):
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.inner_text("h1") == ("Rückmeldung an den Träger: Caritasverband Leverkusen – Oktober 2026")
        charts = page.locator("svg.chart")
        assert charts.count() >= 1
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100
        shot = tmp_path / "traegerbericht.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        keep = os.environ.get("KIM_PROVIDER_REPORT_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and pdf_pages(pdf) > 0
    assert not traffic.external, traffic.external
    assert traffic.requests, "the browser recorded no request at all"
    assert not traffic.failed, traffic.failed
    assert not traffic.console_errors, traffic.console_errors


def test_reports_rendered_in_worker_processes_are_the_ones_rendered_here(db, tmp_path, monkeypatch):
    """From PARALLEL_FROM reports on, workers render from a snapshot of the relations the report
    code reads (the run holds the warehouse for writing): every file byte for byte the same, in
    the same order, and the charts go into the run's chart cache."""
    from reports.kit import parallel
    from reports.kit.chart_cache import chart_cache
    from tests.html_helpers import assert_same_files

    serial = render_provider_reports(db, tmp_path / "serial", city=CITY, k=K)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "CHUNK", 1)
    with chart_cache(tmp_path / "charts") as drawn_here:
        in_workers = render_provider_reports(db, tmp_path / "workers", city=CITY, k=K)
    assert len(serial) > 1 and [p.name for p in in_workers] == [p.name for p in serial]
    assert_same_files(tmp_path / "serial", tmp_path / "workers")
    assert drawn_here.drawn == 0 and any((tmp_path / "charts").rglob("*.svg"))  # drawn by the workers


def test_reports_are_rendered_in_workers_from_a_read_only_warehouse_too(synthetic_db, tmp_path, monkeypatch):
    """An analyst's read-only connection: the snapshot is a file of its own, written all the same."""
    from reports.kit import parallel

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    con = duckdb.connect(str(synthetic_db), read_only=True)
    try:
        paths = render_provider_reports(con, tmp_path / "out", city=CITY, k=K)
    finally:
        con.close()
    assert len(paths) > 1 and all(path.is_file() for path in paths)
