-- 0007: what is published (design §6, issue 15). The publication planner decides per table
-- (indicator x level x breakdown) whether it is published per month, per year or not at all
-- (marts.publication_plan); the protection step decides per row whether a published row shows its
-- figure or the sign "•" (marts.indicator_publication, status 'published' | 'hidden' |
-- 'unpublished', with the reason). Reports read only the two published_* views: a row that is not
-- published never reaches them, a hidden one comes with suppressed = true. Until the protection
-- step has run for a row, the row's own suppressed flag decides (fresh builds, tests).
CREATE TABLE IF NOT EXISTS marts.indicator_values_yearly (
    indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR, dimension VARCHAR, dimension_value VARCHAR,
    value DOUBLE, numerator BIGINT, denominator BIGINT, suppressed BOOLEAN
);
CREATE TABLE marts.publication_plan (
    indicator_id VARCHAR NOT NULL,
    level VARCHAR NOT NULL,              -- 'city' (provider all) | 'provider'
    dimension VARCHAR NOT NULL,
    monthly_hidden_share DOUBLE,         -- share of non-empty monthly cells under the primary rule
    yearly_hidden_share DOUBLE,
    monthly BOOLEAN NOT NULL,            -- published per month
    yearly BOOLEAN NOT NULL,             -- published per year
    PRIMARY KEY (indicator_id, level, dimension)
);
CREATE TABLE marts.indicator_publication (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,             -- 'YYYY-MM' or 'YYYY'
    provider_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    dimension_value VARCHAR NOT NULL,
    status VARCHAR NOT NULL,             -- published | hidden | unpublished
    reason VARCHAR,                      -- primary | protection | plan (NULL when published)
    PRIMARY KEY (indicator_id, period, provider_id, dimension, dimension_value)
);
CREATE VIEW marts.published_indicator_values AS
SELECT v.indicator_id, v.period, v.provider_id, v.dimension, v.dimension_value,
       v.value, v.numerator, v.denominator,
       coalesce(p.status = 'hidden', v.suppressed) AS suppressed
FROM marts.indicator_values v
LEFT JOIN marts.indicator_publication p USING (indicator_id, period, provider_id, dimension, dimension_value)
WHERE coalesce(p.status, 'published') <> 'unpublished';
CREATE VIEW marts.published_indicator_values_yearly AS
SELECT v.indicator_id, v.period, v.provider_id, v.dimension, v.dimension_value,
       v.value, v.numerator, v.denominator,
       coalesce(p.status = 'hidden', v.suppressed) AS suppressed
FROM marts.indicator_values_yearly v
LEFT JOIN marts.indicator_publication p USING (indicator_id, period, provider_id, dimension, dimension_value)
WHERE coalesce(p.status, 'published') <> 'unpublished';
