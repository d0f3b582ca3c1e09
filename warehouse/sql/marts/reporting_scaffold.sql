-- Every period x reporting unit (each case-delivering provider and 'all' for the whole city):
-- an indicator without observations still gets its row (count 0, or no value with base 0).
CREATE OR REPLACE TABLE marts.reporting_scaffold AS
WITH units AS (
    SELECT provider_id FROM marts.dim_providers WHERE provider_kind IN ('wohlfahrt', 'stadt')
    UNION ALL
    SELECT 'all'
)
SELECT p.period, u.provider_id
FROM marts.dim_periods p CROSS JOIN units u
ORDER BY p.period, u.provider_id
