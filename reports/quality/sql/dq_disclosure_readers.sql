-- Per reader of the newest disclosure audit: hidden counts checked, how many of them are narrower
-- than k, recovered exactly (width 0) or narrowed (0 < width < k). The outside reader first.
WITH run AS (
    SELECT max(audited_at) AS audited_at, arg_max(k, audited_at) AS k FROM dq.disclosure_audits
)
SELECT c.reader,
       count(*) AS targets,
       count(*) FILTER (WHERE NOT c.protected) AS unprotected,
       count(*) FILTER (WHERE NOT c.protected AND c.width = 0) AS exact,
       count(*) FILTER (WHERE NOT c.protected AND c.width > 0) AS narrowed
FROM dq.disclosure_audit_cells c
JOIN run ON c.audited_at = run.audited_at
GROUP BY c.reader
ORDER BY c.reader <> 'outside', c.reader
