-- Months with published figures in the trend window (axis of the trend chart).
SELECT DISTINCT period
FROM marts.published_indicator_values
WHERE period BETWEEN $first AND $period
ORDER BY period
