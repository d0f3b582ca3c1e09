-- Every published indicator row of one report month, all providers and breakdowns (rows that are
-- not published per month are not in the view; hidden ones come with suppressed = true).
SELECT indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.published_indicator_values
WHERE period = $period
