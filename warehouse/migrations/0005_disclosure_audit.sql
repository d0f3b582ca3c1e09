-- 0005: the disclosure audit (design §6, transforms/disclosure). One summary row per run and,
-- for the newest run only, the interval of every hidden count per reader (the outside reader and
-- each provider as an insider), for data stewards.
CREATE TABLE dq.disclosure_audits (
    audited_at    TIMESTAMPTZ NOT NULL,
    k             INTEGER NOT NULL,
    readers       INTEGER NOT NULL,   -- the outside reader + the insiders
    cells         BIGINT NOT NULL,    -- count cells of the release
    hidden        BIGINT NOT NULL,    -- of them hidden
    constraints   BIGINT NOT NULL,    -- rows of the reader's system (that hold on the true values)
    dropped       BIGINT NOT NULL,    -- relations that do not hold on the true values (not used)
    targets       BIGINT NOT NULL,    -- hidden counts >= 1 checked, over all readers
    unprotected   BIGINT NOT NULL,    -- of them with an interval narrower than k
    passed        BOOLEAN NOT NULL,
    seconds       DOUBLE NOT NULL,
    details       VARCHAR             -- JSON: counts by kind, solves, blocks, timings
);
CREATE TABLE dq.disclosure_audit_cells (
    audited_at      TIMESTAMPTZ NOT NULL,
    reader          VARCHAR NOT NULL,   -- 'outside' or the insider's provider_id
    indicator_id    VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    provider_id     VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,
    dimension_value VARCHAR NOT NULL,
    count_column    VARCHAR NOT NULL,   -- numerator | denominator
    true_value      BIGINT NOT NULL,
    lower_bound     DOUBLE NOT NULL,
    upper_bound     DOUBLE NOT NULL,    -- 'infinity' when the reader has no upper bound
    width           DOUBLE NOT NULL,
    protected       BOOLEAN NOT NULL,   -- upper_bound - lower_bound >= k
    method          VARCHAR NOT NULL,   -- trivial | lp | milp | milp_limit
    binding         VARCHAR[]           -- the relations that bind at the optimum (a few)
);
