"""Every Cypher statement Bridgehead ships or generates passes Neo4j's front-end and runs on FalkorDB."""

from __future__ import annotations

from collections.abc import Iterable

from graph import loader, summary
from graph.cypher_lint import cypher_errors
from graph.store import GraphStore, all_index_statements, index_statements


def shipped_statements() -> Iterable[tuple[str, str]]:
    yield from loader.generated_statements()
    yield from all_index_statements()
    yield from ((f"index/falkordb/{i}", text) for i, text in enumerate(index_statements("falkordb")))
    yield from summary.STATEMENTS.items()


def test_every_generated_statement_passes_neo4j_front_end() -> None:
    statements = list(shipped_statements())
    assert len(statements) > 50
    problems = cypher_errors(statements, check_functions=True)
    assert not problems, "\n".join(f"{p.name}: {p.message}" for p in problems)


def test_generated_statements_run_on_falkordb(store: GraphStore) -> None:
    params = {
        "rows": [],
        "source": "k8s",
        "scope": "k8s:c",
        "sync": "s",
        "now": 1,
        "run_uid": "sync:k8s:c",
        "props": {},
    }
    for _name, statement in loader.generated_statements():
        store.write(statement, params)  # raises GraphError naming the statement if FalkorDB rejects it
    for name, statement in summary.STATEMENTS.items():
        assert isinstance(store.read(statement), list), name
