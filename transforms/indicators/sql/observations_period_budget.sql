-- Shared observations (a temporary view): the cost of each period and reporting unit (the year's
-- actual cost x the period's months / 12: a month is 1/12, a year to October 10/12) next to its
-- cases active and cases closed — the same counts as cases_active and cases_closed, so a cost per
-- case reveals no more than those (and is hidden with them).
CREATE OR REPLACE TEMP VIEW period_budget AS
WITH cases AS (
    SELECT p.period, coalesce(c.provider_id, 'all') AS provider_id,
           count(*) AS cases_active,
           count(*) FILTER (WHERE c.closed_on BETWEEN p.period_start AND p.period_end) AS cases_closed
    FROM target_periods p
    JOIN marts.fct_cases c
      ON c.opened_on <= p.period_end AND (c.closed_on IS NULL OR c.closed_on >= p.period_start)
    GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
)
SELECT p.period, b.provider_id,
       b.actual_cost * (date_diff('month', p.period_start, p.period_end) + 1) / 12 AS cost,
       coalesce(c.cases_active, 0) AS cases_active, coalesce(c.cases_closed, 0) AS cases_closed
FROM target_periods p
JOIN marts.fct_budget_allocation b ON b.year = year(p.period_end)
LEFT JOIN cases c ON c.period = p.period AND c.provider_id = b.provider_id
