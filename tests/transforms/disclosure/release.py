"""Building small releases by hand: cells as the audit reads them (transforms.disclosure.cells)."""

from __future__ import annotations

import polars as pl

from transforms.disclosure import CELL_SCHEMA, PUBLIC_SCHEMA

ALL = "all"


class Release:
    """Cells of a hand-built release: `cell(...)` adds one, `frame()` gives the audit's input."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.public: list[dict] = []

    def cell(
        self,
        indicator: str,
        period: str,
        true: int,
        status: str = "published",
        provider: str = ALL,
        dimension: str = ALL,
        value: str = ALL,
        column: str = "numerator",
        printed: float | None = None,
    ) -> Release:
        self.rows.append(
            dict(
                indicator_id=indicator,
                period=period,
                provider_id=provider,
                dimension=dimension,
                dimension_value=value,
                column=column,
                true_value=true,
                status=status,
                value=printed,
            )
        )
        return self

    def hidden(self, indicator: str, period: str, true: int, **where) -> Release:
        return self.cell(indicator, period, true, "hidden", **where)

    def quantity(self, quantity: str, period: str, provider: str, value: float) -> Release:
        self.public.append(dict(quantity=quantity, period=period, provider_id=provider, value=value))
        return self

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=CELL_SCHEMA)

    def public_frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.public, schema=PUBLIC_SCHEMA)


def intervals(result: pl.DataFrame) -> dict[tuple, tuple[float, float]]:
    """(provider, dimension, value, period, column) -> (lower, upper) of each target."""
    return {
        (row["provider_id"], row["dimension"], row["dimension_value"], row["period"], row["column"]): (
            row["lower"],
            row["upper"],
        )
        for row in result.iter_rows(named=True)
    }
