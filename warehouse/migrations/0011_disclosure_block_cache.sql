-- 0011: the disclosure engine's solved blocks (issues 15, 17). A block of the reader's linear
-- system is identified by a fingerprint of everything its intervals depend on (rows, bounds, true
-- values, names, targets, options: transforms.disclosure.solve.fingerprint); a block solved once
-- keeps its intervals for every later protection round, the gate audit and the next run. Holds
-- true values' consequences (intervals), so it is internal like dq.disclosure_audit_cells.
CREATE TABLE dq.disclosure_block_cache (
    engine_version  VARCHAR NOT NULL,
    fingerprint     VARCHAR NOT NULL,
    target_column   INTEGER NOT NULL,   -- the target's column within its block
    lower_bound     DOUBLE NOT NULL,
    upper_bound     DOUBLE NOT NULL,    -- +inf: no upper bound for the reader
    method          VARCHAR NOT NULL,
    binding         VARCHAR[] NOT NULL,
    used_at         TIMESTAMPTZ NOT NULL,  -- the last step that used the block (old ones are dropped)
    PRIMARY KEY (engine_version, fingerprint, target_column)
);
