-- Failing checks (newest result of each check) of the given deliveries.
SELECT delivery_id, provider_id, table_name, suite_name, expectation, column_name, description,
       severity, observed_value, unexpected_count, element_count, sample_keys
FROM dq.check_results
WHERE list_contains($delivery_ids, delivery_id)
QUALIFY row_number() OVER (
    PARTITION BY delivery_id, suite_name, expectation, column_name
    ORDER BY checked_at DESC, data_version DESC
) = 1
    AND NOT success
ORDER BY provider_id, (severity = 'error') DESC, table_name, column_name NULLS FIRST, expectation
