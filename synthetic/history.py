"""The synthetic city's true history.

Every case, need, handover, contact, case-manager assignment and residence-status change of the
whole city is drawn once, with the dates on which it really happens, including dates after the
last delivered period. Monthly deliveries are views of this history as of a month end
(`synthetic.snapshot`), which keeps consecutive snapshots consistent by construction.

Everything is drawn column-wise with NumPy (no loops over rows) from one `numpy.random.Generator`
in a fixed order, so the same seed gives the same history: `build_history` is that order, the
drawing itself lives in `synthetic.cases` (cases and persons), `synthetic.needs` (needs and
handovers) and `synthetic.activity` (contacts, assignments, status changes). Days are integers
counted from 1970-01-01 until the tables are built (`synthetic.columns`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kim.config import Provider
from synthetic.activity import assignments_table, contacts_table, status_changes_table
from synthetic.cases import cases_table, draw_case_attributes, draw_case_ids, draw_cases, draw_persons
from synthetic.ids import NEED_SUFFIX, ids_by_rank
from synthetic.needs import draw_handovers, draw_needs, handovers_table, needs_table, resolve_needs


@dataclass(frozen=True)
class CityHistory:
    """All records of the city; each table has `provider_id` plus exchange-format columns with
    final values and true dates (some in the future of any given snapshot)."""

    cases: pl.DataFrame
    needs: pl.DataFrame
    handovers: pl.DataFrame
    contacts: pl.DataFrame
    assignments: pl.DataFrame
    status_changes: pl.DataFrame

    def for_provider(self, provider: Provider) -> dict[str, pl.DataFrame]:
        """The tables the provider delivers, restricted to its records."""
        return {
            table: getattr(self, table).filter(pl.col("provider_id") == provider.id).drop("provider_id")
            for table in provider.tables
        }


def build_history(
    case_providers: list[Provider],
    abh_providers: list[Provider],
    first_day: int,
    last_day: int,
    total_cases: int,
    rng: np.random.Generator,
) -> CityHistory:
    """Draw the history of `total_cases` cases opened between first_day and last_day; every draw
    below takes from `rng` in this order."""
    opened = draw_cases(case_providers, first_day, last_day, total_cases, rng)
    persons = draw_persons(opened, last_day, rng)
    cases = draw_case_attributes(opened, persons, rng)
    case_ids = draw_case_ids(cases, case_providers, rng)
    provider_ids = pl.Series([provider.id for provider in case_providers]).gather(cases.provider)

    identified = draw_needs(cases, rng)
    handovers = draw_handovers(cases, identified, rng)
    needs = resolve_needs(cases, identified, handovers, rng)

    need_ids = ids_by_rank(case_ids, needs.case, (needs.identified_on, needs.category), NEED_SUFFIX)
    return CityHistory(
        cases=cases_table(cases, persons, case_ids, provider_ids),
        needs=needs_table(needs, case_ids, need_ids, provider_ids),
        handovers=handovers_table(handovers, case_ids, need_ids, provider_ids),
        contacts=contacts_table(cases, last_day, case_ids, provider_ids, rng),
        assignments=assignments_table(cases, case_providers, last_day, case_ids, provider_ids, rng),
        status_changes=status_changes_table(persons, abh_providers, rng),
    )
