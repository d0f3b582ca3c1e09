-- Providers that get a feedback report by default: the case-managing providers (welfare
-- organisations and the city); the Ausländerbehörde delivers status changes only.
SELECT provider_id
FROM marts.dim_providers
WHERE provider_kind IN ('wohlfahrt', 'stadt')
ORDER BY provider_id
