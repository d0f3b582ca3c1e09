-- delivery_on_time (design §5): per provider, 1 if a delivery for P arrived by the 10th day after
-- end(P), else 0. Per provider only (no 'all'); months not yet due have no row.
SELECT t.period, t.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN t.status = 'fristgerecht' THEN 1.0 ELSE 0.0 END AS value,
       NULL::BIGINT AS numerator, NULL::BIGINT AS denominator
FROM marts.delivery_timeliness t
JOIN target_periods p USING (period)
WHERE t.status <> 'offen'
