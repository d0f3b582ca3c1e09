"""One outcome of a check on one delivery: what dq.check_results keeps per rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.contract import ContractRule


def column_of(kwargs) -> str | None:
    """The column(s) an outcome names, from a rule's or a GX configuration's arguments."""
    if "column" in kwargs:
        return kwargs["column"]
    columns = kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]
    return ",".join(c for c in columns if c) or None


@dataclass(frozen=True)
class CheckOutcome:
    delivery_id: str
    provider_id: str
    table: str
    suite_name: str
    expectation: str
    column: str | None
    description: str
    severity: str  # "error" blocks the marts; "warning" is reported only
    success: bool
    observed_value: str | None = None
    unexpected_count: int | None = None
    element_count: int | None = None
    sample_keys: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    data_version: str | None = None  # the state of the delivery's rows it was made on (validate_staging)

    @classmethod
    def of_rule(
        cls, rule: ContractRule, table: str, delivery_id: str, provider_id: str, **figures: Any
    ) -> CheckOutcome:
        """The outcome of a contract rule (suite `contract_<table>`, blocking) with its figures."""
        return cls(
            delivery_id=delivery_id,
            provider_id=provider_id,
            table=table,
            suite_name=f"contract_{table}",
            expectation=rule.kind,
            column=column_of(rule.kwargs),
            description=rule.description_de,
            severity="error",
            **figures,
        )
