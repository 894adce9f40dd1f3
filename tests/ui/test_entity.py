"""graph/ui/entity.py: the entity panel and the edge help, on the demo graph in embedded FalkorDB."""

from __future__ import annotations

import pytest

from graph.store import GraphStore
from graph.ui import entity, layout
from graph.ui.common import NodeRef
from tests.ui.conftest import CLUSTER_ADMIN, DEPLOYER


def test_entity_has_properties_and_attack_edges(demo: GraphStore) -> None:
    found = entity.entity(demo, DEPLOYER)
    assert found is not None and found.node.label == "ServiceAccount" and found.node.namespace == "ci"
    props = {row["property"]: row["value"] for row in found.property_rows()}
    assert props["namespace"] == "ci" and props["name"] == "deployer" and "HighValue" in props["labels"]
    assert found.high_value and not found.owned
    out = found.edge_rows("out")
    assert {"type": "IS_CLUSTER_ADMIN", "to": "cluster-admin", "kind": "ClusterAdmin"}.items() <= out[0].items()
    incoming = {row["type"] for row in found.edge_rows("in")}
    assert {"HAS_SA_TOKEN", "CAN_RUN_AS"} <= incoming
    assert CLUSTER_ADMIN in {ref.uid for ref in found.neighbours()}
    view = entity.entity_view(found)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[DEPLOYER] == layout.X_GAP and x[CLUSTER_ADMIN] == 2 * layout.X_GAP


def test_entity_of_unknown_uid(demo: GraphStore) -> None:
    assert entity.entity(demo, "k8s:demo:pod:nowhere/nothing") is None
    with pytest.raises(KeyError, match="unknown node kind"):
        entity.entity_statement("Pod) DETACH DELETE (n")


def test_edge_help_comes_from_the_catalogue() -> None:
    help_ = entity.edge_help("CE_PRIVILEGED")
    assert help_ is not None and help_.attack and help_.mitre == "T1611" and help_.rules == ("k8s.escape.privileged",)
    assert help_.meaning and help_.abuse and help_.opsec and help_.remediation and help_.references
    structural = entity.edge_help("RUNS_ON")
    assert structural is not None and not structural.attack and structural.meaning
    assert entity.edge_help("NOT_AN_EDGE") is None
    assert entity.mitre_url("T1552.007") == "https://attack.mitre.org/techniques/T1552/007/"


KUBELET = "k8s:demo:user:system:node:ip-10-0-1-17.eu-west-1.compute.internal"


def test_an_implied_object_says_so_in_the_panel_and_the_drawing(demo: GraphStore) -> None:
    found = entity.entity(demo, KUBELET)
    assert found is not None and found.implicit and found.flags() == ["implicit"]
    rows = found.property_rows()
    assert rows[1]["property"] == "implicit" and rows[1]["value"].startswith("implied, not read: the kubelet of node")
    props = {row["property"]: row["value"] for row in rows}
    assert props["kubelet_node"] == "ip-10-0-1-17.eu-west-1.compute.internal" and "implicit_reason" not in props
    drawn = entity.entity_view(found).node(KUBELET)
    assert drawn is not None and drawn["name"].endswith(" (implicit)") and drawn["implicit"]


def test_a_real_object_is_not_marked_implicit(demo: GraphStore) -> None:
    found = entity.entity(demo, DEPLOYER)
    assert found is not None and not found.implicit and "implicit" not in found.flags()
    assert all(row["property"] != "implicit" for row in found.property_rows())
    drawn = entity.entity_view(found).node(DEPLOYER)
    assert drawn is not None and drawn["name"] == "deployer" and "implicit" not in drawn


def test_an_implied_neighbour_is_marked_in_the_edge_rows_and_the_drawing() -> None:
    sa = NodeRef("k8s:c:serviceaccount:web/default", "ServiceAccount", "default", "web", "c")
    pod = NodeRef("k8s:c:pod:web/app", "Pod", "app", "web", "c")
    found = entity.Entity(pod, ["Pod"], {"name": "app"}, [entity.EdgeRow("CAN_RUN_AS", sa, "r", True)], [])
    assert found.edge_rows("out")[0]["to"] == "serviceaccount:web/default (implicit)"
    view = entity.entity_view(found)
    assert view.node(sa.uid)["name"] == "default (implicit)"  # type: ignore[index]
    assert view.node(pod.uid)["name"] == "app"  # type: ignore[index]
