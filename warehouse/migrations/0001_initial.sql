-- 0001: schemas and the raw layer. Raw is append-only: one row set per accepted delivery.
-- Ids are already pseudonymised (HMAC) when they arrive here; dates and ints are typed.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS marts;

-- The delivery register: every delivery the pipeline has seen, accepted or not.
-- state: accepted (the provider's current delivery), superseded (accepted, a newer one exists),
-- rejected (nothing of it was loaded; rejection_* say why).
CREATE TABLE raw.deliveries (
    delivery_id        VARCHAR PRIMARY KEY,     -- <provider>_<period>_<content key prefix>
    content_key        VARCHAR NOT NULL UNIQUE, -- sha256 over the folder and every file's sha256
    provider_id        VARCHAR NOT NULL,        -- as the folder names it
    period             VARCHAR NOT NULL,        -- as the folder names it
    exported_at        TIMESTAMPTZ,             -- from manifest.json (NULL if unreadable)
    received_at        TIMESTAMPTZ NOT NULL,    -- when manifest.json arrived in the landing folder
    registered_at      TIMESTAMPTZ NOT NULL,    -- when the pipeline first looked at it
    state              VARCHAR NOT NULL,
    total_rows         BIGINT,
    quarantined_rows   BIGINT,
    rejection_rule     VARCHAR,
    rejection_file     VARCHAR,
    rejection_line     INTEGER,
    rejection_message  VARCHAR,
    landing_path       VARCHAR NOT NULL
);

-- Fingerprint of the pseudonymisation key the warehouse was built with: loading with another key
-- would give the same person two pseudonyms, so it is refused.
CREATE TABLE raw.pseudonym_key (
    fingerprint  VARCHAR NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw.delivery_files (
    delivery_id  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, file_name)
);

CREATE TABLE raw.cases (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    case_id VARCHAR, person_id VARCHAR, case_manager_id VARCHAR,
    opened_on DATE, closed_on DATE, closing_reason VARCHAR,
    birth_year INTEGER, gender VARCHAR, nationality VARCHAR, residence_status VARCHAR,
    arrival_year INTEGER, district VARCHAR, referral_source VARCHAR
);

CREATE TABLE raw.needs (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    need_id VARCHAR, case_id VARCHAR, category VARCHAR, identified_on DATE,
    status VARCHAR, resolved_on DATE, unmet_reason VARCHAR
);

CREATE TABLE raw.handovers (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    handover_id VARCHAR, case_id VARCHAR, need_id VARCHAR, target_service VARCHAR,
    referred_on DATE, first_contact_on DATE, outcome VARCHAR
);

CREATE TABLE raw.contacts (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    contact_id VARCHAR, case_id VARCHAR, contact_on DATE, channel VARCHAR,
    duration_minutes INTEGER
);

CREATE TABLE raw.assignments (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    case_id VARCHAR, case_manager_id VARCHAR, assigned_from DATE, assigned_to DATE
);

CREATE TABLE raw.status_changes (
    delivery_id VARCHAR NOT NULL, provider_id VARCHAR NOT NULL, source_row INTEGER NOT NULL,
    person_id VARCHAR, changed_on DATE, status_from VARCHAR, status_to VARCHAR
);

-- Rows of accepted deliveries that broke a rule: kept out of raw and staging, listed here with
-- the file, line, column and rule. record_key is the row's pseudonymised key (never a raw id).
CREATE TABLE quarantine.rejected_rows (
    delivery_id   VARCHAR NOT NULL,
    provider_id   VARCHAR NOT NULL,
    table_name    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    source_row    BIGINT NOT NULL,
    column_name   VARCHAR,
    rule          VARCHAR NOT NULL,
    value         VARCHAR,
    expected      VARCHAR,
    record_key    VARCHAR
);

-- Results of the validation suites (asset checks): one row per expectation, delivery and state of
-- the data. Re-checking unchanged data adds nothing, so the history shows each state once.
CREATE TABLE dq.check_results (
    checked_at        TIMESTAMPTZ NOT NULL,
    data_version      VARCHAR NOT NULL,   -- sha256 over the delivery and the checked rows
    delivery_id       VARCHAR NOT NULL,
    provider_id       VARCHAR NOT NULL,
    table_name        VARCHAR NOT NULL,   -- e.g. staging.cases
    suite_name        VARCHAR NOT NULL,
    expectation       VARCHAR NOT NULL,   -- e.g. expect_column_values_to_be_in_set
    column_name       VARCHAR,
    description       VARCHAR,            -- the rule in plain German, for data stewards
    severity          VARCHAR NOT NULL,   -- error (blocks the marts) | warning
    success           BOOLEAN NOT NULL,
    observed_value    VARCHAR,
    unexpected_count  BIGINT,
    element_count     BIGINT,
    sample_keys       VARCHAR[],          -- up to 5 pseudonymised record keys of failing rows
    duration_ms       DOUBLE
);
