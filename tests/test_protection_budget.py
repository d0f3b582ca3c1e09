"""KIM_PROTECTION_SECONDS and KIM_AUDIT_SECONDS: the time budgets of the protection step and the gate audit (kim.settings)."""

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
