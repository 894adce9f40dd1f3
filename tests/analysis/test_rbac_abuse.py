"""RBAC abuse rules against public descriptions of each attack.

Expected answers follow the Kubernetes RBAC docs and "RBAC good practices" page, the API server's
authorization checks (BindingAuthorized, impersonation filter, CSR signer approval), Unit 42's rbac-police
policies and KubeHound's attack reference. Each fixture is a tiny cluster written as Kubernetes objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pytest

from graph.analysis.catalogue import ATTACKS, AttackEdge
from graph.planes.k8s.facts import ClusterFacts, facts_from_records
from graph.planes.k8s.rules import rbac_abuse
from graph.planes.k8s.uids import cluster_admin_uid, namespace_admin_uid
from ingest.k8s.transform import transform_objects

CLUSTER = "t"
ADMIN = cluster_admin_uid(CLUSTER)
RBAC_GROUP = "rbac.authorization.k8s.io"
FAMILY_EDGES = (
    "IS_CLUSTER_ADMIN",
    "IS_NAMESPACE_ADMIN",
    "CAN_READ_SECRET",
    "CAN_RUN_AS",
    "CAN_CREATE_PRIVILEGED_POD",
    "CAN_EXEC",
    "CAN_ATTACH",
    "CAN_ADD_EPHEMERAL_CONTAINER",
    "CAN_PATCH_POD",
    "CAN_MODIFY_WORKLOAD",
    "CAN_CREATE_TOKEN",
    "CAN_ESCALATE_PRIVILEGES",
    "CAN_IMPERSONATE",
    "CAN_PROXY_NODE",
    "CAN_APPROVE_CSR",
    "CAN_EDIT_WEBHOOKS",
    "CAN_EDIT_AWS_AUTH",
)
POD_EDGES = ("CAN_EXEC", "CAN_ATTACH", "CAN_ADD_EPHEMERAL_CONTAINER", "CAN_PATCH_POD")

Obj = dict[str, Any]


# --------------------------------------------------------------------------------------------------
# Fixture builders
# --------------------------------------------------------------------------------------------------


def uid(kind: str, name: str, namespace: str | None = None) -> str:
    return f"k8s:{CLUSTER}:{kind}:{namespace}/{name}" if namespace else f"k8s:{CLUSTER}:{kind}:{name}"


def sa(namespace: str, name: str) -> str:
    return uid("serviceaccount", name, namespace)


ATTACKER = sa("dev", "attacker")


def rule(
    verbs: Iterable[str], resources: Iterable[str], api_groups: Iterable[str] = ("",), names: Iterable[str] = ()
) -> Obj:
    return {
        "apiGroups": list(api_groups),
        "resources": list(resources),
        "verbs": list(verbs),
        "resourceNames": list(names),
    }


def role(name: str, *rules: Obj, namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
    metadata: Obj = {"name": name, "labels": labels or {}}
    if namespace:
        metadata["namespace"] = namespace
    kind = "Role" if namespace else "ClusterRole"
    return {"apiVersion": f"{RBAC_GROUP}/v1", "kind": kind, "metadata": metadata, "rules": list(rules)}


def subject_sa(namespace: str, name: str) -> Obj:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def subject(kind: str, name: str) -> Obj:
    return {"kind": kind, "name": name, "apiGroup": RBAC_GROUP}


def bind(name: str, role_name: str, *subjects: Obj, namespace: str | None = None, role_kind: str | None = None) -> Obj:
    """A RoleBinding when namespace is given, else a ClusterRoleBinding; the role is a ClusterRole unless
    role_kind says Role."""
    metadata: Obj = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind or "ClusterRole", "name": role_name},
        "subjects": list(subjects),
    }


def grant_attacker(*rules: Obj, namespace: str | None = "dev") -> list[Obj]:
    """dev/attacker holds these rules: through a Role + RoleBinding in `namespace`, or a ClusterRole +
    ClusterRoleBinding when namespace is None."""
    if namespace:
        return [
            role("attacker-role", *rules, namespace=namespace),
            bind(
                "attacker-binding",
                "attacker-role",
                subject_sa("dev", "attacker"),
                namespace=namespace,
                role_kind="Role",
            ),
        ]
    return [role("attacker-role", *rules), bind("attacker-binding", "attacker-role", subject_sa("dev", "attacker"))]


def namespace(name: str, enforce: str | None = None) -> Obj:
    labels = {"pod-security.kubernetes.io/enforce": enforce} if enforce else {}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def service_account(namespace_name: str, name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace_name}}


def node(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


def pod(namespace_name: str, name: str, phase: str = "Running", node_name: str = "node-a", stdin: bool = True) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace_name},
        "spec": {
            "serviceAccountName": "app",
            "nodeName": node_name,
            "containers": [{"name": "main", "image": "nginx", "stdin": stdin}],
        },
        "status": {"phase": phase},
    }


def secret(namespace_name: str, name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace_name},
        "type": "Opaque",
    }


def deployment(namespace_name: str, name: str, kind: str = "Deployment", api_version: str = "apps/v1") -> Obj:
    template = {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}}
    spec: Obj = {"selector": {"matchLabels": {"app": name}}, "template": template}
    if kind == "CronJob":
        spec = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    if kind == "Job":
        spec = {"template": template}
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace_name},
        "spec": spec,
    }


CLUSTER_ADMIN_ROLE = role("cluster-admin", rule(["*"], ["*"], ["*"]), {"nonResourceURLs": ["*"], "verbs": ["*"]})
# The default ClusterRoleBinding every cluster has: system:masters -> cluster-admin.
DEFAULT_MASTERS_BINDING = bind("cluster-admin", "cluster-admin", subject("Group", "system:masters"))


def base_cluster() -> list[Obj]:
    """dev (no Pod Security) and prod (restricted); two nodes; a few pods, secrets and a Deployment."""
    return [
        namespace("dev"),
        namespace("prod", enforce="restricted"),
        *(service_account("dev", name) for name in ("default", "app", "attacker")),
        *(service_account("prod", name) for name in ("default", "app")),
        node("node-a"),
        node("node-b"),
        pod("dev", "web"),
        pod("dev", "worker", node_name="node-b"),
        pod("dev", "finished", phase="Succeeded"),
        pod("prod", "api"),
        secret("dev", "db"),
        secret("dev", "api-key"),
        secret("prod", "db"),
        deployment("dev", "web"),
        CLUSTER_ADMIN_ROLE,
    ]


def facts_of(objects: list[Obj], version: dict[str, str] | None = None) -> ClusterFacts:
    grouped: dict[str, list[Obj]] = defaultdict(list)
    for obj in objects:
        grouped[obj["kind"]].append(obj)
    records = transform_objects(CLUSTER, grouped, collected_kinds=set(grouped), version=version)
    assert not records.problems, records.problems
    return facts_from_records(CLUSTER, records.nodes, records.edges)


def cluster_with(*objects: Obj) -> ClusterFacts:
    return facts_of([*base_cluster(), *objects])


def find(edge_type: str, facts: ClusterFacts) -> list[AttackEdge]:
    """What this family's rules find (other families may derive the same type: node_identity, tokens)."""
    family = [rule for rule in ATTACKS[edge_type].rules if rule.find.__module__ == rbac_abuse.__name__]
    assert family, edge_type
    return [edge for rule in family for edge in rule.find(facts)]


def from_identities(edge_type: str, facts: ClusterFacts) -> list[AttackEdge]:
    """The family's edges from identities, without those from the namespace-admin anchors."""
    return [edge for edge in find(edge_type, facts) if edge.src_kind != "NamespaceAdmin"]


def pairs(edges: list[AttackEdge]) -> set[tuple[str, str]]:
    return {(edge.src_uid, edge.dst_uid) for edge in edges}


def from_attacker(edge_type: str, facts: ClusterFacts) -> set[str]:
    return {edge.dst_uid for edge in find(edge_type, facts) if edge.src_uid == ATTACKER}


def reason_of(edge_type: str, facts: ClusterFacts, dst: str, src: str = ATTACKER) -> str:
    reasons = [edge.reason for edge in find(edge_type, facts) if (edge.src_uid, edge.dst_uid) == (src, dst)]
    assert len(reasons) == 1, reasons
    return reasons[0]


DEV_OTHER_SAS = {sa("dev", "default"), sa("dev", "app")}
NODES = {uid("node", "node-a"), uid("node", "node-b")}
ANY_NODE = {f"k8s:{CLUSTER}:nodes"}
PROD_ADMIN = namespace_admin_uid(CLUSTER, "prod")
LIVE_DEV_PODS = {uid("pod", "web", "dev"), uid("pod", "worker", "dev")}


# --------------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------------


def test_every_attack_of_the_family_is_registered_with_texts_and_references() -> None:
    for edge_type in FAMILY_EDGES:
        attack = ATTACKS[edge_type]
        assert attack.rule_ids[0].startswith("k8s.rbac."), attack.rule_ids
        assert attack.mitre.startswith("T"), attack.mitre
        assert attack.meaning and attack.abuse and attack.opsec and attack.remediation
        assert attack.references and all(ref.startswith("https://") for ref in attack.references)
    assert len({ATTACKS[edge].rule_ids[0] for edge in FAMILY_EDGES}) == len(FAMILY_EDGES)


def test_no_permissions_no_edges() -> None:
    facts = cluster_with(DEFAULT_MASTERS_BINDING)
    for edge_type in FAMILY_EDGES:
        if edge_type == "IS_CLUSTER_ADMIN":
            continue
        assert from_identities(edge_type, facts) == [], edge_type


# --------------------------------------------------------------------------------------------------
# IS_CLUSTER_ADMIN
# --------------------------------------------------------------------------------------------------


def aws_auth(map_roles: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": map_roles},
    }


def test_a_user_is_evaluated_with_the_groups_aws_auth_puts_it_in() -> None:
    # The binding names the group only; the user reaches it through aws-auth's MEMBER_OF.
    deployers = bind("deployers", "edit-all", subject("Group", "deployers"))
    edit_all = role("edit-all", rule(["get", "list"], ["secrets"]))
    mapped = aws_auth("- rolearn: arn:aws:iam::111122223333:role/ci\n  username: ci\n  groups: [deployers]\n")
    facts = cluster_with(deployers, edit_all, mapped)
    ci = uid("user", "ci")
    assert ci in {edge.src_uid for edge in find("CAN_READ_SECRET", facts)}
    unmapped = cluster_with(
        deployers, edit_all, aws_auth("- rolearn: arn:aws:iam::111122223333:role/ci\n  username: ci\n")
    )
    assert ci not in {edge.src_uid for edge in find("CAN_READ_SECRET", unmapped)}


def test_a_user_aws_auth_maps_into_system_masters_is_cluster_admin() -> None:
    mapped = aws_auth("- rolearn: arn:aws:iam::111122223333:role/ops\n  username: ops\n  groups: [system:masters]\n")
    assert (uid("user", "ops"), ADMIN) in pairs(find("IS_CLUSTER_ADMIN", cluster_with(mapped, DEFAULT_MASTERS_BINDING)))


def test_cluster_role_binding_to_cluster_admin_is_cluster_admin_and_nothing_more() -> None:
    facts = cluster_with(bind("ops", "cluster-admin", subject_sa("dev", "attacker")), DEFAULT_MASTERS_BINDING)
    edges = find("IS_CLUSTER_ADMIN", facts)
    assert pairs(edges) == {(ATTACKER, ADMIN), (uid("group", "system:masters"), ADMIN)}
    assert 'ClusterRoleBinding "ops" of ClusterRole "cluster-admin"' in reason_of("IS_CLUSTER_ADMIN", facts, ADMIN)
    assert "system:masters" in reason_of("IS_CLUSTER_ADMIN", facts, ADMIN, src=uid("group", "system:masters"))
    # Everything else is implied by the anchor: no redundant edge to every secret, pod and node.
    for edge_type in FAMILY_EDGES[1:]:
        assert from_attacker(edge_type, facts) == set(), edge_type


def test_role_binding_to_cluster_admin_is_namespace_admin_only() -> None:
    facts = cluster_with(bind("dev-admin", "cluster-admin", subject_sa("dev", "attacker"), namespace="dev"))
    assert from_attacker("IS_CLUSTER_ADMIN", facts) == set()
    assert from_attacker("IS_NAMESPACE_ADMIN", facts) == {namespace_admin_uid(CLUSTER, "dev")}
    # It keeps its own edges into the namespace (the anchor's are the same, one hop further).
    assert from_attacker("CAN_READ_SECRET", facts) == {uid("secret", "db", "dev"), uid("secret", "api-key", "dev")}
    assert from_attacker("CAN_RUN_AS", facts) == DEV_OTHER_SAS
    # Its own namespace already gives pod creation: no second, escalation edge to the same accounts.
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


# --------------------------------------------------------------------------------------------------
# CAN_READ_SECRET
# --------------------------------------------------------------------------------------------------


def test_get_secrets_reads_every_secret_of_its_namespace_only() -> None:
    facts = cluster_with(*grant_attacker(rule(["get"], ["secrets"])))
    assert from_attacker("CAN_READ_SECRET", facts) == {uid("secret", "db", "dev"), uid("secret", "api-key", "dev")}
    reason = reason_of("CAN_READ_SECRET", facts, uid("secret", "db", "dev"))
    assert "get secrets" in reason and 'RoleBinding "dev/attacker-binding" of Role "attacker-role"' in reason


def test_resource_names_narrow_secret_reads_and_list_with_names_adds_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["get", "list", "watch"], ["secrets"], names=["db"])))
    assert from_attacker("CAN_READ_SECRET", facts) == {uid("secret", "db", "dev")}


def test_list_without_names_reads_values_of_every_secret() -> None:
    facts = cluster_with(*grant_attacker(rule(["list"], ["secrets"])))
    assert from_attacker("CAN_READ_SECRET", facts) == {uid("secret", "db", "dev"), uid("secret", "api-key", "dev")}
    assert "list secrets" in reason_of("CAN_READ_SECRET", facts, uid("secret", "api-key", "dev"))


def test_role_binding_to_secret_reading_cluster_role_reads_only_its_namespace() -> None:
    facts = cluster_with(
        role("secret-reader", rule(["get"], ["secrets"])),
        bind("read-dev", "secret-reader", subject_sa("dev", "attacker"), namespace="dev"),
    )
    assert from_attacker("CAN_READ_SECRET", facts) == {uid("secret", "db", "dev"), uid("secret", "api-key", "dev")}
    assert 'RoleBinding "dev/read-dev" of ClusterRole "secret-reader"' in reason_of(
        "CAN_READ_SECRET", facts, uid("secret", "db", "dev")
    )


def test_non_read_verbs_on_secrets_read_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["create", "delete", "update"], ["secrets"])))
    assert from_attacker("CAN_READ_SECRET", facts) == set()


def test_namespace_group_binding_gives_edges_from_the_group_and_from_each_member() -> None:
    group = "system:serviceaccounts:dev"
    facts = cluster_with(
        role("secret-reader", rule(["get"], ["secrets"])),
        bind("dev-accounts-read", "secret-reader", subject("Group", group), namespace="prod"),
    )
    prod_db = uid("secret", "db", "prod")
    sources = {src for src, dst in pairs(from_identities("CAN_READ_SECRET", facts)) if dst == prod_db}
    assert sources == {uid("group", group), ATTACKER, *DEV_OTHER_SAS}
    assert sa("prod", "app") not in sources


def test_user_subject_is_evaluated_on_its_own() -> None:
    facts = cluster_with(
        role("secret-reader", rule(["get"], ["secrets"])),
        bind("alice-read", "secret-reader", subject("User", "alice"), namespace="prod"),
    )
    assert pairs(from_identities("CAN_READ_SECRET", facts)) == {(uid("user", "alice"), uid("secret", "db", "prod"))}


# --------------------------------------------------------------------------------------------------
# CAN_RUN_AS
# --------------------------------------------------------------------------------------------------


def test_create_apps_deployments_runs_as_every_service_account_of_the_namespace() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["deployments"], ["apps"])))
    assert from_attacker("CAN_RUN_AS", facts) == DEV_OTHER_SAS
    reason = reason_of("CAN_RUN_AS", facts, sa("dev", "app"))
    assert "create deployments.apps" in reason and 'RoleBinding "dev/attacker-binding"' in reason


def test_deployments_in_the_core_group_grant_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["create", "update", "patch"], ["deployments"], [""])))
    assert from_attacker("CAN_RUN_AS", facts) == set()
    assert from_attacker("CAN_MODIFY_WORKLOAD", facts) == set()


def test_create_pods_runs_as_service_accounts_even_under_restricted_pod_security() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods"]), namespace="prod"))
    assert from_attacker("CAN_RUN_AS", facts) == {sa("prod", "default"), sa("prod", "app")}


def test_create_pods_with_resource_names_grants_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods"], names=["web"])))
    assert from_attacker("CAN_RUN_AS", facts) == set()


def test_updating_a_job_does_not_run_as_but_creating_one_does() -> None:
    job = deployment("dev", "migrate", kind="Job", api_version="batch/v1")
    update_only = cluster_with(job, *grant_attacker(rule(["update", "patch"], ["jobs"], ["batch"])))
    assert from_attacker("CAN_RUN_AS", update_only) == set()
    assert from_attacker("CAN_MODIFY_WORKLOAD", update_only) == set()
    create = cluster_with(job, *grant_attacker(rule(["create"], ["jobs"], ["batch"])))
    assert from_attacker("CAN_RUN_AS", create) == DEV_OTHER_SAS


def test_patch_of_a_named_existing_deployment_runs_as_and_modifies_it() -> None:
    facts = cluster_with(*grant_attacker(rule(["patch"], ["deployments"], ["apps"], names=["web"])))
    assert from_attacker("CAN_RUN_AS", facts) == DEV_OTHER_SAS
    assert "Deployment dev/web" in reason_of("CAN_RUN_AS", facts, sa("dev", "app"))
    assert from_attacker("CAN_MODIFY_WORKLOAD", facts) == {uid("deployment", "web", "dev")}


def test_patch_of_a_named_deployment_that_does_not_exist_gives_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["patch"], ["deployments"], ["apps"], names=["gone"])))
    assert from_attacker("CAN_RUN_AS", facts) == set()
    assert from_attacker("CAN_MODIFY_WORKLOAD", facts) == set()


# --------------------------------------------------------------------------------------------------
# CAN_CREATE_PRIVILEGED_POD
# --------------------------------------------------------------------------------------------------


def test_pod_creation_without_pod_security_reaches_every_node() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods"])))
    assert from_attacker("CAN_CREATE_PRIVILEGED_POD", facts) == ANY_NODE
    reason = reason_of("CAN_CREATE_PRIVILEGED_POD", facts, f"k8s:{CLUSTER}:nodes")
    assert "create pods" in reason and "enforces no Pod Security level" in reason and "nodeName" in reason


@pytest.mark.parametrize("level", ["restricted", "baseline", "Baseline-typo"])
def test_enforced_pod_security_blocks_the_privileged_pod(level: str) -> None:
    objects = [namespace("locked", enforce=level), service_account("locked", "default")]
    facts = cluster_with(*objects, *grant_attacker(rule(["create"], ["pods"]), namespace="locked"))
    assert from_attacker("CAN_CREATE_PRIVILEGED_POD", facts) == set()
    assert from_attacker("CAN_RUN_AS", facts) == {sa("locked", "default")}


def test_the_node_fleet_anchor_reaches_every_node() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods"]), namespace="prod"))
    placements = find("PLACES_ON_NODE", facts)
    assert {(edge.src_uid, edge.dst_uid) for edge in placements} == {(f"k8s:{CLUSTER}:nodes", node) for node in NODES}
    assert all("spec.nodeName" in edge.reason for edge in placements)


def test_privileged_level_does_not_block() -> None:
    objects = [namespace("infra", enforce="privileged"), service_account("infra", "default")]
    facts = cluster_with(*objects, *grant_attacker(rule(["create"], ["pods"]), namespace="infra"))
    assert from_attacker("CAN_CREATE_PRIVILEGED_POD", facts) == ANY_NODE


def test_namespace_patch_lifts_pod_security_and_the_privileged_route_reappears() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods"]), rule(["patch"], ["namespaces"]), namespace="prod"))
    assert from_attacker("CAN_CREATE_PRIVILEGED_POD", facts) == ANY_NODE
    reason = reason_of("CAN_CREATE_PRIVILEGED_POD", facts, f"k8s:{CLUSTER}:nodes")
    assert "patch namespaces" in reason and "can remove the Pod Security label" in reason and "restricted" in reason


def test_namespace_patch_of_another_namespace_does_not_lift_it() -> None:
    facts = cluster_with(
        *grant_attacker(rule(["create"], ["pods"]), namespace="prod"),
        role("ns-editor", rule(["patch"], ["namespaces"])),
        bind("edit-dev-ns", "ns-editor", subject_sa("dev", "attacker"), namespace="dev"),
    )
    assert from_attacker("CAN_CREATE_PRIVILEGED_POD", facts) == set()


# --------------------------------------------------------------------------------------------------
# CAN_EXEC, CAN_ATTACH, CAN_ADD_EPHEMERAL_CONTAINER, CAN_PATCH_POD
# --------------------------------------------------------------------------------------------------


def test_pods_exec_create_execs_into_live_pods_of_the_namespace() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods/exec"])))
    assert from_attacker("CAN_EXEC", facts) == LIVE_DEV_PODS  # not the Succeeded pod, not prod
    reason = reason_of("CAN_EXEC", facts, uid("pod", "web", "dev"))
    assert "create pods/exec" in reason and "attacker-binding" in reason
    for edge_type in ("CAN_ATTACH", "CAN_ADD_EPHEMERAL_CONTAINER", "CAN_PATCH_POD"):
        assert from_attacker(edge_type, facts) == set()


def test_pods_exec_resource_names_narrow_to_that_pod() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods/exec"], names=["worker"])))
    assert from_attacker("CAN_EXEC", facts) == {uid("pod", "worker", "dev")}


def test_plain_pods_permission_does_not_cover_exec() -> None:
    facts = cluster_with(*grant_attacker(rule(["create", "get", "list"], ["pods"])))
    assert from_attacker("CAN_EXEC", facts) == set()


def test_get_pods_exec_suffices_before_1_35_but_not_after() -> None:
    objects = [*base_cluster(), *grant_attacker(rule(["get"], ["pods/exec", "pods/attach"]))]
    old = facts_of(objects, version={"major": "1", "minor": "31", "gitVersion": "v1.31.4"})
    assert from_attacker("CAN_EXEC", old) == LIVE_DEV_PODS
    assert from_attacker("CAN_ATTACH", old) == LIVE_DEV_PODS
    assert "get pods/exec" in reason_of("CAN_EXEC", old, uid("pod", "web", "dev"))
    new = facts_of(objects, version={"major": "1", "minor": "35+", "gitVersion": "v1.35.0-eks-1"})
    assert from_attacker("CAN_EXEC", new) == set()
    assert from_attacker("CAN_ATTACH", new) == set()


def test_pods_update_without_exec_is_patch_pod_only() -> None:
    facts = cluster_with(*grant_attacker(rule(["update"], ["pods"])))
    assert from_attacker("CAN_PATCH_POD", facts) == LIVE_DEV_PODS
    assert "update pods" in reason_of("CAN_PATCH_POD", facts, uid("pod", "web", "dev"))
    for edge_type in ("CAN_EXEC", "CAN_ATTACH", "CAN_ADD_EPHEMERAL_CONTAINER", "CAN_RUN_AS"):
        assert from_attacker(edge_type, facts) == set(), edge_type


def test_pods_slash_star_is_not_a_wildcard() -> None:
    facts = cluster_with(*grant_attacker(rule(["*"], ["pods/*"])))
    for edge_type in POD_EDGES:
        assert from_attacker(edge_type, facts) == set(), edge_type


def test_star_slash_exec_covers_pods_exec() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["*/exec"])))
    assert from_attacker("CAN_EXEC", facts) == LIVE_DEV_PODS


def test_pods_attach_create_attaches() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["pods/attach"])))
    assert from_attacker("CAN_ATTACH", facts) == LIVE_DEV_PODS
    assert "container 'main' with stdin open" in reason_of("CAN_ATTACH", facts, uid("pod", "web", "dev"))
    assert from_attacker("CAN_EXEC", facts) == set()


def test_attach_needs_a_running_container_with_stdin_open() -> None:
    closed = pod("dev", "closed", stdin=False)
    init_only = pod("dev", "init-only", stdin=False)
    init_only["spec"]["initContainers"] = [{"name": "setup", "image": "busybox", "stdin": True}]  # exited
    sidecar = pod("dev", "sidecar", stdin=False)
    sidecar["spec"]["initContainers"] = [
        {"name": "shell", "image": "busybox", "stdin": True, "restartPolicy": "Always"}
    ]
    facts = cluster_with(closed, init_only, sidecar, *grant_attacker(rule(["create"], ["pods/attach"])))
    attached = from_attacker("CAN_ATTACH", facts)
    assert uid("pod", "closed", "dev") not in attached and uid("pod", "init-only", "dev") not in attached
    assert uid("pod", "sidecar", "dev") in attached  # a native sidecar keeps running next to the others
    assert "container 'shell' with stdin open" in reason_of("CAN_ATTACH", facts, uid("pod", "sidecar", "dev"))


def test_ephemeral_containers_patch_adds_a_container() -> None:
    facts = cluster_with(*grant_attacker(rule(["patch"], ["pods/ephemeralcontainers"])))
    assert from_attacker("CAN_ADD_EPHEMERAL_CONTAINER", facts) == LIVE_DEV_PODS
    # create on the subresource is not what the API server checks for adding one
    create_only = cluster_with(*grant_attacker(rule(["create"], ["pods/ephemeralcontainers"])))
    assert from_attacker("CAN_ADD_EPHEMERAL_CONTAINER", create_only) == set()


# --------------------------------------------------------------------------------------------------
# CAN_MODIFY_WORKLOAD, CAN_CREATE_TOKEN
# --------------------------------------------------------------------------------------------------


def test_update_cronjobs_modifies_them_but_get_does_not() -> None:
    cronjob = deployment("dev", "nightly", kind="CronJob", api_version="batch/v1")
    facts = cluster_with(cronjob, *grant_attacker(rule(["update"], ["cronjobs"], ["batch"])))
    assert from_attacker("CAN_MODIFY_WORKLOAD", facts) == {uid("cronjob", "nightly", "dev")}
    read_only = cluster_with(cronjob, *grant_attacker(rule(["get", "list"], ["cronjobs"], ["batch"])))
    assert from_attacker("CAN_MODIFY_WORKLOAD", read_only) == set()


def test_token_request_mints_tokens_for_named_service_accounts() -> None:
    facts = cluster_with(*grant_attacker(rule(["create"], ["serviceaccounts/token"], names=["app"])))
    assert from_attacker("CAN_CREATE_TOKEN", facts) == {sa("dev", "app")}
    assert "create serviceaccounts/token" in reason_of("CAN_CREATE_TOKEN", facts, sa("dev", "app"))


def test_creating_service_accounts_is_not_token_request() -> None:
    facts = cluster_with(*grant_attacker(rule(["create", "get"], ["serviceaccounts"])))
    assert from_attacker("CAN_CREATE_TOKEN", facts) == set()


# --------------------------------------------------------------------------------------------------
# CAN_ESCALATE_PRIVILEGES
# --------------------------------------------------------------------------------------------------


def test_bind_and_create_cluster_role_bindings_is_cluster_admin() -> None:
    facts = cluster_with(
        *grant_attacker(
            rule(["bind"], ["clusterroles"], [RBAC_GROUP]), rule(["create"], ["clusterrolebindings"], [RBAC_GROUP]),
            namespace=None,
        )
    )  # fmt: skip
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {ADMIN}
    reason = reason_of("CAN_ESCALATE_PRIVILEGES", facts, ADMIN)
    assert "create clusterrolebindings" in reason and 'bind ClusterRole "cluster-admin"' in reason


def test_bind_restricted_to_view_is_not_cluster_admin() -> None:
    view = role("view", rule(["get", "list", "watch"], ["pods", "services"]))
    facts = cluster_with(
        view,
        *grant_attacker(
            rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["view"]),
            rule(["create"], ["clusterrolebindings", "rolebindings"], [RBAC_GROUP]),
            namespace=None,
        ),
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_bind_without_creating_bindings_is_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["bind"], ["clusterroles"], [RBAC_GROUP]), namespace=None))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_escalate_and_update_on_a_bound_cluster_role_is_cluster_admin() -> None:
    facts = cluster_with(
        *grant_attacker(
            rule(["escalate", "update"], ["clusterroles"], [RBAC_GROUP], names=["attacker-role"]), namespace=None
        )
    )
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {ADMIN}
    reason = reason_of("CAN_ESCALATE_PRIVILEGES", facts, ADMIN)
    assert "escalate clusterroles" in reason and "update clusterroles" in reason and "attacker-role" in reason


def test_escalate_without_update_is_nothing() -> None:
    facts = cluster_with(*grant_attacker(rule(["escalate", "get"], ["clusterroles"], [RBAC_GROUP]), namespace=None))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_bind_in_a_namespace_makes_namespace_admin_of_it() -> None:
    # BindingAuthorized checks `bind` on clusterroles in the binding's namespace: a RoleBinding may grant it.
    facts = cluster_with(
        *grant_attacker(
            rule(["bind"], ["clusterroles"], [RBAC_GROUP]), rule(["create"], ["rolebindings"], [RBAC_GROUP]),
            namespace="prod",
        )
    )  # fmt: skip
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {PROD_ADMIN}
    reason = reason_of("CAN_ESCALATE_PRIVILEGES", facts, PROD_ADMIN)
    assert 'namespace-admin of "prod"' in reason and "create rolebindings" in reason and "bind ClusterRole" in reason


def test_escalate_on_own_role_in_a_namespace_makes_namespace_admin() -> None:
    facts = cluster_with(*grant_attacker(rule(["escalate", "patch"], ["roles"], [RBAC_GROUP]), namespace="prod"))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {PROD_ADMIN}
    assert 'namespace-admin of "prod"' in reason_of("CAN_ESCALATE_PRIVILEGES", facts, PROD_ADMIN)


# --------------------------------------------------------------------------------------------------
# CAN_IMPERSONATE
# --------------------------------------------------------------------------------------------------


def test_impersonating_system_masters_is_cluster_admin() -> None:
    facts = cluster_with(
        DEFAULT_MASTERS_BINDING,
        *grant_attacker(
            rule(["impersonate"], ["users"]),
            rule(["impersonate"], ["groups"], names=["system:masters"]),
            namespace=None,
        ),
    )
    reached = from_attacker("CAN_IMPERSONATE", facts)
    # impersonate on users without names reaches every user the cluster knows (node identities included)
    assert reached == {ADMIN, uid("group", "system:masters"), *facts.of("KubeUser")}
    assert 'as group "system:masters"' in reason_of("CAN_IMPERSONATE", facts, ADMIN)


def test_impersonating_groups_needs_a_user_to_impersonate() -> None:
    facts = cluster_with(DEFAULT_MASTERS_BINDING, *grant_attacker(rule(["impersonate"], ["groups"]), namespace=None))
    assert from_attacker("CAN_IMPERSONATE", facts) == set()


def test_impersonating_users_through_a_role_binding_is_nothing() -> None:
    facts = cluster_with(
        bind("alice-view", "cluster-admin", subject("User", "alice"), namespace="prod"),
        *grant_attacker(rule(["impersonate"], ["users", "groups"]), namespace="dev"),
    )
    assert from_attacker("CAN_IMPERSONATE", facts) == set()


def test_impersonating_service_accounts_is_namespaced_and_users_by_name() -> None:
    facts = cluster_with(
        bind("alice-view", "cluster-admin", subject("User", "alice"), namespace="prod"),
        bind("bob-view", "cluster-admin", subject("User", "bob"), namespace="prod"),
        *grant_attacker(rule(["impersonate"], ["serviceaccounts"]), namespace="prod"),
        role("impersonate-alice", rule(["impersonate"], ["users"], names=["alice"])),
        bind("attacker-as-alice", "impersonate-alice", subject_sa("dev", "attacker")),
    )
    assert from_attacker("CAN_IMPERSONATE", facts) == {sa("prod", "default"), sa("prod", "app"), uid("user", "alice")}


# --------------------------------------------------------------------------------------------------
# CAN_PROXY_NODE
# --------------------------------------------------------------------------------------------------


def test_get_nodes_proxy_reaches_every_node() -> None:
    facts = cluster_with(*grant_attacker(rule(["get"], ["nodes/proxy"]), namespace=None))
    assert from_attacker("CAN_PROXY_NODE", facts) == NODES
    assert "get nodes/proxy" in reason_of("CAN_PROXY_NODE", facts, uid("node", "node-a"))


def test_nodes_proxy_by_name_and_through_a_role_binding() -> None:
    named = cluster_with(*grant_attacker(rule(["create"], ["nodes/proxy"], names=["node-b"]), namespace=None))
    assert from_attacker("CAN_PROXY_NODE", named) == {uid("node", "node-b")}
    namespaced = cluster_with(*grant_attacker(rule(["get", "create"], ["nodes/proxy"]), namespace="dev"))
    assert from_attacker("CAN_PROXY_NODE", namespaced) == set()
    stats_only = cluster_with(*grant_attacker(rule(["get"], ["nodes/stats", "nodes/metrics"]), namespace=None))
    assert from_attacker("CAN_PROXY_NODE", stats_only) == set()


# --------------------------------------------------------------------------------------------------
# CAN_APPROVE_CSR, CAN_EDIT_WEBHOOKS, CAN_EDIT_AWS_AUTH
# --------------------------------------------------------------------------------------------------

CSR_CREATE = rule(["create", "get"], ["certificatesigningrequests"], ["certificates.k8s.io"])
CSR_APPROVAL = rule(["update"], ["certificatesigningrequests/approval"], ["certificates.k8s.io"])
SIGNER_APPROVE = rule(["approve"], ["signers"], ["certificates.k8s.io"], names=["kubernetes.io/kube-apiserver-client"])
KUBEADM_ADMINS = bind("kubeadm:cluster-admins", "cluster-admin", subject("Group", "kubeadm:cluster-admins"))


def test_create_approve_and_signer_approve_issue_a_cluster_admin_certificate() -> None:
    facts = cluster_with(KUBEADM_ADMINS, *grant_attacker(CSR_CREATE, CSR_APPROVAL, SIGNER_APPROVE, namespace=None))
    assert from_attacker("CAN_APPROVE_CSR", facts) == {ADMIN}
    reason = reason_of("CAN_APPROVE_CSR", facts, ADMIN)
    assert "update certificatesigningrequests.certificates.k8s.io/approval" in reason
    assert "kubernetes.io/kube-apiserver-client" in reason and 'group "kubeadm:cluster-admins"' in reason


@pytest.mark.parametrize("missing", range(3))
def test_csr_route_needs_all_three_permissions(missing: int) -> None:
    rules = [rule_ for index, rule_ in enumerate((CSR_CREATE, CSR_APPROVAL, SIGNER_APPROVE)) if index != missing]
    facts = cluster_with(KUBEADM_ADMINS, *grant_attacker(*rules, namespace=None))
    assert from_attacker("CAN_APPROVE_CSR", facts) == set()


def test_csr_signer_for_kubelet_serving_is_not_a_client_certificate() -> None:
    serving = rule(["approve"], ["signers"], ["certificates.k8s.io"], names=["kubernetes.io/kubelet-serving"])
    facts = cluster_with(KUBEADM_ADMINS, *grant_attacker(CSR_CREATE, CSR_APPROVAL, serving, namespace=None))
    assert from_attacker("CAN_APPROVE_CSR", facts) == set()


def test_csr_route_needs_an_admin_other_than_system_masters() -> None:
    facts = cluster_with(
        DEFAULT_MASTERS_BINDING, *grant_attacker(CSR_CREATE, CSR_APPROVAL, SIGNER_APPROVE, namespace=None)
    )
    assert from_attacker("CAN_APPROVE_CSR", facts) == set()


def webhook(kind: str, name: str) -> Obj:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": {"name": name},
        "webhooks": [{"name": f"{name}.example.com", "clientConfig": {"url": "https://hook.example.com"}}],
    }


def test_creating_mutating_webhooks_is_cluster_admin() -> None:
    facts = cluster_with(
        *grant_attacker(
            rule(["create"], ["mutatingwebhookconfigurations"], ["admissionregistration.k8s.io"]), namespace=None
        )
    )
    assert from_attacker("CAN_EDIT_WEBHOOKS", facts) == {ADMIN}
    assert "create mutatingwebhookconfigurations" in reason_of("CAN_EDIT_WEBHOOKS", facts, ADMIN)


def test_patching_an_existing_mutating_webhook_by_name_is_cluster_admin() -> None:
    granted = rule(["patch"], ["mutatingwebhookconfigurations"], ["admissionregistration.k8s.io"], names=["injector"])
    present = cluster_with(
        webhook("MutatingWebhookConfiguration", "injector"), *grant_attacker(granted, namespace=None)
    )
    assert from_attacker("CAN_EDIT_WEBHOOKS", present) == {ADMIN}
    assert from_attacker("CAN_EDIT_WEBHOOKS", cluster_with(*grant_attacker(granted, namespace=None))) == set()


def test_validating_webhooks_or_a_role_binding_are_not_counted() -> None:
    validating = rule(["create", "patch"], ["validatingwebhookconfigurations"], ["admissionregistration.k8s.io"])
    facts = cluster_with(
        webhook("ValidatingWebhookConfiguration", "policy"), *grant_attacker(validating, namespace=None)
    )
    assert from_attacker("CAN_EDIT_WEBHOOKS", facts) == set()
    mutating = rule(["create"], ["mutatingwebhookconfigurations"], ["admissionregistration.k8s.io"])
    assert from_attacker("CAN_EDIT_WEBHOOKS", cluster_with(*grant_attacker(mutating, namespace="dev"))) == set()


AWS_AUTH = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "aws-auth", "namespace": "kube-system"},
    "data": {
        "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n"
    },
}


def test_patching_aws_auth_on_eks_is_cluster_admin() -> None:
    patch = rule(["patch"], ["configmaps"], names=["aws-auth"])
    facts = cluster_with(namespace("kube-system"), AWS_AUTH, *grant_attacker(patch, namespace="kube-system"))
    assert from_attacker("CAN_EDIT_AWS_AUTH", facts) == {ADMIN}
    assert "configmap kube-system/aws-auth" in reason_of("CAN_EDIT_AWS_AUTH", facts, ADMIN)


def test_aws_auth_edge_needs_the_configmap_and_that_namespace() -> None:
    patch = rule(["patch", "update"], ["configmaps"])
    absent = cluster_with(namespace("kube-system"), *grant_attacker(patch, namespace="kube-system"))
    assert from_attacker("CAN_EDIT_AWS_AUTH", absent) == set()
    elsewhere = cluster_with(namespace("kube-system"), AWS_AUTH, *grant_attacker(patch, namespace="dev"))
    assert from_attacker("CAN_EDIT_AWS_AUTH", elsewhere) == set()
    other_name = rule(["patch"], ["configmaps"], names=["coredns"])
    named = cluster_with(namespace("kube-system"), AWS_AUTH, *grant_attacker(other_name, namespace="kube-system"))
    assert from_attacker("CAN_EDIT_AWS_AUTH", named) == set()


# --------------------------------------------------------------------------------------------------
# More escalation routes and broad groups
# --------------------------------------------------------------------------------------------------


def test_adding_oneself_to_an_existing_cluster_admin_binding_needs_bind_on_its_role() -> None:
    update = rule(["patch"], ["clusterrolebindings"], [RBAC_GROUP], names=["cluster-admin"])
    bind_admin = rule(["bind"], ["clusterroles"], [RBAC_GROUP], names=["cluster-admin"])
    facts = cluster_with(DEFAULT_MASTERS_BINDING, *grant_attacker(update, bind_admin, namespace=None))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == {ADMIN}
    assert 'ClusterRoleBinding "cluster-admin"' in reason_of("CAN_ESCALATE_PRIVILEGES", facts, ADMIN)
    without_bind = cluster_with(DEFAULT_MASTERS_BINDING, *grant_attacker(update, namespace=None))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", without_bind) == set()


def test_escalate_on_an_aggregated_cluster_role_is_nothing() -> None:
    # The aggregation controller rewrites an aggregated ClusterRole's rules: edits do not stick.
    aggregated = role("aggregated", rule(["escalate", "update"], ["clusterroles"], [RBAC_GROUP]))
    aggregated["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"aggregate-to-x": "true"}}]}
    facts = cluster_with(aggregated, bind("agg", "aggregated", subject_sa("dev", "attacker")))
    assert from_attacker("CAN_ESCALATE_PRIVILEGES", facts) == set()


def test_system_authenticated_binding_reaches_from_every_identity() -> None:
    facts = cluster_with(
        role("secret-reader", rule(["get"], ["secrets"], names=["db"])),
        bind("everyone-reads-db", "secret-reader", subject("Group", "system:authenticated"), namespace="prod"),
        bind("alice-nothing", "cluster-admin", subject("User", "alice"), namespace="dev"),
    )
    prod_db = uid("secret", "db", "prod")
    sources = {src for src, dst in pairs(from_identities("CAN_READ_SECRET", facts)) if dst == prod_db}
    every_account = {ATTACKER, *DEV_OTHER_SAS, sa("prod", "default"), sa("prod", "app")}
    # every user is authenticated: alice, and the nodes' users (system:node:<name>) when the transform adds them
    assert uid("user", "alice") in facts.of("KubeUser")
    assert sources == {uid("group", "system:authenticated"), *facts.of("KubeUser"), *every_account}
