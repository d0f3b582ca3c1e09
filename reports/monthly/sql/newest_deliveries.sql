-- Each provider's newest accepted delivery (is_current, else the latest period; rejected ones never
-- count), with export
-- and load time in local (Europe/Berlin) time.
SELECT provider_id,
       period,
       timezone('Europe/Berlin', exported_at) AS exported_local,
       timezone('Europe/Berlin', loaded_at) AS loaded_local
FROM marts.fct_deliveries
WHERE state <> 'rejected'
QUALIFY row_number() OVER (
    PARTITION BY provider_id
    ORDER BY is_current DESC NULLS LAST, period DESC, exported_at DESC
) = 1
