-- Default month of the data-quality report: the newest period with a delivery that was not
-- rejected, else the newest period of any delivery (only well-formed YYYY-MM periods count).
SELECT coalesce(max(period) FILTER (WHERE state <> 'rejected'), max(period)) AS period
FROM marts.fct_deliveries
WHERE regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])')
