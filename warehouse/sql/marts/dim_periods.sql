-- Every calendar month from the earliest to the latest period of an accepted delivery.
CREATE OR REPLACE TABLE marts.dim_periods AS
WITH bounds AS (
    SELECT min(strptime(period || '-01', '%Y-%m-%d'))::DATE AS first_start,
           max(strptime(period || '-01', '%Y-%m-%d'))::DATE AS last_start
    FROM raw.deliveries
    WHERE state <> 'rejected'
)
SELECT strftime(month_start, '%Y-%m') AS period,
       month_start::DATE AS period_start,
       last_day(month_start)::DATE AS period_end
FROM bounds, generate_series(first_start, last_start, INTERVAL 1 MONTH) AS months(month_start)
WHERE first_start IS NOT NULL
ORDER BY period
