"""The demo graph, built once for the query tests: ingest_demo, analyze, reachability marks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph import embedded
from graph.analysis.reach import compute_reach
from graph.analysis.run import analyze
from graph.store import GraphStore, open_store
from ingest.pipeline import ingest_demo


@pytest.fixture(scope="package")
def demo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("query-demo-graph")
    embedded.start_server(data_dir)
    uri = f"embedded://{data_dir}"
    store = open_store(uri)
    try:
        ingest_demo(store)
        analyze(store)
        compute_reach(store)
    finally:
        store.close()
    yield uri
    embedded.stop_server(data_dir)


@pytest.fixture(scope="package")
def demo(demo_uri: str) -> Iterator[GraphStore]:
    """The demo graph; tests only read it (tests that mark nodes use the per-test `store`)."""
    store = open_store(demo_uri)
    yield store
    store.close()
