"""House rules that keep the code base readable (docs/architecture.md): no production file over
600 lines, no function over 80 lines. A function that is a data table (one return or assignment
of a literal) is exempt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("kim", "checks", "transforms", "warehouse", "reports", "pipelines", "synthetic", "benchmarks")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def production_files() -> list[Path]:
    return sorted(p for folder in PRODUCTION for p in (ROOT / folder).rglob("*.py"))


def _is_data_table(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function whose body (after its docstring) is one statement returning or assigning a
    literal or a call building one: a table written as code."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Return | ast.Assign)


def long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _is_data_table(node):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} has {length} lines")
    return found


def test_production_code_exists():
    assert len(production_files()) > 50


@pytest.mark.parametrize("path", production_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_production_file_is_over_600_lines(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_FILE_LINES, f"{path.relative_to(ROOT)} has {lines} lines (limit {MAX_FILE_LINES})"


def test_no_function_is_over_80_lines():
    found = [problem for path in production_files() for problem in long_functions(path)]
    assert not found, "functions over 80 lines:\n" + "\n".join(found)


def test_the_data_table_exemption_is_narrow():
    tree = ast.parse("def f():\n    '''doc'''\n    x = 1\n    return x\n")
    assert not _is_data_table(tree.body[0])  # type: ignore[arg-type]
    tree = ast.parse("def f():\n    '''doc'''\n    return (1, 2)\n")
    assert _is_data_table(tree.body[0])  # type: ignore[arg-type]
