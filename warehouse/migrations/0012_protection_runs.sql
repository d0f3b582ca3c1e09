-- 0012: what each protection step protected (issue 17: a run in which nothing changed protects
-- nothing again). `fingerprint` is a hash of everything the protection depends on (engine
-- version and code, k, the indicator values, the public quantities, the approved releases, the insiders:
-- warehouse.disclosure_protection.protection_fingerprint). A later step with the same fingerprint
-- takes the stored publication instead of protecting again, but only from a step that passed and
-- ended by itself (`complete`: not cut short by its time budget), whose result is then the one a
-- new protection would give.
CREATE TABLE dq.protection_runs (
    protected_at  TIMESTAMPTZ NOT NULL,
    fingerprint   VARCHAR NOT NULL,
    passed        BOOLEAN NOT NULL,
    complete      BOOLEAN NOT NULL,
    rounds        INTEGER NOT NULL,
    rows_hidden   INTEGER NOT NULL,   -- rows hidden by the protection (beyond the primary rule)
    seconds       DOUBLE NOT NULL
);
