-- The provider's newest accepted delivery (is_current, else the latest period; rejected ones
-- never count), times in local (Europe/Berlin) time. Metadata only: no delivery id, no message.
SELECT period,
       timezone('Europe/Berlin', exported_at) AS exported_local,
       timezone('Europe/Berlin', loaded_at) AS loaded_local
FROM marts.fct_deliveries
WHERE provider_id = $provider_id
  AND state <> 'rejected'
ORDER BY is_current DESC NULLS LAST, period DESC, exported_at DESC
LIMIT 1
