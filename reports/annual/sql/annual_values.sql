-- Every published yearly indicator row of one year, all providers and breakdowns
-- (marts.published_indicator_values_yearly: rows not published per year are not there, hidden
-- ones come with suppressed = true).
SELECT indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.published_indicator_values_yearly
WHERE period = $year
