"""The disclosure audit between the marts and the published reports (design §6): enforced, a
release whose hidden counts can be narrowed below k is not published — the report assets do not
run, earlier reports stay as they were, `kim run` fails; in warn mode (demo) the reports are
written and the audit's verdict is a warning. Both with real Dagster materialisations."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
from rich.console import Console

from kim.run_output import print_protection_budget
from kim.settings import Settings, disclosure_audit_enforced
from pipelines.definitions import defs as load_definitions
from pipelines.runner import run_pipeline
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY
from tests.dagster_runs import in_memory_instance

pytestmark = pytest.mark.e2e

PUBLISHED = {("reports", "monthly_monitoring"), ("reports", "provider_feedback"), ("reports", "annual_evaluation")}


def _run(tmp_path, config, monkeypatch, mode: str):
    monkeypatch.setenv("KIM_DISCLOSURE_AUDIT", mode)
    generate(config, tmp_path / "landing", months=3, seed=5, total_cases=300)
    settings = Settings(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "warehouse.duckdb",
        reports_dir=tmp_path / "reports",
        config=config.path,
        pseudonym_key=STRONG_TEST_KEY,
        suppression_k=5,
    )
    definitions = load_definitions()
    with in_memory_instance() as instance:
        return run_pipeline(definitions, settings, instance).result, settings


@pytest.fixture(scope="module")
def enforced_run(tmp_path_factory, config):
    """One enforced run of the default data (protection with its full budget), read by the tests
    that only look at its outcome: the same run each of them made on its own before."""
    with pytest.MonkeyPatch.context() as monkeypatch:  # the mode is set for this run only
        return _run(tmp_path_factory.mktemp("enforced"), config, monkeypatch, "enforce")


def _audit_row(settings: Settings) -> tuple:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute("SELECT targets, unprotected, passed FROM dq.disclosure_audits").fetchall()[-1]
    finally:
        con.close()


def test_in_warn_mode_the_reports_are_written_and_the_audit_warns(tmp_path, config, monkeypatch):
    # A protection out of time (as in the enforced failing run below) leaves the release
    # unprotected: the audit fails, and warn mode still writes the reports.
    monkeypatch.setenv("KIM_PROTECTION_SECONDS", "0.001")
    result, settings = _run(tmp_path, config, monkeypatch, "warn")
    check = next(c for c in result.get_asset_check_evaluations() if c.check_name == "release_is_protected")
    assert check.severity == dg.AssetCheckSeverity.WARN
    targets, unprotected, passed = _audit_row(settings)
    assert targets > 0 and unprotected > 0 and not passed and not check.passed
    materialised = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert materialised >= PUBLISHED
    assert list(settings.reports_dir.glob("monatsbericht_*.html"))


def test_an_enforced_passing_audit_publishes_the_reports(enforced_run):
    result, settings = enforced_run
    targets, unprotected, passed = _audit_row(settings)
    assert targets > 0 and unprotected == 0 and passed  # the protection step satisfied the audit
    check = next(c for c in result.get_asset_check_evaluations() if c.check_name == "release_is_protected")
    assert check.passed
    materialised = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert materialised >= PUBLISHED
    assert list(settings.reports_dir.glob("monatsbericht_*.html"))


def test_an_enforced_failing_audit_publishes_nothing(tmp_path, config, monkeypatch):
    # (after the warn-mode test in the same process: enforcement is read when the check runs)
    # A protection step out of time (one round: the primary rule alone) leaves the release
    # unprotected; the audit must stop it.
    monkeypatch.setenv("KIM_PROTECTION_SECONDS", "0.001")
    result, settings = _run(tmp_path, config, monkeypatch, "enforce")
    targets, unprotected, passed = _audit_row(settings)
    assert targets > 0 and unprotected > 0 and not passed
    check = next(c for c in result.get_asset_check_evaluations() if c.check_name == "release_is_protected")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    materialised = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert not PUBLISHED & materialised
    assert ("dq", "disclosure_audit") in materialised and ("marts", "indicator_values") in materialised
    assert not list(settings.reports_dir.glob("monatsbericht_*.html"))
    assert not list(settings.reports_dir.glob("jahresbericht_*.html"))
    # kim run tells the steward why: the protection's budget, and the setting that gives it more
    console = Console(record=True, width=400)
    print_protection_budget(console, result)
    said = console.export_text()
    assert "Schutzschritt hat seine Zeit (0,001 s, KIM_PROTECTION_SECONDS) aufgebraucht" in said


def test_a_protection_within_its_budget_blames_no_budget(enforced_run):
    result, _ = enforced_run
    console = Console(record=True, width=400)
    print_protection_budget(console, result)
    assert console.export_text() == ""


@pytest.mark.parametrize(
    ("mode", "demo", "enforced"),
    [("", "", True), ("", "1", False), ("enforce", "1", True), ("warn", "", False), ("WARN ", "", False)],
)
def test_enforcement_is_the_default_outside_demo_mode(monkeypatch, mode, demo, enforced):
    monkeypatch.setenv("KIM_DISCLOSURE_AUDIT", mode)
    monkeypatch.setenv("KIM_DEMO_MODE", demo)
    assert disclosure_audit_enforced() is enforced


def test_an_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("KIM_DISCLOSURE_AUDIT", "sometimes")
    with pytest.raises(ValueError, match="KIM_DISCLOSURE_AUDIT must be one of enforce, warn"):
        disclosure_audit_enforced()


# A grouped row that pools nothing repeats a fine row: both must carry one status, and a fine city
# row that lies in a pool is never printed (transforms.disclosure.grouping).
GROUPED_TWINS = """
SELECT g.indicator_id, g.period, g.dimension, g.dimension_value, g.status, f.status
FROM marts.indicator_publication g
JOIN marts.indicator_publication f
  ON f.indicator_id = g.indicator_id AND f.period = g.period AND f.provider_id = 'all'
 AND f.dimension = replace(g.dimension, '_grouped', '') AND f.dimension_value = g.dimension_value
WHERE g.provider_id = 'all' AND suffix(g.dimension, '_grouped') AND NOT contains(g.dimension_value, '|')
"""
POOLED_MEMBERS = """
SELECT f.status, count(*)
FROM marts.indicator_publication g, unnest(string_split(g.dimension_value, '+')) AS m(member)
JOIN marts.indicator_publication f
  ON f.indicator_id = g.indicator_id AND f.period = g.period AND f.provider_id = 'all'
 AND f.dimension = replace(g.dimension, '_grouped', '') AND f.dimension_value = m.member
WHERE g.provider_id = 'all' AND suffix(g.dimension, '_grouped') AND contains(g.dimension_value, '+')
  AND NOT contains(g.dimension_value, '|')
GROUP BY ALL
"""


def test_grouped_rows_share_their_fine_rows_status_and_pooled_members_are_not_printed(enforced_run):
    _, settings = enforced_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        twins = con.execute(GROUPED_TWINS).fetchall()
        members = dict(con.execute(POOLED_MEMBERS).fetchall())
    finally:
        con.close()
    assert twins, "the small release has grouped breakdowns"
    assert [t for t in twins if t[4] != t[5]] == []
    assert members and set(members) == {"unpublished"}


# The plan the protection left (transforms.disclosure.plan.demoted): a monthly table it turned into
# a wall of "•" is published per year only, and the stored plan and rows agree.
DEMOTED = """
SELECT indicator_id, level, dimension FROM marts.publication_plan
WHERE NOT monthly AND yearly AND monthly_hidden_share <= 0.25 AND NOT suffix(dimension, '_grouped')
"""
PRINTED_MONTHLY = """
SELECT p.indicator_id, CASE WHEN p.provider_id = 'all' THEN 'city' ELSE 'provider' END AS level, p.dimension,
       count(*) FILTER (WHERE status = 'hidden') AS hidden, count(*) AS printed
FROM marts.indicator_publication p
WHERE length(p.period) = 7 AND p.status <> 'unpublished'
GROUP BY ALL
"""


def test_tables_the_protection_hides_mostly_are_published_per_year(enforced_run):
    _, settings = enforced_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        demoted = set(con.execute(DEMOTED).fetchall())
        printed = {row[:3]: row[3:] for row in con.execute(PRINTED_MONTHLY).fetchall()}
        passed = _audit_row(settings)[2]
    finally:
        con.close()
    assert passed
    # e.g. the providers' caseload per FTE: few small counts, yet hidden with the stock it divides
    assert ("caseload_per_fte", "provider", "all") in demoted
    assert not demoted & set(printed), "a table published per year only has printed monthly rows"
    walls = {key for key, (hidden, total) in printed.items() if hidden > total / 2 and key[1:] != ("city", "all")}
    assert walls == set()
