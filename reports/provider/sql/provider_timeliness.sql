-- Timeliness of the provider's expected monthly deliveries in the report window.
SELECT period,
       due_on,
       timezone('Europe/Berlin', received_at) AS received_local,
       status
FROM marts.delivery_timeliness
WHERE provider_id = $provider_id
  AND period BETWEEN $first AND $period
ORDER BY period
