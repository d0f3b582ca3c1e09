"""Feasible intervals of hidden cells for one reader: the system with the cells the reader knows
substituted, split into independent blocks (connected components of the variable-row graph), and
per block one HiGHS model re-solved with a changed objective for each bound of each target (warm
started from the last basis). An integral LP optimum is the integer optimum; otherwise the bound
comes from the MILP (HiGHS with integrality, the true values as a starting solution).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from transforms.disclosure.cells import HIDDEN, CellTable, cell_name
from transforms.disclosure.system import LinearSystem

INTEGRAL = 1e-6  # an LP solution within this of integers is integral
MILP_TIME_LIMIT = 60.0  # seconds per MILP bound; beyond it the MILP's proven bound is used
BINDING_LABELS = 4  # the constraints named per target (largest duals first)
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)


@dataclass(frozen=True)
class Bound:
    """A target's feasible integer interval for one reader."""

    lower: float
    upper: float  # +inf when the reader cannot bound it from above
    method: str  # trivial | lp | milp | milp_limit (a MILP stopped at its time limit: proven bounds)
    binding: tuple[str, ...]
    block: int


@dataclass
class ReaderView:
    """The system as one reader sees it: unknown cells are the variables."""

    variables: np.ndarray  # cell positions
    matrix: sp.csr_matrix  # rows x variables
    row_lower: np.ndarray
    row_upper: np.ndarray
    labels: list[str]
    col_lower: np.ndarray
    var_block: np.ndarray  # block id per variable
    row_block: np.ndarray
    n_blocks: int


@dataclass
class SolveStats:
    lp_solves: int = 0
    milp_solves: int = 0
    milp_limits: int = 0
    blocks_solved: int = 0
    blocks_reused: int = 0
    seconds: float = 0.0
    methods: Counter[str] = field(default_factory=Counter)


def reader_view(table: CellTable, system: LinearSystem, known: np.ndarray) -> ReaderView:
    """Substitute the known cells (true values) and split the rest into blocks. A hidden cell is
    at least 1 when that holds (a hidden zero breaks the legend and gets no such bound)."""
    unknown = np.flatnonzero(~known)
    columns = system.matrix.tocsc()
    constant = columns[:, known] @ table.true[known] if known.any() else np.zeros(system.size)
    sub = columns[:, unknown].tocsr()
    has_variable = np.diff(sub.indptr) > 0
    sub = sub[has_variable]
    n_vars, n_rows = unknown.size, sub.shape[0]
    graph = sp.bmat([[None, sub.T], [sub, None]], format="csr") if n_rows else sp.csr_matrix((n_vars, n_vars))
    n_blocks, component = connected_components(graph, directed=False)
    at_least_one = (table.status[unknown] == HIDDEN) & (table.true[unknown] >= 1)
    return ReaderView(
        variables=unknown,
        matrix=sub,
        row_lower=system.lower[has_variable] - constant[has_variable],
        row_upper=system.upper[has_variable] - constant[has_variable],
        labels=[system.labels[i] for i in np.flatnonzero(has_variable)],
        col_lower=at_least_one.astype(np.float64),
        var_block=component[:n_vars],
        row_block=component[n_vars:],
        n_blocks=int(n_blocks),
    )


def _finite(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -highspy.kHighsInf, highspy.kHighsInf)


class BlockModel:
    """One block's LP in HiGHS, re-solved per bound (primal simplex, warm started from the last
    basis); MILPs on demand. Keeps the range each variable takes over the integer points seen so
    far (the true values, integral LP optima, MILP optima): a rounded LP bound that one of them
    attains is the integer optimum without a MILP."""

    def __init__(self, view: ReaderView, variables: np.ndarray, rows: np.ndarray, truth: np.ndarray, names: list[str]):
        self.matrix = view.matrix[rows][:, variables].tocsc()
        self.row_lower = _finite(view.row_lower[rows])
        self.row_upper = _finite(view.row_upper[rows])
        self.col_lower = view.col_lower[variables]
        self.labels = [view.labels[i] for i in rows]
        self.truth = truth
        self.names = names
        self.seen_min = truth.copy()
        self.seen_max = truth.copy()
        self.highs = self._model(integer=False)
        self.cost_at: int | None = None

    def _model(self, integer: bool) -> highspy.Highs:
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.matrix.shape[1], self.matrix.shape[0]
        lp.col_cost_ = np.zeros(lp.num_col_)
        lp.col_lower_ = self.col_lower
        lp.col_upper_ = np.full(lp.num_col_, highspy.kHighsInf)
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.matrix.indptr
        lp.a_matrix_.index_ = self.matrix.indices
        lp.a_matrix_.value_ = self.matrix.data
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
            highs.setOptionValue("mip_rel_gap", 0.0)
            highs.setOptionValue("mip_abs_gap", 0.5)  # objectives are integral
            highs.setOptionValue("time_limit", MILP_TIME_LIMIT)
        else:
            # A changed objective keeps the basis primal feasible: primal simplex re-solves in a
            # few pivots where the default (dual) simplex starts far away.
            highs.setOptionValue("simplex_strategy", 4)
        highs.passModel(lp)
        return highs

    def _objective(self, highs: highspy.Highs, variable: int, sign: float, previous: int | None) -> None:
        if previous is not None and previous != variable:
            highs.changeColCost(previous, 0.0)
        highs.changeColCost(variable, sign)

    def _seen(self, values: np.ndarray) -> None:
        np.minimum(self.seen_min, values, out=self.seen_min)
        np.maximum(self.seen_max, values, out=self.seen_max)

    def lp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, bool, tuple[str, ...]]:
        """min (sign 1) or max (sign -1) of the variable over the reals, rounded inwards to an
        integer; whether that is the integer optimum; the binding constraints."""
        self._objective(self.highs, variable, sign, self.cost_at)
        self.cost_at = variable
        self.highs.run()
        stats.lp_solves += 1
        status = self.highs.getModelStatus()
        if status in _UNBOUNDED and sign < 0:
            return math.inf, True, ()
        if status != _OPTIMAL:
            raise RuntimeError(f"disclosure audit: LP for {self.names[variable]} ended {status}")
        solution = self.highs.getSolution()
        values = np.asarray(solution.col_value)
        optimum = sign * self.highs.getInfo().objective_function_value
        rounded = float(math.ceil(optimum - INTEGRAL) if sign > 0 else math.floor(optimum + INTEGRAL))
        if np.all(np.abs(values - np.round(values)) <= INTEGRAL):
            self._seen(np.round(values))
        seen = self.seen_min[variable] if sign > 0 else self.seen_max[variable]
        return rounded, bool(seen == rounded), self._binding(solution)

    def spread(self, variable: int) -> float:
        """How far apart two integer points seen so far put the variable."""
        return float(self.seen_max[variable] - self.seen_min[variable])

    def milp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, str]:
        """The integer optimum by MILP (the true values as a start); at the time limit the bound
        the MILP proved (an outer bound: method milp_limit)."""
        highs = self._model(integer=True)
        self._objective(highs, variable, sign, None)
        start = highspy.HighsSolution()
        start.col_value = list(self.truth)
        start.value_valid = True
        highs.setSolution(start)
        highs.run()
        stats.milp_solves += 1
        status = highs.getModelStatus()
        info = highs.getInfo()
        if status == _OPTIMAL:
            self._seen(np.round(np.asarray(highs.getSolution().col_value)))
            return float(round(sign * info.objective_function_value)), "milp"
        if status in _UNBOUNDED and sign < 0:
            return math.inf, "milp"
        if status == highspy.HighsModelStatus.kTimeLimit:
            stats.milp_limits += 1
            proven = info.mip_dual_bound  # a bound on sign * x the optimum cannot beat
            value = math.ceil(proven - INTEGRAL) if sign > 0 else math.floor(-proven + INTEGRAL)
            return float(value), "milp_limit"
        raise RuntimeError(f"disclosure audit: MILP for {self.names[variable]} ended {status}")

    def _binding(self, solution: highspy.HighsSolution) -> tuple[str, ...]:
        """The constraints that bind at the optimum: nonzero duals, largest first; a variable held
        at its lower bound 1 is named as 'hidden >= 1'."""
        row_dual = np.abs(np.asarray(solution.row_dual))
        order = [i for i in np.argsort(-row_dual, kind="stable")[:BINDING_LABELS] if row_dual[i] > 1e-9]
        labels = [self.labels[i] for i in order]
        col_dual = np.abs(np.asarray(solution.col_dual))
        for j in np.argsort(-col_dual, kind="stable")[: max(0, BINDING_LABELS + 1 - len(labels))]:
            if col_dual[j] > 1e-9 and self.col_lower[j] >= 1:
                labels.append(f"hidden >= 1: {self.names[j]}")
        return tuple(labels)


def _group(ids: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(ids, kind="stable")
    cuts = np.flatnonzero(np.diff(ids[order])) + 1
    return {int(ids[part[0]]): part for part in np.split(order, cuts) if part.size}


@dataclass
class Prior:
    """An earlier reader's results and blocks (by cell), reused where a block is unchanged."""

    block_of_cell: dict[int, int]
    block_size: dict[int, int]
    bounds: dict[int, Bound]


@dataclass(frozen=True)
class SolveOptions:
    """k: the protection width. exact: every bound an integer optimum (MILP where the LP does not
    settle it); otherwise a MILP only where the verdict depends on it, and a bound the verdict does
    not depend on may be the LP bound rounded inwards (method lp_rounded: the integer interval lies
    within it)."""

    k: int
    exact: bool = True


def solve_targets(
    table: CellTable,
    view: ReaderView,
    targets: np.ndarray,
    stats: SolveStats,
    options: SolveOptions,
    prior: Prior | None = None,
) -> dict[int, Bound]:
    """The interval of every target cell (positions in `table`) for the reader of `view`. With a
    prior (the outside reader's results), a block the reader's own figures do not change keeps the
    prior's intervals, and a target the prior already found unprotected keeps its interval (method
    'outside': this reader knows more, so the true interval lies within it)."""
    started = time.perf_counter()
    var_of_cell = {int(cell): j for j, cell in enumerate(view.variables)}
    target_vars = np.array([var_of_cell[int(c)] for c in targets], dtype=np.int64)
    vars_by_block = _group(view.var_block)
    rows_by_block = _group(view.row_block) if view.row_block.size else {}
    results: dict[int, Bound] = {}
    for block, block_targets in _group(view.var_block[target_vars]).items() if target_vars.size else []:
        variables = vars_by_block[block]
        wanted = target_vars[block_targets]
        if prior is not None:
            if _unchanged(prior, view.variables[variables]):
                stats.blocks_reused += 1
                results.update({int(view.variables[j]): replace(prior.bounds[int(view.variables[j])], block=block) for j in wanted})  # fmt: skip
                continue
            narrow = [j for j in wanted if _narrow(prior.bounds[int(view.variables[j])], options.k)]
            results.update({int(view.variables[j]): replace(prior.bounds[int(view.variables[j])], method="outside", block=block) for j in narrow})  # fmt: skip
            stats.methods["outside"] += len(narrow)
            wanted = np.array([j for j in wanted if int(view.variables[j]) not in results], dtype=np.int64)
            if not wanted.size:
                continue
        rows = rows_by_block.get(block, np.array([], dtype=np.int64))
        results.update(_solve_block(table, view, block, variables, rows, wanted, stats, options))
    stats.seconds += time.perf_counter() - started
    return results


def _narrow(bound: Bound, k: int) -> bool:
    return bound.upper - bound.lower < k


def _unchanged(prior: Prior, cells: np.ndarray) -> bool:
    blocks = {prior.block_of_cell.get(int(c), -1) for c in cells}
    return len(blocks) == 1 and -1 not in blocks and prior.block_size[blocks.pop()] == cells.size


def _solve_block(
    table: CellTable,
    view: ReaderView,
    block: int,
    variables: np.ndarray,
    rows: np.ndarray,
    wanted: np.ndarray,
    stats: SolveStats,
    options: SolveOptions,
) -> dict[int, Bound]:
    local = {int(j): i for i, j in enumerate(variables)}
    cells = view.variables[variables]
    if rows.size == 0:
        stats.methods["trivial"] += len(wanted)
        return {int(view.variables[j]): Bound(view.col_lower[j], math.inf, "trivial", (), block) for j in wanted}
    stats.blocks_solved += 1
    model = BlockModel(view, variables, rows, table.true[cells], [cell_name(table.keys[c]) for c in cells])
    results = {}
    for j in wanted:
        variable = local[int(j)]
        lower, lower_exact, lower_binding = model.lp_bound(variable, 1.0, stats)
        upper, upper_exact, upper_binding = model.lp_bound(variable, -1.0, stats)
        decided = upper - lower < options.k or math.isinf(upper) or model.spread(variable) >= options.k
        methods = set()
        if options.exact or not decided:
            if not lower_exact:
                lower, method = model.milp_bound(variable, 1.0, stats)
                methods.add(method)
            if not upper_exact:
                upper, method = model.milp_bound(variable, -1.0, stats)
                methods.add(method)
        elif not (lower_exact and upper_exact):
            methods.add("lp_rounded")
        method = next((m for m in ("milp_limit", "milp", "lp_rounded") if m in methods), "lp")
        stats.methods[method] += 1
        binding = tuple(dict.fromkeys(lower_binding + upper_binding))[:BINDING_LABELS]
        results[int(view.variables[j])] = Bound(lower, upper, method, binding, block)
    return results


def prior_from(view: ReaderView, bounds: dict[int, Bound]) -> Prior:
    sizes = Counter(view.var_block.tolist())
    return Prior(
        block_of_cell={int(c): int(b) for c, b in zip(view.variables, view.var_block, strict=True)},
        block_size=dict(sizes),
        bounds=bounds,
    )
