-- Per indicator, over the distinct hidden counts of the newest disclosure audit (each with the
-- narrowest interval any reader deduces): how many were checked, how many are narrower than k and
-- how many of those are recovered exactly. Most unprotected first.
WITH run AS (
    SELECT max(audited_at) AS audited_at, arg_max(k, audited_at) AS k FROM dq.disclosure_audits
),
narrowest AS (
    SELECT c.indicator_id, c.period, c.provider_id, c.dimension, c.dimension_value, c.count_column,
           min(c.width) AS width
    FROM dq.disclosure_audit_cells c
    JOIN run ON c.audited_at = run.audited_at
    GROUP BY c.indicator_id, c.period, c.provider_id, c.dimension, c.dimension_value, c.count_column
)
SELECT n.indicator_id,
       count(*) AS targets,
       count(*) FILTER (WHERE n.width < run.k) AS unprotected,
       count(*) FILTER (WHERE n.width = 0) AS exact
FROM narrowest n, run
GROUP BY n.indicator_id
ORDER BY unprotected DESC, targets DESC, n.indicator_id
