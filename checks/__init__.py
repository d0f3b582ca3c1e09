"""Validation: manifest verification, the decoder's format rules, Great Expectations suites."""
