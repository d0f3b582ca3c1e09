-- What the indicators derive per case from other tables: the first need (time_to_first_need, in
-- the month the case opened) and the number of distinct case managers (cm_continuity, in the
-- month it closed). A new need or assignment of an old case changes a figure only through these.
WITH deliveries AS (
    SELECT new_delivery_id AS delivery_id FROM changed_inputs
    UNION SELECT old_delivery_id FROM changed_inputs WHERE old_delivery_id IS NOT NULL
),
first_needs AS (
    SELECT provider_id, delivery_id, case_id, min(identified_on) AS first_need_on
    FROM raw.needs WHERE delivery_id IN (FROM deliveries) GROUP BY ALL
),
managers AS (
    SELECT provider_id, delivery_id, case_id, count(DISTINCT case_manager_id) AS managers
    FROM raw.assignments WHERE delivery_id IN (FROM deliveries) GROUP BY ALL
),
per_case AS (
    SELECT k.provider_id, k.delivery_id, k.case_id, k.opened_on, k.closed_on, f.first_need_on,
           coalesce(m.managers, 0) AS managers
    FROM raw.cases k
    LEFT JOIN first_needs f USING (provider_id, delivery_id, case_id)
    LEFT JOIN managers m USING (provider_id, delivery_id, case_id)
    WHERE k.delivery_id IN (FROM deliveries)
),
new_cases AS (SELECT p.* FROM per_case p JOIN changed_inputs c ON p.delivery_id = c.new_delivery_id),
old_cases AS (SELECT p.* FROM per_case p JOIN changed_inputs c ON p.delivery_id = c.old_delivery_id)
SELECT min(least(
    CASE WHEN n.first_need_on IS DISTINCT FROM o.first_need_on THEN least(n.opened_on, o.opened_on) END,
    CASE WHEN n.managers IS DISTINCT FROM o.managers THEN least(n.closed_on, o.closed_on) END
))
FROM new_cases n
JOIN old_cases o USING (provider_id, case_id)
