-- Name and kind of one configured provider (never any other provider's).
SELECT provider_id, provider_name, provider_kind
FROM marts.dim_providers
WHERE provider_id = $provider_id
