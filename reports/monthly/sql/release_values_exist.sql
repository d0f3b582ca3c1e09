-- Whether the warehouse keeps releases (migration 0010; hand-built test warehouses may not).
SELECT count(*) AS n
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND table_schema = 'publication'
  AND table_name IN ('releases', 'release_values')
