-- The programme budget per year and reporting unit. The budget (design §3: funding granted and
-- actual cost per year) is configured for the whole city; a provider's part is its share of the
-- funded FTE of that year (an allocation, not a provider's own accounts).
CREATE OR REPLACE TABLE marts.fct_budget_allocation AS
WITH fte AS (
    SELECT year, provider_id, funded_fte / sum(funded_fte) OVER (PARTITION BY year) AS fte_share
    FROM marts.dim_provider_years
    WHERE funded_fte > 0
)
SELECT b.year, f.provider_id, f.fte_share, b.funding_granted * f.fte_share AS funding_granted,
       b.actual_cost * f.fte_share AS actual_cost
FROM marts.dim_budget_years b JOIN fte f USING (year)
UNION ALL
SELECT year, 'all', 1.0, funding_granted, actual_cost FROM marts.dim_budget_years
ORDER BY year, provider_id
