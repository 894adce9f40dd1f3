"""Queries whose demo answer is empty, on graphs that have something to find: owned marks, risky RBAC
grants, exec into kube-system, a coverage gap."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from graph.analysis.reach import compute_reach
from graph.analysis.run import analyze
from graph.marks import mark_owned
from graph.store import GraphStore
from ingest.k8s.snapshot import CoverageGap, K8sSnapshot
from ingest.pipeline import ingest_demo, ingest_k8s_snapshot
from queries.library import get_query, run_query

RBAC = "rbac.authorization.k8s.io"
R = "k8s:risky"
Obj = dict[str, Any]


def run(store: GraphStore, query_id: str, **params: Any) -> list[dict[str, Any]]:
    return run_query(store, get_query(query_id), params).rows


def test_marking_a_node_owned_opens_paths_from_it(store: GraphStore) -> None:
    ingest_demo(store)
    analyze(store)
    compute_reach(store)
    assert run(store, "owned-to-crown-jewels") == []
    runner = "k8s:demo:serviceaccount:ci/ci-runner"  # not reachable from the internet in the demo

    mark_owned(store, runner)
    rows = {row["target"]: row for row in run(store, "owned-to-crown-jewels")}
    admin = rows["k8s:demo:cluster-admin"]
    assert admin["entry"] == runner and admin["target_kind"] == "ClusterAdmin"
    assert admin["path_uids"] == [runner, "k8s:demo:serviceaccount:ci/deployer", "k8s:demo:cluster-admin"]
    assert admin["edge_types"] == ["CAN_RUN_AS", "IS_CLUSTER_ADMIN"] and all(admin["reasons"])
    node = rows["k8s:demo:node:ip-10-0-3-88.eu-west-1.compute.internal"]
    assert node["edge_types"] == ["CAN_CREATE_PRIVILEGED_POD", "PLACES_ON_NODE"]  # misconfig 5: any node
    assert all(row["path_uids"][0] == runner and row["hops"] == len(row["edge_types"]) for row in rows.values())
    readers = {
        row["identity"]: row
        for row in run(store, "who-can-read-secret", secret="k8s:demo:secret:ci/registry-credentials")
    }
    assert readers[runner]["owned_hops"] == 0

    mark_owned(store, runner, on=False)
    assert run(store, "owned-to-crown-jewels") == []


# --------------------------------------------------------------------------------------------------
# A tiny cluster with the grants the demo does not have
# --------------------------------------------------------------------------------------------------


def rule(verbs: list[str], resources: list[str], groups: tuple[str, ...] = ("",), names: tuple[str, ...] = ()) -> Obj:
    return {"apiGroups": list(groups), "resources": resources, "verbs": verbs, "resourceNames": list(names)}


def meta(name: str, namespace: str | None = None) -> Obj:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


def risky_cluster() -> list[Obj]:
    sa = lambda namespace, name: {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, namespace)}  # noqa: E731
    subject = lambda namespace, name: {"kind": "ServiceAccount", "name": name, "namespace": namespace}  # noqa: E731
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("dev")},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("kube-system")},
        sa("dev", "attacker"), sa("dev", "app"), sa("dev", "debugger"), sa("kube-system", "coredns"),
        {"apiVersion": "v1", "kind": "Node", "metadata": meta("node-a")},
        {
            "apiVersion": "v1", "kind": "Pod", "metadata": meta("coredns-1", "kube-system"),
            "spec": {"serviceAccountName": "coredns", "nodeName": "node-a",
                     "containers": [{"name": "coredns", "image": "coredns"}]},
            "status": {"phase": "Running"},
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": meta("cluster-admin"),
            "rules": [rule(["*"], ["*"], ("*",)), {"nonResourceURLs": ["*"], "verbs": ["*"]}],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": meta("cluster-admin"),
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "system:masters", "apiGroup": RBAC}],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": meta("powers"),
            "rules": [
                rule(["impersonate"], ["users"]),
                rule(["impersonate"], ["groups"], names=("system:masters",)),
                rule(["get"], ["nodes/proxy"]),
            ],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "ClusterRoleBinding", "metadata": meta("attacker-powers"),
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "powers"},
            "subjects": [subject("dev", "attacker")],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": meta("tokens", "dev"),
            "rules": [rule(["create"], ["serviceaccounts/token"], names=("app",))],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": meta("attacker-tokens", "dev"),
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "tokens"},
            "subjects": [subject("dev", "attacker")],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": meta("debug", "kube-system"),
            "rules": [rule(["get"], ["pods"]), rule(["create"], ["pods/exec"])],
        },
        {
            "apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": meta("debugger", "kube-system"),
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "debug"},
            "subjects": [subject("dev", "debugger")],
        },
    ]  # fmt: skip


def load_risky(store: GraphStore) -> None:
    objects: dict[str, list[Obj]] = defaultdict(list)
    for obj in risky_cluster():
        objects[obj["kind"]].append(obj)
    gap = CoverageGap("Secret", 'forbidden: User "auditor" cannot list resource "secrets"')
    snapshot = K8sSnapshot("risky", dict(objects), set(objects), [gap], [], None, int(time.time() * 1000))
    ingest_k8s_snapshot(store, snapshot)
    analyze(store)
    compute_reach(store)


def test_risky_rbac_grants_exec_into_kube_system_and_coverage_gaps(store: GraphStore) -> None:
    load_risky(store)
    attacker = f"{R}:serviceaccount:dev/attacker"
    grants = {(row["identity"], row["grant"], row["target"]): row for row in run(store, "risky-rbac-grants")}
    assert (attacker, "CAN_IMPERSONATE", f"{R}:cluster-admin") in grants
    assert (attacker, "CAN_PROXY_NODE", f"{R}:node:node-a") in grants
    assert (attacker, "CAN_CREATE_TOKEN", f"{R}:serviceaccount:dev/app") in grants
    assert {row["identity"] for row in grants.values()} == {attacker}
    impersonate = grants[(attacker, "CAN_IMPERSONATE", f"{R}:cluster-admin")]
    assert impersonate["mitre"] == "T1078.001" and "system:masters" in impersonate["reason"]
    assert impersonate["identity_kind"] == "ServiceAccount" and impersonate["identity_namespace"] == "dev"
    assert len(run(store, "risky-rbac-grants", limit=1)) == 1

    (execs,) = run(store, "exec-into-kube-system")
    assert execs["identity"] == f"{R}:serviceaccount:dev/debugger" and execs["pod_names"] == ["coredns-1"]
    assert execs["grants"] == ["CAN_EXEC"] and "kube-system/debugger" in execs["reason"]

    (gap,) = run(store, "coverage-gaps")
    assert gap["scope"] == R and gap["source"] == "k8s"
    assert gap["gaps"] == ['Secret: forbidden: User "auditor" cannot list resource "secrets"']
