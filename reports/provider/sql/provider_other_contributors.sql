-- Per indicator and breakdown cell of the report month: how many providers OTHER than
-- $provider_id contribute to the city-wide figure (a row with a non-zero count or a non-empty
-- base). Only this number leaves the query, never another provider's figure: the report hides
-- the city-wide comparison where fewer than two other providers contribute, because the
-- city-wide figure minus the provider's own would be the single other provider's figure.
SELECT indicator_id, dimension, dimension_value,
       count(*) FILTER (
           WHERE coalesce(denominator, 0) > 0
              OR coalesce(numerator, 0) <> 0
              OR coalesce(value, 0) <> 0
       ) AS contributors
FROM marts.indicator_values
WHERE period = $period
  AND provider_id NOT IN ('all', $provider_id)
GROUP BY indicator_id, dimension, dimension_value
