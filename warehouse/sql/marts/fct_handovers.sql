-- One row per handover of the current deliveries; delay_days = first_contact_on - referred_on.
CREATE OR REPLACE TABLE marts.fct_handovers AS
SELECT h.provider_id, h.handover_id, h.case_id, h.need_id, h.target_service, h.referred_on,
       h.first_contact_on, h.outcome,
       date_diff('day', h.referred_on, h.first_contact_on) AS delay_days
FROM staging.handovers h
