"""Every Cypher statement Bridgehead ships or generates passes Neo4j's front-end and runs on FalkorDB."""

from __future__ import annotations

from collections.abc import Iterable

from graph import export, loader, marks, opengraph, paths, planes, summary
from graph import store as store_module
from graph.analysis import facts, reach, run
from graph.cypher_lint import cypher_errors
from graph.findings import compute, state
from graph.store import GraphStore, all_index_statements, index_statements

# Every parameter any generated statement uses, with a harmless value.
PARAMS = {
    "rows": [], "source": "k8s", "scope": "k8s:c", "sync": "s", "now": 1, "run_uid": "sync:k8s:c", "props": {},
    "cluster": "c", "uid": "x", "name": "n", "namespace": "ns", "src": "a", "dst": "b", "limit": 5, "skip": 0,
    "page": 10, "value": True,
}  # fmt: skip


def read_statements() -> Iterable[tuple[str, str]]:
    yield from summary.STATEMENTS.items()
    yield from facts.generated_statements(planes.all_planes())
    yield from paths.generated_statements()
    yield from export.generated_statements()
    yield from opengraph.generated_statements()
    yield from compute.generated_statements()
    yield from ((name, text) for name, text in reach.generated_statements() if "/read-" in name)
    yield from ((name, text) for name, text in state.generated_statements() if name != "findings/resolve")


def write_statements() -> Iterable[tuple[str, str]]:
    yield from loader.generated_statements()
    yield from run.generated_statements()
    yield from marks.generated_statements()
    yield "store/label-older-nodes", store_module.LABEL_OLDER_NODES
    yield from ((name, text) for name, text in reach.generated_statements() if "/write-" in name)
    yield from ((name, text) for name, text in state.generated_statements() if name == "findings/resolve")


def shipped_statements() -> Iterable[tuple[str, str]]:
    yield from write_statements()
    yield from read_statements()
    yield from all_index_statements()
    yield from ((f"index/falkordb/{i}", text) for i, text in enumerate(index_statements("falkordb")))


def test_every_generated_statement_passes_neo4j_front_end() -> None:
    statements = list(shipped_statements())
    assert len(statements) > 80
    problems = cypher_errors(statements, check_functions=True)
    assert not problems, "\n".join(f"{p.name}: {p.message}" for p in problems)


def test_generated_statements_run_on_falkordb(store: GraphStore) -> None:
    for _name, statement in write_statements():
        store.write(statement, PARAMS)  # raises GraphError naming the statement if FalkorDB rejects it
    for name, statement in read_statements():
        assert isinstance(store.read(statement, PARAMS), list), name
