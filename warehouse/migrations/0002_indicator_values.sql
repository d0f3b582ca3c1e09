-- marts.indicator_values gets a fixed shape (design §4) so month partitions can replace their own
-- rows instead of rebuilding the table. An earlier full rebuild's table is replaced. (No primary
-- key: DuckDB indexes slow the bulk replace; tests assert the key is unique.)
DROP TABLE IF EXISTS marts.indicator_values;
CREATE TABLE marts.indicator_values (
    indicator_id    VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    provider_id     VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,
    dimension_value VARCHAR NOT NULL,
    value           DOUBLE,
    numerator       BIGINT,
    denominator     BIGINT,
    suppressed      BOOLEAN NOT NULL
);
