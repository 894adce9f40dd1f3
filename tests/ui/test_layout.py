"""graph/ui/layout.py: what the graph component draws, and where."""

from __future__ import annotations

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.store import GraphStore
from graph.ui import layout, search
from tests.ui.conftest import OPS_TOKEN, path_query


def test_paths_are_drawn_left_to_right(demo: GraphStore) -> None:
    paths = search.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    assert paths and all(p.uids[0] == INTERNET_UID and p.uids[-1] == OPS_TOKEN for p in paths)
    view = layout.paths_view(paths)
    assert not view.too_big and view.node_count == len(view.nodes)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[INTERNET_UID] == 0 and x[OPS_TOKEN] == paths[0].hops * layout.X_GAP
    for edge in view.edges:  # every step goes one column to the right: entry -> ... -> crown jewel
        assert x[edge["data"]["_target"]] - x[edge["data"]["_source"]] == layout.X_GAP, edge
    data = {node["data"]["_uid"]: node["data"] for node in view.nodes}
    assert data[INTERNET_UID]["label"] == "Internet" and data[OPS_TOKEN]["label"] == "KubeSecret"
    assert (
        data[OPS_TOKEN]["name"] == "ops-admin-token" and data[OPS_TOKEN]["ref"] == "secret:kube-system/ops-admin-token"
    )
    first = view.edges[0]["data"]
    assert first["_source"] == INTERNET_UID and first["label"] == "INTERNET_EXPOSES" and first["mitre"] == "T1190"
    assert first["reason"] and first["_key"] == layout.edge_id(first["_source"], "INTERNET_EXPOSES", first["_target"])
    assert first["id"] == "e0" and view.nodes[0]["data"]["id"] == "n0"  # opaque ids: uids may carry names
    assert first["source"] == view.element_id(INTERNET_UID) and view.element(first["id"]) == ("edge", first["_key"])
    assert set(view.edge_types()) <= set(traversable_edge_types())


def test_graph_view_caps_the_node_count() -> None:
    chain = ([f"n{i}" for i in range(6)], ["CE_PRIVILEGED"] * 5, [""] * 5)
    assert layout.graph_view([chain], cap=5).too_big
    big = layout.graph_view([chain], cap=5)
    assert big.nodes == [] and big.node_count == 6
    assert not layout.graph_view([chain], cap=6).too_big


def test_graph_view_stacks_a_rank_and_points_every_edge_right() -> None:
    chains = [
        (["a", "b", "d"], ["X", "Y"], []),
        (["a", "c", "d"], ["X", "Y"], []),
        (["b", "d"], ["Z"], []),  # starts mid-way through the others: still drawn where b is
        (["e", "f", "g", "a"], ["X", "X", "X"], []),  # leads into a: pushes everything right
    ]
    view = layout.graph_view(chains)
    pos = {node["data"]["_uid"]: node["position"] for node in view.nodes}
    assert pos["e"]["x"] == 0 and pos["a"]["x"] == 3 * layout.X_GAP
    assert pos["b"]["x"] == pos["c"]["x"] == 4 * layout.X_GAP and pos["b"]["y"] == -pos["c"]["y"] != 0
    assert pos["d"]["x"] == 5 * layout.X_GAP
    assert len(view.edges) == 8
    for edge in view.edges:
        assert pos[edge["data"]["_target"]]["x"] > pos[edge["data"]["_source"]]["x"]
    cycle = layout.graph_view([(["a", "b", "a"], ["X", "Y"], [])])  # a cycle: first hop index
    assert {n["data"]["_uid"]: n["position"]["x"] for n in cycle.nodes} == {"a": 0, "b": layout.X_GAP}
