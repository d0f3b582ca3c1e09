-- Periods whose first arrival of a delivery differs from the one the figures were computed with
-- (delivery_on_time), and periods whose deadline (the 10th day after the month) passed since the
-- last build: a missing delivery turns from 'not yet due' into 'missing'.
WITH arrivals AS (
    SELECT provider_id, period, min(received_at) AS received_at
    FROM raw.deliveries WHERE state <> 'rejected' GROUP BY ALL
)
SELECT DISTINCT coalesce(n.period, o.period) AS period
FROM arrivals n
FULL OUTER JOIN marts.indicator_build_arrivals o USING (provider_id, period)
WHERE n.received_at IS DISTINCT FROM o.received_at
UNION
SELECT strftime(m, '%Y-%m')
FROM generate_series(date_trunc('month', $last_built::DATE) - INTERVAL 2 MONTH,
                     date_trunc('month', current_date), INTERVAL 1 MONTH) AS months(m)
WHERE (last_day(m) + INTERVAL ($delivery_due_days) DAY)::DATE > $last_built::DATE
  AND (last_day(m) + INTERVAL ($delivery_due_days) DAY)::DATE <= current_date
