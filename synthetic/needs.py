"""Needs and handovers of the synthetic history: what each case needs, where it is referred, what
the receiving service decides and when, and how each need is resolved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kim.contract import HANDOVER_OUTCOME, NEED_CATEGORY, RESIDENCE_STATUS, TARGET_SERVICE, UNMET_REASON
from synthetic import parameters as P
from synthetic.cases import Cases
from synthetic.columns import NO_DAY, codes, dates, masked
from synthetic.ids import HANDOVER_SUFFIX, ids_by_rank
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

NEED_STATUS_MET, NEED_STATUS_UNMET = "gedeckt", "nicht_gedeckt"

# History-only columns that snapshots use to derive the state at a month end.
NEED_REFERRED_ON = "first_referred_on"  # first handover for the need; makes it in_bearbeitung
HANDOVER_DECIDED_ON = "decided_on"  # the day the final outcome becomes known


@dataclass
class IdentifiedNeeds:
    """Each need's case, category and identification day, before it is resolved."""

    case: np.ndarray
    category: np.ndarray  # index into NEED_CATEGORY
    identified_on: np.ndarray


@dataclass
class Needs(IdentifiedNeeds):
    first_referred_on: np.ndarray  # NO_DAY = never referred
    resolved_on: np.ndarray
    unmet: np.ndarray
    unmet_reason: np.ndarray  # index into UNMET_REASON, -1 when met


@dataclass
class Handovers:
    case: np.ndarray
    need: np.ndarray  # index into needs, -1 = general referral
    target_service: np.ndarray  # index into TARGET_SERVICE
    referred_on: np.ndarray
    outcome: np.ndarray  # final outcome, index into HANDOVER_OUTCOME
    decided_on: np.ndarray  # the day the outcome becomes known


def draw_needs(cases: Cases, rng: np.random.Generator) -> IdentifiedNeeds:
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
    return IdentifiedNeeds(case=case, category=category, identified_on=identified_on)


def draw_handovers(cases: Cases, needs: IdentifiedNeeds, rng: np.random.Generator) -> Handovers:
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
    return Handovers(
        case=case,
        need=np.concatenate([for_need, np.full(n_general, -1)]),
        target_service=service,
        referred_on=referred_on,
        outcome=np.where(stalled, HANDOVER_OUTCOME.index("nicht_wahrgenommen"), outcome),
        decided_on=np.where(stalled, cases.closed_on[case], referred_on + delay),
    )


def resolve_needs(cases: Cases, needs: IdentifiedNeeds, handovers: Handovers, rng: np.random.Generator) -> Needs:
    """When and how each need is resolved; open needs are resolved when their case closes."""
    n = len(needs.case)
    with_need = handovers.need >= 0
    first_referred_on = np.full(n, NO_DAY)
    first_referred_on[handovers.need[with_need]] = handovers.referred_on[with_need]
    # Resolution follows the receiving service's decision, else the identification.
    anchor = needs.identified_on.copy()
    anchor[handovers.need[with_need]] = handovers.decided_on[with_need]
    referred = first_referred_on < NO_DAY
    median = np.where(referred, P.RESOLUTION_AFTER_HANDOVER_MEDIAN_DAYS, P.RESOLUTION_WITHOUT_HANDOVER_MEDIAN_DAYS)
    resolution = anchor + lognormal_days(rng, median, P.RESOLUTION_SIGMA, n)

    unmet_share = np.array([P.UNMET_SHARE_BY_CATEGORY[c] for c in NEED_CATEGORY])
    unmet = rng.random(n) < unmet_share[needs.category]
    reasons = conditional_matrix(NEED_CATEGORY, UNMET_REASON, P.UNMET_REASON_BY_CATEGORY)
    return Needs(
        case=needs.case,
        category=needs.category,
        identified_on=needs.identified_on,
        first_referred_on=first_referred_on,
        resolved_on=np.minimum(resolution, cases.closed_on[needs.case]),
        unmet=unmet,
        unmet_reason=np.where(unmet, draw_given(rng, needs.category, reasons), -1),
    )


def needs_table(needs: Needs, case_ids: pl.Series, need_ids: pl.Series, provider_ids: pl.Series) -> pl.DataFrame:
    status = np.where(needs.unmet, NEED_STATUS_UNMET, NEED_STATUS_MET)
    return pl.DataFrame(
        {
            "provider_id": provider_ids.gather(needs.case),
            "need_id": need_ids,
            "case_id": case_ids.gather(needs.case),
            "category": codes(NEED_CATEGORY, needs.category),
            "identified_on": dates(needs.identified_on),
            "status": status,
            "resolved_on": dates(needs.resolved_on),
            "unmet_reason": codes(UNMET_REASON, needs.unmet_reason, valid=needs.unmet),
            NEED_REFERRED_ON: dates(needs.first_referred_on, valid=needs.first_referred_on < NO_DAY),
        }
    ).sort("provider_id", "need_id")


def handovers_table(
    handovers: Handovers, case_ids: pl.Series, need_ids: pl.Series, provider_ids: pl.Series
) -> pl.DataFrame:
    handover_ids = ids_by_rank(
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
            "need_id": masked(need_ids.gather(np.where(has_need, handovers.need, 0)), has_need),
            "target_service": codes(TARGET_SERVICE, handovers.target_service),
            "referred_on": dates(handovers.referred_on),
            "first_contact_on": dates(handovers.decided_on, valid=successful),
            "outcome": codes(HANDOVER_OUTCOME, handovers.outcome),
            HANDOVER_DECIDED_ON: dates(handovers.decided_on),
        }
    ).sort("provider_id", "handover_id")
