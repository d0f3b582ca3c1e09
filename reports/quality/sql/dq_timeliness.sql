-- Timeliness of the expected monthly deliveries in the report window.
SELECT provider_id,
       period,
       due_on,
       timezone('Europe/Berlin', received_at) AS received_local,
       status
FROM marts.delivery_timeliness
WHERE period BETWEEN $first AND $last
ORDER BY provider_id, period
