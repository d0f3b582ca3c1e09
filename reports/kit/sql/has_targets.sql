-- Whether the warehouse has the targets table (a warehouse built before it has none).
SELECT count(*) AS found
FROM information_schema.tables
WHERE table_schema = 'marts' AND table_name = 'dim_indicator_targets'
