"""Vectorised random draws for the generator.

Categorical draws return indices into a tuple of values (usually a code list from
`kim.contract`), so columns are built with one fancy-indexing step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def probabilities(values: Sequence[Any], weights: Mapping[Any, float]) -> np.ndarray:
    """Weights aligned to `values` (missing values get 0), normalised to sum to one."""
    unknown = [key for key in weights if key not in values]
    if unknown:
        raise ValueError(f"weights for unknown values {unknown}; allowed: {list(values)}")
    vector = np.array([float(weights.get(value, 0.0)) for value in values])
    if vector.sum() <= 0:
        raise ValueError("weights must not all be zero")
    return vector / vector.sum()


def draw(rng: np.random.Generator, values: Sequence[Any], weights: Mapping[Any, float], size: int) -> np.ndarray:
    """Indices into `values`, drawn with the given weights."""
    return rng.choice(len(values), size=size, p=probabilities(values, weights))


def conditional_matrix(
    conditions: Sequence[Any],
    values: Sequence[Any],
    weights_by_condition: Mapping[Any, Mapping[Any, float]],
) -> np.ndarray:
    """Row-stochastic matrix P[condition, value]; conditions without weights get a zero row."""
    unknown = [key for key in weights_by_condition if key not in conditions]
    if unknown:
        raise ValueError(f"weights for unknown conditions {unknown}")
    matrix = np.zeros((len(conditions), len(values)))
    for row, condition in enumerate(conditions):
        if condition in weights_by_condition:
            matrix[row] = probabilities(values, weights_by_condition[condition])
    return matrix


def draw_given(rng: np.random.Generator, given: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """For each row index in `given`, a column index drawn from that row of `matrix`."""
    cumulative = np.cumsum(matrix, axis=1)[given]
    drawn = (rng.random(len(given))[:, None] >= cumulative).sum(axis=1)
    # Guard against float round-off in the last cumulative entry.
    return np.minimum(drawn, matrix.shape[1] - 1)


def lognormal_days(rng: np.random.Generator, median: float | np.ndarray, sigma: float, size: int) -> np.ndarray:
    """Right-skewed whole numbers of days with the given median."""
    return np.rint(rng.lognormal(np.log(median), sigma, size)).astype(np.int64)


def uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day uniformly in [low, high] (inclusive), element-wise; requires low <= high."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


def weighted_subsets(
    rng: np.random.Generator, log_weights: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, `sizes[row]` distinct columns drawn with weights, without replacement.

    Gumbel top-k: perturb the log weights with Gumbel noise and keep each row's k largest.
    Returns (row index, column index) of the picks, grouped by row.
    """
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    ranked = np.argsort(-keys, axis=1, kind="stable")
    picked = np.arange(log_weights.shape[1])[None, :] < sizes[:, None]
    rows = np.repeat(np.arange(log_weights.shape[0]), sizes)
    return rows, ranked[picked]


def rank_within_groups(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within each run of equal consecutive values of a grouped array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)
