-- When the newest accepted delivery (of any provider: the city-wide figures depend on all) was
-- loaded, in local time. A single timestamp, nothing about any provider's figures.
SELECT max(timezone('Europe/Berlin', loaded_at)) AS loaded_local
FROM marts.fct_deliveries
WHERE state <> 'rejected'
