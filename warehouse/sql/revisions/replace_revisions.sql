CREATE OR REPLACE TABLE marts.indicator_revisions AS
SELECT * FROM computed_revisions
ORDER BY indicator_id, period, provider_id, dimension, dimension_value
