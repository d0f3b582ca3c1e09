-- Providers whose current delivery differs from the one the figures were computed from.
SELECT coalesce(n.provider_id, o.provider_id) AS provider_id,
       o.delivery_id AS old_delivery_id, n.delivery_id AS new_delivery_id
FROM (SELECT provider_id, delivery_id FROM raw.deliveries WHERE state = 'accepted') n
FULL OUTER JOIN marts.indicator_build_inputs o USING (provider_id)
WHERE n.delivery_id IS DISTINCT FROM o.delivery_id
