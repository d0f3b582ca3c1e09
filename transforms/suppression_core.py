"""The exact linear-algebra core of secondary suppression (see transforms.suppression): a group's
equations as a sparse matrix (`_Equations`), which hidden cells they determine (`_Determinacy`,
updated per hidden cell without re-factorising) and the greedy choice of the next cell to hide."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TOLERANCE = 1e-9
SPAN_TOLERANCE = 1e-9  # on the squared distance of a cell's column from the span of the hidden ones
PAIR_TRIALS = 16  # first cells tried when looking for a pair of cells to hide


class _Equations:
    """The equations of one group as a sparse incidence: which equations each cell is in (with
    its coefficient) and which cells each equation holds."""

    def __init__(self, equation: np.ndarray, cell: np.ndarray, coefficient: np.ndarray, n_cells: int):
        self.size = int(equation.max()) + 1 if equation.size else 0
        by_cell = np.lexsort((equation, cell))
        self.cell_start = np.searchsorted(cell[by_cell], np.arange(n_cells + 1))
        self.cell_equation = equation[by_cell]
        self.cell_coefficient = coefficient[by_cell]
        by_equation = np.argsort(equation, kind="stable")
        self.equation_start = np.searchsorted(equation[by_equation], np.arange(self.size + 1))
        self.equation_cell = cell[by_equation]
        self.norm2 = np.bincount(cell, weights=coefficient**2, minlength=n_cells)

    def _entries(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the cells' entries in the by-cell arrays, and each segment's length."""
        starts = self.cell_start[cells]
        lengths = self.cell_start[cells + 1] - starts
        positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return positions, lengths

    def products(self, matrix: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """matrix.T @ A[:, cells] for A the dense equations-by-cells matrix."""
        positions, lengths = self._entries(cells)
        terms = matrix[self.cell_equation[positions]] * self.cell_coefficient[positions][:, None]
        result = np.zeros((cells.size, matrix.shape[1]))
        filled = lengths > 0
        if filled.any():
            result[filled] = np.add.reduceat(terms, (np.cumsum(lengths) - lengths)[filled], axis=0)
        return result.T

    def entries(self, cell: int) -> tuple[np.ndarray, np.ndarray]:
        """The equations holding `cell`, and its coefficients there."""
        start, stop = self.cell_start[cell], self.cell_start[cell + 1]
        return self.cell_equation[start:stop], self.cell_coefficient[start:stop]

    def near(self, cells: np.ndarray) -> np.ndarray:
        """Mask of the cells that share an equation with one of `cells` (indices)."""
        positions, _ = self._entries(cells)
        equations = np.unique(self.cell_equation[positions])
        starts = self.equation_start[equations]
        lengths = self.equation_start[equations + 1] - starts
        members = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        mask = np.zeros(self.norm2.size, dtype=bool)
        mask[self.equation_cell[members]] = True
        return mask


class _Determinacy:
    """Which hidden cells the equations pin down, updated one hidden cell at a time.

    With A_H the equation columns of the hidden cells: `basis` holds an orthonormal basis of the
    column space of A_H, and for each determined cell i, a column of `recipe` holds a w with
    w.T @ A_H = e_i (the combination of equations a reader would use). Hiding cell c, column a:
    - a in the column space: A_H @ y = a for some y, so (y, -1) is a new null vector; y_i = w_i.T @ a
      for a determined i, so exactly the cells with w_i.T @ a != 0 become undetermined;
    - otherwise the null space does not grow, so c is determined and nothing is freed; with q the
      part of a outside the column space, l = q / |q|^2 has l.T @ A_H = 0 and l.T @ a = 1: it is c's
      recipe, and the other recipes are corrected by a multiple of l.
    Sparse matrix-vector products only, so no factorisation per step.
    """

    def __init__(self, equations: _Equations, hidden: Sequence[int] | np.ndarray):
        self.equations = equations
        # Both have at most one column per equation; preallocated, the first columns are in use.
        self._basis = np.empty((equations.size, equations.size))
        self._recipe = np.empty((equations.size, equations.size))
        self.rank = 0
        self.determined: list[int] = []
        for cell in hidden:
            self.hide(int(cell))

    @property
    def basis(self) -> np.ndarray:
        return self._basis[:, : self.rank]

    @property
    def recipe(self) -> np.ndarray:
        return self._recipe[:, : len(self.determined)]

    def copy(self) -> _Determinacy:
        """A trial copy. It shares the basis buffer: it only ever writes beyond self.rank."""
        clone = object.__new__(_Determinacy)
        clone.equations, clone._basis, clone.rank = self.equations, self._basis, self.rank
        clone._recipe = np.empty_like(self._recipe)
        clone._recipe[:, : len(self.determined)] = self.recipe
        clone.determined = list(self.determined)
        return clone

    def _in_span(self, cells: np.ndarray) -> np.ndarray:
        """Whether each cell's column lies in the column space of the hidden cells."""
        coordinates = self.equations.products(self.basis, cells)
        return self.equations.norm2[cells] - (coordinates**2).sum(axis=0) < SPAN_TOLERANCE

    def freed(self, candidates: np.ndarray) -> np.ndarray:
        """freed[j, c]: hiding candidates[c] would make determined[j] undetermined."""
        uses = self.equations.products(self.recipe, candidates)
        return (np.abs(uses) > TOLERANCE) & self._in_span(candidates)

    def hide(self, cell: int) -> None:
        rows, coefficients = self.equations.entries(cell)
        basis, recipe = self.basis, self.recipe
        coordinates = coefficients @ basis[rows]
        uses = coefficients @ recipe[rows]
        if self.equations.norm2[cell] - coordinates @ coordinates < SPAN_TOLERANCE:
            still = np.abs(uses) < TOLERANCE
            if not still.all():
                self.determined = [i for i, keep in zip(self.determined, still) if keep]
                self._recipe[:, : len(self.determined)] = recipe[:, still]
            return
        outside = basis @ -coordinates
        outside[rows] += coefficients
        outside -= basis @ (outside @ basis)  # once more, against rounding
        size2 = outside @ outside
        recipe -= np.outer(outside / size2, uses)
        self._recipe[:, len(self.determined)] = outside / size2
        self.determined.append(cell)
        self._basis[:, self.rank] = outside / np.sqrt(size2)
        self.rank += 1


def _cheapest(cells: np.ndarray, base: np.ndarray) -> int:
    return int(min(cells, key=lambda i: (base[i], i)))


def _secondary_cells(equations: _Equations, hidden: np.ndarray, hideable: np.ndarray, base: np.ndarray) -> list[int]:
    """Cells (indices into the group) to hide so that no hidden cell is determined."""
    hidden = hidden.copy()

    def near(cells: Sequence[int]) -> np.ndarray:
        """Cells still hideable that share an equation with one of `cells`."""
        return np.flatnonzero(equations.near(np.asarray(cells, dtype=np.int64)) & hideable & ~hidden)

    state = _Determinacy(equations, np.flatnonzero(hidden))
    added: list[int] = []

    def hide(cell: int) -> None:
        hidden[cell] = True
        added.append(cell)
        state.hide(cell)

    while state.determined:
        candidates = near(state.determined)
        freed = state.freed(candidates)
        rows = list(state.determined)
        progressed = False
        # A freeing cell lies in the span of the hidden ones, so hiding it changes neither the span
        # nor the remaining recipes: the same table of effects serves the next pick.
        while candidates.size:
            frees = freed.sum(axis=0)
            useful = np.flatnonzero(frees)
            if not useful.size:
                break
            best = min(useful, key=lambda j: (base[candidates[j]] / frees[j], candidates[j]))
            rank = state.rank
            hide(int(candidates[best]))
            progressed = True
            if state.rank != rank or not state.determined:
                break  # done, or rounding disagreed about the span: evaluate afresh
            position = {cell: j for j, cell in enumerate(rows)}
            freed = freed[[position[cell] for cell in state.determined]]
            rows = list(state.determined)
            still = np.isin(candidates, near(rows))
            candidates, freed = candidates[still], freed[:, still]
        if progressed:
            continue
        pick = _first_of_pair(state, hidden, base, near)
        if pick is None:
            break  # nothing left that could protect the cell (cannot happen, see above)
        hide(pick)
    return added


def _first_of_pair(state: _Determinacy, hidden: np.ndarray, base: np.ndarray, near) -> int | None:
    """No single cell frees a determined one. Look for the cheapest pair that does: its first cell
    is one of the PAIR_TRIALS smallest cells next to a determined cell. Without one, the smallest
    cell next to the determined cell with the smallest base, else the smallest anywhere next to a
    hidden cell; the loop then goes on from there."""
    first = near(state.determined)
    best: tuple[float, int] | None = None
    for one in sorted(first.tolist(), key=lambda i: (base[i], i))[:PAIR_TRIALS]:
        if best is not None and base[one] >= best[0]:
            break
        trial = state.copy()
        trial.hide(one)
        hidden[one] = True
        second = near(np.flatnonzero(hidden))
        hidden[one] = False
        if second.size:
            before = [j for j, i in enumerate(trial.determined) if i != one]
            frees = trial.freed(second)[before].any(axis=0)
            if frees.any():
                cost = base[one] + base[_cheapest(second[frees], base)]
                if best is None or cost < best[0]:
                    best = (cost, one)
    if best is not None:
        return best[1]
    beside = near([_cheapest(np.array(state.determined), base)])
    if beside.size:
        return _cheapest(beside, base)
    if first.size:
        return _cheapest(first, base)
    anywhere = near(np.flatnonzero(hidden))
    return _cheapest(anywhere, base) if anywhere.size else None
