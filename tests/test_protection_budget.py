"""KIM_PROTECTION_SECONDS, KIM_AUDIT_SECONDS and KIM_LOCK_TIMEOUT: the time budgets of the protection step and the gate audit, and how long a run waits for the warehouse (kim.settings)."""

import pytest

from kim.settings import DEFAULT_PROTECTION_SECONDS, protection_budget_seconds


def test_the_budget_defaults_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv("KIM_PROTECTION_SECONDS", raising=False)
    assert protection_budget_seconds() == DEFAULT_PROTECTION_SECONDS
    monkeypatch.setenv("KIM_PROTECTION_SECONDS", "45")
    assert protection_budget_seconds() == 45.0


@pytest.mark.parametrize("raw", ["viel", "0", "-3"])
def test_a_budget_that_is_not_a_positive_number_is_refused_with_its_name(monkeypatch, raw):
    monkeypatch.setenv("KIM_PROTECTION_SECONDS", raw)
    with pytest.raises(ValueError, match="KIM_PROTECTION_SECONDS"):
        protection_budget_seconds()


def test_the_audit_budget_defaults_and_is_refused_when_not_positive(monkeypatch):
    from kim.settings import DEFAULT_AUDIT_SECONDS, audit_budget_seconds

    monkeypatch.delenv("KIM_AUDIT_SECONDS", raising=False)
    assert audit_budget_seconds() == DEFAULT_AUDIT_SECONDS
    monkeypatch.setenv("KIM_AUDIT_SECONDS", "90")
    assert audit_budget_seconds() == 90.0
    monkeypatch.setenv("KIM_AUDIT_SECONDS", "0")
    with pytest.raises(ValueError, match="KIM_AUDIT_SECONDS"):
        audit_budget_seconds()


def test_the_lock_waits_by_default_as_long_as_a_run_may_take_within_its_budgets(monkeypatch):
    """A second `kim run` waits for one still within its budgets: 1,800 s (the old default) was
    shorter than the two disclosure budgets alone (1,800 s + 1,200 s)."""
    from kim.settings import RUN_WITHOUT_DISCLOSURE_SECONDS, Settings

    monkeypatch.delenv("KIM_LOCK_TIMEOUT", raising=False)
    monkeypatch.delenv("KIM_PROTECTION_SECONDS", raising=False)
    monkeypatch.delenv("KIM_AUDIT_SECONDS", raising=False)
    assert Settings.from_env().lock_timeout == 1800.0 + 1200.0 + RUN_WITHOUT_DISCLOSURE_SECONDS
    monkeypatch.setenv("KIM_PROTECTION_SECONDS", "100")
    monkeypatch.setenv("KIM_AUDIT_SECONDS", "50")
    assert Settings.from_env().lock_timeout == 150.0 + RUN_WITHOUT_DISCLOSURE_SECONDS
    monkeypatch.setenv("KIM_LOCK_TIMEOUT", "0")
    assert Settings.from_env().lock_timeout == 0.0
    monkeypatch.setenv("KIM_LOCK_TIMEOUT", "90")
    assert Settings.from_env().lock_timeout == 90.0


@pytest.mark.parametrize("raw", ["lange", "-1", "nan"])
def test_a_lock_timeout_that_is_not_a_number_of_seconds_is_refused_with_its_name(monkeypatch, raw):
    from kim.settings import Settings

    monkeypatch.setenv("KIM_LOCK_TIMEOUT", raw)
    with pytest.raises(ValueError, match="KIM_LOCK_TIMEOUT must be"):
        Settings.from_env()
