-- Budget per month and reporting unit, year to date. The programme budget (design §3: funding
-- granted and actual cost per year) is configured for the whole city; a provider's part is its
-- share of the funded FTE of that year (an allocation, not a provider's own accounts).
-- cost_to_date = actual cost x months elapsed / 12; the case counts are year to date.
CREATE OR REPLACE TABLE marts.fct_budget_months AS
WITH fte AS (
    SELECT year, provider_id, funded_fte / sum(funded_fte) OVER (PARTITION BY year) AS fte_share
    FROM marts.dim_provider_years
    WHERE funded_fte > 0
),
units AS (
    SELECT b.year, f.provider_id, b.funding_granted * f.fte_share AS funding_granted,
           b.actual_cost * f.fte_share AS actual_cost
    FROM marts.dim_budget_years b JOIN fte f USING (year)
    UNION ALL
    SELECT year, 'all', funding_granted, actual_cost FROM marts.dim_budget_years
),
months AS (
    SELECT p.period, p.period_end, year(p.period_start) AS year, month(p.period_start) AS month,
           make_date(year(p.period_start), 1, 1) AS year_start
    FROM marts.dim_periods p
),
cases_to_date AS (
    SELECT m.period, c.provider_id,
           count(*) AS cases_active_to_date,
           count(*) FILTER (WHERE c.closed_on BETWEEN m.year_start AND m.period_end) AS cases_closed_to_date
    FROM months m
    JOIN marts.fct_cases c
      ON c.opened_on <= m.period_end AND (c.closed_on IS NULL OR c.closed_on >= m.year_start)
    GROUP BY GROUPING SETS ((m.period, c.provider_id), (m.period))
)
SELECT m.period, u.provider_id, u.year, u.funding_granted, u.actual_cost,
       u.actual_cost * m.month / 12 AS cost_to_date,
       coalesce(c.cases_active_to_date, 0) AS cases_active_to_date,
       coalesce(c.cases_closed_to_date, 0) AS cases_closed_to_date
FROM months m
JOIN units u USING (year)
LEFT JOIN cases_to_date c ON c.period = m.period AND coalesce(c.provider_id, 'all') = u.provider_id
ORDER BY m.period, u.provider_id
