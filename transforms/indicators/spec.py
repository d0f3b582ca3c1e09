"""The indicator spec: one YAML file per indicator (transforms/indicators/specs/<id>.yaml), loaded
and validated into the frozen dataclass `Indicator`. Unknown keys, missing fields and wrong values
fail loudly at import, naming the file. The format is described in transforms/indicators/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

# count: a number of cases/people (numerator = value); ratio: a count divided by a public number
# (numerator = the count); share: numerator / denominator; median: a statistic over `denominator`
# observations; per_case: money per case (denominator = cases); amount: money; flag: 0/1 about a
# provider. The kind decides suppression (design §6) and how months without observations are filled.
IndicatorKind = Literal["count", "ratio", "share", "median", "per_case", "amount", "flag"]
Column = Literal["value", "numerator", "denominator"]

KINDS_ALLOWED: tuple[str, ...] = get_args(IndicatorKind)
COLUMNS: tuple[str, ...] = get_args(Column)
SOURCES = ("design §5", "beyond design", "budget")
# flow: counts events in the period (adds up over months); stock: a state in or at the end of the
# period; rolling: over a window reaching back before the period; none: not about people.
TIMES = ("flow", "stock", "rolling", "none")
ADDS_UP_OVER = ("providers", "breakdowns", "months")
RELATION_TYPES = ("equal", "at_most", "at_least", "quotient")
RELATION_CELLS = ("total", "matching")
RELATION_PROVIDERS = ("each_and_all", "each", "all")
RELATION_PERIODS = ("months", "years", "both")
# Published figures that are not indicators but enter a relation (design §6: "a rate per FTE times
# the published FTE; a budget divided by a cost per case").
PUBLIC_QUANTITIES = {
    "funded_fte": "the provider's funded FTE in the period's year (configuration, published); "
    "for 'all' the sum over the providers with funded FTE",
    "period_cost": "budget_actual_cost.value x the period's months / 12 (a month: one twelfth)",
}
# How reports display each kind (reports.suppression.Kind by value); amounts depend on the unit.
DISPLAY_KIND = {
    "count": "count",
    "share": "share",
    "median": "days",
    "ratio": "ratio",
    "flag": "flag",
    "per_case": "money_per_case",
}
EXPECTED_COLUMNS = ("period", "provider_id", "dimension", "dimension_value", "value", "numerator", "denominator")
_READ_RE = re.compile(r"^marts\.[a-z_]+\.[a-z_]+$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class SpecError(ValueError):
    """A spec file that does not follow the format; the message starts with the file name."""


@dataclass(frozen=True)
class Term:
    """One figure in a relation: `column` of `indicator` in the same cell (or the fixed cell
    dimension/dimension_value), `period_offset` months away, times `coefficient` (summed over the
    providers if `sum_over_providers`). A term with
    `public` stands for a published figure that is not an indicator (PUBLIC_QUANTITIES)."""

    indicator: str | None = None
    column: str = "value"
    period_offset: int = 0
    coefficient: float = 1.0
    dimension: str | None = None
    dimension_value: str | None = None
    public: str | None = None
    sum_over_providers: bool = False  # the sum of the figure over the providers, not one unit's


@dataclass(frozen=True)
class Relation:
    """An arithmetic relation a reader knows (design §6), over the cells `cells` (total only, or
    every cell matched by dimension and value), the reporting units `providers` and `periods`.

    equal: left = sum(right); at_most: left <= sum(right); at_least: left >= sum(right);
    quotient: left = numerator / denominator (up to the printed rounding)."""

    type: str
    about: str
    left: Term
    right: tuple[Term, ...] = ()
    numerator: Term | None = None
    denominator: Term | None = None
    cells: str = "total"
    providers: str = "each_and_all"
    periods: str = "both"

    def terms(self) -> tuple[Term, ...]:
        return (self.left, *self.right, *(t for t in (self.numerator, self.denominator) if t is not None))


@dataclass(frozen=True)
class Additivity:
    """Which columns add up (to 'all' over providers, to the total over each breakdown's values,
    to the year over months) — the margins a reader can use. `crossed`: a breakdown whose value is
    '<a>|<b>' and whose cells also add up to each cell of breakdowns a and b."""

    columns: tuple[str, ...] = ()
    over: tuple[str, ...] = ()
    crossed: tuple[tuple[str, tuple[str, str]], ...] = ()


@dataclass(frozen=True)
class Example:
    """A worked example: rows of the marts tables it reads and the rows the indicator must give
    (period, provider_id, dimension, dimension_value, value, numerator, denominator) for `periods`
    (months, or their years if `yearly`) and the reporting units `providers` + 'all'."""

    name: str
    periods: tuple[str, ...]
    expected: tuple[tuple[Any, ...], ...]
    facts: Mapping[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict, hash=False)
    providers: tuple[str, ...] = ()
    yearly: bool = False


@dataclass(frozen=True)
class Docs:
    """The row of docs/indicators.md (English, Markdown)."""

    section: str
    definition: str
    columns: str
    breakdowns: str = "–"


@dataclass(frozen=True)
class Placement:
    """Where a report shows the indicator: a table of reports.kit.columns (`<report>.<table>`),
    its position there and whether the column is shown even in a month without the indicator. The
    column's header is the indicator's one label (issue 19: one German label per indicator)."""

    table: str
    position: int
    always: bool = False


@dataclass(frozen=True)
class Indicator:
    id: str
    kind: IndicatorKind
    unit: str  # "cases", "share", "days", "EUR", …
    breakdowns: tuple[str, ...]
    description: str
    source: str = "design §5"
    # The yearly figure is the sum of the monthly ones (a flow: new cases, closures, resolved needs,
    # first contacts): a hidden month could be recovered from the year, so the year is hidden too.
    additive_over_months: bool = False
    # A cost per case whose base is this count indicator's figure (amount / value gives the count
    # back, the amounts being public): hidden whenever that count is.
    hidden_with: str | None = None
    order: int = 0  # position in INDICATORS (and marts.dim_indicators)
    report_order: int = 0  # position in the reports' lists of indicators (reports.labels.INDICATOR)
    label: str = ""  # German name in reports
    definition: str = ""  # German definition, monthly wording
    definition_yearly: str = ""  # German definition, yearly wording (annual report)
    sql: str = ""  # file in transforms/indicators/sql/
    reads: tuple[str, ...] = ()  # marts.<table>.<column> the SQL depends on
    time: str = "none"
    adds_up: Additivity = Additivity()
    relations: tuple[Relation, ...] = ()
    examples: tuple[Example, ...] = ()
    docs: Docs | None = None
    shown_in: tuple[Placement, ...] = ()

    @property
    def display_kind(self) -> str:
        """How reports display the figure (reports.suppression.Kind value)."""
        if self.kind == "amount":
            return "money_share" if self.unit == "share" else "money"
        return DISPLAY_KIND[self.kind]

    @property
    def read_tables(self) -> tuple[str, ...]:
        """The marts tables of `reads` ('marts.fct_cases'), in order, without repeats."""
        return tuple(dict.fromkeys(read.rsplit(".", 1)[0] for read in self.reads))


# --------------------------------------------------------------------------------------------
# Loading


def _fields(raw: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """`raw` as a dict with exactly the required keys and some of the optional ones."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(required) - set(optional))
    missing = sorted(set(required) - set(raw))
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(required + optional)}")
    if missing:
        raise SpecError(f"{where}: missing key(s) {missing}")
    return raw


def _one_of(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise SpecError(f"{where}: {value!r} is not one of {list(allowed)}")
    return str(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: expected a non-empty text")
    return value


def _texts(value: Any, where: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list")
    return tuple(_one_of(v, allowed, where) if allowed else _text(v, where) for v in value)


TERM_KEYS = (
    "indicator", "column", "period_offset", "coefficient", "dimension", "dimension_value", "public", "sum_over_providers",
)  # fmt: skip


def _term(raw: Any, where: str) -> Term:
    raw = _fields(raw, where, (), TERM_KEYS)
    if "public" in raw:
        if set(raw) - {"public", "coefficient"}:
            raise SpecError(f"{where}: a public term has only `public` and `coefficient`")
        _one_of(raw["public"], tuple(PUBLIC_QUANTITIES), where)
    if ("dimension" in raw) != ("dimension_value" in raw):
        raise SpecError(f"{where}: give dimension and dimension_value together")
    if not isinstance(raw.get("period_offset", 0), int) or not isinstance(raw.get("coefficient", 1), int | float):
        raise SpecError(f"{where}: period_offset must be an integer, coefficient a number")
    return Term(
        indicator=raw.get("indicator"),
        column=_one_of(raw.get("column", "value"), COLUMNS, where),
        period_offset=raw.get("period_offset", 0),
        coefficient=float(raw.get("coefficient", 1)),
        dimension=raw.get("dimension"),
        dimension_value=raw.get("dimension_value"),
        public=raw.get("public"),
        sum_over_providers=bool(raw.get("sum_over_providers", False)),
    )


def _relation(raw: Any, where: str, own_id: str) -> Relation:
    raw = _fields(
        raw,
        where,
        ("type", "about", "left"),
        ("right", "numerator", "denominator", "cells", "providers", "periods"),
    )
    kind = _one_of(raw["type"], RELATION_TYPES, f"{where}.type")
    quotient = kind == "quotient"
    if quotient != ("numerator" in raw and "denominator" in raw) or quotient == ("right" in raw):
        raise SpecError(f"{where}: a quotient has numerator and denominator, the other types `right`")

    def own(term: Term) -> Term:  # a term without indicator (and not public) is about this spec
        return replace(term, indicator=own_id) if term.indicator is None and term.public is None else term

    right = raw.get("right", [])
    if not quotient and (not isinstance(right, list) or not right):
        raise SpecError(f"{where}.right: expected a non-empty list of terms")
    return Relation(
        type=kind,
        about=_text(raw["about"], f"{where}.about"),
        left=own(_term(raw["left"], f"{where}.left")),
        right=tuple(own(_term(t, f"{where}.right[{i}]")) for i, t in enumerate(right)),
        numerator=own(_term(raw["numerator"], f"{where}.numerator")) if quotient else None,
        denominator=own(_term(raw["denominator"], f"{where}.denominator")) if quotient else None,
        cells=_one_of(raw.get("cells", "total"), RELATION_CELLS, f"{where}.cells"),
        providers=_one_of(raw.get("providers", "each_and_all"), RELATION_PROVIDERS, f"{where}.providers"),
        periods=_one_of(raw.get("periods", "both"), RELATION_PERIODS, f"{where}.periods"),
    )


def _additivity(raw: Any, where: str) -> Additivity:
    raw = _fields(raw, where, ("columns", "over"), ("crossed",))
    crossed = _fields(raw.get("crossed", {}), f"{where}.crossed", (), tuple(raw.get("crossed", {})))
    for name, parents in crossed.items():
        if not isinstance(parents, list) or len(parents) != 2:
            raise SpecError(f"{where}.crossed.{name}: expected the two parent breakdowns")
    return Additivity(
        columns=_texts(raw["columns"], f"{where}.columns", COLUMNS),
        over=_texts(raw["over"], f"{where}.over", ADDS_UP_OVER),
        crossed=tuple((name, (parents[0], parents[1])) for name, parents in crossed.items()),
    )


def _example(raw: Any, where: str) -> Example:
    raw = _fields(raw, where, ("name", "periods", "facts", "expected"), ("providers", "yearly"))
    facts = raw["facts"]
    if not isinstance(facts, dict) or not all(isinstance(rows, list) for rows in facts.values()):
        raise SpecError(f"{where}.facts: expected marts.<table>: [rows]")
    expected = raw["expected"]
    if not isinstance(expected, list) or not all(
        isinstance(row, list) and len(row) == len(EXPECTED_COLUMNS) for row in expected
    ):
        raise SpecError(f"{where}.expected: expected rows of {list(EXPECTED_COLUMNS)}")
    return Example(
        name=_text(raw["name"], f"{where}.name"),
        periods=_texts(raw["periods"], f"{where}.periods"),
        expected=tuple(tuple(row) for row in expected),
        facts={str(table): tuple(rows) for table, rows in facts.items()},
        providers=_texts(raw.get("providers", []), f"{where}.providers"),
        yearly=bool(raw.get("yearly", False)),
    )


REQUIRED = (
    "id", "order", "report_order", "kind", "unit", "breakdowns", "source", "additive_over_months",
    "description", "label", "definition", "reads", "time", "adds_up", "relations", "docs", "examples",
)  # fmt: skip
OPTIONAL = ("hidden_with", "sql", "shown_in")
_TABLE_RE = re.compile(r"^(monthly|annual|provider)\.[a-z_]+$")


def _placement(raw: Any, where: str) -> Placement:
    if isinstance(raw, dict) and "header" in raw:
        raise SpecError(f"{where}: no header: an indicator has one German label everywhere (its `label`)")
    raw = _fields(raw, where, ("table", "position"), ("always",))
    table = _text(raw["table"], f"{where}: table")
    if not _TABLE_RE.match(table):
        raise SpecError(f"{where}: table {table!r} is not <monthly|annual|provider>.<table>")
    if not isinstance(raw["position"], int) or isinstance(raw["position"], bool) or raw["position"] < 1:
        raise SpecError(f"{where}: position must be a whole number from 1")
    if not isinstance(raw.get("always", False), bool):
        raise SpecError(f"{where}: always must be true or false")
    return Placement(table=table, position=raw["position"], always=raw.get("always", False))


def parse_spec(raw: Any, where: str) -> Indicator:
    """One spec from its parsed YAML; `where` (the file name) prefixes every error."""
    raw = _fields(raw, where, REQUIRED, OPTIONAL)
    indicator_id = _text(raw["id"], f"{where}: id")
    if not _ID_RE.match(indicator_id):
        raise SpecError(f"{where}: id {indicator_id!r} is not lower_snake_case")
    definition = _fields(raw["definition"], f"{where}: definition", ("monthly", "yearly"))
    docs = _fields(raw["docs"], f"{where}: docs", ("section", "definition", "columns"), ("breakdowns",))
    reads = _texts(raw["reads"], f"{where}: reads")
    if bad := [read for read in reads if not _READ_RE.match(read)]:
        raise SpecError(f"{where}: reads {bad} are not marts.<table>.<column>")
    for name in ("order", "report_order"):
        if not isinstance(raw[name], int) or isinstance(raw[name], bool):
            raise SpecError(f"{where}: {name} must be an integer")
    if not isinstance(raw["additive_over_months"], bool):
        raise SpecError(f"{where}: additive_over_months must be true or false")
    for name in ("relations", "examples"):
        if not isinstance(raw[name], list):
            raise SpecError(f"{where}: {name} must be a list")
    return Indicator(
        id=indicator_id,
        kind=_one_of(raw["kind"], KINDS_ALLOWED, f"{where}: kind"),  # type: ignore[arg-type]
        unit=_text(raw["unit"], f"{where}: unit"),
        breakdowns=_texts(raw["breakdowns"], f"{where}: breakdowns"),
        description=_text(raw["description"], f"{where}: description"),
        source=_one_of(raw["source"], SOURCES, f"{where}: source"),
        additive_over_months=raw["additive_over_months"],
        hidden_with=raw.get("hidden_with"),
        order=raw["order"],
        report_order=raw["report_order"],
        label=_text(raw["label"], f"{where}: label"),
        definition=_text(definition["monthly"], f"{where}: definition.monthly"),
        definition_yearly=_text(definition["yearly"], f"{where}: definition.yearly"),
        sql=_text(raw.get("sql", f"{indicator_id}.sql"), f"{where}: sql"),
        reads=reads,
        time=_one_of(raw["time"], TIMES, f"{where}: time"),
        adds_up=_additivity(raw["adds_up"], f"{where}: adds_up"),
        relations=tuple(_relation(r, f"{where}: relations[{i}]", indicator_id) for i, r in enumerate(raw["relations"])),
        examples=tuple(_example(e, f"{where}: examples[{i}]") for i, e in enumerate(raw["examples"])),
        docs=Docs(
            section=_text(docs["section"], f"{where}: docs.section"),
            definition=_text(docs["definition"], f"{where}: docs.definition"),
            columns=_text(docs["columns"], f"{where}: docs.columns"),
            breakdowns=_text(docs.get("breakdowns", "–"), f"{where}: docs.breakdowns"),
        ),
        shown_in=tuple(_placement(r, f"{where}: shown_in[{i}]") for i, r in enumerate(raw.get("shown_in") or [])),
    )


def _check_together(specs: list[Indicator], where: str) -> None:
    """What only the whole set can tell: unique ids and orders, and references between specs."""
    for name in ("id", "order", "report_order"):
        values = [getattr(spec, name) for spec in specs]
        if repeated := sorted({v for v in values if values.count(v) > 1}):
            raise SpecError(f"{where}: {name} {repeated} used by more than one spec")
    ids = {spec.id for spec in specs}
    for spec in specs:
        referenced = {t.indicator for r in spec.relations for t in r.terms() if t.indicator is not None}
        if spec.hidden_with:
            referenced.add(spec.hidden_with)
        if unknown := sorted(referenced - ids):
            raise SpecError(f"{spec.id}.yaml: refers to unknown indicator(s) {unknown}")
    places = [(p.table, p.position) for spec in specs for p in spec.shown_in]
    if repeated := sorted({place for place in places if places.count(place) > 1}):
        raise SpecError(f"{where}: shown_in positions {repeated} used by more than one spec")


def load_specs(spec_dir: Path, sql_dir: Path) -> tuple[Indicator, ...]:
    """Every <id>.yaml in spec_dir, validated, in the order of their `order` field."""
    specs = []
    for path in sorted(spec_dir.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise SpecError(f"{path.name}: not valid YAML: {error}") from None
        spec = parse_spec(raw, path.name)
        if path.stem != spec.id:
            raise SpecError(f"{path.name}: id {spec.id!r} differs from the file name")
        if not (sql_dir / spec.sql).is_file():
            raise SpecError(f"{path.name}: SQL file {spec.sql} not found in {sql_dir}")
        specs.append(spec)
    _check_together(specs, str(spec_dir))
    return tuple(sorted(specs, key=lambda spec: spec.order))
