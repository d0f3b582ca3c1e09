-- Which optional tables exist (older or hand-built warehouses may lack them): the revisions
-- (marts.indicator_revisions) and the releases (migration 0010).
SELECT table_schema || '.' || table_name AS relation
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND (table_schema, table_name) IN (
      ('marts', 'indicator_revisions'), ('publication', 'releases'), ('publication', 'release_values')
  )
