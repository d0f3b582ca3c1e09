-- The provider's own and the city-wide rows of the report month as stored, published or not, for
-- the city-wide guard only (reports.provider.guard: city minus own is the rest of the city, and
-- the provider knows its own figures even where they are not published). Nothing of it is
-- printed. No other provider's row leaves this query.
SELECT indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE period = $period
  AND provider_id IN ($provider_id, 'all')
