"""The data-quality report's view model (display strings only) and what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent / "sql"
TEMPLATES = Path(__file__).resolve().parent / "templates"

DQ_PREFIX = "datenqualitaet_"


TEMPLATE = "datenqualitaet.html.j2"


WINDOW_MONTHS = 12


COMPLETENESS_THRESHOLD = 0.95


QUARANTINE_ROW_LIMIT = 20


SAMPLE_KEY_LIMIT = 5


VALUE_MAX_CHARS = 40


MASK = "[ausgeblendet]"


# Columns that describe the person (not the case handling). Their values never appear in this
# report, not even when they are the invalid value of a quarantined row.
PERSON_ATTRIBUTE_COLUMNS = frozenset(
    {
        "birth_year",
        "gender",
        "nationality",
        "residence_status",
        "arrival_year",
        "district",
        "status_from",
        "status_to",
    }
)


# Columns whose emptiness means something (design §3): filled only under a condition, so low
# completeness is expected and not highlighted. (Optional columns where empty just means
# "unknown", such as arrival_year or district, are highlighted like required ones.)
CONDITIONAL_COLUMNS = frozenset(
    {
        ("cases", "closed_on"),
        ("cases", "closing_reason"),
        ("needs", "resolved_on"),
        ("needs", "unmet_reason"),
        ("handovers", "need_id"),
        ("handovers", "first_contact_on"),
        ("assignments", "assigned_to"),
    }
)


@dataclass(frozen=True)
class Status:
    """A status word with a symbol, so nothing is told by colour alone. `tone` picks the CSS
    class: ok, warn, bad, open (not yet due) or none (no information / neutral)."""

    symbol: str
    word: str
    tone: str
    note: str = ""


RATING_OK = Status("✓", "In Ordnung", "ok")


RATING_WARN = Status("!", "Beobachten", "warn")


RATING_BAD = Status("✗", "Handlungsbedarf", "bad")


TIMELINESS: dict[str, Status] = {
    "fristgerecht": Status("✓", "fristgerecht", "ok"),
    "verspaetet": Status("!", "verspätet", "warn"),
    "fehlt": Status("✗", "fehlt", "bad"),
    "offen": Status("○", "offen", "open"),
}


TIMELINESS_NONE = Status("–", "keine Angabe", "none")


DELIVERY_STATE: dict[str, Status] = {
    "accepted": Status("✓", "angenommen", "ok"),
    "superseded": Status("↻", "ersetzt", "none"),
    "rejected": Status("✗", "abgelehnt", "bad"),
    # loaded, then failed a blocking check: not used, the previous delivery stays current
    "held": Status("⏸", "zurückgehalten", "bad"),
}


SEVERITY: dict[str, Status] = {
    "error": Status("✗", "Fehler", "bad"),
    "warning": Status("!", "Warnung", "warn"),
}


@dataclass(frozen=True)
class Provider:
    provider_id: str
    name: str
    kind: str | None  # None: not configured (only seen in the delivery register)

    @property
    def configured(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""
    tone: str = "none"


@dataclass(frozen=True)
class OverviewRow:
    provider_id: str
    name: str
    rating: Status
    reasons: list[str]
    reference_label: str
    reference_stale: bool
    latest: Status | None
    latest_label: str
    rows: str
    quarantined: str
    errors: str
    warnings: str
    timeliness: Status


@dataclass(frozen=True)
class Rejection:
    title: str
    message: str
    rule: str
    file: str
    line: str
    action: str = ""  # what the provider does about it, in German (checks.rules.DELIVERY_RULE_ACTIONS)


@dataclass(frozen=True)
class DeliveryEntry:
    delivery_id: str
    period_label: str
    received: str
    exported: str
    state: Status
    rows: str
    quarantined: str
    rejection: Rejection | None


@dataclass(frozen=True)
class ProviderDeliveries:
    provider_id: str
    name: str
    entries: list[DeliveryEntry]


@dataclass(frozen=True)
class TimelinessRow:
    provider_id: str
    name: str
    cells: list[Status]
    summary: str


@dataclass(frozen=True)
class Failure:
    severity: Status
    table: str
    column: str
    description: str
    expectation: str
    affected: str
    observed: str
    sample_keys: list[str]


@dataclass(frozen=True)
class ProviderChecks:
    provider_id: str
    name: str
    delivery_label: str
    delivery_id: str | None
    summary: str
    failures: list[Failure]


@dataclass(frozen=True)
class QuarantineGroup:
    provider_id: str
    name: str
    table: str
    column: str
    rule: str
    text: str
    count: str


@dataclass(frozen=True)
class QuarantineRow:
    provider_id: str
    name: str
    table: str
    file: str
    line: str
    column: str
    rule: str
    text: str
    record_key: str


@dataclass(frozen=True)
class CompletenessCell:
    text: str
    low: bool = False
    note: str = ""


@dataclass(frozen=True)
class CompletenessRow:
    column: str
    conditional: bool
    optional: bool
    cells: list[CompletenessCell]


@dataclass(frozen=True)
class CompletenessTable:
    table: str
    label: str
    providers: list[Provider]
    row_counts: list[str]
    rows: list[CompletenessRow]
    note: str | None = None


@dataclass(frozen=True)
class SeriesRow:
    name: str
    measure: str
    cells: list[str]


@dataclass
class Inputs:
    """Which optional warehouse inputs exist (schema.table -> its columns)."""

    relations: dict[str, list[str]] = field(default_factory=dict)

    def has(self, relation: str) -> bool:
        return relation in self.relations

    def columns(self, relation: str) -> list[str]:
        return self.relations.get(relation, [])


# The disclosure audit (design §6, warehouse/disclosure_audit.py): its newest run for data stewards.
DISCLOSURE_ROW_LIMIT = 30  # the narrowest intervals listed
DISCLOSURE_BINDING_LIMIT = 3  # binding relations named per interval


@dataclass(frozen=True)
class DisclosureReader:
    """One reader of the audit: the outside reader or a provider with its own figures."""

    reader: str
    name: str
    targets: str
    unprotected: str
    exact: str
    narrowed: str
    tone: str


@dataclass(frozen=True)
class InformationLoss:
    """One report's (or one period's provider reports') hidden count cells and count mass."""

    key: str  # scope:period
    report: str
    printed: str
    hidden: str
    hidden_share: str
    hidden_mass: str
    hidden_mass_share: str
    planned_out: str
    withdrawn: str


@dataclass(frozen=True)
class DisclosureIndicator:
    """One indicator's hidden counts (distinct cells, narrowest interval over all readers)."""

    indicator_id: str
    label: str
    targets: str
    unprotected: str
    exact: str
    tone: str


@dataclass(frozen=True)
class DisclosureRow:
    """One hidden count with the narrowest interval any reader can deduce."""

    key: str
    indicator: str
    indicator_id: str
    period: str
    unit: str
    breakdown: str
    column: str
    true_value: str
    interval: str
    width: str
    protected: bool
    readers: str
    binding: list[str]


@dataclass(frozen=True)
class DisclosureAudit:
    """The section "Geheimhaltungsprüfung". `note` replaces everything else when no audit ran."""

    note: str | None = None
    audited: str = ""
    k: str = ""
    result: Status | None = None
    stale: str = ""
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, value)
    readers: list[DisclosureReader] = field(default_factory=list)
    indicators: list[DisclosureIndicator] = field(default_factory=list)
    rows: list[DisclosureRow] = field(default_factory=list)
    rows_caption: str = ""
    loss: list[InformationLoss] = field(default_factory=list)
