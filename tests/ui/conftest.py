"""The UI tests' graph: the demo cluster, analysed, plus objects carrying attacker-controlled text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import embedded
from graph.analysis.reach import compute_reach
from graph.analysis.run import analyze
from graph.store import GraphStore, open_store
from graph.ui.search import PathQuery, lookup_nodes
from ingest.k8s.files import read_k8s_files
from ingest.pipeline import DEMO_CLUSTER, DEMO_DIR, ingest_demo, ingest_k8s_snapshot

HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_USER_UID = f"k8s:{DEMO_CLUSTER}:user:{HOSTILE_NAME}"


def load_demo(store: GraphStore, *, hostile: bool) -> None:
    """The demo cluster (optionally with tests/ui/hostile/ on top), analysed."""
    store.wipe()
    if hostile:
        ingest_k8s_snapshot(store, read_k8s_files([DEMO_DIR / "k8s", HOSTILE_DIR], DEMO_CLUSTER))
    else:
        ingest_demo(store)
    analyze(store)
    compute_reach(store)  # the reachability marks the canned queries read (idempotent if analyze made them)


@pytest.fixture(scope="session")
def ui_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, GraphStore]]:
    """A session-wide embedded FalkorDB holding the hostile demo graph: (BRIDGEHEAD_GRAPH value, store)."""
    data_dir = tmp_path_factory.mktemp("ui-graph")
    uri = f"embedded://{data_dir}"
    embedded.start_server(data_dir)
    store = open_store(uri)
    load_demo(store, hostile=True)
    yield uri, store
    store.close()
    embedded.stop_server(data_dir)


CLUSTER_ADMIN = "k8s:demo:cluster-admin"
DEPLOYER = "k8s:demo:serviceaccount:ci/deployer"
OPS_TOKEN = "k8s:demo:secret:kube-system/ops-admin-token"


@pytest.fixture
def demo(ui_graph: tuple[str, GraphStore]) -> GraphStore:
    """The hostile demo graph, for tests that only read it."""
    return ui_graph[1]


def path_query(demo: GraphStore, src: str, dst: str, **kwargs: Any) -> PathQuery:
    refs = lookup_nodes(demo, [src, dst])
    return PathQuery(refs[src], refs[dst], **kwargs)
