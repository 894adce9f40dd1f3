"""graph/ui/layout.py: what the graph component draws, and where."""

from __future__ import annotations

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.cypher_lint import cypher_errors
from graph.schema import NODE_KINDS
from graph.store import GraphStore
from graph.ui import layout, search
from graph.ui.common import NodeRef
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
    assert len(view.edges) == 7  # b -[Y]-> d and b -[Z]-> d are one drawn edge
    bundle = next(edge["data"] for edge in view.edges if edge["data"]["_types"] == ["Y", "Z"])
    assert bundle["caption"] == "Y\nZ" and len(bundle["_keys"]) == 2
    for edge in view.edges:
        assert pos[edge["data"]["_target"]]["x"] > pos[edge["data"]["_source"]]["x"]
    cycle = layout.graph_view([(["a", "b", "a"], ["X", "Y"], [])])  # a cycle: first hop index
    assert {n["data"]["_uid"]: n["position"]["x"] for n in cycle.nodes} == {"a": 0, "b": layout.X_GAP}


def test_parallel_edges_are_one_drawn_edge_whose_keys_each_find_it() -> None:
    view = layout.graph_view([(["a", "b"], ["X"], ["why x"]), (["a", "b"], ["Y"], ["why y"])])
    assert len(view.edges) == 1
    drawn = view.edges[0]["data"]
    assert drawn["caption"] == "X\nY" and drawn["label"] == "X" and drawn["_types"] == ["X", "Y"]
    second = layout.edge_id("a", "Y", "b")
    found = view.edge(second)
    assert found is not None and found["_type"] == "Y" and found["_reason"] == "why y" and found["_key"] == second
    assert view.element_id(second) == drawn["id"] and view.element(drawn["id"]) == (
        "edge",
        layout.edge_id("a", "X", "b"),
    )


def test_captions_are_namespace_slash_name_and_nothing_is_selectable(demo: GraphStore) -> None:
    paths = search.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    view = layout.paths_view(paths)
    data = {node["data"]["_uid"]: node["data"] for node in view.nodes}
    assert data[OPS_TOKEN]["caption"] == "kube-system/ops-admin-token"
    assert data[INTERNET_UID]["caption"] == "Internet"  # not namespaced: the name alone
    # The component's info panel opens on a selection and covers the left edge, where the path starts.
    assert all(element["selectable"] is False for element in [*view.nodes, *view.edges])
    assert layout.caption(NodeRef("k8s:demo:pod:shop/web-1", "Pod", "web-1", namespace="shop")) == "shop/web-1"
    assert layout.caption(NodeRef("k8s:demo:pod:shop/web-1", "Pod", "shop/web-1", namespace="shop")) == "shop/web-1"
    assert layout.NODE_STYLE["text-wrap"] == "wrap" and layout.NODE_STYLE["font-size"] >= 10
    assert layout.EDGE_STYLE["font-size"] >= 8  # the walkthrough measured ~6 px edge labels


def test_marks_and_the_legend_name_what_is_drawn(demo: GraphStore) -> None:
    paths = search.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    view = layout.paths_view(paths)
    owned, high_value = layout.node_marks(demo, view.uids())
    assert owned <= set(view.uids()) and high_value <= set(view.uids())
    view.marked(owned={INTERNET_UID}, high_value={OPS_TOKEN})
    data = {node["data"]["_uid"]: node["data"] for node in view.nodes}
    assert data[INTERNET_UID]["owned"] == "owned" and "high_value" not in data[INTERNET_UID]
    assert data[OPS_TOKEN]["high_value"] == "high value"
    entries = layout.legend(view)
    kinds = [entry for entry in entries if not entry.marker]
    assert [entry.title for entry in kinds] == view.labels()
    assert all(entry.color == NODE_KINDS[entry.title].color for entry in kinds if entry.title in NODE_KINDS)
    assert {entry.marker for entry in entries if entry.marker} == {"solid", "double"}
    assert not any(entry.marker for entry in layout.legend(view.marked()))
    assert not cypher_errors(layout.generated_statements(), check_functions=True)


def test_layout_options_fit_with_padding_and_root_the_top_down_layout_at_the_entry(demo: GraphStore) -> None:
    paths = search.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    view = layout.paths_view(paths)
    for name in layout.LAYOUTS:
        options = layout.layout_options(view, name)
        assert options["fit"] is True and options["padding"] == layout.FIT_PADDING
        assert options["elements"] == view.fingerprint()  # a new path re-runs the layout (and the fit)
    assert layout.layout_options(view)["name"] == "preset"
    assert layout.layout_options(view, "top-down")["roots"] == [view.element_id(INTERNET_UID)]
    assert layout.layout_options(view, "no such layout")["name"] == "preset"
