-- 0010: releases (issue 19). A release is what `kim publish` built for a period: the reports,
-- their downloads and a manifest with checksums, in its own folder. It is published only once
-- approved (`kim approve`); an approved release is never changed, a correction is a new release of
-- the same period. The cells of every release as the disclosure audit saw them (true value,
-- status, printed figure) and its public quantities stay here: the audit of every later release
-- includes every approved one (design §6: the reader holds everything ever published). Internal:
-- true values of hidden cells never leave the warehouse.
CREATE SCHEMA IF NOT EXISTS publication;
CREATE TABLE publication.releases (
    release_id VARCHAR PRIMARY KEY,       -- '2026-10.1': period, then the release of that period
    period VARCHAR NOT NULL,              -- the newest month the release covers ('YYYY-MM')
    sequence INTEGER NOT NULL,            -- 1 the first release of the period, 2 its first correction, ...
    built_at TIMESTAMPTZ NOT NULL,
    status VARCHAR NOT NULL,              -- built | approved
    audit_passed BOOLEAN NOT NULL,
    audited_with VARCHAR[] NOT NULL,      -- the approved releases the audit included
    manifest_sha256 VARCHAR NOT NULL,
    folder VARCHAR NOT NULL,              -- where it was built
    approved_by VARCHAR,
    approved_at TIMESTAMPTZ,
    published_folder VARCHAR,
    UNIQUE (period, sequence)
);
CREATE TABLE publication.release_cells (
    release_id VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    provider_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    dimension_value VARCHAR NOT NULL,
    count_column VARCHAR NOT NULL,        -- numerator | denominator
    true_value BIGINT NOT NULL,
    status VARCHAR NOT NULL,              -- published | hidden | unprinted | withdrawn
    value DOUBLE                          -- the figure printed for the row, if any
);
CREATE TABLE publication.release_public (
    release_id VARCHAR NOT NULL,
    quantity VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    provider_id VARCHAR NOT NULL,
    value DOUBLE
);
-- Every figure the release publishes as its readers see it (the open-data table): what a
-- correction changed is the difference of two releases' rows.
CREATE TABLE publication.release_values (
    release_id VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    provider_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    dimension_value VARCHAR NOT NULL,
    shown VARCHAR NOT NULL,               -- as the reports print it: '1.234', '12,5 %', '•'
    hidden BOOLEAN NOT NULL
);
