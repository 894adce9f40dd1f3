"""Shared fixtures: a real embedded FalkorDB server for the whole session, a clean graph per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import embedded
from graph.store import GraphStore, open_store


@pytest.fixture(scope="session")
def graph_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("graph-data")
    embedded.start_server(data_dir)
    yield data_dir
    embedded.stop_server(data_dir)


@pytest.fixture
def graph_uri(graph_data_dir: Path) -> str:
    return f"embedded://{graph_data_dir}"


@pytest.fixture
def store(graph_uri: str) -> Iterator[GraphStore]:
    graph_store = open_store(graph_uri)
    graph_store.wipe()
    yield graph_store
    graph_store.close()
