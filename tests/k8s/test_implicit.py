"""Implied objects (ingest/k8s/transform/implied.py): what Kubernetes guarantees that a snapshot lacks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.export import export_graph
from graph.loader import Sync, load
from graph.opengraph import export_opengraph
from graph.planes.k8s import uids
from graph.planes.k8s.facts import facts_from_records
from graph.records import NodeRecord, Records
from graph.store import GraphStore
from ingest.k8s.files import read_k8s_files
from ingest.k8s.transform import transform_objects, transform_snapshot

from .test_transform import CLUSTER, edges, node, obj, pod, run, targets, uid

DEMO_DIR = Path(__file__).resolve().parents[2] / "ingest" / "demo" / "k8s"
SA_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:web", "system:authenticated")


def records_of(records: Records, uid_: str) -> list[NodeRecord]:
    return [record for record in records.nodes if record.uid == uid_]


def implicit_uids(records: Records) -> set[str]:
    return {record.uid for record in records.nodes if record.implicit}


def group_binding(*groups: str, users: tuple[str, ...] = ()) -> dict[str, Any]:
    subjects = [{"kind": "Group", "name": group} for group in groups] + [{"kind": "User", "name": u} for u in users]
    return obj("ClusterRoleBinding", "b", None, roleRef={"kind": "ClusterRole", "name": "view"}, subjects=subjects)


def members(records: Records, src: str) -> dict[str, Mapping[str, Any]]:
    return {edge.dst_uid: edge.props for edge in edges(records, "MEMBER_OF", src)}


# ------------------------------------------------------------------------------ service accounts, namespaces


def test_a_pod_without_service_accounts_runs_as_the_implied_default_one() -> None:
    records = run({"Pod": [pod("web-1")], "ClusterRoleBinding": [group_binding(*SA_GROUPS)]})
    default = uid("ServiceAccount", "default", "web")
    [record] = records_of(records, default)
    assert record.implicit and record.props["implicit"] is True
    assert record.props["username"] == "system:serviceaccount:web:default"
    assert (record.props["name"], record.props["namespace"], record.props["cluster"]) == ("default", "web", CLUSTER)
    # The edges a real one would get: the pod's token, the namespace, the service-account groups.
    assert targets(records, "USES_SERVICE_ACCOUNT", uid("Pod", "web-1", "web")) == {default}
    assert targets(records, "IN_NAMESPACE", default) == {uid("Namespace", "web")}
    assert set(members(records, default)) == {uids.group_uid(CLUSTER, group) for group in SA_GROUPS}
    assert all(props == {"implicit": True} for props in members(records, default).values())
    # The namespace was not listed either: implied, in the cluster.
    [namespace] = records_of(records, uid("Namespace", "web"))
    assert namespace.implicit and namespace.props["name"] == "web"
    assert targets(records, "IN_CLUSTER", namespace.uid) == {uids.scope(CLUSTER)}
    # Implied objects make no label complete: stale cleanup stays decided by what was listed.
    assert records.complete_kinds == {"Pod", "ClusterRoleBinding", "Cluster"}


def test_implied_objects_leave_complete_kinds_as_they_were() -> None:
    objects = {"Pod": [pod("web-1", serviceAccountName="builder")], "Node": [obj("Node", "n1", None)]}
    records = run(objects)
    assert records.complete_kinds == {"Pod", "Node", "Cluster"}
    assert implicit_uids(records) >= {uid("ServiceAccount", "builder", "web"), uid("User", "system:node:n1")}


def test_a_listed_service_account_and_namespace_are_real_and_not_duplicated() -> None:
    records = run(
        {
            "Pod": [pod("web-1")],
            "ServiceAccount": [obj("ServiceAccount", "default", annotations={"eks.amazonaws.com/role-arn": "arn:r"})],
            "Namespace": [obj("Namespace", "web", None)],
            "ClusterRoleBinding": [group_binding(*SA_GROUPS)],
        }
    )
    [account] = records_of(records, uid("ServiceAccount", "default", "web"))
    [namespace] = records_of(records, uid("Namespace", "web"))
    assert not account.implicit and "implicit" not in account.props and account.props["irsa_role_arn"] == "arn:r"
    assert not namespace.implicit and "implicit" not in namespace.props
    assert implicit_uids(records) == set()
    assert len(edges(records, "MEMBER_OF", account.uid)) == 3  # once, not once per record


def test_every_namespace_seen_gets_its_default_service_account() -> None:
    records = run(
        {
            "Namespace": [obj("Namespace", "empty", None)],
            "ConfigMap": [obj("ConfigMap", "settings", "other")],
            "ServiceAccount": [obj("ServiceAccount", "ci", "other")],
        }
    )
    # Service accounts were listed in full, yet `default` is implied: the controller recreates it.
    assert implicit_uids(records) == {
        uid("ServiceAccount", "default", "empty"),
        uid("ServiceAccount", "default", "other"),
        uid("Namespace", "other"),
    }
    reason = node(records, uid("ServiceAccount", "default", "empty"))["implicit_reason"]
    assert "default service account" in reason


def test_a_named_service_account_is_implied_only_when_service_accounts_were_not_collected() -> None:
    objects = {
        "Pod": [pod("web-1", serviceAccountName="builder")],
        "Deployment": [obj("Deployment", "api", spec={"template": {"spec": {"serviceAccountName": "api", "containers": []}}})],
    }  # fmt: skip
    builder, api = uid("ServiceAccount", "builder", "web"), uid("ServiceAccount", "api", "web")
    offline = run(objects)  # a dump without service accounts
    assert {builder, api} <= implicit_uids(offline)
    assert "not collected" in node(offline, builder)["implicit_reason"]
    assert targets(offline, "USES_SERVICE_ACCOUNT", uid("Pod", "web-1", "web")) == {builder}
    assert targets(offline, "USES_SERVICE_ACCOUNT", uid("Deployment", "api", "web")) == {api}

    # Listed in full without them: they were deleted after admission; a deleted account's tokens are
    # rejected and a template naming it makes no pods. Nothing is implied, the edge is dropped.
    listed = run({**objects, "ServiceAccount": [obj("ServiceAccount", "other")]})
    assert implicit_uids(listed) == {uid("ServiceAccount", "default", "web"), uid("Namespace", "web")}
    assert targets(listed, "USES_SERVICE_ACCOUNT", uid("Pod", "web-1", "web")) == set()
    assert node(listed, uid("Pod", "web-1", "web"))["service_account"] == "builder"


def test_the_implied_default_account_is_what_the_analysis_sees() -> None:
    records = run({"Pod": [pod("web-1")]})
    facts = facts_from_records(CLUSTER, records.nodes, records.edges)
    account = facts.service_account_of(uid("Pod", "web-1", "web"))
    assert account is not None and account.uid == uid("ServiceAccount", "default", "web")
    assert account.get("implicit") is True


# ------------------------------------------------------------------------------ kubelet identities


def test_a_node_gets_its_kubelet_identity_in_system_nodes() -> None:
    records = run({"Node": [obj("Node", "n1", None)], "ClusterRoleBinding": [group_binding("system:authenticated")]})
    user = uids.user_uid(CLUSTER, "system:node:n1")
    group = uids.group_uid(CLUSTER, "system:nodes")
    [kubelet] = records_of(records, user)
    assert kubelet.implicit and kubelet.kind == "KubeUser"
    assert kubelet.props["name"] == "system:node:n1" and kubelet.props["kubelet_node"] == "n1"
    assert kubelet.props["implicit"] is True and kubelet.props["kind"] == "User"
    [nodes_group] = records_of(records, group)
    assert nodes_group.implicit and nodes_group.kind == "KubeGroup" and nodes_group.props["name"] == "system:nodes"
    assert members(records, user) == {
        group: {"via": "node identity", "implicit": True},
        uids.group_uid(CLUSTER, "system:authenticated"): {"implicit": True},
    }
    assert targets(records, "IN_CLUSTER", user) == targets(records, "IN_CLUSTER", group) == {uids.scope(CLUSTER)}
    assert node(records, uid("Node", "n1"))["kubelet_user"] == "system:node:n1"


def test_kubelets_join_system_authenticated_only_when_it_is_bound() -> None:
    records = run({"Node": [obj("Node", "n1", None)]})
    assert set(members(records, uids.user_uid(CLUSTER, "system:node:n1"))) == {uids.group_uid(CLUSTER, "system:nodes")}


def test_a_subject_named_system_nodes_group_stays_real() -> None:
    records = run({"Node": [obj("Node", "n1", None), obj("Node", "n2", None)], "ClusterRoleBinding": [group_binding("system:nodes")]})  # fmt: skip
    group = uids.group_uid(CLUSTER, "system:nodes")
    [record] = records_of(records, group)
    assert not record.implicit and "implicit" not in record.props
    kubelets = {edge.src_uid for edge in edges(records, "MEMBER_OF") if edge.dst_uid == group}
    assert kubelets == {uids.user_uid(CLUSTER, "system:node:n1"), uids.user_uid(CLUSTER, "system:node:n2")}


def test_a_subject_named_kubelet_user_stays_real_and_names_its_node() -> None:
    records = run({"Node": [obj("Node", "n1", None)], "ClusterRoleBinding": [group_binding(users=("system:node:n1",))]})
    [user] = records_of(records, uids.user_uid(CLUSTER, "system:node:n1"))
    assert not user.implicit and "implicit" not in user.props and user.props["kubelet_node"] == "n1"
    assert uids.group_uid(CLUSTER, "system:nodes") in members(records, user.uid)


def test_no_nodes_no_kubelet_identities() -> None:
    records = run({"Pod": [pod("web-1", nodeName="n1")], "ServiceAccount": [obj("ServiceAccount", "default")]})
    assert {record.kind for record in records.nodes if record.implicit} == {"Namespace"}


def test_on_the_demo_the_kubelet_users_and_the_preview_namespace_are_implied() -> None:
    records = transform_snapshot(read_k8s_files([DEMO_DIR], "demo"))
    implied = sorted(record.uid for record in records.nodes if record.implicit)
    assert implied == [
        "k8s:demo:namespace:preview",  # preview.yaml: manifests from Git, their namespace is not in the snapshot
        "k8s:demo:serviceaccount:preview/default",
        "k8s:demo:user:system:node:ip-10-0-1-17.eu-west-1.compute.internal",
        "k8s:demo:user:system:node:ip-10-0-2-42.eu-west-1.compute.internal",
        "k8s:demo:user:system:node:ip-10-0-3-88.eu-west-1.compute.internal",
    ]


# ------------------------------------------------------------------------------ through the loader


def load_objects(store: GraphStore, objects: Mapping[str, list[dict[str, Any]]], sync_id: str) -> None:
    records = transform_objects(CLUSTER, objects, list(objects))
    sync = Sync("k8s", uids.scope(CLUSTER), sync_id, int(sync_id.removeprefix("s")))
    load(store, records.nodes, records.edges, sync, complete_kinds=records.complete_kinds)


def account(store: GraphStore) -> list[dict[str, Any]]:
    return store.read(
        "MATCH (s:ServiceAccount {uid: $uid}) OPTIONAL MATCH (p:Pod)-[:USES_SERVICE_ACCOUNT]->(s) "
        "RETURN s.implicit AS implicit, s.irsa_role_arn AS arn, count(p) AS pods",
        {"uid": uid("ServiceAccount", "default", "web")},
    )


REAL_SA = obj("ServiceAccount", "default", annotations={"eks.amazonaws.com/role-arn": "arn:r"})


def test_an_earlier_real_account_survives_a_later_snapshot_without_service_accounts(store: GraphStore) -> None:
    load_objects(store, {"Pod": [pod("web-1")], "ServiceAccount": [REAL_SA]}, "s1")
    load_objects(store, {"Pod": [pod("web-1"), pod("web-2")]}, "s2")
    assert account(store) == [{"implicit": None, "arn": "arn:r", "pods": 2}]


def test_a_later_real_account_replaces_the_implied_one(store: GraphStore) -> None:
    load_objects(store, {"Pod": [pod("web-1")]}, "s1")
    assert account(store) == [{"implicit": True, "arn": None, "pods": 1}]
    load_objects(store, {"Pod": [pod("web-1")], "ServiceAccount": [REAL_SA]}, "s2")
    assert account(store) == [{"implicit": None, "arn": "arn:r", "pods": 1}]
    reason = store.read("MATCH (s:ServiceAccount) RETURN s.implicit_reason AS reason")
    assert reason == [{"reason": None}]


def test_exports_carry_the_implicit_mark(store: GraphStore) -> None:
    load_objects(store, {"Pod": [pod("web-1")], "Namespace": [obj("Namespace", "web", None)]}, "s1")
    exported = {node["uid"]: node["properties"] for node in export_graph(store)["nodes"]}
    assert exported[uid("ServiceAccount", "default", "web")]["implicit"] is True
    assert (
        "implicit" not in exported[uid("Namespace", "web")] and "implicit" not in exported[uid("Pod", "web-1", "web")]
    )
    opengraph = {node["id"]: node["properties"] for node in export_opengraph(store)["graph"]["nodes"]}
    assert opengraph[uid("ServiceAccount", "default", "web")]["implicit"] is True
    assert "implicit" not in opengraph[uid("Namespace", "web")]
