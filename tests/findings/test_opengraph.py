"""`bridgehead export --format opengraph`: the BloodHound OpenGraph generic-ingest shape."""

from __future__ import annotations

import json
import re

from graph.analysis.catalogue import load_catalogue
from graph.findings.state import refresh_findings
from graph.opengraph import export_opengraph, node_kinds
from graph.store import GraphStore

KIND = re.compile(r"^[A-Za-z0-9_]+$")


def _primitive_or_homogeneous_list(value: object) -> bool:
    if isinstance(value, bool | int | float | str):
        return True
    return (
        isinstance(value, list)
        and bool(value)
        and len({type(item) for item in value}) == 1
        and all(isinstance(item, bool | int | float | str) for item in value)
    )


def test_opengraph_export_shape(demo: GraphStore) -> None:
    refresh_findings(demo)  # Finding nodes exist but are not graph entities to export
    document = json.loads(json.dumps(export_opengraph(demo)))
    assert set(document) == {"metadata", "graph"} and document["metadata"] == {"source_kind": "Bridgehead"}
    nodes, edges = document["graph"]["nodes"], document["graph"]["edges"]
    ids = [node["id"] for node in nodes]
    assert len(ids) == len(set(ids))
    expected = demo.read("MATCH (n) WHERE NOT n:SyncRun AND NOT n:Finding RETURN count(n) AS n")[0]["n"]
    assert len(nodes) == expected
    for node in nodes:
        assert set(node) == {"id", "kinds", "properties"}
        assert 1 <= len(node["kinds"]) <= 3 and all(KIND.match(kind) for kind in node["kinds"])
        assert all(_primitive_or_homogeneous_list(value) for value in node["properties"].values()), node
        assert node["properties"]["objectid"] == node["id"]
    by_id = {node["id"]: node for node in nodes}
    assert by_id["internet"]["kinds"] == ["Bridgehead_Internet"]
    admin = by_id["k8s:demo:cluster-admin"]
    assert admin["kinds"] == ["K8s_ClusterAdmin", "Bridgehead_HighValue"] and admin["properties"]["highvalue"] is True
    storefront = by_id["k8s:demo:serviceaccount:shop-frontend/storefront"]
    assert storefront["kinds"] == ["K8s_ServiceAccount", "Bridgehead_Identity"]
    assert storefront["properties"]["reach_internet_hops"] == 3 and storefront["properties"]["highvalue"] is False
    assert by_id["k8s:demo:secret:payments/payments-db"]["kinds"] == [
        "K8s_KubeSecret", "Bridgehead_HighValue", "Bridgehead_Secret",
    ]  # fmt: skip

    attack_types = set(load_catalogue())
    assert edges
    for edge in edges:
        assert set(edge) == {"start", "end", "kind", "properties"}
        assert edge["kind"] in attack_types and KIND.match(edge["kind"])
        for end in (edge["start"], edge["end"]):
            assert end["match_by"] == "id" and end["value"] in by_id
        assert edge["properties"]["rule"] and edge["properties"]["reason"]
    attack_edges = sum(
        demo.read(f"MATCH ()-[e:{edge_type}]->() RETURN count(e) AS n")[0]["n"] for edge_type in attack_types
    )
    assert len(edges) == attack_edges


def test_node_kinds_are_prefixed_and_capped() -> None:
    assert node_kinds(["Container"]) == ["K8s_Container"]  # never BloodHound's own AD "Container" kind
    assert node_kinds(["Pod", "Workload"]) == ["K8s_Pod", "Bridgehead_Workload"]
    assert node_kinds(["HighValue", "Identity", "ServiceAccount", "Workload"]) == [
        "K8s_ServiceAccount", "Bridgehead_HighValue", "Bridgehead_Identity",
    ]  # fmt: skip
