"""Reachability marks (graph/analysis/reach.py) and user marks (graph/marks.py) on a real embedded graph."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.analysis.reach import MARK_PROPERTIES, bfs_hops, compute_reach
from graph.analysis.run import analyze
from graph.marks import MarkError, mark_high_value, mark_owned
from graph.store import GraphStore
from ingest.k8s.redact import redact_object
from ingest.k8s.snapshot import K8sSnapshot
from ingest.pipeline import ingest_demo, ingest_k8s_snapshot

CLUSTER_ADMIN = "k8s:demo:cluster-admin"
STOREFRONT_SA = "k8s:demo:serviceaccount:shop-frontend/storefront"
CI_RUNNER = "k8s:demo:serviceaccount:ci/ci-runner"
DEPLOYER = "k8s:demo:serviceaccount:ci/deployer"
AWS_AUTH = "k8s:demo:configmap:kube-system/aws-auth"


def marks_of(store: GraphStore, uid: str) -> dict[str, Any]:
    rows = store.read(
        "MATCH (n) WHERE n.uid = $uid RETURN " + ", ".join(f"n.{mark} AS {mark}" for mark in MARK_PROPERTIES),
        {"uid": uid},
    )
    assert rows, uid
    return rows[0]


@pytest.fixture
def demo(store: GraphStore) -> GraphStore:
    ingest_demo(store)
    report = analyze(store)  # the analysis ends by computing the marks
    assert report.reach is not None and report.reach.attack_edges > 100 and report.reach.changed_nodes > 0
    return store


def test_reach_marks_on_the_demo(demo: GraphStore) -> None:
    assert compute_reach(demo).changed_nodes == 0  # analysis already wrote them
    assert marks_of(demo, STOREFRONT_SA)["reach_internet_hops"] == 3  # internet -> LB -> container -> token
    internet = marks_of(demo, INTERNET_UID)
    assert internet["reach_internet_hops"] == 0
    assert internet["reaches_cluster_admin_hops"] == 5  # through a node acting as its kubelet
    assert internet["reaches_node_hops"] == 2 and internet["reaches_secret_hops"] == 3
    admin = marks_of(demo, CLUSTER_ADMIN)
    assert admin["reaches_cluster_admin_hops"] == 0 and admin["reaches_high_value_hops"] == 0
    assert marks_of(demo, DEPLOYER)["reaches_cluster_admin_hops"] == 1
    payments = demo.read("MATCH (p:Pod) WHERE p.namespace = 'payments' RETURN p.uid AS uid")
    assert payments
    for row in payments:
        marks = marks_of(demo, row["uid"])
        assert marks["reaches_cluster_admin_hops"] is None and marks["reaches_node_hops"] is None
        assert marks["reaches_secret_hops"] == 2  # its own mounted database secret, nothing else
    assert demo.read("MATCH (n) WHERE n.reach_owned_hops IS NOT NULL RETURN count(n) AS n")[0]["n"] == 0
    assert demo.read("MATCH (n) WHERE n.reaches_cloud_admin_hops IS NOT NULL RETURN count(n) AS n")[0]["n"] == 0


def test_rerun_writes_nothing_and_stale_marks_are_cleared(demo: GraphStore) -> None:
    compute_reach(demo)
    assert compute_reach(demo).changed_nodes == 0
    payments_pod = demo.read("MATCH (p:Pod) WHERE p.namespace = 'payments' RETURN p.uid AS uid LIMIT 1")[0]["uid"]
    demo.write(
        "MATCH (p:Pod {uid: $uid}) SET p.reach_internet_hops = 99, p.reach_owned_hops = 1", {"uid": payments_pod}
    )
    demo.write("MATCH (n:Namespace) SET n.reaches_secret_hops = 1")  # no attack edge touches a namespace
    demo.write(
        "MATCH (:ServiceAccount {uid: $uid})-[e:IS_CLUSTER_ADMIN]->(:ClusterAdmin) DELETE e RETURN count(*) AS n",
        {"uid": DEPLOYER},
    )
    report = compute_reach(demo)
    assert report.changed_nodes > 1
    marks = marks_of(demo, payments_pod)
    assert marks["reach_internet_hops"] == 5 and marks["reach_owned_hops"] is None  # its node: the preview template
    assert demo.read("MATCH (n:Namespace) WHERE n.reaches_secret_hops IS NOT NULL RETURN count(n) AS n")[0]["n"] == 0
    assert marks_of(demo, DEPLOYER)["reaches_cluster_admin_hops"] is None


def test_marking_a_node_owned_adds_paths_from_it(demo: GraphStore) -> None:
    compute_reach(demo)
    assert marks_of(demo, CI_RUNNER)["reach_internet_hops"] is None  # not reachable from the internet
    result = mark_owned(demo, CI_RUNNER)
    assert result.label == "ServiceAccount" and result.reach.marked["reach_owned_hops"] > 3
    assert marks_of(demo, CI_RUNNER)["reach_owned_hops"] == 0
    assert marks_of(demo, DEPLOYER)["reach_owned_hops"] == 1  # CAN_RUN_AS
    assert marks_of(demo, CLUSTER_ADMIN)["reach_owned_hops"] == 2
    assert demo.read("MATCH (n:ServiceAccount {uid: $uid}) RETURN n.owned AS owned", {"uid": CI_RUNNER})[0]["owned"]
    mark_owned(demo, CI_RUNNER, on=False)
    assert demo.read("MATCH (n) WHERE n.reach_owned_hops IS NOT NULL RETURN count(n) AS n")[0]["n"] == 0
    with pytest.raises(MarkError, match="no object"):
        mark_owned(demo, "k8s:demo:pod:nowhere/nothing")


def test_marking_high_value_adds_a_crown_jewel_and_removing_it_keeps_intrinsic_ones(demo: GraphStore) -> None:
    compute_reach(demo)
    assert marks_of(demo, AWS_AUTH)["reaches_high_value_hops"] is None
    mark_high_value(demo, AWS_AUTH)
    assert marks_of(demo, AWS_AUTH)["reaches_high_value_hops"] == 0
    labels = demo.read(
        "MATCH (n:ConfigMap {uid: $uid}) RETURN labels(n) AS l, n.user_high_value AS u", {"uid": AWS_AUTH}
    )
    assert "HighValue" in labels[0]["l"] and labels[0]["u"] is True
    analyze(demo)  # the analysis clears only its own marks
    assert demo.read("MATCH (n:HighValue) WHERE n.uid = $uid RETURN count(n) AS n", {"uid": AWS_AUTH})[0]["n"] == 1
    mark_high_value(demo, AWS_AUTH, on=False)
    assert demo.read("MATCH (n:HighValue) WHERE n.uid = $uid RETURN count(n) AS n", {"uid": AWS_AUTH})[0]["n"] == 0
    assert marks_of(demo, AWS_AUTH)["reaches_high_value_hops"] is None
    # A secret is high value by nature; a cluster-admin identity is marked again by the analysis's rule.
    secret = "k8s:demo:secret:payments/payments-db"
    mark_high_value(demo, secret)
    mark_high_value(demo, secret, on=False)
    mark_high_value(demo, DEPLOYER, on=False)
    for uid in (secret, DEPLOYER):
        assert demo.read("MATCH (n:HighValue) WHERE n.uid = $uid RETURN count(n) AS n", {"uid": uid})[0]["n"] == 1


def test_bfs_hops_counts_fewest_hops() -> None:
    adjacency = {"a": [("T", "b"), ("T", "c")], "b": [("T", "d")], "c": [("T", "d")], "d": [("T", "a")]}
    assert bfs_hops(["a"], adjacency) == {"a": 0, "b": 1, "c": 1, "d": 2}
    assert bfs_hops([], adjacency) == {}


def _synthetic(pods: int) -> K8sSnapshot:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic import build_cluster

    objects = {kind: [redact_object(obj) for obj in items] for kind, items in build_cluster(pods).items()}
    return K8sSnapshot("synth", objects, set(objects), [], [], None, int(time.time() * 1000))


def test_marks_match_networkx_on_a_synthetic_cluster(store: GraphStore) -> None:
    ingest_k8s_snapshot(store, _synthetic(1_000))
    analyze(store)
    report = compute_reach(store)
    assert report.graph is not None and report.attack_edges > 5_000
    digraph = nx.MultiDiGraph()
    for edge_type in traversable_edge_types():
        for row in store.read(f"MATCH (a)-[:{edge_type}]->(b) RETURN a.uid AS a, b.uid AS b"):
            digraph.add_edge(row["a"], row["b"])
    expected_internet = nx.single_source_shortest_path_length(digraph, INTERNET_UID)
    jewels = [uid for uid, node in report.graph.nodes.items() if "Secret" in node.labels]
    expected_secret = nx.multi_source_dijkstra_path_length(digraph.reverse(copy=False), jewels, weight=lambda *_: 1)
    stored = {
        row["uid"]: (row["i"], row["s"])
        for row in store.read(
            "MATCH (n) WHERE n.uid IS NOT NULL RETURN n.uid AS uid, "
            "n.reach_internet_hops AS i, n.reaches_secret_hops AS s"
        )
    }
    assert {uid: hops for uid, (hops, _s) in stored.items() if hops is not None} == expected_internet
    assert {uid: hops for uid, (_i, hops) in stored.items() if hops is not None} == {
        uid: int(hops) for uid, hops in expected_secret.items()
    }
