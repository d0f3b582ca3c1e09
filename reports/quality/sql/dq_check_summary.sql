-- Per delivery: how many checks ran and how many fail, counting only the newest result of each
-- check (delivery, suite, expectation, column).
WITH latest AS (
    SELECT delivery_id, severity, success, checked_at
    FROM dq.check_results
    QUALIFY row_number() OVER (
        PARTITION BY delivery_id, suite_name, expectation, column_name
        ORDER BY checked_at DESC, data_version DESC
    ) = 1
)
SELECT delivery_id,
       count(*) AS checks,
       count(*) FILTER (WHERE NOT success AND severity = 'error') AS failed_errors,
       count(*) FILTER (WHERE NOT success AND severity IS DISTINCT FROM 'error') AS failed_warnings,
       timezone('Europe/Berlin', max(checked_at)) AS checked_local
FROM latest
GROUP BY delivery_id
