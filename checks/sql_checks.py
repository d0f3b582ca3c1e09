"""Checks GX cannot express efficiently, as DuckDB SQL over staging and raw: references between
tables (errors) and shifts between a provider's consecutive deliveries (warnings).

Table and column names come from the constants below, never from input.
"""

from __future__ import annotations

# (child table, column, parent table, parent key, German text)
REFERENCE_CHECKS = (
    ("needs", "case_id", "cases", "case_id", "Jeder Bedarf gehört zu einem gelieferten Fall"),
    ("handovers", "case_id", "cases", "case_id", "Jede Vermittlung gehört zu einem gelieferten Fall"),
    ("handovers", "need_id", "needs", "need_id", "Jede Vermittlung mit Bedarf verweist auf einen gelieferten Bedarf"),
    ("contacts", "case_id", "cases", "case_id", "Jeder Kontakt gehört zu einem gelieferten Fall"),
    ("assignments", "case_id", "cases", "case_id", "Jede Zuständigkeit gehört zu einem gelieferten Fall"),
)

# unexpected count, element count and up to five sample keys per current delivery
ORPHANS_SQL = """
SELECT c.delivery_id, c.provider_id,
       count(*) FILTER (WHERE p.{parent_key} IS NULL) AS unexpected,
       count(*) AS total,
       (list(c.{child_key}) FILTER (WHERE p.{parent_key} IS NULL))[1:5] AS samples
FROM staging.{child} c
LEFT JOIN staging.{parent} p ON p.delivery_id = c.delivery_id AND p.{parent_key} = c.{column}
WHERE c.{column} IS NOT NULL
GROUP BY ALL
"""

NEED_BEFORE_CASE_SQL = """
SELECT n.delivery_id, n.provider_id,
       count(*) FILTER (WHERE n.identified_on < c.opened_on) AS unexpected,
       count(*) AS total,
       (list(n.need_id) FILTER (WHERE n.identified_on < c.opened_on))[1:5] AS samples
FROM staging.needs n
JOIN staging.cases c ON c.delivery_id = n.delivery_id AND c.case_id = n.case_id
GROUP BY ALL
"""

# Each provider's current delivery and the accepted one before it.
PREVIOUS_DELIVERY_SQL = """
SELECT c.provider_id, c.delivery_id AS current_id, p.delivery_id AS previous_id
FROM staging.current_deliveries c
JOIN raw.deliveries p ON p.provider_id = c.provider_id AND p.state = 'superseded'
QUALIFY row_number() OVER (PARTITION BY c.provider_id ORDER BY p.period DESC, p.exported_at DESC) = 1
"""

ROW_COUNTS_SQL = """
WITH pairs AS ({previous})
SELECT pairs.provider_id, pairs.current_id, pairs.previous_id,
       (SELECT count(*) FROM raw.{table} r WHERE r.delivery_id = pairs.current_id) AS current_rows,
       (SELECT count(*) FROM raw.{table} r WHERE r.delivery_id = pairs.previous_id) AS previous_rows
FROM pairs
"""

CODE_COUNTS_SQL = """
SELECT delivery_id, {column} AS code, count(*) AS n
FROM raw.{table}
WHERE list_contains(?, delivery_id) AND {column} IS NOT NULL
GROUP BY ALL
"""
