-- handover_contact_km_median_days (beyond design §5): Kaplan-Meier median days from referral to
-- first contact, as of end(P), over handovers referred in the 12 months up to end(P)
-- (referred_on > end(P) - 12 months; for a month: its own and the 11 before, for a year: the year).
-- A handover without first contact by end(P) is censored at end(P) - referred_on instead of being
-- dropped; declined / not attended handovers without a first contact leave the cohort (they will
-- never have one). The median is the smallest time t with S(t) <= 0.5 (as lifelines defines it);
-- no value while S stays above 0.5. numerator = observed first contacts, denominator = cohort size.
-- Also by target_service.
WITH cohort AS (
    SELECT p.period, h.provider_id, 'all' AS "all", coalesce(h.target_service, 'unbekannt') AS target_service,
           h.first_contact_on <= p.period_end AS observed,
           CASE WHEN h.first_contact_on <= p.period_end THEN h.delay_days
                ELSE date_diff('day', h.referred_on, p.period_end) END AS days
    FROM target_periods p
    JOIN marts.fct_handovers h
      ON h.referred_on > p.period_end - INTERVAL 12 MONTH AND h.referred_on <= p.period_end
     AND (h.first_contact_on <= p.period_end OR h.outcome NOT IN ('abgelehnt', 'nicht_wahrgenommen'))
),
by_dimension AS (
    UNPIVOT cohort ON "all", target_service INTO NAME dimension VALUE dimension_value
),
units AS (
    SELECT period, provider_id, dimension, dimension_value, days, observed FROM by_dimension
    UNION ALL
    SELECT period, 'all', dimension, dimension_value, days, observed FROM by_dimension
),
event_times AS (
    SELECT period, provider_id, dimension, dimension_value, days,
           count(*) FILTER (WHERE observed) AS events, count(*) AS leaving
    FROM units GROUP BY ALL
),
at_risk AS (
    SELECT *, sum(leaving) OVER (PARTITION BY period, provider_id, dimension, dimension_value
                                 ORDER BY days DESC) AS at_risk
    FROM event_times
),
survival AS (
    SELECT *,
           -- S(t) = product of (1 - d/n); a factor of 0 (everyone at risk has the event) ends at 0.
           bool_or(events = at_risk) OVER w AS reached_zero,
           exp(sum(CASE WHEN events < at_risk THEN ln(1 - events / at_risk) ELSE 0 END) OVER w) AS survival
    FROM at_risk
    WINDOW w AS (PARTITION BY period, provider_id, dimension, dimension_value ORDER BY days
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT period, provider_id, dimension, dimension_value,
       (min(days) FILTER (WHERE reached_zero OR survival <= 0.5 + 1e-9))::DOUBLE AS value,
       sum(events)::BIGINT AS numerator, sum(leaving)::BIGINT AS denominator
FROM survival
GROUP BY ALL
