-- Every month a monthly report is rendered for: the months of marts.dim_periods up to the newest
-- month with indicator values, plus that newest month itself (oldest first).
SELECT period
FROM marts.dim_periods
WHERE period <= (SELECT max(period) FROM marts.indicator_values)
UNION
SELECT max(period) AS period
FROM marts.indicator_values
HAVING max(period) IS NOT NULL
ORDER BY period
