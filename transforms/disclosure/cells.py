"""The cells of a release as the disclosure audit sees them (design §6): one row per indicator,
period, reporting unit, breakdown cell and count column (`numerator` or `denominator`), with the
cell's true value from the warehouse and what the reader knows of it:

- `published`: the reader knows the value exactly;
- `hidden`: printed as the sign "•"; the reader knows it is hidden and, zeros being printed, >= 1;
- `unprinted`: not in the release; the reader knows nothing of it beyond the relations.

`value` (optional) is the figure printed for the cell's row (a share, a ratio, a cost per case),
null where it is not printed; the quotient relations of the specs read it. The public quantities
of the relations (transforms.indicators.spec.PUBLIC_QUANTITIES) come as a small frame
(`quantity`, `period`, `provider_id`, `value`): `funded_fte` per provider and year ('YYYY'),
`period_cost` per period and reporting unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl

from transforms.indicators.spec import PUBLIC_QUANTITIES

ROW_KEY = ("indicator_id", "period", "provider_id", "dimension", "dimension_value")
CELL_KEY = (*ROW_KEY, "column")
CELL_SCHEMA = pl.Schema(
    {
        "indicator_id": pl.String,
        "period": pl.String,
        "provider_id": pl.String,
        "dimension": pl.String,
        "dimension_value": pl.String,
        "column": pl.String,
        "true_value": pl.Int64,
        "status": pl.String,
        "value": pl.Float64,
    }
)
COUNT_COLUMNS = ("numerator", "denominator")
# withdrawn: a breakdown the protection took out of the release for a period (not printed, like
# unprinted), whose small counts must stay undeducible (audit targets).
STATUSES = ("published", "hidden", "unprinted", "withdrawn")
PUBLISHED, HIDDEN, UNPRINTED, WITHDRAWN = 0, 1, 2, 3
PUBLIC_SCHEMA = pl.Schema({"quantity": pl.String, "period": pl.String, "provider_id": pl.String, "value": pl.Float64})
ALL = "all"

Key = tuple[str, str, str, str, str, str]
RowKey = tuple[str, str, str, str, str]


def empty_public() -> pl.DataFrame:
    return pl.DataFrame(schema=PUBLIC_SCHEMA)


def cell_name(key: Key | RowKey) -> str:
    """A cell as data stewards read it: 'cases_closed 2024-11 caritas closing_reason=umzug numerator'."""
    indicator, period, provider, dimension, dimension_value = key[:5]
    parts = [indicator, period, provider]
    if dimension != ALL:
        parts.append(f"{dimension}={dimension_value}")
    if len(key) > 5:
        parts.append(key[5])
    return " ".join(parts)


def is_month(period: str) -> bool:
    return len(period) == 7


def month_rows() -> pl.Expr:
    """`is_month` on a frame's `period` column (YYYY-MM; a year is YYYY)."""
    return pl.col("period").str.len_chars() == 7


def shift_month(period: str, months: int) -> str:
    year, month = divmod(int(period[:4]) * 12 + int(period[5:]) - 1 + months, 12)
    return f"{year:04d}-{month + 1:02d}"


def validate_cells(cells: pl.DataFrame) -> pl.DataFrame:
    """The cells with the audit's schema (`value` added as null when absent); raises ValueError on
    a missing column, an unknown status or count column, a negative value or a repeated key."""
    missing = [name for name in CELL_SCHEMA if name != "value" and name not in cells.columns]
    if missing:
        raise ValueError(f"cells: missing column(s) {missing}")
    if "value" not in cells.columns:
        cells = cells.with_columns(value=pl.lit(None, dtype=pl.Float64))
    cells = cells.select([pl.col(name).cast(dtype) for name, dtype in CELL_SCHEMA.items()])
    if bad := sorted(set(cells["status"].unique().to_list()) - set(STATUSES)):
        raise ValueError(f"cells: unknown status {bad}; allowed {list(STATUSES)}")
    if bad := sorted(set(cells["column"].unique().to_list()) - set(COUNT_COLUMNS)):
        raise ValueError(f"cells: unknown column {bad}; allowed {list(COUNT_COLUMNS)}")
    if cells["true_value"].null_count() or (cells["true_value"] < 0).any():
        raise ValueError("cells: every true_value must be an integer >= 0")
    if cells.select(CELL_KEY).is_duplicated().any():
        raise ValueError("cells: a cell key appears twice")
    return cells


def shared_rows(frame: pl.DataFrame) -> list[tuple]:
    """The frame's rows as tuples in which equal values are one object. A release has ~2 million
    cells at tier L but only a few hundred distinct indicator, period, provider and breakdown
    names: one str per name instead of one per cell and column (a table at tier L: 0.86 -> 0.14 GiB).
    Equal to `list(frame.iter_rows())`."""
    columns = []
    for name in frame.columns:
        seen: dict[object, object] = {}
        columns.append([seen.setdefault(value, value) for value in frame[name].to_list()])
    return list(zip(*columns, strict=True))


@dataclass
class CellTable:
    """The cells indexed for building equations: key <-> position, true values, statuses, the
    printed figure of each row and which (indicator, period, unit) groups the release covers (a
    missing cell of a covered group is 0; a term outside every covered group is unknown)."""

    keys: list[Key]
    true: np.ndarray
    status: np.ndarray
    index: dict[Key, int] = field(default_factory=dict)
    printed: dict[RowKey, float] = field(default_factory=dict)
    units: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    by_indicator: dict[str, list[int]] = field(default_factory=dict)
    # with earlier releases joined (transforms.disclosure.history): the cells of this release come
    # first, the earlier vintages after them; known_before marks cells (or the figure of their
    # row) an earlier release printed and that have not changed since
    release_size: int | None = None
    known_before: np.ndarray | None = None

    @classmethod
    def from_frame(cls, cells: pl.DataFrame) -> CellTable:
        cells = validate_cells(cells).sort(list(CELL_KEY))
        keys: list[Key] = shared_rows(cells.select(CELL_KEY))
        status_code = {name: code for code, name in enumerate(STATUSES)}
        table = cls(
            keys=keys,
            true=cells["true_value"].to_numpy().astype(np.float64),
            status=np.array([status_code[s] for s in cells["status"].to_list()], dtype=np.int8),
        )
        table.index = {key: position for position, key in enumerate(keys)}
        units: dict[tuple[str, str], set[str]] = defaultdict(set)
        by_indicator: dict[str, list[int]] = defaultdict(list)
        for position, (key, value) in enumerate(zip(keys, cells["value"].to_list(), strict=True)):
            units[(key[0], key[1])].add(key[2])
            by_indicator[key[0]].append(position)
            if value is not None:
                table.printed[key[:5]] = float(value)
        table.units, table.by_indicator = dict(units), dict(by_indicator)
        return table

    @property
    def size(self) -> int:
        return len(self.keys)

    def covers(self, indicator: str, period: str, provider: str) -> bool:
        return provider in self.units.get((indicator, period), ())

    def providers(self, indicator: str, period: str) -> list[str]:
        """The reporting units other than 'all' the release covers for an indicator and period."""
        return sorted(unit for unit in self.units.get((indicator, period), ()) if unit != ALL)

    def in_release(self) -> np.ndarray:
        """The cells of this release (not an earlier release's vintage) that no earlier release
        printed (nor their row's figure): the only ones whose hiding can still protect anything."""
        mask = np.arange(self.size) < (self.size if self.release_size is None else self.release_size)
        return mask if self.known_before is None else mask & ~self.known_before

    @cached_property
    def cell_providers(self) -> np.ndarray:
        """Each cell's provider (listed once per table: every reader asks, 212 insiders at tier L;
        a table's keys never change once it is built)."""
        return np.array([key[2] for key in self.keys], dtype=object)

    def provider_mask(self, provider: str) -> np.ndarray:
        return np.asarray(self.cell_providers == provider, dtype=bool)


class PublicQuantities:
    """The published figures that are not indicators (funded FTE, a period's cost), looked up by
    quantity, period and reporting unit. funded_fte is per year: a month uses its year's figure,
    and 'all' is the sum over the providers with funded FTE unless given."""

    def __init__(self, public: pl.DataFrame | None = None):
        frame = empty_public() if public is None else public.select(list(PUBLIC_SCHEMA)).cast(PUBLIC_SCHEMA)
        if bad := sorted(set(frame["quantity"].unique().to_list()) - set(PUBLIC_QUANTITIES)):
            raise ValueError(f"public: unknown quantity {bad}; allowed {sorted(PUBLIC_QUANTITIES)}")
        self.values: dict[tuple[str, str, str], float] = {
            (quantity, period, provider): value
            for quantity, period, provider, value in frame.iter_rows()
            if value is not None
        }

    def get(self, quantity: str, period: str, provider: str) -> float | None:
        if quantity == "funded_fte":
            year = period[:4]
            value = self.values.get((quantity, year, provider))
            if value is None and provider == ALL:
                parts = [v for (q, p, unit), v in self.values.items() if q == quantity and p == year and v > 0]
                value = sum(parts) if parts else None
            return value
        return self.values.get((quantity, period, provider))
