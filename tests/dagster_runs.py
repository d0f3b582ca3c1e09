"""The Dagster instance of in-process pipeline runs in tests."""

from __future__ import annotations

import dagster as dg


def in_memory_instance() -> dg.DagsterInstance:
    """An instance that keeps its run history in memory, as `dg.materialize` uses by default, for
    tests that look at what a run did, not at how Dagster stores it. The SQLite storage of
    dagster.yaml (a database file per run, created and migrated, and a connection per event) costs
    each in-process run of a small city about 4 s; the tests that start `kim run` itself
    (tests/pipelines/test_exit_codes.py, test_concurrency.py), the retry tests (a second thread
    watches the run's events) and the secret scan of the stored run (tests/security/test_secrets.py)
    keep running on SQLite files, as docs/architecture.md says."""
    return dg.DagsterInstance.ephemeral()
