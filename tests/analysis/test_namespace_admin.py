"""Namespace admin as a target: the NamespaceAdmin anchors, who reaches them, and what they reach.

The built-in roles below follow kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
policy.go (view, edit, admin; their rules as the aggregation controller writes them into the stored roles).
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.paths import resolve_ref
from graph.planes import parse_uid
from graph.planes.k8s import anchors, cluster_namespaces
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.uids import namespace_admin_uid
from graph.schema import HIGH_VALUE, node_kind, ref_kinds
from tests.analysis.test_rbac_abuse import (
    ADMIN,
    ANY_NODE,
    ATTACKER,
    CLUSTER,
    DEFAULT_MASTERS_BINDING,
    DEV_OTHER_SAS,
    LIVE_DEV_PODS,
    RBAC_GROUP,
    aws_auth,
    base_cluster,
    bind,
    cluster_with,
    facts_of,
    find,
    grant_attacker,
    namespace,
    pod,
    reason_of,
    role,
    rule,
    sa,
    secret,
    service_account,
    subject,
    subject_sa,
    uid,
)

Obj = dict[str, Any]
READ, WRITE = ["get", "list", "watch"], ["create", "delete", "deletecollection", "patch", "update"]
VIEW_RULES = (
    rule(READ, ["pods", "replicationcontrollers", "serviceaccounts", "services", "endpoints", "configmaps"]),
    rule(READ, ["pods/log", "pods/status", "events", "namespaces"]),
    rule(READ, ["deployments", "daemonsets", "statefulsets", "replicasets"], ["apps"]),
    rule(READ, ["jobs", "cronjobs"], ["batch"]),
)
EDIT_RULES = (
    *VIEW_RULES,
    rule(READ, ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
    rule(["impersonate"], ["serviceaccounts"]),
    rule(WRITE, ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
    rule(["create"], ["pods/eviction"]),
    rule(WRITE, ["replicationcontrollers", "serviceaccounts", "services", "configmaps", "secrets", "events"]),
    rule(["create"], ["serviceaccounts/token"]),
    rule(WRITE, ["statefulsets", "daemonsets", "deployments", "replicasets"], ["apps"]),
    rule(WRITE, ["jobs", "cronjobs"], ["batch"]),
)
VIEW = role("view", *VIEW_RULES)
EDIT = role("edit", *EDIT_RULES)
ADMIN_ROLE = role(
    "admin",
    *EDIT_RULES,
    rule(["create"], ["localsubjectaccessreviews"], ["authorization.k8s.io"]),
    rule([*READ, *WRITE], ["roles", "rolebindings"], [RBAC_GROUP]),
)
BUILT_IN = (VIEW, EDIT, ADMIN_ROLE)


def ns_admin(namespace_name: str) -> str:
    return namespace_admin_uid(CLUSTER, namespace_name)


DEV, PROD = ns_admin("dev"), ns_admin("prod")
DEV_SECRETS = {uid("secret", "db", "dev"), uid("secret", "api-key", "dev")}
PROD_SAS = {sa("prod", "default"), sa("prod", "app")}


def with_roles(*objects: Obj) -> ClusterFacts:
    return cluster_with(*BUILT_IN, *objects)


def not_listed(facts: ClusterFacts, namespace_name: str) -> bool:
    """The snapshot has no Namespace object for it (the transform may add an implicit one)."""
    entity = facts.namespaces_by_name.get(namespace_name)
    return entity is None or bool(entity.get("implicit"))


def admins_of(facts: ClusterFacts) -> set[tuple[str, str]]:
    return {(edge.src_uid, edge.dst_uid) for edge in find("IS_NAMESPACE_ADMIN", facts)}


def from_anchor(edge_type: str, facts: ClusterFacts, anchor: str) -> set[str]:
    return {edge.dst_uid for edge in find(edge_type, facts) if edge.src_uid == anchor}


def from_attacker(edge_type: str, facts: ClusterFacts) -> set[str]:
    return {edge.dst_uid for edge in find(edge_type, facts) if edge.src_uid == ATTACKER}


# --------------------------------------------------------------------------------------------------
# The vocabulary and the anchors
# --------------------------------------------------------------------------------------------------


def test_the_kind_is_a_waypoint_named_after_its_namespace() -> None:
    kind = node_kind("NamespaceAdmin")
    assert ref_kinds()["namespace-admin"] is kind and kind.plane == "k8s"
    assert kind.scoping == "tenant" and not kind.anchor  # one per namespace, so `namespace-admin:NS` names it
    assert kind.jewel is None and HIGH_VALUE not in kind.labels  # not cluster-admin: a waypoint, no crown jewel
    parsed = parse_uid(ns_admin("shop"))
    assert parsed is not None and (parsed.tenant, parsed.kind_word, parsed.namespace, parsed.name) == (
        CLUSTER,
        "namespace-admin",
        None,
        "shop",
    )


class _Store:
    """Answers the REF lookup as a graph with one NamespaceAdmin per (cluster, namespace) would."""

    def __init__(self, nodes: list[tuple[str, str]]) -> None:
        self.nodes = nodes

    def read(self, statement: str, params: dict[str, Any], **_: Any) -> list[dict[str, Any]]:
        assert "MATCH (n:NamespaceAdmin)" in statement
        return [
            {"uid": f"k8s:{cluster}:namespace-admin:{name}", "tenant": cluster}
            for cluster, name in self.nodes
            if name == params["name"] and params["tenant"] in (None, cluster)
        ]


def test_a_ref_names_the_namespace_with_the_grammar_of_tenant_kinds() -> None:
    store: Any = _Store([("prod", "shop"), ("stage", "shop"), ("prod", "ci")])
    assert resolve_ref(store, "namespace-admin:ci").uid == "k8s:prod:namespace-admin:ci"
    assert resolve_ref(store, "namespace-admin:stage/shop").uid == "k8s:stage:namespace-admin:shop"
    with pytest.raises(ValueError, match="several clusters"):
        resolve_ref(store, "namespace-admin:shop")


def test_an_anchor_per_namespace_also_for_namespaces_only_a_binding_names() -> None:
    facts = cluster_with(bind("ghost-read", "view", subject_sa("dev", "attacker"), namespace="ghost"))
    assert not_listed(facts, "ghost")
    assert cluster_namespaces(facts) == ["dev", "ghost", "prod"]
    records = [record for record in anchors(facts) if record.kind == "NamespaceAdmin"]
    assert [(record.uid, record.props["name"], record.props["cluster"]) for record in records] == [
        (ns_admin(name), name, CLUSTER) for name in ("dev", "ghost", "prod")
    ]


def test_every_edge_at_a_namespace_admin_has_its_anchor() -> None:
    facts = with_roles(
        bind("dev-edit", "edit", subject_sa("dev", "attacker"), namespace="dev"),
        bind("ghost-edit", "edit", subject_sa("dev", "attacker"), namespace="ghost"),
    )
    written = {record.uid for record in anchors(facts)}
    for edge_type in ("IS_NAMESPACE_ADMIN", "CAN_ESCALATE_PRIVILEGES", "CAN_READ_SECRET", "CAN_RUN_AS"):
        for edge in find(edge_type, facts):
            for kind, node_uid in ((edge.src_kind, edge.src_uid), (edge.dst_kind, edge.dst_uid)):
                assert kind != "NamespaceAdmin" or node_uid in written, edge


# --------------------------------------------------------------------------------------------------
# IS_NAMESPACE_ADMIN
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role_name", ["admin", "edit", "cluster-admin"])
def test_a_role_binding_to_admin_edit_or_cluster_admin_is_admin_of_that_namespace_only(role_name: str) -> None:
    facts = with_roles(bind("dev-admin", role_name, subject_sa("dev", "attacker"), namespace="dev"))
    assert admins_of(facts) == {(ATTACKER, DEV)}
    reason = reason_of("IS_NAMESPACE_ADMIN", facts, DEV)
    assert f'RoleBinding "dev/dev-admin" of ClusterRole "{role_name}"' in reason and 'namespace "dev"' in reason
    assert from_attacker("IS_CLUSTER_ADMIN", facts) == set()
    # Its own edges stay (canned queries read them); the anchor's are the same ones, one hop further.
    assert from_attacker("CAN_READ_SECRET", facts) == DEV_SECRETS == from_anchor("CAN_READ_SECRET", facts, DEV)


def test_view_gives_nothing() -> None:
    facts = with_roles(bind("dev-view", "view", subject_sa("dev", "attacker"), namespace="dev"))
    assert admins_of(facts) == set()
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()
    assert from_attacker("CAN_READ_SECRET", facts) == set()


def test_missing_one_power_is_not_admin_but_keeps_its_edges() -> None:
    without = ({**r, "resources": [x for x in r["resources"] if x != "pods/attach"]} for r in EDIT_RULES)
    no_attach = role("no-attach", *without)
    facts = with_roles(no_attach, bind("dev-no-attach", "no-attach", subject_sa("dev", "attacker"), namespace="dev"))
    assert admins_of(facts) == set()
    assert from_attacker("CAN_READ_SECRET", facts) == DEV_SECRETS
    assert from_attacker("CAN_EXEC", facts) == LIVE_DEV_PODS


def test_resource_names_are_not_admin() -> None:
    named = role("named-edit", *({**r, "resourceNames": ["web"]} for r in EDIT_RULES))
    facts = with_roles(named, bind("dev-named", "named-edit", subject_sa("dev", "attacker"), namespace="dev"))
    assert admins_of(facts) == set()


def test_a_cluster_role_binding_to_edit_is_admin_of_every_namespace_not_cluster_admin() -> None:
    facts = with_roles(bind("everywhere", "edit", subject_sa("dev", "attacker")))
    assert {dst for src, dst in admins_of(facts) if src == ATTACKER} == {DEV, PROD}
    assert from_attacker("IS_CLUSTER_ADMIN", facts) == set()


def test_a_cluster_admin_gets_no_namespace_admin_edge() -> None:
    facts = with_roles(bind("ops", "cluster-admin", subject_sa("dev", "attacker")), DEFAULT_MASTERS_BINDING)
    assert admins_of(facts) == set()


def test_a_group_bound_to_admin_and_its_members() -> None:
    facts = with_roles(bind("dev-sas", "admin", subject("Group", "system:serviceaccounts:dev"), namespace="prod"))
    sources = {src for src, dst in admins_of(facts) if dst == PROD}
    assert sources == {uid("group", "system:serviceaccounts:dev"), ATTACKER, *DEV_OTHER_SAS}


def test_impersonating_a_namespace_admin_leads_to_its_anchor() -> None:
    facts = with_roles(
        bind("prod-app-admin", "admin", subject_sa("prod", "app"), namespace="prod"),
        *grant_attacker(rule(["impersonate"], ["serviceaccounts"], names=["app"]), namespace="prod"),
    )
    assert sa("prod", "app") in from_attacker("CAN_IMPERSONATE", facts)
    assert (sa("prod", "app"), PROD) in admins_of(facts)


# --------------------------------------------------------------------------------------------------
# From the anchor: what an admin of the namespace reaches, and nothing of other namespaces
# --------------------------------------------------------------------------------------------------


def test_the_anchor_reaches_what_admin_grants_in_its_namespace_only() -> None:
    facts = with_roles()
    assert from_anchor("CAN_READ_SECRET", facts, DEV) == DEV_SECRETS  # not prod/db
    assert from_anchor("CAN_READ_SECRET", facts, PROD) == {uid("secret", "db", "prod")}
    assert from_anchor("CAN_EXEC", facts, DEV) == LIVE_DEV_PODS  # live pods only
    assert from_anchor("CAN_ATTACH", facts, DEV) == LIVE_DEV_PODS
    assert from_anchor("CAN_PATCH_POD", facts, DEV) == LIVE_DEV_PODS
    every_dev_sa = {*DEV_OTHER_SAS, ATTACKER}
    assert from_anchor("CAN_RUN_AS", facts, DEV) == every_dev_sa
    assert from_anchor("CAN_CREATE_TOKEN", facts, DEV) == every_dev_sa
    assert from_anchor("CAN_IMPERSONATE", facts, DEV) == every_dev_sa
    assert from_anchor("CAN_MODIFY_WORKLOAD", facts, DEV) == {uid("deployment", "web", "dev")}
    assert from_anchor("CAN_MODIFY_WORKLOAD", facts, PROD) == set()
    # Not in the built-in admin role: ephemeral containers, nodes/proxy, cluster-scoped writes.
    for edge_type in ("CAN_ADD_EPHEMERAL_CONTAINER", "CAN_PROXY_NODE", "CAN_EDIT_WEBHOOKS", "CAN_APPROVE_CSR"):
        assert from_anchor(edge_type, facts, DEV) == set(), edge_type
    reason = reason_of("CAN_READ_SECRET", facts, uid("secret", "db", "dev"), src=DEV)
    assert 'admin of namespace "dev"' in reason


def test_pod_security_blocks_the_privileged_pod_from_the_anchor_but_not_run_as() -> None:
    facts = with_roles()  # dev enforces nothing, prod enforces restricted
    assert from_anchor("CAN_CREATE_PRIVILEGED_POD", facts, DEV) == ANY_NODE
    assert from_anchor("CAN_CREATE_PRIVILEGED_POD", facts, PROD) == set()  # admin cannot relabel the namespace
    assert from_anchor("CAN_RUN_AS", facts, PROD) == PROD_SAS


def test_admin_of_kube_system_on_eks_edits_aws_auth() -> None:
    objects = [namespace("kube-system"), aws_auth("- rolearn: arn:aws:iam::111122223333:role/x\n  username: x\n")]
    facts = with_roles(*objects)
    assert from_anchor("CAN_EDIT_AWS_AUTH", facts, ns_admin("kube-system")) == {ADMIN}
    assert from_anchor("CAN_EDIT_AWS_AUTH", facts, DEV) == set()


# --------------------------------------------------------------------------------------------------
# CAN_ESCALATE_PRIVILEGES to the anchor
# --------------------------------------------------------------------------------------------------


def test_creating_role_bindings_with_bind_on_edit_is_admin_of_that_namespace_not_another() -> None:
    facts = with_roles(
        *grant_attacker(
            rule(["create", "update", "patch"], ["rolebindings"], [RBAC_GROUP]),
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["edit"]),
            namespace="prod",
        )
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {PROD}
    reason = reason_of("CAN_ESCALATE_PRIVILEGES", facts, PROD)
    assert 'namespace-admin of "prod"' in reason and 'bind ClusterRole "edit"' in reason
    assert admins_of(facts) == set()


def test_writing_role_bindings_without_bind_is_nothing() -> None:
    facts = with_roles(
        *grant_attacker(rule(["create", "update", "patch"], ["rolebindings"], [RBAC_GROUP]), namespace="prod")
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_bind_on_view_only_is_nothing() -> None:
    facts = with_roles(
        *grant_attacker(
            rule(["create"], ["rolebindings"], [RBAC_GROUP]),
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["view"]),
            namespace="prod",
        )
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_patching_an_existing_admin_binding_with_bind_on_its_role_is_admin() -> None:
    facts = with_roles(
        bind("prod-admins", "admin", subject("User", "alice"), namespace="prod"),
        bind("dev-admins", "admin", subject("User", "alice"), namespace="dev"),
        *grant_attacker(
            rule(["patch"], ["rolebindings"], [RBAC_GROUP], names=["prod-admins"]),
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["admin"]),
            namespace="prod",
        ),
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {PROD}
    assert "RoleBinding prod/prod-admins" in reason_of("CAN_ESCALATE_PRIVILEGES", facts, PROD)


def test_binding_a_role_that_only_creates_pods_gives_the_accounts_not_the_anchor() -> None:
    pod_maker = role("pod-maker", rule(["create"], ["pods"]))
    facts = with_roles(
        pod_maker,
        *grant_attacker(
            rule(["create"], ["rolebindings"], [RBAC_GROUP]),
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["pod-maker"]),
            namespace="prod",
        ),
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == PROD_SAS
    assert "pod creation" in reason_of("CAN_ESCALATE_PRIVILEGES", facts, sa("prod", "app"))


def test_a_lone_account_escalating_its_own_role_gets_its_edge() -> None:
    # Before the anchor the targets were the namespace's other accounts: none, so the edge vanished.
    lone = [namespace("solo"), service_account("solo", "runner")]
    escalate = role("self", rule(["escalate", "patch"], ["roles"], [RBAC_GROUP], names=["self"]), namespace="solo")
    binding = bind("self", "self", subject_sa("solo", "runner"), namespace="solo", role_kind="Role")
    facts = facts_of([*lone, escalate, binding])
    runner = sa("solo", "runner")
    edges = [edge for edge in find("CAN_ESCALATE_PRIVILEGES", facts) if edge.src_uid == runner]
    assert [edge.dst_uid for edge in edges] == [ns_admin("solo")]
    assert 'Role "self", which it is bound to' in edges[0].reason


def test_a_binding_in_a_namespace_without_its_namespace_object_counts() -> None:
    objects = [
        *base_cluster(),
        *BUILT_IN,
        secret("ghost", "token"),
        pod("ghost", "runner"),
        bind("ghost-edit", "edit", subject_sa("dev", "attacker"), namespace="ghost"),
        *grant_attacker(
            rule(["create"], ["rolebindings"], [RBAC_GROUP]),
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["admin"]),
            namespace="limbo",
        ),
    ]
    facts = facts_of(objects)
    assert not_listed(facts, "ghost") and not_listed(facts, "limbo")
    assert (ATTACKER, ns_admin("ghost")) in admins_of(facts)
    assert from_anchor("CAN_READ_SECRET", facts, ns_admin("ghost")) == {uid("secret", "token", "ghost")}
    assert from_anchor("CAN_CREATE_PRIVILEGED_POD", facts, ns_admin("ghost")) == ANY_NODE  # no Pod Security known
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {ns_admin("limbo")}
