-- One row per case-manager assignment of the current deliveries (the case-manager history).
-- case_manager_id is a pseudonym: publish caseloads only as a distribution, never per person.
CREATE OR REPLACE TABLE marts.fct_assignments AS
SELECT a.provider_id, a.case_id, a.case_manager_id, a.assigned_from, a.assigned_to
FROM staging.assignments a
