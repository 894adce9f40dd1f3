"""Which graph a URI selects, and the Neo4j store's refusals that need no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.config import ConfigError, resolve_graph
from graph.store import GraphError, Neo4jStore, index_statements


def test_default_is_embedded_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BRIDGEHEAD_GRAPH", raising=False)
    monkeypatch.setenv("BRIDGEHEAD_DATA_DIR", str(tmp_path))
    target = resolve_graph()
    assert target.backend == "embedded" and target.data_dir == tmp_path


@pytest.mark.parametrize(
    ("uri", "backend"),
    [
        ("embedded:///srv/graph", "embedded"),
        ("bolt://localhost:7687", "neo4j"),
        ("neo4j+s://db.example:7687", "neo4j"),
        ("redis://localhost:6379", "falkordb"),
        ("rediss://cache.example:6380", "falkordb"),
    ],
)
def test_uri_schemes(uri: str, backend: str) -> None:
    assert resolve_graph(uri).backend == backend


def test_environment_selects_the_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGEHEAD_GRAPH", "bolt://neo4j:7687")
    assert resolve_graph().uri == "bolt://neo4j:7687"


@pytest.mark.parametrize("uri", ["localhost:7687", "http://x", "mysql://db"])
def test_bad_uris_are_refused_with_the_choices(uri: str) -> None:
    with pytest.raises(ConfigError, match="scheme"):
        resolve_graph(uri)


def test_neo4j_without_password_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with pytest.raises(GraphError, match="NEO4J_PASSWORD"):
        Neo4jStore(resolve_graph("bolt://localhost:7687"))


def test_neo4j_index_ddl_is_a_uniqueness_constraint_per_kind() -> None:
    statements = index_statements("neo4j")
    assert statements and all("IF NOT EXISTS" in s and "REQUIRE n.uid IS UNIQUE" in s for s in statements)
    assert len({s.split()[2] for s in statements}) == len(statements), "constraint names collide"
