-- Configured providers with display name, kind and funded full-time equivalents in the year.
SELECT p.provider_id, p.provider_name, p.provider_kind, y.funded_fte
FROM marts.dim_providers AS p
LEFT JOIN marts.dim_provider_years AS y
       ON y.provider_id = p.provider_id AND y.year = CAST($year AS INTEGER)
ORDER BY p.provider_name, p.provider_id
