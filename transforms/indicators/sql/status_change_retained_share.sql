-- status_change_retained_share (design §5): over residence-status changes in P of persons with a
-- case active on the day of the change, the share whose case is still open at end(P), or was
-- closed with ziele_erreicht / weitervermittelt. Also by the new status (status_to).
-- Unit of observation: one status change. Per provider: changes of persons with a case of that
-- provider active that day. 'all': each change once; retained if any of the person's active cases
-- (at any provider) is retained.
WITH changes AS (
    SELECT p.period, p.period_end, s.change_key, s.person_id, s.changed_on,
           coalesce(s.status_to, 'unbekannt') AS status_to
    FROM target_months p
    JOIN marts.fct_status_changes s ON date_trunc('month', s.changed_on) = p.month_start
),
case_observations AS (
    SELECT ch.period, ch.change_key, ch.status_to, c.provider_id,
           c.closed_on IS NULL OR c.closed_on > ch.period_end
               OR c.closing_reason IN ('ziele_erreicht', 'weitervermittelt') AS retained
    FROM changes ch
    JOIN marts.fct_cases c
      ON c.person_id = ch.person_id
     AND c.opened_on <= ch.changed_on AND (c.closed_on IS NULL OR c.closed_on >= ch.changed_on)
),
per_unit AS (
    SELECT period, provider_id, change_key, status_to, bool_or(retained) AS retained
    FROM case_observations GROUP BY ALL
    UNION ALL
    SELECT period, 'all', change_key, status_to, bool_or(retained)
    FROM case_observations GROUP BY ALL
),
observations AS (
    SELECT period, provider_id, 'all' AS "all", status_to, retained FROM per_unit
)
SELECT period, provider_id, dimension, dimension_value,
       (count(*) FILTER (WHERE retained))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE retained) AS numerator, count(*) AS denominator
FROM (UNPIVOT observations ON "all", status_to INTO NAME dimension VALUE dimension_value)
GROUP BY ALL
