"""The work on each case in the synthetic history: contacts, case-manager assignments, and the
residence-status changes the foreigners' offices report."""

from __future__ import annotations

import numpy as np
import polars as pl

from kim.config import Provider
from kim.contract import CONTACT_CHANNEL, RESIDENCE_STATUS
from synthetic import parameters as P
from synthetic.cases import Cases, Persons, funded_fte
from synthetic.columns import NO_DAY, codes, dates, year_of
from synthetic.ids import CONTACT_SUFFIX, id_style, ids_by_rank, numbered
from synthetic.sampling import draw, lognormal_days, rank_within_groups


def contacts_table(
    cases: Cases,
    last_day: int,
    case_ids: pl.Series,
    provider_ids: pl.Series,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """An intake contact on the opening day, then Poisson contacts over the case's active life
    (up to the last period: later contacts are never delivered)."""
    active_days = np.maximum(np.minimum(cases.closed_on, last_day) - cases.opened_on, 0)
    counts = 1 + rng.poisson(active_days / P.CONTACT_INTERVAL_DAYS)
    case = np.repeat(np.arange(len(cases)), counts)
    intake = rank_within_groups(case) == 0
    offset = np.floor(rng.random(len(case)) * (active_days[case] + 1)).astype(np.int64)
    contact_on = cases.opened_on[case] + np.where(intake, 0, offset)
    channel = draw(rng, CONTACT_CHANNEL, P.CHANNEL_WEIGHTS, len(case))
    median_minutes = np.array([P.CONTACT_MINUTES_MEDIAN_BY_CHANNEL[c] for c in CONTACT_CHANNEL])
    minutes = np.clip(
        lognormal_days(rng, median_minutes[channel], P.CONTACT_MINUTES_SIGMA, len(case)),
        *P.CONTACT_MINUTES_RANGE,
    )
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(case),
            "contact_id": ids_by_rank(case_ids, case, (contact_on, channel), CONTACT_SUFFIX),
            "case_id": case_ids.gather(case),
            "contact_on": dates(contact_on),
            "channel": codes(CONTACT_CHANNEL, channel),
            "duration_minutes": minutes,
        }
    ).sort("provider_id", "contact_id")


def case_manager_pool_size(provider: Provider, year: int) -> int:
    return max(P.MIN_CASE_MANAGERS, round(P.CASE_MANAGERS_PER_FTE * funded_fte(provider, year)))


def assignments_table(
    cases: Cases,
    case_providers: list[Provider],
    last_day: int,
    case_ids: pl.Series,
    provider_ids: pl.Series,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Consecutive case managers per case; the last assignment ends when the case closes."""
    n_cases = len(cases)
    duration = cases.closed_on - cases.opened_on
    options = list(P.ASSIGNMENTS_PER_CASE_WEIGHTS)
    counts = np.array(options)[draw(rng, options, P.ASSIGNMENTS_PER_CASE_WEIGHTS, n_cases)]
    counts[duration < P.MIN_DAYS_FOR_ASSIGNMENT_CHANGE] = 1

    case = np.repeat(np.arange(n_cases), counts)
    first = rank_within_groups(case) == 0
    low, high = P.ASSIGNMENT_CHANGE_FRACTION
    fraction = np.where(first, 0.0, low + (high - low) * rng.random(len(case)))
    order = np.lexsort((fraction, case))
    case, fraction, first = case[order], fraction[order], first[order]
    assigned_from = cases.opened_on[case] + np.floor(fraction * duration[case]).astype(np.int64)
    # Two changes on the same day collapse into one.
    distinct = np.r_[True, (case[1:] != case[:-1]) | (assigned_from[1:] != assigned_from[:-1])]
    case, assigned_from = case[distinct], assigned_from[distinct]
    first = rank_within_groups(case) == 0
    last = np.r_[case[1:] != case[:-1], True]
    assigned_to = np.where(last, cases.closed_on[case], np.r_[assigned_from[1:], 0] - 1)

    manager_ids = _case_manager_ids(cases, case_providers, last_day, case, first, rng)
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(case),
            "case_id": case_ids.gather(case),
            "case_manager_id": manager_ids,
            "assigned_from": dates(assigned_from),
            "assigned_to": dates(assigned_to),
        }
    ).sort("provider_id", "case_id", "assigned_from")


def _case_manager_ids(
    cases: Cases,
    case_providers: list[Provider],
    last_day: int,
    case: np.ndarray,
    first: np.ndarray,
    rng: np.random.Generator,
) -> pl.Series:
    """The case manager of each assignment: each new one differs from the previous one (a step
    through the provider's pool)."""
    year = year_of(np.array([last_day]))[0]
    pool = np.array([case_manager_pool_size(p, year) for p in case_providers])[cases.provider[case]]
    step = np.where(
        first, np.floor(rng.random(len(case)) * pool), 1 + np.floor(rng.random(len(case)) * (pool - 1))
    ).astype(np.int64)
    managers = (
        pl.DataFrame({"case": case, "step": step, "pool": pool})
        .select((pl.col("step").cum_sum().over("case") % pl.col("pool")).alias("index"))
        .to_series()
        .to_numpy()
    )
    manager_prefix = pl.Series([id_style(p.id).manager_prefix for p in case_providers])
    return (
        pl.DataFrame(
            {
                "prefix": manager_prefix.gather(cases.provider[case]),
                "number": managers + 1,
            }
        )
        .select(numbered(pl.col("prefix"), pl.col("number"), 2))
        .to_series()
    )


def status_changes_table(persons: Persons, abh_providers: list[Provider], rng: np.random.Generator) -> pl.DataFrame:
    changed = np.flatnonzero(persons.changed_on < NO_DAY)
    if not abh_providers:
        changed = changed[:0]
    # With several foreigners' offices, each person belongs to one of them.
    abh = rng.integers(0, max(len(abh_providers), 1), len(changed))
    abh_ids = pl.Series([p.id for p in abh_providers] or [""], dtype=pl.String)
    return pl.DataFrame(
        {
            "provider_id": abh_ids.gather(abh),
            "person_id": pl.Series(persons.person_id[changed], dtype=pl.String),
            "changed_on": dates(persons.changed_on[changed]),
            "status_from": codes(RESIDENCE_STATUS, persons.status_at_first_intake[changed]),
            "status_to": codes(RESIDENCE_STATUS, persons.status_after_change[changed]),
        }
    ).sort("provider_id", "changed_on", "person_id")
