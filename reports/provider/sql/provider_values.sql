-- The provider's own published indicator rows and the city-wide ones ('all') of the report month
-- and the month before (marts.published_indicator_values: rows not published per month are not
-- there, hidden ones come with suppressed = true). No other provider's row leaves this query.
SELECT period, indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.published_indicator_values
WHERE period IN ($period, $previous)
  AND provider_id IN ($provider_id, 'all')
