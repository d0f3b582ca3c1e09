-- Configured providers with display name and kind.
SELECT provider_id, provider_name, provider_kind
FROM marts.dim_providers
ORDER BY provider_name, provider_id
