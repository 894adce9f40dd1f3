"""graph/ui: every statement the UI sends passes Neo4j's front-end and runs on FalkorDB."""

from __future__ import annotations

from graph import ui
from graph.cypher_lint import cypher_errors
from graph.store import GraphStore


def test_ui_statements_pass_neo4j_front_end() -> None:
    problems = cypher_errors(ui.generated_statements(), check_functions=True)
    assert not problems, "\n".join(f"{p.name}: {p.message}" for p in problems)


def test_ui_statements_run_on_falkordb(demo: GraphStore) -> None:
    for name, statement in ui.generated_statements():
        assert isinstance(demo.read(statement, ui.STATEMENT_PARAMS), list), name
