-- 0006: what an audit looked at. A run whose release (every count cell with its status and true
-- value, the public quantities, k and the readers) is unchanged reuses the stored result instead
-- of solving again and adding a row (warehouse/disclosure_audit.py).
ALTER TABLE dq.disclosure_audits ADD COLUMN release_fingerprint VARCHAR;
