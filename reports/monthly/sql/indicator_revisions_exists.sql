-- Whether marts.indicator_revisions exists (older warehouses do not have it).
SELECT count(*) AS n
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND table_schema = 'marts'
  AND table_name = 'indicator_revisions'
