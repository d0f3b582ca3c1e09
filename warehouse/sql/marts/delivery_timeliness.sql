-- One row per configured provider and month due: did a delivery for the month arrive by the 10th
-- day after the month's end (design §5 delivery_on_time)? Months run from the first delivered
-- period to the last complete month. status: fristgerecht | verspaetet | fehlt | offen (not yet due).
CREATE OR REPLACE TABLE marts.delivery_timeliness AS
WITH months AS (
    SELECT strftime(month_start, '%Y-%m') AS period, (last_day(month_start) + INTERVAL ($delivery_due_days) DAY)::DATE AS due_on
    FROM (SELECT min(period_start) AS first_start FROM marts.dim_periods) AS bounds,
         generate_series(first_start, date_trunc('month', current_date) - INTERVAL 1 MONTH, INTERVAL 1 MONTH)
             AS m(month_start)
    WHERE first_start IS NOT NULL
),
arrivals AS (
    SELECT provider_id, period, min(received_at) AS received_at
    FROM raw.deliveries
    WHERE state <> 'rejected'
    GROUP BY ALL
)
SELECT p.provider_id, m.period, m.due_on, a.received_at,
       CASE
           WHEN a.received_at IS NOT NULL AND timezone('Europe/Berlin', a.received_at)::DATE <= m.due_on THEN 'fristgerecht'
           WHEN a.received_at IS NOT NULL THEN 'verspaetet'
           WHEN current_date > m.due_on THEN 'fehlt'
           ELSE 'offen'
       END AS status
FROM marts.dim_providers p
CROSS JOIN months m
LEFT JOIN arrivals a ON a.provider_id = p.provider_id AND a.period = m.period
ORDER BY p.provider_id, m.period
