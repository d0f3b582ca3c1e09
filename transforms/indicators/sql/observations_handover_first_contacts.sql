-- Shared observations (a temporary view, created before the indicators run): handovers with
-- first_contact_on in P, with their delay in days. Used by handover_delay_median_days,
-- handover_delay_p90_days and handover_within_14d_share, so all three count the same handovers.
CREATE OR REPLACE TEMP VIEW handover_first_contacts AS
SELECT p.period, h.provider_id, 'all' AS "all", coalesce(h.target_service, 'unbekannt') AS target_service,
       h.delay_days
FROM target_months p
JOIN marts.fct_handovers h ON date_trunc('month', h.first_contact_on) = p.month_start
