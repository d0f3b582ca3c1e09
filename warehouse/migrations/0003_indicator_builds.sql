-- 0003: bookkeeping of indicator builds, so a new delivery recomputes only the months it can change.
-- marts.indicator_builds: one row per build of marts.indicator_values (analysts can see when and
-- why figures were recomputed). A build is `settled` when it recomputed every month its plan
-- named; the other two tables hold what the figures of the last settled build rest on.
CREATE TABLE marts.indicator_builds (
    built_at            TIMESTAMPTZ NOT NULL,
    recomputed_from     VARCHAR,                 -- the months recomputed (NULL = open end)
    recomputed_to       VARCHAR,
    periods_from        VARCHAR NOT NULL,        -- the span of delivered months at that build
    periods_to          VARCHAR NOT NULL,
    full_rebuild        BOOLEAN NOT NULL,
    settled             BOOLEAN NOT NULL,
    suppression_k       INTEGER NOT NULL,
    config_fingerprint  VARCHAR NOT NULL,
    reasons             VARCHAR
);
-- The current delivery of each provider the figures were computed from.
CREATE TABLE marts.indicator_build_inputs (
    provider_id  VARCHAR NOT NULL,
    delivery_id  VARCHAR NOT NULL
);
-- First arrival per provider and period (delivery_on_time depends on it).
CREATE TABLE marts.indicator_build_arrivals (
    provider_id  VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);
