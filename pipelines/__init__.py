"""Dagster definitions for KIM Monitor. Thin: every asset calls a tested function elsewhere."""
