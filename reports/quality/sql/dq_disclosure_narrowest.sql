-- The hidden counts of the newest disclosure audit with the narrowest interval any reader can
-- deduce: one row per cell (its narrowest interval, preferring the outside reader's row when
-- several readers get it), the readers who get it, narrowest first and then newest period first;
-- `cells` and `unprotected_cells` count all such cells before the limit.
WITH run AS (
    SELECT max(audited_at) AS audited_at, arg_max(k, audited_at) AS k FROM dq.disclosure_audits
),
cells AS (
    SELECT c.*, min(c.width) OVER (
        PARTITION BY c.indicator_id, c.period, c.provider_id, c.dimension, c.dimension_value, c.count_column
    ) AS narrowest
    FROM dq.disclosure_audit_cells c
    JOIN run ON c.audited_at = run.audited_at
),
narrowest AS (
    SELECT indicator_id, period, provider_id, dimension, dimension_value, count_column,
           min(width) AS width,
           first(true_value ORDER BY reader <> 'outside', reader) AS true_value,
           first(lower_bound ORDER BY reader <> 'outside', reader) AS lower_bound,
           first(upper_bound ORDER BY reader <> 'outside', reader) AS upper_bound,
           first(binding ORDER BY reader <> 'outside', reader) AS binding,
           list(reader ORDER BY reader <> 'outside', reader) AS readers
    FROM cells
    WHERE width = narrowest
    GROUP BY indicator_id, period, provider_id, dimension, dimension_value, count_column
)
SELECT n.*,
       count(*) OVER () AS cells,
       count(*) FILTER (WHERE n.width < run.k) OVER () AS unprotected_cells
FROM narrowest n, run
ORDER BY n.width, n.period DESC, n.indicator_id, n.provider_id, n.dimension, n.dimension_value,
         n.count_column
LIMIT $limit
