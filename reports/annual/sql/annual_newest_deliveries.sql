-- Each provider's newest accepted delivery (the snapshot all figures rest on), with its load
-- time in local (Europe/Berlin) time.
SELECT provider_id,
       period,
       timezone('Europe/Berlin', loaded_at) AS loaded_local
FROM marts.fct_deliveries
WHERE state <> 'rejected'
QUALIFY row_number() OVER (
    PARTITION BY provider_id
    ORDER BY is_current DESC NULLS LAST, period DESC, exported_at DESC
) = 1
