"""The synthetic city's true history.

Every case, need, handover, contact, case-manager assignment and residence-status change of the
whole city is drawn once, with the dates on which it really happens, including dates after the
last delivered period. Monthly deliveries are views of this history as of a month end
(`synthetic.snapshot`), which keeps consecutive snapshots consistent by construction.

Everything is drawn column-wise with NumPy (no loops over rows) from one `numpy.random.Generator`
in a fixed order, so the same seed gives the same history. Days are integers counted from
1970-01-01 until the tables are built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kim.config import Provider
from kim.contract import (
    CLOSING_REASON,
    CONTACT_CHANNEL,
    GENDER,
    HANDOVER_OUTCOME,
    NEED_CATEGORY,
    REFERRAL_SOURCE,
    RESIDENCE_STATUS,
    TARGET_SERVICE,
    UNMET_REASON,
)
from synthetic import parameters as P
from synthetic.ids import (
    CONTACT_SUFFIX,
    HANDOVER_SUFFIX,
    NEED_SUFFIX,
    child_id,
    id_style,
    numbered,
    random_pseudonyms,
)
from synthetic.sampling import (
    conditional_matrix,
    draw,
    draw_given,
    lognormal_days,
    probabilities,
    rank_within_groups,
    uniform_days,
    weighted_subsets,
)

NATIONALITIES = tuple(P.NATIONALITY_WEIGHTS)
DISTRICTS = tuple(P.DISTRICT_WEIGHTS)
NO_DAY = np.iinfo(np.int64).max  # "never happens"
FOCUS_STATUSES = ("duldung", "gestattung")
NEED_STATUS_MET, NEED_STATUS_UNMET = "gedeckt", "nicht_gedeckt"

# History-only columns that snapshots use to derive the state at a month end.
NEED_REFERRED_ON = "first_referred_on"  # first handover for the need; makes it in_bearbeitung
HANDOVER_DECIDED_ON = "decided_on"  # the day the final outcome becomes known


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
    """Draw the history of `total_cases` cases opened between first_day and last_day."""
    cases = _draw_cases(case_providers, first_day, last_day, total_cases, rng)
    persons = _draw_persons(cases, last_day, rng)
    _apply_status_changes_to_intake(cases, persons)
    _draw_case_attributes(cases, rng)
    case_ids = _case_ids(cases, case_providers, rng)
    provider_ids = pl.Series([provider.id for provider in case_providers]).gather(cases.provider)

    needs = _draw_needs(cases, rng)
    handovers = _draw_handovers(cases, needs, rng)
    _resolve_needs(cases, needs, handovers, rng)

    need_ids = _ids_by_rank(case_ids, needs.case, (needs.identified_on, needs.category), NEED_SUFFIX)
    return CityHistory(
        cases=_cases_table(cases, persons, case_ids, provider_ids),
        needs=_needs_table(needs, case_ids, need_ids, provider_ids),
        handovers=_handovers_table(handovers, case_ids, need_ids, provider_ids),
        contacts=_contacts_table(cases, last_day, case_ids, provider_ids, rng),
        assignments=_assignments_table(cases, case_providers, last_day, case_ids, provider_ids, rng),
        status_changes=_status_changes_table(persons, abh_providers, rng),
    )


# --- Cases and persons ---------------------------------------------------------------------


@dataclass
class _Cases:
    provider: np.ndarray  # index into case_providers
    person: np.ndarray  # index into persons
    opened_on: np.ndarray
    closed_on: np.ndarray  # the true closing day, possibly after the last period
    residence_status: np.ndarray | None = None  # index into RESIDENCE_STATUS, at intake
    closing_reason: np.ndarray | None = None
    district: np.ndarray | None = None  # index into DISTRICTS, -1 = not recorded
    referral_source: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.opened_on)


@dataclass
class _Persons:
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
        weights = np.array([_fte(provider, year) for provider in case_providers])
        if weights.sum() <= 0:
            weights = np.ones(len(case_providers))
    return weights / weights.sum()


def _fte(provider: Provider, year: int) -> float:
    """Funded FTE in `year`, else in the latest configured year before it, else the latest."""
    if not provider.fte:
        return 0.0
    earlier = [y for y in provider.fte if y <= year]
    return provider.fte[max(earlier) if earlier else max(provider.fte)]


def _draw_cases(
    case_providers: list[Provider],
    first_day: int,
    last_day: int,
    total_cases: int,
    rng: np.random.Generator,
) -> _Cases:
    n_providers = len(case_providers)
    shares = case_provider_shares(case_providers, _year(np.array([last_day]))[0])
    # A few persons also have a case at a second, different provider.
    n_second = round(total_cases * P.SECOND_PROVIDER_SHARE / (1 + P.SECOND_PROVIDER_SHARE)) if n_providers > 1 else 0
    n_persons = total_cases - n_second
    first_provider = rng.choice(n_providers, n_persons, p=shares)
    returning = np.sort(rng.choice(n_persons, n_second, replace=False))
    other_provider = (first_provider[returning] + rng.integers(1, max(n_providers, 2), n_second)) % n_providers

    opened_on = rng.integers(first_day, last_day + 1, total_cases)
    duration = np.maximum(lognormal_days(rng, P.CASE_DURATION_MEDIAN_DAYS, P.CASE_DURATION_SIGMA, total_cases), 1)
    return _Cases(
        provider=np.concatenate([first_provider, other_provider]),
        person=np.concatenate([np.arange(n_persons), returning]),
        opened_on=opened_on,
        closed_on=opened_on + duration,
    )


def _draw_persons(cases: _Cases, last_day: int, rng: np.random.Generator) -> _Persons:
    n_persons = int(cases.person.max()) + 1 if len(cases) else 0
    first_opened = np.full(n_persons, NO_DAY)
    np.minimum.at(first_opened, cases.person, cases.opened_on)
    last_closed = np.zeros(n_persons, dtype=np.int64)
    np.maximum.at(last_closed, cases.person, cases.closed_on)
    intake_year = _year(first_opened)

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
    return _Persons(
        person_id=person_id,
        birth_year=birth_year,
        gender=gender,
        nationality=nationality,
        arrival_year=arrival_year,
        status_at_first_intake=status,
        changed_on=changed_on,
        status_after_change=status_after,
    )


def _apply_status_changes_to_intake(cases: _Cases, persons: _Persons) -> None:
    """A case opened after the person's status changed records the new status at intake."""
    changed_before = persons.changed_on[cases.person] < cases.opened_on
    cases.residence_status = np.where(
        changed_before,
        persons.status_after_change[cases.person],
        persons.status_at_first_intake[cases.person],
    )


def _draw_case_attributes(cases: _Cases, rng: np.random.Generator) -> None:
    n = len(cases)
    cases.closing_reason = draw(rng, CLOSING_REASON, P.CLOSING_REASON_WEIGHTS, n)
    cases.district = draw(rng, DISTRICTS, P.DISTRICT_WEIGHTS, n)
    cases.district[rng.random(n) < P.DISTRICT_MISSING_SHARE] = -1
    cases.referral_source = draw(rng, REFERRAL_SOURCE, P.REFERRAL_SOURCE_WEIGHTS, n)


def _case_ids(cases: _Cases, case_providers: list[Provider], rng: np.random.Generator) -> pl.Series:
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
                "year": _year(cases.opened_on),
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


def _cases_table(cases: _Cases, persons: _Persons, case_ids: pl.Series, provider_ids: pl.Series) -> pl.DataFrame:
    person = cases.person
    arrival_year = persons.arrival_year[person]
    return pl.DataFrame(
        {
            "provider_id": provider_ids,
            "case_id": case_ids,
            "person_id": persons.person_id[person],
            "opened_on": _dates(cases.opened_on),
            "closed_on": _dates(cases.closed_on),
            "closing_reason": _codes(CLOSING_REASON, cases.closing_reason),
            "birth_year": persons.birth_year[person],
            "gender": _codes(GENDER, persons.gender[person]),
            "nationality": _codes(NATIONALITIES, persons.nationality[person]),
            "residence_status": _codes(RESIDENCE_STATUS, cases.residence_status),
            "arrival_year": _ints(arrival_year, valid=arrival_year >= 0),
            "district": _codes(DISTRICTS, cases.district, valid=cases.district >= 0),
            "referral_source": _codes(REFERRAL_SOURCE, cases.referral_source),
        }
    ).sort("provider_id", "case_id")


# --- Needs and handovers -------------------------------------------------------------------


@dataclass
class _Needs:
    case: np.ndarray
    category: np.ndarray  # index into NEED_CATEGORY
    identified_on: np.ndarray
    first_referred_on: np.ndarray | None = None  # NO_DAY = never referred
    resolved_on: np.ndarray | None = None
    unmet: np.ndarray | None = None
    unmet_reason: np.ndarray | None = None  # index into UNMET_REASON, -1 when met


@dataclass
class _Handovers:
    case: np.ndarray
    need: np.ndarray  # index into needs, -1 = general referral
    target_service: np.ndarray  # index into TARGET_SERVICE
    referred_on: np.ndarray
    outcome: np.ndarray  # final outcome, index into HANDOVER_OUTCOME
    decided_on: np.ndarray  # the day the outcome becomes known


def _draw_needs(cases: _Cases, rng: np.random.Generator) -> _Needs:
    sizes = np.array(list(P.NEEDS_PER_CASE_WEIGHTS))[
        draw(rng, list(P.NEEDS_PER_CASE_WEIGHTS), P.NEEDS_PER_CASE_WEIGHTS, len(cases))
    ]
    log_weights = np.tile(np.log(probabilities(NEED_CATEGORY, P.NEED_CATEGORY_WEIGHTS)), (len(cases), 1))
    secure = np.isin(cases.residence_status, [RESIDENCE_STATUS.index(s) for s in P.SECURE_RESIDENCE_STATUSES])
    log_weights[secure, NEED_CATEGORY.index("aufenthalt")] += np.log(P.AUFENTHALT_WEIGHT_FACTOR_IF_SECURE)
    case, category = weighted_subsets(rng, log_weights, sizes)

    # The first need is found within weeks, later ones at any time while the case is open.
    opened, duration = cases.opened_on[case], cases.closed_on[case] - cases.opened_on[case]
    first = rank_within_groups(case) == 0
    to_first = np.rint(rng.exponential(P.FIRST_NEED_MEAN_DAYS, len(case))).astype(np.int64)
    anytime = np.floor(rng.random(len(case)) * (duration + 1)).astype(np.int64)
    identified_on = opened + np.where(first, np.minimum(to_first, duration), anytime)
    return _Needs(case=case, category=category, identified_on=identified_on)


def _draw_handovers(cases: _Cases, needs: _Needs, rng: np.random.Generator) -> _Handovers:
    # Handovers for needs, to a service that matches the need's category.
    for_need = np.flatnonzero(rng.random(len(needs.case)) < P.HANDOVER_SHARE_OF_NEEDS)
    need_case = needs.case[for_need]
    to_referral = lognormal_days(
        rng, P.REFERRAL_AFTER_IDENTIFIED_MEDIAN_DAYS, P.REFERRAL_AFTER_IDENTIFIED_SIGMA, len(for_need)
    )
    need_referred = np.minimum(needs.identified_on[for_need] + to_referral, cases.closed_on[need_case])
    service_matrix = conditional_matrix(NEED_CATEGORY, TARGET_SERVICE, P.SERVICE_BY_CATEGORY)
    need_service = draw_given(rng, needs.category[for_need], service_matrix)

    # General referrals without a need, at any time while a case is open.
    n_general = round(len(for_need) * P.GENERAL_REFERRAL_SHARE / (1 - P.GENERAL_REFERRAL_SHARE))
    general_case = rng.integers(0, max(len(cases), 1), n_general)
    general_referred = uniform_days(rng, cases.opened_on[general_case], cases.closed_on[general_case])
    general_service = draw(rng, TARGET_SERVICE, P.GENERAL_REFERRAL_SERVICE_WEIGHTS, n_general)

    case = np.concatenate([need_case, general_case])
    service = np.concatenate([need_service, general_service])
    referred_on = np.concatenate([need_referred, general_referred])
    outcome = draw(rng, HANDOVER_OUTCOME, P.HANDOVER_OUTCOME_WEIGHTS, len(case))
    median_delay = np.array(
        [P.HANDOVER_DELAY_MEDIAN_DAYS.get(s, P.HANDOVER_DELAY_DEFAULT_MEDIAN_DAYS) for s in TARGET_SERVICE]
    )[service]
    delay = lognormal_days(rng, median_delay, P.HANDOVER_DELAY_SIGMA, len(case))
    # Stalled referrals stay open until the case closes, then count as not taken up.
    stalled = outcome == HANDOVER_OUTCOME.index("offen")
    return _Handovers(
        case=case,
        need=np.concatenate([for_need, np.full(n_general, -1)]),
        target_service=service,
        referred_on=referred_on,
        outcome=np.where(stalled, HANDOVER_OUTCOME.index("nicht_wahrgenommen"), outcome),
        decided_on=np.where(stalled, cases.closed_on[case], referred_on + delay),
    )


def _resolve_needs(cases: _Cases, needs: _Needs, handovers: _Handovers, rng: np.random.Generator) -> None:
    """When and how each need is resolved; open needs are resolved when their case closes."""
    n = len(needs.case)
    with_need = handovers.need >= 0
    needs.first_referred_on = np.full(n, NO_DAY)
    needs.first_referred_on[handovers.need[with_need]] = handovers.referred_on[with_need]
    # Resolution follows the receiving service's decision, else the identification.
    anchor = needs.identified_on.copy()
    anchor[handovers.need[with_need]] = handovers.decided_on[with_need]
    referred = needs.first_referred_on < NO_DAY
    median = np.where(referred, P.RESOLUTION_AFTER_HANDOVER_MEDIAN_DAYS, P.RESOLUTION_WITHOUT_HANDOVER_MEDIAN_DAYS)
    resolution = anchor + lognormal_days(rng, median, P.RESOLUTION_SIGMA, n)
    needs.resolved_on = np.minimum(resolution, cases.closed_on[needs.case])

    unmet_share = np.array([P.UNMET_SHARE_BY_CATEGORY[c] for c in NEED_CATEGORY])
    needs.unmet = rng.random(n) < unmet_share[needs.category]
    reasons = conditional_matrix(NEED_CATEGORY, UNMET_REASON, P.UNMET_REASON_BY_CATEGORY)
    needs.unmet_reason = np.where(needs.unmet, draw_given(rng, needs.category, reasons), -1)


def _ids_by_rank(
    case_ids: pl.Series,
    case: np.ndarray,
    order_keys: tuple[np.ndarray, ...],
    suffix: tuple[str, int],
) -> pl.Series:
    """Ids of the records of each case, numbered in order of `order_keys` within the case."""
    order = np.lexsort(tuple(reversed(order_keys)) + (case,))
    rank = np.empty(len(case), dtype=np.int64)
    rank[order] = rank_within_groups(case[order])
    frame = pl.DataFrame({"case_id": case_ids.gather(case), "rank": rank})
    return frame.select(child_id(pl.col("case_id"), pl.col("rank"), suffix)).to_series()


def _needs_table(needs: _Needs, case_ids: pl.Series, need_ids: pl.Series, provider_ids: pl.Series) -> pl.DataFrame:
    status = np.where(needs.unmet, NEED_STATUS_UNMET, NEED_STATUS_MET)
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(needs.case),
            "need_id": need_ids,
            "case_id": case_ids.gather(needs.case),
            "category": _codes(NEED_CATEGORY, needs.category),
            "identified_on": _dates(needs.identified_on),
            "status": status,
            "resolved_on": _dates(needs.resolved_on),
            "unmet_reason": _codes(UNMET_REASON, needs.unmet_reason, valid=needs.unmet),
            NEED_REFERRED_ON: _dates(needs.first_referred_on, valid=needs.first_referred_on < NO_DAY),
        }
    ).sort("provider_id", "need_id")


def _handovers_table(
    handovers: _Handovers, case_ids: pl.Series, need_ids: pl.Series, provider_ids: pl.Series
) -> pl.DataFrame:
    handover_ids = _ids_by_rank(
        case_ids,
        handovers.case,
        (handovers.referred_on, handovers.target_service),
        HANDOVER_SUFFIX,
    )
    has_need = handovers.need >= 0
    successful = handovers.outcome == HANDOVER_OUTCOME.index("erfolgreich")
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(handovers.case),
            "handover_id": handover_ids,
            "case_id": case_ids.gather(handovers.case),
            "need_id": _masked(need_ids.gather(np.where(has_need, handovers.need, 0)), has_need),
            "target_service": _codes(TARGET_SERVICE, handovers.target_service),
            "referred_on": _dates(handovers.referred_on),
            "first_contact_on": _dates(handovers.decided_on, valid=successful),
            "outcome": _codes(HANDOVER_OUTCOME, handovers.outcome),
            HANDOVER_DECIDED_ON: _dates(handovers.decided_on),
        }
    ).sort("provider_id", "handover_id")


# --- Contacts, assignments, status changes -------------------------------------------------


def _contacts_table(
    cases: _Cases,
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
            "contact_id": _ids_by_rank(case_ids, case, (contact_on, channel), CONTACT_SUFFIX),
            "case_id": case_ids.gather(case),
            "contact_on": _dates(contact_on),
            "channel": _codes(CONTACT_CHANNEL, channel),
            "duration_minutes": minutes,
        }
    ).sort("provider_id", "contact_id")


def case_manager_pool_size(provider: Provider, year: int) -> int:
    return max(P.MIN_CASE_MANAGERS, round(P.CASE_MANAGERS_PER_FTE * _fte(provider, year)))


def _assignments_table(
    cases: _Cases,
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

    # Each new case manager differs from the previous one: step through the pool.
    year = _year(np.array([last_day]))[0]
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
    manager_ids = (
        pl.DataFrame(
            {
                "prefix": manager_prefix.gather(cases.provider[case]),
                "number": managers + 1,
            }
        )
        .select(numbered(pl.col("prefix"), pl.col("number"), 2))
        .to_series()
    )
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(case),
            "case_id": case_ids.gather(case),
            "case_manager_id": manager_ids,
            "assigned_from": _dates(assigned_from),
            "assigned_to": _dates(assigned_to),
        }
    ).sort("provider_id", "case_id", "assigned_from")


def _status_changes_table(persons: _Persons, abh_providers: list[Provider], rng: np.random.Generator) -> pl.DataFrame:
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
            "changed_on": _dates(persons.changed_on[changed]),
            "status_from": _codes(RESIDENCE_STATUS, persons.status_at_first_intake[changed]),
            "status_to": _codes(RESIDENCE_STATUS, persons.status_after_change[changed]),
        }
    ).sort("provider_id", "changed_on", "person_id")


# --- Column helpers ------------------------------------------------------------------------


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _masked(series: pl.Series, valid: np.ndarray | None) -> pl.Series:
    if valid is None:
        return series
    return pl.select(pl.when(pl.Series(valid)).then(series).alias(series.name)).to_series()


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    safe = days if valid is None else np.where(valid, days, 0)
    return _masked(pl.Series(safe.astype(np.int32)).cast(pl.Date), valid)


def _ints(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return _masked(pl.Series(values.astype(np.int64)), valid)


def _codes(values: tuple[str, ...], index: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    safe = index if valid is None else np.where(valid, index, 0)
    return _masked(pl.Series(values, dtype=pl.String).gather(safe), valid)
