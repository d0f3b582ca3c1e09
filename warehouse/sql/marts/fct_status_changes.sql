-- One row per residence-status change delivered by the Ausländerbehörde (provider kind abh).
-- change_key identifies the change within the current deliveries (person_id is a cross-provider
-- pseudonym, so the same person can change status twice on one day).
CREATE OR REPLACE TABLE marts.fct_status_changes AS
SELECT s.provider_id || ':' || s.source_row AS change_key, s.provider_id, s.person_id, s.changed_on,
       s.status_from, s.status_to
FROM staging.status_changes s
