-- The provider's own indicator rows and the city-wide rows ('all') of the report month and the
-- month before. No other provider's row leaves this query.
SELECT period, indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE period IN ($period, $previous)
  AND provider_id IN ($provider_id, 'all')
