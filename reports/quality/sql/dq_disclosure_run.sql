-- The newest run of the disclosure audit (warehouse/disclosure_audit.py), time in local time.
SELECT timezone('Europe/Berlin', audited_at) AS audited_local,
       k, readers, cells, hidden, constraints, dropped, targets, unprotected, passed, seconds, details
FROM dq.disclosure_audits
ORDER BY audited_at DESC
LIMIT 1
