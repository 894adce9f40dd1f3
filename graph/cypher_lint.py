"""Neo4j 5 front-end check for the Cypher Bridgehead ships.

No Neo4j server runs on our machines, so Neo4j's own parser and semantic analysis — the npm package
``@neo4j-cypher/language-support`` (``lintCypherQuery``) — stands in for it. ``tools/cypher-lint/lint.mjs``
runs it over a whole batch in one Node.js process; this module feeds that tool and reads its answer.

The check uses Cypher 5 semantics and an empty database schema: unknown labels, relationship types and
properties are never reported, and parameters are never "undefined". It catches syntax errors and what
Neo4j 5 rejects at compile time (``exists(n.prop)``, ``size(pattern)``, the old index syntax, undefined
variables, ...). With ``check_functions=True`` a function that is not a Neo4j built-in (FalkorDB's
``toJSON``, ``list.*``, ``string.*``, APOC, typos) is an error too. Procedures are never checked.

Setup: ``npm ci --prefix tools/cypher-lint`` (needs Node.js).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LINT_DIR = REPO_ROOT / "tools" / "cypher-lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"
_PACKAGE_DIR = LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
_SETUP_HINT = "run `npm ci --prefix tools/cypher-lint` from the repository root (Node.js 20 or later)"


@dataclass(frozen=True)
class LintProblem:
    """One diagnostic for one named statement; ``line`` and ``column`` are 1-based."""

    name: str
    severity: str  # "error" | "warning" | "information" | "hint"
    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.name}:{self.line}:{self.column}: {self.severity}: {self.message}"


def _node_command() -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"the Cypher linter needs Node.js (`node` is not on PATH); install it, then {_SETUP_HINT}")
    if not LINT_SCRIPT.is_file():
        raise RuntimeError(f"the Cypher linter script is missing: {LINT_SCRIPT}")
    if not _PACKAGE_DIR.is_dir():
        raise RuntimeError(f"the Cypher linter's dependencies are not installed in {LINT_DIR}: {_SETUP_HINT}")
    return [node, str(LINT_SCRIPT)]


def lint_cypher(
    statements: Iterable[tuple[str, str]],
    *,
    check_functions: bool = False,
    timeout: float | None = 600.0,
) -> list[LintProblem]:
    """Every diagnostic Neo4j's front-end reports for ``(name, query)`` pairs, in input order.

    All statements go to one Node.js process. Raises ``RuntimeError`` when the tool cannot run or fails.
    """
    batch = [{"name": name, "query": query} for name, query in statements]
    if not batch:
        return []
    for item in batch:
        if not isinstance(item["name"], str) or not isinstance(item["query"], str):
            raise TypeError(f"statements must be (name, query) string pairs, got {item!r}")
    command = _node_command()
    if check_functions:
        command.append("--check-functions")
    try:
        proc = subprocess.run(
            command,
            input=json.dumps(batch),
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=LINT_DIR,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"the Cypher linter did not finish within {timeout} s") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"the Cypher linter failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return _parse_output(batch, proc.stdout)


def cypher_errors(
    statements: Iterable[tuple[str, str]],
    *,
    check_functions: bool = False,
) -> list[LintProblem]:
    """Only the diagnostics of severity ``error``: what Neo4j 5 would refuse to run."""
    problems = lint_cypher(statements, check_functions=check_functions)
    return [p for p in problems if p.severity == "error"]


def _parse_output(batch: list[dict[str, str]], stdout: str) -> list[LintProblem]:
    try:
        results: Any = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"the Cypher linter printed something that is not JSON: {stdout[:200]!r}") from exc
    if not isinstance(results, list) or len(results) != len(batch):
        raise RuntimeError("the Cypher linter's answer does not match the statements it was given")
    problems: list[LintProblem] = []
    # Match results by position, not by name: names need not be unique.
    for item, result in zip(batch, results, strict=True):
        if not isinstance(result, dict) or result.get("name") != item["name"]:
            raise RuntimeError(f"the Cypher linter's answer is out of order at {item['name']!r}")
        for diag in result.get("diagnostics", []):
            problems.append(
                LintProblem(
                    name=item["name"],
                    severity=str(diag["severity"]),
                    message=str(diag["message"]),
                    line=int(diag["line"]),
                    column=int(diag["column"]),
                )
            )
    return problems
