"""The Neo4j 5 Cypher front-end check, run for real (Node.js + tools/cypher-lint/node_modules).

Setup: `npm ci --prefix tools/cypher-lint`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from graph import cypher_lint
from graph.cypher_lint import LintProblem, cypher_errors, lint_cypher

BAD = {
    "exists_property": "MATCH (n) WHERE exists(n.x) RETURN n",
    "size_of_pattern": "MATCH (n) RETURN size((n)-->())",
    "syntax_error": "MATCH (n RETURN n",
    "old_index_syntax": "CREATE INDEX ON :Pod(uid)",
    "undefined_variable": "MATCH (n:Pod) RETURN m.uid",
}

GOOD = {
    "merge_nodes": (
        "UNWIND $rows AS r MERGE (n:Pod {uid: r.uid}) ON CREATE SET n.first_seen = $now "
        "SET n += r.props, n.last_seen = $now"
    ),
    "merge_edges": (
        "UNWIND $rows AS r MATCH (a:Pod {uid: r.src}) MATCH (b:Node {uid: r.dst}) "
        "MERGE (a)-[e:RUNS_ON]->(b) SET e += r.props"
    ),
    "shortest_path": (
        "MATCH (a:Pod {uid: $a}) MATCH (b:Secret {uid: $b}) "
        "WITH a, b, shortestPath((a)-[:T1|T2*1..8]->(b)) AS p WHERE p IS NOT NULL "
        "RETURN [n IN nodes(p) | n.uid] AS uids"
    ),
    "stale_cleanup": (
        "MATCH (n:Pod) WHERE n.scope = $scope AND n.sync_id <> $sync WITH n LIMIT 10000 "
        "DETACH DELETE n RETURN count(*) AS deleted"
    ),
    "neo4j_index": "CREATE INDEX pod_uid IF NOT EXISTS FOR (n:Pod) ON (n.uid)",
    "neo4j_constraint": "CREATE CONSTRAINT pod_uid IF NOT EXISTS FOR (n:Pod) REQUIRE n.uid IS UNIQUE",
    "falkordb_index": "CREATE INDEX FOR (n:Pod) ON (n.uid)",
    "pattern_predicate_and_degree": (
        "MATCH (a:Pod) WHERE (a)-[:MOUNTS]->(:Secret) RETURN a.uid, size([(a)-[:MOUNTS]->(s) | s]) AS degree"
    ),
    "falkordb_function_unchecked": "RETURN toJSON({a: 1}) AS j",
}


@pytest.fixture(scope="module")
def problems() -> list[LintProblem]:
    return lint_cypher([*BAD.items(), *GOOD.items()])


def _names(problems: list[LintProblem], severity: str = "error") -> set[str]:
    return {p.name for p in problems if p.severity == severity}


@pytest.mark.parametrize("name", sorted(BAD))
def test_known_bad_queries_are_errors_naming_the_statement(problems: list[LintProblem], name: str) -> None:
    errors = [p for p in problems if p.name == name and p.severity == "error"]
    assert errors, f"{name} was not reported: {BAD[name]}"
    assert all(p.line >= 1 and p.column >= 1 and p.message for p in errors)


def test_good_queries_have_no_errors(problems: list[LintProblem]) -> None:
    assert not _names(problems) & set(GOOD), [str(p) for p in problems if p.name in GOOD]


def test_specific_messages(problems: list[LintProblem]) -> None:
    by_name = {p.name: p for p in problems if p.severity == "error"}
    assert "IS NOT NULL" in by_name["exists_property"].message
    assert "COUNT {}" in by_name["size_of_pattern"].message
    assert "Invalid input 'RETURN'" in by_name["syntax_error"].message
    assert (by_name["syntax_error"].line, by_name["syntax_error"].column) == (1, 10)


def test_positions_are_one_based_and_multiline() -> None:
    [problem] = cypher_errors([("multi", "MATCH (n:Pod)\nWHERE exists(n.uid)\nRETURN n")])
    assert (problem.name, problem.line, problem.column) == ("multi", 2, 7)


def test_warnings_are_not_errors() -> None:
    query = "MATCH (a:Pod)-[:A|:B]->(b) RETURN b"  # deprecated in Cypher 5, not rejected
    problems = lint_cypher([("colon_alternation", query)])
    assert {p.severity for p in problems} == {"warning"}
    assert cypher_errors([("colon_alternation", query)]) == []


def test_batch_keeps_names_straight() -> None:
    # Enough distinct statements to go through the worker threads, duplicates under other names,
    # and a name used twice.
    statements: list[tuple[str, str]] = []
    expected_bad: set[str] = set()
    for i in range(30):
        if i % 4 == 1:
            statements.append((f"bad_{i}", f"MATCH (n:Pod{i}) WHERE exists(n.uid) RETURN n"))
            expected_bad.add(f"bad_{i}")
        else:
            statements.append((f"good_{i}", f"MATCH (n:Pod{i}) WHERE n.uid = $uid RETURN n.uid"))
    statements.append(("dup_of_bad_1", statements[1][1]))
    statements.append(("dup_of_good_0", statements[0][1]))
    statements.append(("twice", "RETURN 1 AS one"))
    statements.append(("twice", "RETURN (1 AS one"))
    expected_bad |= {"dup_of_bad_1", "twice"}

    errors = cypher_errors(statements)
    assert {p.name for p in errors} == expected_bad
    assert len([p for p in errors if p.name == "twice"]) >= 1
    assert all("exists" in p.message for p in errors if p.name.startswith(("bad_", "dup_")))


def test_check_functions_rejects_non_neo4j_functions() -> None:
    statements = [
        ("falkordb_tojson", "RETURN toJSON({a: 1}) AS j"),
        ("falkordb_list", "RETURN list.dedup([1, 1]) AS l"),
        ("builtins", "MATCH (n) RETURN toLower(n.name), coalesce(n.x, 1), size(keys(n)), timestamp()"),
    ]
    assert cypher_errors(statements) == []
    errors = cypher_errors(statements, check_functions=True)
    assert {p.name for p in errors} == {"falkordb_tojson", "falkordb_list"}
    assert all("is not present in the database" in p.message for p in errors)


def test_empty_batch_does_not_start_node() -> None:
    assert lint_cypher([]) == []


def test_tool_rejects_bad_input() -> None:
    node_command = cypher_lint._node_command()
    for bad_input in ("not json", '{"name": "x"}', '[{"name": "x"}]', '[{"name": 1, "query": "RETURN 1"}]'):
        proc = subprocess.run(node_command, input=bad_input, capture_output=True, text=True, check=False)
        assert proc.returncode == 2, bad_input
        assert "cypher-lint:" in proc.stderr
    proc = subprocess.run(
        node_command,
        input=json.dumps([{"name": "x", "query": "MATCH (n RETURN n"}]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    [result] = json.loads(proc.stdout)
    assert result["name"] == "x" and result["diagnostics"][0]["severity"] == "error"


def test_missing_dependencies_tell_the_user_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cypher_lint, "_PACKAGE_DIR", tmp_path / "missing")
    with pytest.raises(RuntimeError, match=r"npm ci --prefix tools/cypher-lint"):
        lint_cypher([("q", "RETURN 1")])


def test_missing_node_tells_the_user_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"Node\.js.*npm ci --prefix tools/cypher-lint"):
        lint_cypher([("q", "RETURN 1")])
