-- One row per need of the current deliveries.
CREATE OR REPLACE TABLE marts.fct_needs AS
SELECT n.provider_id, n.need_id, n.case_id, n.category, n.identified_on, n.status,
       n.resolved_on, n.unmet_reason
FROM staging.needs n
