"""The whole road on the demo cluster: files -> graph -> analysis -> `bridgehead paths`, `export`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph import embedded
from graph.analysis.catalogue import load_catalogue
from graph.analysis.run import analyze
from graph.paths import RefError, resolve_ref, shortest_paths
from graph.store import GraphStore, open_store
from ingest.pipeline import ingest_demo

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, GraphStore]]:
    data_dir = tmp_path_factory.mktemp("demo-graph")
    uri = f"embedded://{data_dir}"
    embedded.start_server(data_dir)
    store = open_store(uri)
    ingest_demo(store)
    analyze(store)
    yield uri, store
    store.close()
    embedded.stop_server(data_dir)


def cli(uri: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--graph", uri, *args])
    return result.exit_code, result.output


NODE = "ip-10-0-1-17.eu-west-1.compute.internal"


def test_internet_reaches_cluster_admin(demo_graph) -> None:
    uri, _store = demo_graph
    code, out = cli(uri, "paths", "--from", "internet", "--to", "cluster-admin", "--max-hops", "12", "--json")
    assert code == 0, out
    paths = json.loads(out)
    assert paths
    for path in paths:
        assert path["nodes"][0]["uid"] == "internet" and path["nodes"][-1]["uid"] == "k8s:demo:cluster-admin"
        assert all(edge["reason"] for edge in path["edges"]), "every attack edge explains itself"


def test_the_documented_chain_exec_escape_kubelet_identity(demo_graph) -> None:
    # internet -> public LB -> storefront (its SA may exec in monitoring) -> the privileged node agent ->
    # the node -> acting as its kubelet, a token for the co-located deploy-runner's ci/deployer -> cluster-admin.
    uri, _store = demo_graph
    code, out = cli(
        uri, "paths", "--from", "internet", "--via", "sa:shop-frontend/storefront", "--via", f"node:{NODE}",
        "--to", "cluster-admin", "--json",
    )  # fmt: skip
    assert code == 0, out
    path = json.loads(out)[0]
    uids = [node["uid"] for node in path["nodes"]]
    types = [edge["type"] for edge in path["edges"]]
    assert uids[:2] == ["internet", "k8s:demo:service:shop-frontend/storefront"]
    assert types[:3] == ["INTERNET_EXPOSES", "SERVICE_TARGETS", "HAS_SA_TOKEN"]
    assert types[3] == "CAN_EXEC" and uids[4].startswith("k8s:demo:pod:monitoring/node-agent-")
    assert types[4] == "CONTROLS_CONTAINER" and types[5].startswith("CE_")
    assert uids[6] == f"k8s:demo:node:{NODE}"
    # The node acts as its kubelet, whose Node authorizer lets it mint a token for ci/deployer (a pod of that
    # account runs on the node): a path through the node's kubelet identity.
    assert types[6:] == ["NODE_ACTS_AS_KUBELET", "CAN_CREATE_TOKEN", "IS_CLUSTER_ADMIN"]
    assert uids[7] == f"k8s:demo:user:system:node:{NODE}"
    assert "Node authorizer" in path["edges"][7]["reason"]
    assert uids[-2] == "k8s:demo:serviceaccount:ci/deployer"
    escapes = {json_path["edges"][5]["type"] for json_path in json.loads(out)}
    assert {"CE_PRIVILEGED", "CE_NSENTER"} <= escapes, "each escape variant is its own parallel edge"


def test_the_co_located_token_route_is_still_there(demo_graph) -> None:
    uri, _store = demo_graph
    runner = "pod:ci/deploy-runner-gqjj2lmcbx-hf26s"
    code, out = cli(uri, "paths", "--from", f"node:{NODE}", "--via", runner, "--to", "cluster-admin", "--json")
    assert code == 0, out
    routes = {tuple(edge["type"] for edge in path["edges"]) for path in json.loads(out)}
    assert routes == {("NODE_CONTROLS_POD", "CONTROLS_CONTAINER", "HAS_SA_TOKEN", "IS_CLUSTER_ADMIN")}


def test_a_path_only_through_a_pod_template(demo_graph) -> None:
    # preview/preview: manifests from Git, never applied (no pods, no status): its privileged template takes
    # any node the Deployment's pods would land on.
    uri, _store = demo_graph
    code, out = cli(uri, "paths", "--from", "internet", "--to", "nodes", "--json")
    assert code == 0, out
    (path,) = json.loads(out)
    assert [edge["type"] for edge in path["edges"]] == ["INTERNET_EXPOSES", "SERVICE_TARGETS", "CE_PRIVILEGED"]
    assert path["nodes"][2]["uid"] == "k8s:demo:container:preview/deployment/preview/web"
    assert "assumed: no status" in path["edges"][0]["reason"]
    assert "pod template of Deployment preview/preview (no running pod in the snapshot)" in path["edges"][2]["reason"]
    code, out = cli(uri, "findings", "--format", "json")
    assert code == 0, out
    findings = {finding["target"]["uid"]: finding for finding in json.loads(out)["findings"]}
    assert findings["k8s:demo:nodes"]["from_template"] == ["Deployment preview/preview"]
    assert findings["k8s:demo:cluster-admin"]["from_template"] == []


def test_storefront_is_exposed_to_the_internet(demo_graph) -> None:
    _uri, store = demo_graph
    found = shortest_paths(store, resolve_ref(store, "internet"), resolve_ref(store, "sa:shop-frontend/storefront"))
    assert found and found[0].edge_types[0] == "INTERNET_EXPOSES"
    assert found[0].uids[1] == "k8s:demo:service:shop-frontend/storefront"


def test_no_path_out_of_the_locked_down_namespace(demo_graph) -> None:
    uri, store = demo_graph
    pods = store.read("MATCH (p:Pod) WHERE p.namespace = 'payments' RETURN p.name AS name")
    assert pods
    for row in pods:
        source = resolve_ref(store, f"pod:payments/{row['name']}")
        for target in (
            "cluster-admin",
            "node:ip-10-0-1-17.eu-west-1.compute.internal",
            "secret:kube-system/ops-admin-token",
        ):
            assert shortest_paths(store, source, resolve_ref(store, target), max_hops=12) == [], (row, target)
    code, out = cli(uri, "paths", "--from", f"pod:payments/{pods[0]['name']}", "--to", "cluster-admin")
    assert code == 1 and "no attack path" in out


def test_analysis_rerun_is_idempotent(demo_graph) -> None:
    _uri, store = demo_graph
    count = "MATCH ()-[e]->() WHERE e.source = 'analysis' RETURN count(e) AS n"
    before = store.read(count)[0]["n"]
    report = analyze(store)
    assert store.read(count)[0]["n"] == before == report.total_edges
    assert report.deleted_edges == 0
    assert report.missing_endpoints == {}, "a rule points at nodes that are not in the graph"


def test_cluster_admins_are_marked_high_value(demo_graph) -> None:
    _uri, store = demo_graph
    marked = {row["uid"] for row in store.read("MATCH (n:ServiceAccount:HighValue) RETURN n.uid AS uid")}
    assert {"k8s:demo:serviceaccount:ci/deployer", "k8s:demo:serviceaccount:kube-system/ops-admin"} <= marked
    assert "k8s:demo:serviceaccount:shop-frontend/storefront" not in marked


def test_refs_name_objects_the_way_a_user_would(demo_graph) -> None:
    _uri, store = demo_graph
    assert resolve_ref(store, "secret:kube-system/ops-admin-token").uid == "k8s:demo:secret:kube-system/ops-admin-token"
    assert resolve_ref(store, "node:demo/ip-10-0-1-17.eu-west-1.compute.internal").label == "Node"
    assert resolve_ref(store, "k8s:demo:serviceaccount:ci/deployer").label == "ServiceAccount"
    with pytest.raises(RefError, match="matches nothing"):
        resolve_ref(store, "pod:nowhere/nothing")
    with pytest.raises(RefError, match="KIND:NAMESPACE/NAME"):
        resolve_ref(store, "frobnicate:x")


def test_export_json_has_every_node_and_attack_edge_with_explanations(demo_graph, tmp_path: Path) -> None:
    uri, store = demo_graph
    code, out = cli(uri, "export", "--format", "json", "--out", str(tmp_path / "graph.json"))
    assert code == 0, out
    document = json.loads((tmp_path / "graph.json").read_text())
    node_count = store.read("MATCH (n) WHERE NOT n:SyncRun AND NOT n:Finding RETURN count(n) AS n")[0]["n"]
    assert len(document["nodes"]) == node_count
    attack_types = set(load_catalogue())
    edges = document["attack_edges"]
    assert edges and {edge["type"] for edge in edges} <= attack_types
    assert all(edge["rule"] and edge["technique"].startswith("T") and edge["reason"] for edge in edges)
    uids = {node["uid"] for node in document["nodes"]}
    assert all(edge["source"] in uids and edge["target"] in uids for edge in edges)


def test_attacks_list_show_and_docs() -> None:
    code, out = cli("embedded", "attacks", "list")
    assert code == 0 and "CE_PRIVILEGED" in out
    code, out = cli("embedded", "attacks", "show", "ce_privileged")
    assert code == 0 and "T1611" in out and "Remediation" in out
    code, out = cli("embedded", "attacks", "show", "NOPE")
    assert code == 2
    code, out = cli("embedded", "attacks", "docs")  # whether docs/attacks.md is current: tests/test_generated.py
    assert code == 0 and "## CE_PRIVILEGED" in out


def test_paths_print_attacker_chosen_names_verbatim(tmp_path: Path) -> None:
    """RBAC subject names are free text: Rich markup in one must be printed, not interpreted (or crash)."""
    name = "[/x] [bold]mallory"
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "hostile-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}],
    }  # fmt: skip
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "cluster-admin"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    }  # fmt: skip
    (tmp_path / "rbac.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [role, binding]}))
    uri = f"embedded://{tmp_path / 'graph'}"
    try:
        code, out = cli(uri, "ingest", "k8s", "--files", str(tmp_path / "rbac.json"), "--cluster", "c")
        assert code == 0, out
        code, out = cli(uri, "analyze")
        assert code == 0, out
        code, out = cli(uri, "paths", "--from", f"k8s:c:user:{name}", "--to", "cluster-admin")
        assert code == 0, out
        assert f"k8s:c:user:{name}" in out and "-[IS_CLUSTER_ADMIN]->" in out
    finally:
        embedded.stop_server(tmp_path / "graph")
