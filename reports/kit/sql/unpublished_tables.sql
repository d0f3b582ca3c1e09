-- The tables (indicator x level x breakdown) that are not published at one grain ($grain:
-- 'monthly' or 'yearly'): those the publication plan does not publish at that grain, and any of
-- whose rows of that grain the protection step marked 'unpublished'. Taken over every period of
-- the grain, so that a report's note never depends on one month's figures. No figure leaves this
-- query.
SELECT indicator_id, level, dimension
FROM marts.publication_plan
WHERE NOT (CASE WHEN $grain = 'yearly' THEN yearly ELSE monthly END)
UNION
SELECT DISTINCT indicator_id,
       CASE WHEN provider_id = 'all' THEN 'city' ELSE 'provider' END AS level,
       dimension
FROM marts.indicator_publication
WHERE status = 'unpublished'
  AND length(period) = (CASE WHEN $grain = 'yearly' THEN 4 ELSE 7 END)
  AND ($period IS NULL OR period = $period)
