"""One independent block of a reader's (presolved) system in HiGHS, and the intervals of its
targets with as few solves as the result needs.

Soundness of the shortcuts, in one place:

- **Witnesses.** Every integer point that satisfies the block's rows and bounds is a possible
  truth for the reader: the reader cannot tell it from the real one. So if two such points put a
  variable v and w apart, the reader's interval of that variable is at least [v, w] wide. The
  block keeps, per variable, the smallest and largest value over every integer point seen: the
  true values (a feasible integer point by construction), every LP optimum that happens to be
  integral, every MILP solution. A fractional LP point proves nothing and is never counted.
- **Protected without a solve.** A target whose seen range is already at least k wide is
  protected (method 'witnessed'); its reported lower and upper are the two values seen, which lie
  within its exact interval. No solve of its own is needed.
- **The LP bounds.** The LP optimum rounded inwards is an outer bound of the integer optimum (the
  integer points are among the LP's). It *is* the integer optimum only when an integer point
  attains it, which the seen range tells. An LP interval narrower than k therefore proves the
  target unprotected; an LP interval at least k wide proves nothing until integers attain it.
- **Unprotected targets get their exact interval** (MILP for any bound no integer point attains).
  With `exact=False` the rounded LP bounds are kept instead (method 'lp_rounded': the integer
  interval lies within them, the verdict 'unprotected' is already certain).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

INTEGRAL = 1e-6  # an LP solution within this of integers is integral
DIVE_ROUNDS = 4  # LP re-solves per attempt to attain a rounded LP bound with an integer point
MILP_TIME_LIMIT = 60.0  # seconds per MILP bound; beyond it the MILP's proven bound is used
BINDING_LABELS = 4  # the constraints named per target (largest duals first)
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)


@dataclass
class SolveStats:
    lp_solves: int = 0
    milp_solves: int = 0
    milp_limits: int = 0
    dive_solves: int = 0
    blocks_solved: int = 0
    blocks_reused: int = 0
    seconds: float = 0.0
    methods: Counter[str] = field(default_factory=Counter)

    def add(self, other: SolveStats) -> None:
        self.lp_solves += other.lp_solves
        self.milp_solves += other.milp_solves
        self.milp_limits += other.milp_limits
        self.dive_solves += other.dive_solves
        self.blocks_solved += other.blocks_solved
        self.methods.update(other.methods)


@dataclass(frozen=True)
class SolveOptions:
    """k: the protection width. exact: every unprotected target's interval is its integer
    interval (MILP where the LP does not settle it); otherwise an unprotected target may keep its
    LP bounds rounded inwards (method lp_rounded: the integer interval lies within them). A
    protected target needs only the proof either way (method witnessed), unless `witnesses` is
    False: then every target gets its exact interval. workers: processes for the blocks of a large
    release (None: the machine's cores, at most 2; 1: none)."""

    k: int
    exact: bool = True
    witnesses: bool = True
    workers: int | None = None


@dataclass(frozen=True)
class BlockProblem:
    """A block's rows over its columns: `row_lower <= matrix x <= row_upper`, x integral within
    [col_lower, col_upper]; `truth` satisfies it. `targets`: the columns whose interval is wanted."""

    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    labels: list[str]
    col_lower: np.ndarray
    col_upper: np.ndarray
    truth: np.ndarray
    names: list[str]
    bound_reasons: list[tuple[str, ...]]
    targets: np.ndarray


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    method: str
    binding: tuple[str, ...]


def _finite(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -highspy.kHighsInf, highspy.kHighsInf)


class BlockModel:
    """The block's LP in HiGHS, re-solved per bound (primal simplex, warm started from the last
    basis); MILPs on demand; the range of each variable over the integer points seen."""

    def __init__(self, problem: BlockProblem):
        self.p = problem
        self.seen_min = problem.truth.copy()
        self.seen_max = problem.truth.copy()
        self.highs = self._model(integer=False)
        self.cost_at: int | None = None

    def _model(self, integer: bool) -> highspy.Highs:
        p = self.p
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = p.matrix.shape[1], p.matrix.shape[0]
        lp.col_cost_ = np.zeros(lp.num_col_)
        lp.col_lower_ = _finite(p.col_lower)
        lp.col_upper_ = _finite(p.col_upper)
        lp.row_lower_ = _finite(p.row_lower)
        lp.row_upper_ = _finite(p.row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = p.matrix.indptr
        lp.a_matrix_.index_ = p.matrix.indices
        lp.a_matrix_.value_ = p.matrix.data
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

    def seen(self, values: np.ndarray) -> None:
        """Count an integer point (callers pass only integer feasible points: see the module)."""
        np.minimum(self.seen_min, values, out=self.seen_min)
        np.maximum(self.seen_max, values, out=self.seen_max)

    def spread(self, variable: int) -> float:
        """How far apart two integer points seen so far put the variable."""
        return float(self.seen_max[variable] - self.seen_min[variable])

    def lp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, bool, tuple[str, ...]]:
        """min (sign 1) or max (sign -1) of the variable over the reals, rounded inwards to an
        integer; whether an integer point attains it (then it is the integer optimum); the
        binding constraints. An integral LP optimum is counted as a seen point."""
        if self.cost_at is not None and self.cost_at != variable:
            self.highs.changeColCost(self.cost_at, 0.0)
        self.highs.changeColCost(variable, sign)
        self.cost_at = variable
        self.highs.run()
        stats.lp_solves += 1
        status = self.highs.getModelStatus()
        if status in _UNBOUNDED and sign < 0:
            return math.inf, True, ()
        if status != _OPTIMAL:
            raise RuntimeError(f"disclosure audit: LP for {self.p.names[variable]} ended {status}")
        solution = self.highs.getSolution()
        values = np.asarray(solution.col_value)
        optimum = sign * self.highs.getInfo().objective_function_value
        rounded = float(math.ceil(optimum - INTEGRAL) if sign > 0 else math.floor(optimum + INTEGRAL))
        if np.all(np.abs(values - np.round(values)) <= INTEGRAL):
            self.seen(np.round(values))
        seen = self.seen_min[variable] if sign > 0 else self.seen_max[variable]
        return rounded, bool(seen == rounded), self._binding(solution)

    def attain(self, variable: int, value: float, stats: SolveStats) -> bool:
        """Look for an integer point with the variable at `value` (its rounded LP bound) by diving:
        fix it there, re-solve the LP, fix the variables still fractional at their nearest integers,
        a few rounds. An integral LP solution found is an integer point of the block (counted as
        seen) and proves the bound attained; failing proves nothing (the MILP decides then)."""
        if not (math.isfinite(value) and self.p.col_lower[variable] <= value <= self.p.col_upper[variable]):
            return False
        fixed = [variable]
        self.highs.changeColBounds(variable, value, value)
        try:
            for _ in range(DIVE_ROUNDS):
                self.highs.run()
                stats.dive_solves += 1
                if self.highs.getModelStatus() != _OPTIMAL:
                    return False
                values = np.asarray(self.highs.getSolution().col_value)
                fractional = np.flatnonzero(np.abs(values - np.round(values)) > INTEGRAL)
                if not fractional.size:
                    self.seen(np.round(values))
                    return True
                nearest = np.clip(
                    np.round(values[fractional]), self.p.col_lower[fractional], self.p.col_upper[fractional]
                )
                for j, v in zip(fractional.tolist(), nearest.tolist(), strict=True):
                    self.highs.changeColBounds(j, v, v)
                fixed.extend(fractional.tolist())
            return False
        finally:
            for j in fixed:
                self.highs.changeColBounds(
                    j, _finite(self.p.col_lower[j : j + 1])[0], _finite(self.p.col_upper[j : j + 1])[0]
                )

    def milp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, str]:
        """The integer optimum by MILP (the true values as a start); its solution is a seen point.
        At the time limit the bound the MILP proved (an outer bound: method milp_limit)."""
        highs = self._model(integer=True)
        highs.changeColCost(variable, sign)
        start = highspy.HighsSolution()
        start.col_value = list(self.p.truth)
        start.value_valid = True
        highs.setSolution(start)
        highs.run()
        stats.milp_solves += 1
        status = highs.getModelStatus()
        info = highs.getInfo()
        if status == _OPTIMAL:
            self.seen(np.round(np.asarray(highs.getSolution().col_value)))
            return float(round(sign * info.objective_function_value)), "milp"
        if status in _UNBOUNDED and sign < 0:
            return math.inf, "milp"
        if status == highspy.HighsModelStatus.kTimeLimit:
            stats.milp_limits += 1
            if info.primal_solution_status == 2:  # a feasible incumbent: an integer point
                self.seen(np.round(np.asarray(highs.getSolution().col_value)))
            proven = info.mip_dual_bound  # a bound on sign * x the optimum cannot beat
            value = math.ceil(proven - INTEGRAL) if sign > 0 else math.floor(-proven + INTEGRAL)
            return float(value), "milp_limit"
        raise RuntimeError(f"disclosure audit: MILP for {self.p.names[variable]} ended {status}")

    def _binding(self, solution: highspy.HighsSolution) -> tuple[str, ...]:
        """The constraints that bind at the optimum: nonzero duals, largest first; a variable held
        at a bound is named by the rows that gave the bound, or as 'hidden >= 1'."""
        row_dual = np.abs(np.asarray(solution.row_dual))
        order = [i for i in np.argsort(-row_dual, kind="stable")[:BINDING_LABELS] if row_dual[i] > 1e-9]
        labels = [self.p.labels[i] for i in order]
        col_dual = np.abs(np.asarray(solution.col_dual))
        for j in np.argsort(-col_dual, kind="stable")[: max(0, BINDING_LABELS + 1 - len(labels))]:
            if col_dual[j] > 1e-9:
                if self.p.bound_reasons[j]:
                    labels.extend(self.p.bound_reasons[j])
                elif self.p.col_lower[j] >= 1:
                    labels.append(f"hidden >= 1: {self.p.names[j]}")
        return tuple(dict.fromkeys(labels))[:BINDING_LABELS]


def _target_interval(model: BlockModel, variable: int, options: SolveOptions, stats: SolveStats) -> Interval:
    """One target: stop as soon as the seen points prove it protected; otherwise its LP bounds,
    and MILP bounds where integers must decide (see the module)."""
    k = options.k if options.witnesses else math.inf  # never wide enough to stop early
    if model.spread(variable) >= k:
        return Interval(model.seen_min[variable], model.seen_max[variable], "witnessed", ())
    upper, upper_exact, upper_binding = model.lp_bound(variable, -1.0, stats)
    if model.spread(variable) >= k:
        return Interval(model.seen_min[variable], model.seen_max[variable], "witnessed", ())
    lower, lower_exact, lower_binding = model.lp_bound(variable, 1.0, stats)
    if model.spread(variable) >= k:
        return Interval(model.seen_min[variable], model.seen_max[variable], "witnessed", ())
    binding = tuple(dict.fromkeys(lower_binding + upper_binding))[:BINDING_LABELS]
    if upper - lower < options.k and not options.exact:
        method = "lp" if lower_exact and upper_exact else "lp_rounded"
        return Interval(lower, upper, method, binding)
    methods = set()
    if not upper_exact:
        upper, method = model.milp_bound(variable, -1.0, stats)
        methods.add(method)
        if model.spread(variable) >= k:
            return Interval(model.seen_min[variable], model.seen_max[variable], "witnessed", ())
    if not lower_exact:
        lower, method = model.milp_bound(variable, 1.0, stats)
        methods.add(method)
    method = next((m for m in ("milp_limit", "milp") if m in methods), "lp")
    return Interval(lower, upper, method, binding)


def solve_block(problem: BlockProblem, options: SolveOptions) -> tuple[dict[int, Interval], SolveStats]:
    """The interval of every target column of one block."""
    stats = SolveStats(blocks_solved=1)
    model = BlockModel(problem)
    results = {}
    for variable in problem.targets.tolist():
        results[variable] = _target_interval(model, variable, options, stats)
    return results, stats
