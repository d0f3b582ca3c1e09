"""Cases and persons of the synthetic history: who comes, to which provider, when, for how long,
with which attributes and residence-status changes; case ids in each provider's style."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kim.config import Provider
from kim.contract import CLOSING_REASON, GENDER, REFERRAL_SOURCE, RESIDENCE_STATUS
from synthetic import parameters as P
from synthetic.columns import NO_DAY, codes, dates, ints, year_of
from synthetic.ids import id_style, numbered, random_pseudonyms
from synthetic.sampling import conditional_matrix, draw, draw_given, lognormal_days, uniform_days

NATIONALITIES = tuple(P.NATIONALITY_WEIGHTS)
DISTRICTS = tuple(P.DISTRICT_WEIGHTS)
FOCUS_STATUSES = ("duldung", "gestattung")


@dataclass
class OpenedCases:
    """When and where each case opens and (truly) closes, before its attributes are drawn."""

    provider: np.ndarray  # index into case_providers
    person: np.ndarray  # index into persons
    opened_on: np.ndarray
    closed_on: np.ndarray  # the true closing day, possibly after the last period

    def __len__(self) -> int:
        return len(self.opened_on)


@dataclass
class Cases(OpenedCases):
    residence_status: np.ndarray  # index into RESIDENCE_STATUS, at intake
    closing_reason: np.ndarray
    district: np.ndarray  # index into DISTRICTS, -1 = not recorded
    referral_source: np.ndarray


@dataclass
class Persons:
    person_id: np.ndarray
    birth_year: np.ndarray
    gender: np.ndarray
    nationality: np.ndarray
    arrival_year: np.ndarray  # -1 = not recorded
    status_at_first_intake: np.ndarray
    changed_on: np.ndarray  # NO_DAY = no status change
    status_after_change: np.ndarray


def case_provider_shares(case_providers: list[Provider], year: int) -> np.ndarray:
    """Share of cases per provider: known Leverkusen shares, else by funded FTE, else even."""
    ids = [provider.id for provider in case_providers]
    if set(ids) <= set(P.LEVERKUSEN_CASE_SHARES):
        weights = np.array([P.LEVERKUSEN_CASE_SHARES[i] for i in ids])
    else:
        weights = np.array([funded_fte(provider, year) for provider in case_providers])
        if weights.sum() <= 0:
            weights = np.ones(len(case_providers))
    return weights / weights.sum()


def funded_fte(provider: Provider, year: int) -> float:
    """Funded FTE in `year`, else in the latest configured year before it, else the latest."""
    if not provider.fte:
        return 0.0
    earlier = [y for y in provider.fte if y <= year]
    return provider.fte[max(earlier) if earlier else max(provider.fte)]


def draw_cases(
    case_providers: list[Provider],
    first_day: int,
    last_day: int,
    total_cases: int,
    rng: np.random.Generator,
) -> OpenedCases:
    n_providers = len(case_providers)
    shares = case_provider_shares(case_providers, year_of(np.array([last_day]))[0])
    # A few persons also have a case at a second, different provider.
    n_second = round(total_cases * P.SECOND_PROVIDER_SHARE / (1 + P.SECOND_PROVIDER_SHARE)) if n_providers > 1 else 0
    n_persons = total_cases - n_second
    first_provider = rng.choice(n_providers, n_persons, p=shares)
    returning = np.sort(rng.choice(n_persons, n_second, replace=False))
    other_provider = (first_provider[returning] + rng.integers(1, max(n_providers, 2), n_second)) % n_providers

    opened_on = rng.integers(first_day, last_day + 1, total_cases)
    duration = np.maximum(lognormal_days(rng, P.CASE_DURATION_MEDIAN_DAYS, P.CASE_DURATION_SIGMA, total_cases), 1)
    return OpenedCases(
        provider=np.concatenate([first_provider, other_provider]),
        person=np.concatenate([np.arange(n_persons), returning]),
        opened_on=opened_on,
        closed_on=opened_on + duration,
    )


def draw_persons(cases: OpenedCases, last_day: int, rng: np.random.Generator) -> Persons:
    n_persons = int(cases.person.max()) + 1 if len(cases) else 0
    first_opened = np.full(n_persons, NO_DAY)
    np.minimum.at(first_opened, cases.person, cases.opened_on)
    last_closed = np.zeros(n_persons, dtype=np.int64)
    np.maximum.at(last_closed, cases.person, cases.closed_on)
    intake_year = year_of(first_opened)

    person_id = random_pseudonyms(rng, n_persons)
    age = np.clip(
        lognormal_days(rng, P.AGE_AT_INTAKE_MEDIAN, P.AGE_AT_INTAKE_SIGMA, n_persons),
        *P.AGE_AT_INTAKE_RANGE,
    )
    birth_year = intake_year - age
    gender = draw(rng, GENDER, P.GENDER_WEIGHTS, n_persons)
    nationality = draw(rng, NATIONALITIES, P.NATIONALITY_WEIGHTS, n_persons)
    status = draw(rng, RESIDENCE_STATUS, P.RESIDENCE_STATUS_WEIGHTS, n_persons)
    years_in_germany = np.array(list(P.YEARS_SINCE_ARRIVAL_WEIGHTS))[
        draw(rng, list(P.YEARS_SINCE_ARRIVAL_WEIGHTS), P.YEARS_SINCE_ARRIVAL_WEIGHTS, n_persons)
    ]
    arrival_year = np.maximum(intake_year - years_in_germany, birth_year)
    arrival_year[rng.random(n_persons) < P.ARRIVAL_YEAR_MISSING_SHARE] = -1

    # Residence-status changes: a share of the focus group, while (or shortly after) in a case.
    focus = np.isin(status, [RESIDENCE_STATUS.index(s) for s in FOCUS_STATUSES])
    earliest = first_opened + P.STATUS_CHANGE_EARLIEST_DAYS_AFTER_OPENING
    latest = np.minimum(last_closed + P.STATUS_CHANGE_LATEST_DAYS_AFTER_CLOSING, last_day)
    changes = focus & (rng.random(n_persons) < P.STATUS_CHANGE_SHARE) & (earliest <= latest)
    changed_on = np.full(n_persons, NO_DAY)
    changed_on[changes] = uniform_days(rng, earliest[changes], latest[changes])
    transitions = conditional_matrix(RESIDENCE_STATUS, RESIDENCE_STATUS, P.STATUS_TRANSITIONS)
    status_after = status.copy()
    status_after[changes] = draw_given(rng, status[changes], transitions)
    return Persons(
        person_id=person_id,
        birth_year=birth_year,
        gender=gender,
        nationality=nationality,
        arrival_year=arrival_year,
        status_at_first_intake=status,
        changed_on=changed_on,
        status_after_change=status_after,
    )


def draw_case_attributes(cases: OpenedCases, persons: Persons, rng: np.random.Generator) -> Cases:
    """The residence status at intake (a case opened after the person's status changed records the
    new status), then the closing reason, district and referral source of every case."""
    changed_before = persons.changed_on[cases.person] < cases.opened_on
    residence_status = np.where(
        changed_before,
        persons.status_after_change[cases.person],
        persons.status_at_first_intake[cases.person],
    )
    n = len(cases)
    closing_reason = draw(rng, CLOSING_REASON, P.CLOSING_REASON_WEIGHTS, n)
    district = draw(rng, DISTRICTS, P.DISTRICT_WEIGHTS, n)
    district[rng.random(n) < P.DISTRICT_MISSING_SHARE] = -1
    referral_source = draw(rng, REFERRAL_SOURCE, P.REFERRAL_SOURCE_WEIGHTS, n)
    return Cases(
        provider=cases.provider,
        person=cases.person,
        opened_on=cases.opened_on,
        closed_on=cases.closed_on,
        residence_status=residence_status,
        closing_reason=closing_reason,
        district=district,
        referral_source=referral_source,
    )


def draw_case_ids(cases: Cases, case_providers: list[Provider], rng: np.random.Generator) -> pl.Series:
    """Case ids in each provider's style, numbered in order of opening; indexed by case."""
    styles = [id_style(provider.id) for provider in case_providers]
    # Numbering does not start at 1: the provider had cases before the generated window.
    first_number = rng.integers(20, 300, len(styles)) + 1
    style_table = pl.DataFrame(
        {
            "provider": np.arange(len(styles)),
            "prefix": [style.case_prefix for style in styles],
            "digits": [style.digits for style in styles],
            "per_year": [style.per_year for style in styles],
            "first_number": first_number,
        }
    )
    year = pl.col("year")
    numbering = (
        pl.DataFrame(
            {
                "case": np.arange(len(cases)),
                "provider": cases.provider,
                "opened_on": cases.opened_on,
                "year": year_of(cases.opened_on),
            }
        )
        .join(style_table, on="provider", how="left", maintain_order="left")
        .sort("provider", "opened_on", "case")
        .with_columns(
            running=pl.int_range(pl.len()).over("provider"),
            within_year=pl.int_range(pl.len()).over("provider", "year"),
            first_year=year.min().over("provider"),
        )
        .with_columns(
            number=pl.when("per_year")
            .then(
                pl.col("within_year") + pl.when(year == pl.col("first_year")).then(pl.col("first_number")).otherwise(1)
            )
            .otherwise(pl.col("running") + pl.col("first_number")),
            stem=pl.when("per_year")
            .then(pl.concat_str([pl.col("prefix"), year.cast(pl.String), pl.lit("-")]))
            .otherwise(pl.col("prefix")),
        )
        .sort("case")
    )
    case_id = numbered(pl.col("stem"), pl.col("number"), pl.col("digits"))
    return numbering.select(case_id).to_series()


def cases_table(cases: Cases, persons: Persons, case_ids: pl.Series, provider_ids: pl.Series) -> pl.DataFrame:
    person = cases.person
    arrival_year = persons.arrival_year[person]
    return pl.DataFrame(
        {
            "provider_id": provider_ids,
            "case_id": case_ids,
            "person_id": persons.person_id[person],
            "opened_on": dates(cases.opened_on),
            "closed_on": dates(cases.closed_on),
            "closing_reason": codes(CLOSING_REASON, cases.closing_reason),
            "birth_year": persons.birth_year[person],
            "gender": codes(GENDER, persons.gender[person]),
            "nationality": codes(NATIONALITIES, persons.nationality[person]),
            "residence_status": codes(RESIDENCE_STATUS, cases.residence_status),
            "arrival_year": ints(arrival_year, valid=arrival_year >= 0),
            "district": codes(DISTRICTS, cases.district, valid=cases.district >= 0),
            "referral_source": codes(REFERRAL_SOURCE, cases.referral_source),
        }
    ).sort("provider_id", "case_id")
