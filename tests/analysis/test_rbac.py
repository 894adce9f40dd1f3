"""The RBAC evaluator against what the Kubernetes documentation and the API server source say.

Expected answers come from public descriptions: the "Using RBAC Authorization" page
(kubernetes.io/docs/reference/access-authn-authz/rbac/), the API server's evaluation helpers
(pkg/apis/rbac/v1/evaluation_helpers.go, pkg/registry/rbac/validation/rule.go), its request parsing
(requestinfo.go) and the permission checks of rbac-police. Fixtures are the docs' own examples where
there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from graph.planes.k8s.rbac import (
    BindingDef,
    NamespaceScope,
    PolicyRule,
    Principal,
    RbacDataError,
    RbacIndex,
    Request,
    RoleDef,
    Subject,
    aggregate_cluster_roles,
    allowed,
    can,
    can_access_non_resource_url,
    effective_permissions,
    identities_of,
    is_cluster_admin,
    label_selector_matches,
    namespaces_where,
    normalize_request,
    principal_for_group,
    principal_for_service_account,
    principal_for_subject,
    principal_for_user,
)

# --------------------------------------------------------------------------------------------------
# Fixture builders: manifests as `kubectl get -o json` shows them
# --------------------------------------------------------------------------------------------------


def rule(
    verbs: Iterable[str],
    resources: Iterable[str] = (),
    api_groups: Iterable[str] = ("",),
    resource_names: Iterable[str] = (),
) -> dict[str, Any]:
    return {
        "apiGroups": list(api_groups),
        "resources": list(resources),
        "verbs": list(verbs),
        "resourceNames": list(resource_names),
    }


def cluster_role(
    name: str,
    rules: Iterable[Mapping[str, Any]] = (),
    labels: Mapping[str, str] | None = None,
    selectors: Iterable[Mapping[str, Any]] | None = None,
) -> RoleDef:
    obj: dict[str, Any] = {
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": dict(labels or {})},
        "rules": list(rules),
    }
    if selectors is not None:
        obj["aggregationRule"] = {"clusterRoleSelectors": list(selectors)}
    return RoleDef.from_api(obj)


def role(namespace: str, name: str, rules: Iterable[Mapping[str, Any]]) -> RoleDef:
    return RoleDef.from_api({"kind": "Role", "metadata": {"name": name, "namespace": namespace}, "rules": list(rules)})


def subject(kind: str, name: str, namespace: str | None = None) -> dict[str, str]:
    entry = {"kind": kind, "name": name}
    if namespace is not None:
        entry["namespace"] = namespace
    return entry


def cluster_role_binding(name: str, role_name: str, subjects: Iterable[Mapping[str, str]]) -> BindingDef:
    return BindingDef.from_api(
        {
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
            "subjects": list(subjects),
        }
    )


def role_binding(
    namespace: str, name: str, role_kind: str, role_name: str, subjects: Iterable[Mapping[str, str]]
) -> BindingDef:
    return BindingDef.from_api(
        {
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
            "subjects": list(subjects),
        }
    )


ALICE = principal_for_user("alice")
DAVE = principal_for_user("dave")


def index_granting(rules: Iterable[Mapping[str, Any]], *, namespace: str | None = None) -> RbacIndex:
    """alice holds `rules`: cluster-wide by default, or through a RoleBinding in `namespace`."""
    roles = [cluster_role("granted", rules)]
    if namespace is None:
        bindings = [cluster_role_binding("alice-granted", "granted", [subject("User", "alice")])]
    else:
        bindings = [role_binding(namespace, "alice-granted", "ClusterRole", "granted", [subject("User", "alice")])]
    return RbacIndex(roles, bindings)


# The real `cluster-admin` ClusterRole (bootstrap policy).
CLUSTER_ADMIN = cluster_role(
    "cluster-admin",
    [rule(["*"], ["*"], ["*"]), {"nonResourceURLs": ["*"], "verbs": ["*"]}],
    labels={"kubernetes.io/bootstrapping": "rbac-defaults"},
)


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def test_policy_rule_from_api_reads_every_camel_case_field() -> None:
    parsed = PolicyRule.from_api(
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"], "resourceNames": ["web"]}
    )
    assert parsed == PolicyRule(
        verbs=("get",), api_groups=("apps",), resources=("deployments",), resource_names=("web",)
    )
    assert PolicyRule.from_api({"nonResourceURLs": ["/healthz"], "verbs": ["get"]}).non_resource_urls == ("/healthz",)


def test_policy_rule_from_api_treats_null_lists_as_empty() -> None:
    assert PolicyRule.from_api({"verbs": ["get"], "apiGroups": None, "resources": ["pods"]}).api_groups == ()


def test_policy_rule_from_api_refuses_a_bare_string_list() -> None:
    # `verbs: get` is a manifest mistake the API server rejects; reading it as ("g", "e", "t") would be wrong.
    with pytest.raises(RbacDataError, match="verbs"):
        PolicyRule.from_api({"verbs": "get", "resources": ["pods"]})


def test_role_and_binding_kinds_are_checked() -> None:
    with pytest.raises(RbacDataError):
        RoleDef(kind="Role", name="no-namespace", namespace=None)
    with pytest.raises(RbacDataError):
        BindingDef(kind="RoleBinding", name="rb", namespace=None, role_kind="Role", role_name="r")
    with pytest.raises(RbacDataError):
        Subject(kind="Robot", name="r2d2")


def test_request_normalization_splits_resource_and_subresource() -> None:
    request = normalize_request(Request("create", "pods/exec", namespace="dev", name="web"))
    assert (request.resource, request.subresource, request.name) == ("pods", "exec", "web")


# --------------------------------------------------------------------------------------------------
# Verbs, API groups, resources
# --------------------------------------------------------------------------------------------------


def test_wildcard_verb_matches_every_verb_including_the_special_ones() -> None:
    index = index_granting([rule(["*"], ["*"], ["*"])])
    for verb in ("get", "create", "escalate", "bind", "impersonate", "approve", "use", "deletecollection"):
        assert can(index, ALICE, verb, "roles", api_group="rbac.authorization.k8s.io")


def test_verbs_do_not_imply_one_another() -> None:
    index = index_granting([rule(["patch"], ["deployments"], ["apps"])])
    assert can(index, ALICE, "patch", "deployments", api_group="apps", namespace="dev", name="web")
    assert not can(index, ALICE, "update", "deployments", api_group="apps", namespace="dev", name="web")
    assert not can(index, ALICE, "get", "deployments", api_group="apps", namespace="dev", name="web")


def test_escalate_bind_impersonate_are_matched_literally() -> None:
    index = index_granting(
        [
            rule(["bind"], ["clusterroles"], ["rbac.authorization.k8s.io"]),
            rule(["impersonate"], ["users", "groups", "serviceaccounts"]),
        ]
    )
    assert can(index, ALICE, "bind", "clusterroles", api_group="rbac.authorization.k8s.io")
    assert not can(index, ALICE, "escalate", "clusterroles", api_group="rbac.authorization.k8s.io")
    assert can(index, ALICE, "impersonate", "users", name="system:admin")
    assert not can(index, ALICE, "impersonate", "users", api_group="rbac.authorization.k8s.io")


def test_controllers_live_in_their_own_api_groups() -> None:
    core_only = index_granting([rule(["create"], ["deployments", "jobs", "pods"], [""])])
    assert can(core_only, ALICE, "create", "pods", namespace="dev")
    assert not can(core_only, ALICE, "create", "deployments", api_group="apps", namespace="dev")
    assert not can(core_only, ALICE, "create", "jobs", api_group="batch", namespace="dev")

    apps = index_granting([rule(["create"], ["deployments"], ["apps"])])
    assert can(apps, ALICE, "create", "deployments", api_group="apps", namespace="dev")
    assert not can(apps, ALICE, "create", "deployments", api_group="extensions", namespace="dev")


def test_wildcard_api_group_and_resource() -> None:
    index = index_granting([rule(["get"], ["*"], ["*"])])
    assert can(index, ALICE, "get", "deployments", api_group="apps", namespace="dev", name="web")
    assert can(index, ALICE, "get", "widgets", api_group="example.com", namespace="dev", name="w")
    assert not can(index, ALICE, "delete", "deployments", api_group="apps", namespace="dev", name="web")


def test_wildcard_resource_is_limited_to_the_listed_api_groups() -> None:
    index = index_granting([rule(["*"], ["*"], ["apps"])])
    assert can(index, ALICE, "create", "deployments", api_group="apps", namespace="dev")
    assert not can(index, ALICE, "create", "pods", namespace="dev")


# --------------------------------------------------------------------------------------------------
# Subresources
# --------------------------------------------------------------------------------------------------


def test_a_rule_for_pods_does_not_grant_pods_exec() -> None:
    index = index_granting([rule(["create", "get"], ["pods"])])
    assert can(index, ALICE, "get", "pods", namespace="dev", name="web")
    assert not can(index, ALICE, "create", "pods", subresource="exec", namespace="dev", name="web")
    assert not can(index, ALICE, "get", "pods", subresource="log", namespace="dev", name="web")


def test_a_rule_for_pods_log_grants_only_that_subresource() -> None:
    # The docs' example: resources ["pods", "pods/log"] to read pods and their logs.
    index = index_granting([rule(["get", "list"], ["pods", "pods/log"])])
    assert can(index, ALICE, "get", "pods/log", namespace="dev", name="web")
    assert not can(index, ALICE, "create", "pods/exec", namespace="dev", name="web")
    assert not can(index, ALICE, "get", "pods/exec", namespace="dev", name="web")


def test_wildcard_resource_covers_subresources() -> None:
    index = index_granting([rule(["create"], ["*"])])
    assert can(index, ALICE, "create", "pods", subresource="exec", namespace="dev", name="web")
    assert can(index, ALICE, "create", "serviceaccounts", subresource="token", namespace="dev", name="builder")


def test_star_slash_subresource_covers_that_subresource_of_every_resource() -> None:
    # `*/scale` (kubernetes/kubernetes#53722): the HPA's polymorphic scale subresource.
    index = index_granting([rule(["update"], ["*/scale"], ["*"])])
    assert can(index, ALICE, "update", "deployments", api_group="apps", subresource="scale", namespace="d", name="w")
    assert can(index, ALICE, "update", "replicationcontrollers", subresource="scale", namespace="d", name="w")
    assert not can(index, ALICE, "update", "deployments", api_group="apps", namespace="d", name="w")
    assert not can(index, ALICE, "update", "deployments", api_group="apps", subresource="status", namespace="d")


def test_resource_slash_star_is_not_a_wildcard() -> None:
    # The API server deliberately refuses `pods/*` (kubernetes/kubernetes#78936, kubernetes/enhancements#4961:
    # "intentionally not supported", it would grant every future subresource); `*/*` is no wildcard either.
    index = index_granting([rule(["*"], ["pods/*", "*/*"])])
    assert not can(index, ALICE, "create", "pods", subresource="exec", namespace="dev", name="web")
    assert not can(index, ALICE, "get", "pods", subresource="log", namespace="dev", name="web")
    assert not can(index, ALICE, "get", "pods", namespace="dev", name="web")


# --------------------------------------------------------------------------------------------------
# resourceNames
# --------------------------------------------------------------------------------------------------


def test_resource_names_narrow_the_rule_to_those_objects() -> None:
    index = index_granting([rule(["get", "list", "update"], ["secrets"], resource_names=["a"])], namespace="dev")
    assert can(index, ALICE, "get", "secrets", namespace="dev", name="a")
    assert can(index, ALICE, "update", "secrets", namespace="dev", name="a")
    assert not can(index, ALICE, "get", "secrets", namespace="dev", name="b")
    assert not can(index, ALICE, "list", "secrets", namespace="dev")


def test_list_restricted_by_name_needs_a_metadata_name_field_selector() -> None:
    # Docs: "If you restrict list or watch by resourceName, clients must include a metadata.name field selector".
    index = index_granting([rule(["list", "watch"], ["configmaps"], resource_names=["my-configmap"])])
    assert can(index, ALICE, "list", "configmaps", namespace="dev", name="my-configmap")
    assert not can(index, ALICE, "list", "configmaps", namespace="dev")
    assert not can(index, ALICE, "watch", "configmaps", namespace="dev", name="other")


def test_create_and_deletecollection_cannot_be_restricted_by_name() -> None:
    # Docs: "You cannot restrict create or deletecollection requests by their resource name."
    index = index_granting([rule(["create", "deletecollection"], ["pods"], resource_names=["web"])])
    assert not can(index, ALICE, "create", "pods", namespace="dev", name="web")
    assert not can(index, ALICE, "create", "pods", namespace="dev")
    assert not can(index, ALICE, "deletecollection", "pods", namespace="dev", name="web")


def test_subresource_create_can_be_restricted_by_name() -> None:
    # `kubectl exec web` is POST .../pods/web/exec: the pod's name is in the path.
    index = index_granting([rule(["create"], ["pods/exec"], resource_names=["web"])])
    assert can(index, ALICE, "create", "pods", subresource="exec", namespace="dev", name="web")
    assert not can(index, ALICE, "create", "pods", subresource="exec", namespace="dev", name="db")


# --------------------------------------------------------------------------------------------------
# Binding scope
# --------------------------------------------------------------------------------------------------


def docs_secret_reader_index() -> RbacIndex:
    """The docs' example: ClusterRole secret-reader, RoleBinding read-secrets in `development` to dave,
    which "allows dave to read secrets in the development namespace" only."""
    roles = [cluster_role("secret-reader", [rule(["get", "watch", "list"], ["secrets"])])]
    bindings = [role_binding("development", "read-secrets", "ClusterRole", "secret-reader", [subject("User", "dave")])]
    return RbacIndex(roles, bindings)


def test_role_binding_to_cluster_role_grants_only_in_the_binding_namespace() -> None:
    index = docs_secret_reader_index()
    assert can(index, DAVE, "get", "secrets", namespace="development", name="db-password")
    assert can(index, DAVE, "list", "secrets", namespace="development")
    assert not can(index, DAVE, "get", "secrets", namespace="production", name="db-password")
    # `kubectl get secrets -A` is a cluster-scoped list: only a ClusterRoleBinding can allow it.
    assert not can(index, DAVE, "list", "secrets")


def test_cluster_role_binding_grants_in_every_namespace_and_across_them() -> None:
    roles = [cluster_role("secret-reader", [rule(["get", "watch", "list"], ["secrets"])])]
    bindings = [cluster_role_binding("read-secrets-global", "secret-reader", [subject("Group", "manager")])]
    manager = principal_for_user("erin", groups=["manager"])
    index = RbacIndex(roles, bindings)
    assert can(index, manager, "get", "secrets", namespace="production", name="db-password")
    assert can(index, manager, "list", "secrets")


def test_role_binding_to_role_uses_the_role_of_its_own_namespace() -> None:
    roles = [
        role("default", "pod-reader", [rule(["get", "watch", "list"], ["pods"])]),
        role("other", "pod-reader", [rule(["*"], ["*"], ["*"])]),
    ]
    bindings = [role_binding("default", "read-pods", "Role", "pod-reader", [subject("User", "jane")])]
    jane = principal_for_user("jane")
    index = RbacIndex(roles, bindings)
    assert can(index, jane, "list", "pods", namespace="default")
    assert not can(index, jane, "delete", "pods", namespace="default", name="web")
    assert not can(index, jane, "list", "pods", namespace="other")


def test_cluster_scoped_resources_need_a_cluster_role_binding() -> None:
    node_reader = [cluster_role("node-reader", [rule(["get", "list"], ["nodes", "persistentvolumes"])])]
    by_role_binding = RbacIndex(
        node_reader, [role_binding("dev", "nodes", "ClusterRole", "node-reader", [subject("User", "alice")])]
    )
    assert not can(by_role_binding, ALICE, "get", "nodes", name="node-1")
    # Even when asked "in" the binding's namespace: a node request never carries a namespace.
    assert not can(by_role_binding, ALICE, "get", "nodes", namespace="dev", name="node-1")
    assert not can(by_role_binding, ALICE, "list", "persistentvolumes")

    by_cluster_role_binding = RbacIndex(
        node_reader, [cluster_role_binding("nodes", "node-reader", [subject("User", "alice")])]
    )
    assert can(by_cluster_role_binding, ALICE, "get", "nodes", name="node-1")
    assert can(by_cluster_role_binding, ALICE, "list", "persistentvolumes")


def test_role_binding_can_grant_the_namespace_object_itself() -> None:
    # Docs, cluster-admin "used in a RoleBinding ... gives full control over every resource in the role
    # binding's namespace, including the namespace itself": GET /api/v1/namespaces/dev is namespace "dev".
    index = index_granting([rule(["get", "patch", "list", "create"], ["namespaces"])], namespace="dev")
    assert can(index, ALICE, "patch", "namespaces", name="dev")
    assert can(index, ALICE, "get", "namespaces", name="dev")
    assert not can(index, ALICE, "patch", "namespaces", name="prod")
    assert not can(index, ALICE, "list", "namespaces")
    assert not can(index, ALICE, "create", "namespaces", name="new")


def test_non_resource_urls_are_granted_only_through_cluster_role_bindings() -> None:
    # Docs: "*" in a nonResourceURL is a suffix glob match; non-resource URLs are not namespaced.
    health = cluster_role("health", [{"nonResourceURLs": ["/healthz", "/healthz/*"], "verbs": ["get", "post"]}])
    index = RbacIndex([health], [cluster_role_binding("health", "health", [subject("User", "alice")])])
    assert can_access_non_resource_url(index, ALICE, "get", "/healthz")
    assert can_access_non_resource_url(index, ALICE, "get", "/healthz/etcd")
    assert not can_access_non_resource_url(index, ALICE, "get", "/metrics")
    assert not can_access_non_resource_url(index, ALICE, "delete", "/healthz")
    assert not can(index, ALICE, "get", "pods", namespace="dev")

    via_role_binding = RbacIndex(
        [health], [role_binding("dev", "health", "ClusterRole", "health", [subject("User", "alice")])]
    )
    assert not can_access_non_resource_url(via_role_binding, ALICE, "get", "/healthz")
    assert allowed(via_role_binding, ALICE, Request("get", namespace="dev", non_resource_url="/healthz")) is None


def test_non_resource_wildcard_matches_every_url() -> None:
    index = RbacIndex([CLUSTER_ADMIN], [cluster_role_binding("admin", "cluster-admin", [subject("User", "alice")])])
    assert can_access_non_resource_url(index, ALICE, "get", "/metrics")
    assert can_access_non_resource_url(index, ALICE, "post", "/logs/anything")


# --------------------------------------------------------------------------------------------------
# Subjects and groups
# --------------------------------------------------------------------------------------------------


def test_service_account_identity_and_groups() -> None:
    principal = principal_for_service_account("qa", "builder")
    assert principal.username == "system:serviceaccount:qa:builder"
    assert principal.groups == {"system:serviceaccounts", "system:serviceaccounts:qa", "system:authenticated"}
    assert principal.service_account == ("qa", "builder")


def test_user_identity_and_anonymous() -> None:
    assert principal_for_user("alice", ["dev"]).groups == {"dev", "system:authenticated"}
    assert principal_for_user("system:anonymous").groups == {"system:unauthenticated"}
    # A client certificate with a service-account-looking CN is not a service account token.
    assert principal_for_user("system:serviceaccount:qa:builder").groups == {"system:authenticated"}


def test_identities_of_lists_every_subject_that_applies() -> None:
    identities = identities_of(Subject("ServiceAccount", "builder", "qa"))
    assert identities == {
        Subject("ServiceAccount", "builder", "qa"),
        Subject("User", "system:serviceaccount:qa:builder"),
        Subject("Group", "system:serviceaccounts"),
        Subject("Group", "system:serviceaccounts:qa"),
        Subject("Group", "system:authenticated"),
    }
    assert identities_of(Subject("Group", "ops")) == {Subject("Group", "ops")}
    assert identities_of(Principal("alice", frozenset({"dev"}))) == {Subject("User", "alice"), Subject("Group", "dev")}


def group_index(group: str, namespace: str | None = None) -> RbacIndex:
    roles = [cluster_role("pod-reader", [rule(["list"], ["pods"])])]
    if namespace is None:
        return RbacIndex(roles, [cluster_role_binding("by-group", "pod-reader", [subject("Group", group)])])
    return RbacIndex(
        roles, [role_binding(namespace, "by-group", "ClusterRole", "pod-reader", [subject("Group", group)])]
    )


def test_group_of_all_service_accounts() -> None:
    index = group_index("system:serviceaccounts")
    assert can(index, principal_for_service_account("qa", "builder"), "list", "pods")
    assert can(index, principal_for_service_account("kube-system", "default"), "list", "pods")
    assert not can(index, ALICE, "list", "pods")


def test_group_of_the_service_accounts_of_one_namespace() -> None:
    # Docs: "For all service accounts in the "qa" namespace": Group system:serviceaccounts:qa.
    index = group_index("system:serviceaccounts:qa")
    assert can(index, principal_for_service_account("qa", "builder"), "list", "pods")
    assert not can(index, principal_for_service_account("dev", "builder"), "list", "pods")


def test_authenticated_and_unauthenticated_groups() -> None:
    authenticated = group_index("system:authenticated")
    assert can(authenticated, ALICE, "list", "pods")
    assert can(authenticated, principal_for_service_account("qa", "builder"), "list", "pods")
    assert not can(authenticated, principal_for_user("system:anonymous"), "list", "pods")

    unauthenticated = group_index("system:unauthenticated")
    assert can(unauthenticated, principal_for_user("system:anonymous"), "list", "pods")
    assert not can(unauthenticated, ALICE, "list", "pods")


def test_service_account_subject_without_namespace_defaults_to_the_role_binding_namespace() -> None:
    roles = [cluster_role("pod-reader", [rule(["list"], ["pods"])])]
    bindings = [role_binding("qa", "sa", "ClusterRole", "pod-reader", [subject("ServiceAccount", "builder")])]
    index = RbacIndex(roles, bindings)
    assert can(index, principal_for_service_account("qa", "builder"), "list", "pods", namespace="qa")
    assert not can(index, principal_for_service_account("dev", "builder"), "list", "pods", namespace="qa")
    assert Subject("ServiceAccount", "builder", "qa") in index.bound_subjects()


def test_service_account_subject_without_namespace_in_a_cluster_role_binding_matches_nobody() -> None:
    roles = [cluster_role("pod-reader", [rule(["list"], ["pods"])])]
    index = RbacIndex(roles, [cluster_role_binding("sa", "pod-reader", [subject("ServiceAccount", "builder")])])
    assert not can(index, principal_for_service_account("default", "builder"), "list", "pods")


def test_service_account_subject_in_another_namespace() -> None:
    # A RoleBinding in dev may grant to a service account of ci.
    roles = [cluster_role("edit-pods", [rule(["create"], ["pods"])])]
    bindings = [role_binding("dev", "ci", "ClusterRole", "edit-pods", [subject("ServiceAccount", "deployer", "ci")])]
    deployer = principal_for_service_account("ci", "deployer")
    index = RbacIndex(roles, bindings)
    assert can(index, deployer, "create", "pods", namespace="dev")
    assert not can(index, deployer, "create", "pods", namespace="ci")


def test_user_subject_with_a_service_account_username_matches_that_service_account() -> None:
    # Docs: a service account's username is system:serviceaccount:<namespace>:<name>; RBAC compares usernames.
    roles = [cluster_role("pod-reader", [rule(["list"], ["pods"])])]
    user_subject = subject("User", "system:serviceaccount:kube-system:default")
    index = RbacIndex(roles, [cluster_role_binding("by-username", "pod-reader", [user_subject])])
    assert can(index, principal_for_service_account("kube-system", "default"), "list", "pods")


def test_principal_for_subject() -> None:
    assert principal_for_subject(Subject("ServiceAccount", "b", "qa")) == principal_for_service_account("qa", "b")
    assert principal_for_subject(Subject("User", "alice")) == ALICE
    with pytest.raises(ValueError):
        principal_for_subject(Subject("Group", "ops"))


def test_principal_for_group_holds_what_the_group_is_granted() -> None:
    index = group_index("ops")
    assert can(index, principal_for_group("ops"), "list", "pods")
    assert not can(index, principal_for_group("dev"), "list", "pods")


def test_system_masters_bypasses_rbac() -> None:
    index = RbacIndex([], [])
    root = principal_for_user("kubernetes-admin", ["system:masters"])
    grant = allowed(index, root, Request("delete", "nodes", name="node-1"))
    assert grant is not None and grant.privileged_group == "system:masters"
    assert can(index, root, "escalate", "clusterroles", api_group="rbac.authorization.k8s.io")
    assert can_access_non_resource_url(index, root, "get", "/metrics")
    assert is_cluster_admin(index, root)
    assert namespaces_where(index, root, "get", "secrets").cluster_wide


# --------------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------------


def test_aggregation_collects_the_rules_of_matching_cluster_roles() -> None:
    # The docs' example: ClusterRole monitoring aggregates every ClusterRole labelled
    # rbac.example.com/aggregate-to-monitoring: "true".
    monitoring = cluster_role(
        "monitoring", selectors=[{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]
    )
    endpoints = cluster_role(
        "monitoring-endpoints",
        [rule(["get", "list", "watch"], ["services", "endpointslices", "pods"])],
        labels={"rbac.example.com/aggregate-to-monitoring": "true"},
    )
    unrelated = cluster_role("unrelated", [rule(["delete"], ["pods"])], labels={"team": "x"})
    aggregated = aggregate_cluster_roles([monitoring, endpoints, unrelated])
    assert aggregated["monitoring"].rules == endpoints.rules
    assert aggregated["unrelated"].rules == unrelated.rules


def test_aggregation_replaces_the_stored_rules() -> None:
    stale = cluster_role(
        "monitoring", [rule(["*"], ["*"], ["*"])], selectors=[{"matchLabels": {"aggregate-to-monitoring": "true"}}]
    )
    source = cluster_role("source", [rule(["get"], ["pods"])], labels={"aggregate-to-monitoring": "true"})
    assert aggregate_cluster_roles([stale, source])["monitoring"].rules == source.rules


def built_in_user_facing_roles() -> list[RoleDef]:
    """admin ⊇ edit ⊇ view through the rbac.authorization.k8s.io/aggregate-to-* labels, as bootstrapped."""
    prefix = "rbac.authorization.k8s.io/"
    return [
        cluster_role("admin", selectors=[{"matchLabels": {prefix + "aggregate-to-admin": "true"}}]),
        cluster_role(
            "edit",
            labels={prefix + "aggregate-to-admin": "true"},
            selectors=[{"matchLabels": {prefix + "aggregate-to-edit": "true"}}],
        ),
        cluster_role(
            "view",
            labels={prefix + "aggregate-to-edit": "true"},
            selectors=[{"matchLabels": {prefix + "aggregate-to-view": "true"}}],
        ),
        cluster_role(
            "system:aggregate-to-admin",
            [
                rule(
                    ["create", "delete", "get", "list", "patch", "update", "watch"],
                    ["rolebindings", "roles"],
                    ["rbac.authorization.k8s.io"],
                )
            ],
            labels={prefix + "aggregate-to-admin": "true"},
        ),
        cluster_role(
            "system:aggregate-to-edit",
            [rule(["create", "delete", "patch", "update"], ["pods", "secrets"]), rule(["create"], ["pods/exec"])],
            labels={prefix + "aggregate-to-edit": "true"},
        ),
        cluster_role(
            "system:aggregate-to-view",
            [rule(["get", "list", "watch"], ["pods", "configmaps"])],
            labels={prefix + "aggregate-to-view": "true"},
        ),
    ]


def test_aggregated_roles_selecting_aggregated_roles_reach_a_fixpoint() -> None:
    roles = aggregate_cluster_roles(built_in_user_facing_roles())
    view, edit, admin = set(roles["view"].rules), set(roles["edit"].rules), set(roles["admin"].rules)
    assert view == set(roles["system:aggregate-to-view"].rules)
    assert edit == view | set(roles["system:aggregate-to-edit"].rules)
    assert admin == edit | set(roles["system:aggregate-to-admin"].rules)


def test_binding_to_aggregated_admin_grants_what_edit_and_view_bring() -> None:
    bindings = [role_binding("dev", "alice-admin", "ClusterRole", "admin", [subject("User", "alice")])]
    index = RbacIndex(built_in_user_facing_roles(), bindings)
    assert can(index, ALICE, "list", "configmaps", namespace="dev")  # from view
    assert can(index, ALICE, "create", "pods/exec", namespace="dev", name="web")  # from edit
    assert can(index, ALICE, "create", "rolebindings", api_group="rbac.authorization.k8s.io", namespace="dev")
    assert not can(index, ALICE, "list", "configmaps", namespace="prod")


def test_stored_rules_are_used_when_aggregation_is_not_recomputed() -> None:
    # A live snapshot may lack the selected roles; the authorizer reads the stored rules.
    view = cluster_role(
        "view",
        [rule(["get"], ["pods"])],
        selectors=[{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}],
    )
    bindings = [cluster_role_binding("v", "view", [subject("User", "alice")])]
    assert not can(RbacIndex([view], bindings), ALICE, "get", "pods", namespace="dev", name="web")
    assert can(
        RbacIndex([view], bindings, recompute_aggregation=False), ALICE, "get", "pods", namespace="dev", name="web"
    )


@pytest.mark.parametrize(
    ("expression", "labels", "expected"),
    [
        ({"key": "tier", "operator": "In", "values": ["a", "b"]}, {"tier": "a"}, True),
        ({"key": "tier", "operator": "In", "values": ["a", "b"]}, {"tier": "c"}, False),
        ({"key": "tier", "operator": "In", "values": ["a"]}, {}, False),
        ({"key": "tier", "operator": "NotIn", "values": ["a"]}, {"tier": "b"}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["a"]}, {"tier": "a"}, False),
        ({"key": "tier", "operator": "NotIn", "values": ["a"]}, {}, True),  # absent key satisfies NotIn
        ({"key": "tier", "operator": "Exists"}, {"tier": ""}, True),
        ({"key": "tier", "operator": "Exists"}, {}, False),
        ({"key": "tier", "operator": "DoesNotExist"}, {}, True),
        ({"key": "tier", "operator": "DoesNotExist"}, {"tier": "a"}, False),
    ],
)
def test_label_selector_match_expressions(expression: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert label_selector_matches({"matchExpressions": [expression]}, labels) is expected


def test_label_selector_needs_every_requirement_and_empty_matches_all() -> None:
    selector = {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]}
    assert label_selector_matches(selector, {"a": "1", "b": "x"})
    assert not label_selector_matches(selector, {"a": "1"})
    assert not label_selector_matches(selector, {"a": "2", "b": "x"})
    assert label_selector_matches({}, {"anything": "at-all"})


def test_aggregation_with_match_expressions() -> None:
    aggregator = cluster_role(
        "team-readers",
        selectors=[
            {
                "matchExpressions": [
                    {"key": "example.com/team", "operator": "In", "values": ["payments", "shop"]},
                    {"key": "example.com/deprecated", "operator": "DoesNotExist"},
                ]
            }
        ],
    )
    payments = cluster_role("payments-read", [rule(["get"], ["secrets"])], labels={"example.com/team": "payments"})
    shop_old = cluster_role(
        "shop-old", [rule(["delete"], ["pods"])], labels={"example.com/team": "shop", "example.com/deprecated": "yes"}
    )
    infra = cluster_role("infra", [rule(["*"], ["nodes"])], labels={"example.com/team": "infra"})
    assert aggregate_cluster_roles([aggregator, payments, shop_old, infra])["team-readers"].rules == payments.rules


def test_aggregation_ignores_namespaced_roles_and_the_aggregator_itself() -> None:
    labels = {"aggregate-to-x": "true"}
    aggregator = RoleDef(
        kind="ClusterRole",
        name="x",
        namespace=None,
        rules=(PolicyRule(("*",), ("*",), ("*",)),),  # stale stored rules; selecting itself must not keep them
        labels=labels,
        aggregation_selectors=({"matchLabels": labels},),
    )
    namespaced = RoleDef(
        kind="Role", name="ns-role", namespace="dev", rules=(PolicyRule(("get",), ("",), ("pods",)),), labels=labels
    )
    aggregated = aggregate_cluster_roles([aggregator, namespaced])
    assert set(aggregated) == {"x"}
    assert aggregated["x"].rules == ()


def test_unknown_selector_operator_is_reported() -> None:
    broken = cluster_role("broken", selectors=[{"matchExpressions": [{"key": "a", "operator": "Like"}]}])
    with pytest.raises(RbacDataError, match="broken"):
        aggregate_cluster_roles([broken, cluster_role("other")])


# --------------------------------------------------------------------------------------------------
# Dangling bindings
# --------------------------------------------------------------------------------------------------


def test_binding_to_a_missing_role_grants_nothing_and_is_reported() -> None:
    roles = [role("other", "deployer", [rule(["*"], ["*"], ["*"])])]
    bindings = [
        role_binding("dev", "missing-role", "Role", "deployer", [subject("User", "alice")]),
        cluster_role_binding("missing-cluster-role", "ghost", [subject("User", "alice")]),
    ]
    index = RbacIndex(roles, bindings)
    assert not can(index, ALICE, "create", "pods", namespace="dev")
    assert not can(index, ALICE, "create", "pods", namespace="other")
    assert index.rules_for(ALICE) == []
    dangling = {entry.binding.name: entry.reason for entry in index.dangling_bindings()}
    assert set(dangling) == {"missing-role", "missing-cluster-role"}
    assert "dev" in dangling["missing-role"]


def test_cluster_role_binding_cannot_reference_a_role() -> None:
    roles = [role("dev", "deployer", [rule(["*"], ["*"], ["*"])])]
    binding = BindingDef(
        kind="ClusterRoleBinding",
        name="wrong",
        namespace=None,
        role_kind="Role",
        role_name="deployer",
        subjects=(Subject("User", "alice"),),
    )
    index = RbacIndex(roles, [binding])
    assert not can(index, ALICE, "create", "pods", namespace="dev")
    assert [entry.binding for entry in index.dangling_bindings()] == [binding]


# --------------------------------------------------------------------------------------------------
# Explanations and effective permissions
# --------------------------------------------------------------------------------------------------


def test_grant_names_the_binding_and_role() -> None:
    index = docs_secret_reader_index()
    grant = allowed(index, DAVE, Request("get", "secrets", namespace="development", name="x"))
    assert grant is not None and grant.scoped_rule is not None
    assert (grant.scoped_rule.binding_name, grant.scoped_rule.role_name) == ("read-secrets", "secret-reader")
    assert grant.scoped_rule.namespace == "development"
    assert "read-secrets" in grant.explain() and "secret-reader" in grant.explain()
    assert allowed(index, DAVE, Request("get", "secrets", namespace="production", name="x")) is None


def test_effective_permissions_carry_scope_and_drop_rules_that_never_apply() -> None:
    roles = [
        CLUSTER_ADMIN,
        cluster_role("node-reader", [rule(["get"], ["nodes"])]),
        cluster_role("secret-reader", [rule(["get"], ["secrets"])]),
    ]
    bindings = [
        role_binding("dev", "admin-in-dev", "ClusterRole", "cluster-admin", [subject("User", "alice")]),
        role_binding("dev", "nodes-in-dev", "ClusterRole", "node-reader", [subject("User", "alice")]),
        cluster_role_binding("secrets", "secret-reader", [subject("User", "alice")]),
    ]
    permissions = effective_permissions(RbacIndex(roles, bindings), ALICE)
    described = {(p.binding_name, p.namespace, p.rule.resources, p.rule.non_resource_urls) for p in permissions}
    assert described == {
        ("secrets", None, ("secrets",), ()),
        ("admin-in-dev", "dev", ("*",), ()),
    }


def test_effective_permissions_of_system_masters() -> None:
    root = principal_for_user("root", ["system:masters"])
    permissions = effective_permissions(RbacIndex([], []), root)
    assert all(p.is_cluster_wide for p in permissions)
    assert any(p.rule.resources == ("*",) and p.rule.verbs == ("*",) for p in permissions)
    assert any(p.rule.non_resource_urls == ("*",) for p in permissions)


# --------------------------------------------------------------------------------------------------
# Cluster admin
# --------------------------------------------------------------------------------------------------


def test_cluster_admin_bound_cluster_wide_is_cluster_admin() -> None:
    index = RbacIndex([CLUSTER_ADMIN], [cluster_role_binding("ops", "cluster-admin", [subject("Group", "ops")])])
    assert is_cluster_admin(index, principal_for_user("bob", ["ops"]))
    assert not is_cluster_admin(index, ALICE)


def test_cluster_admin_bound_by_role_binding_is_not_cluster_admin() -> None:
    index = RbacIndex(
        [CLUSTER_ADMIN], [role_binding("dev", "ops", "ClusterRole", "cluster-admin", [subject("User", "alice")])]
    )
    assert not is_cluster_admin(index, ALICE)
    assert can(index, ALICE, "delete", "secrets", namespace="dev", name="x")
    assert not can(index, ALICE, "delete", "secrets", namespace="prod", name="x")
    assert not can(index, ALICE, "get", "nodes", name="node-1")


def test_full_wildcard_limited_by_resource_names_is_not_cluster_admin() -> None:
    index = index_granting([rule(["*"], ["*"], ["*"], resource_names=["only-this"])])
    assert not is_cluster_admin(index, ALICE)


def test_wildcards_in_only_some_dimensions_are_not_cluster_admin() -> None:
    assert not is_cluster_admin(index_granting([rule(["*"], ["*"], [""])]), ALICE)
    assert not is_cluster_admin(index_granting([rule(["get", "list"], ["*"], ["*"])]), ALICE)


# --------------------------------------------------------------------------------------------------
# namespaces_where
# --------------------------------------------------------------------------------------------------


def test_namespaces_where_cluster_role_binding_is_cluster_wide() -> None:
    index = index_granting([rule(["create"], ["pods"])])
    scope = namespaces_where(index, ALICE, "create", "pods")
    assert scope.cluster_wide and scope.cluster_wide_names is None
    assert scope.covers("any-namespace") and scope.covers(None)


def test_namespaces_where_role_bindings_give_a_set_of_namespaces() -> None:
    roles = [cluster_role("pod-creator", [rule(["create"], ["pods"])]), role("c", "r", [rule(["create"], ["pods"])])]
    who = [subject("ServiceAccount", "deployer", "ci")]
    bindings = [
        role_binding("a", "x", "ClusterRole", "pod-creator", who),
        role_binding("b", "x", "ClusterRole", "pod-creator", who),
        role_binding("c", "x", "Role", "r", who),
        role_binding("d", "x", "ClusterRole", "pod-creator", [subject("ServiceAccount", "someone-else", "ci")]),
    ]
    scope = namespaces_where(
        RbacIndex(roles, bindings), principal_for_service_account("ci", "deployer"), "create", "pods"
    )
    assert not scope.cluster_wide
    assert scope.namespaces == {"a": None, "b": None, "c": None}
    assert scope.covers("a") and not scope.covers("d") and not scope.covers(None)


def test_namespaces_where_reports_names_per_namespace() -> None:
    roles = [
        role("a", "read-a", [rule(["get"], ["secrets"], resource_names=["token-a1", "token-a2"])]),
        role("b", "read-b", [rule(["get"], ["secrets"], resource_names=["token-b"])]),
        role("c", "read-c", [rule(["get"], ["secrets"])]),
    ]
    bindings = [role_binding(ns, "read", "Role", f"read-{ns}", [subject("User", "alice")]) for ns in ("a", "b", "c")]
    index = RbacIndex(roles, bindings)
    scope = namespaces_where(index, ALICE, "get", "secrets")
    assert scope.namespaces == {"a": {"token-a1", "token-a2"}, "b": {"token-b"}, "c": None}
    assert scope.names_in("a") == {"token-a1", "token-a2"}
    assert scope.names_in("c") is None
    assert scope.names_in("elsewhere") == frozenset()
    # Names stay with their namespace: token-b is readable in b, not in a.
    assert scope.covers("b", "token-b") and not scope.covers("a", "token-b")
    assert scope.covers("a", "token-a1") == can(index, ALICE, "get", "secrets", namespace="a", name="token-a1")
    assert scope.covers("a", "token-b") == can(index, ALICE, "get", "secrets", namespace="a", name="token-b")


def test_namespaces_where_merges_names_and_any_name_wins() -> None:
    roles = [
        role("a", "one", [rule(["get"], ["secrets"], resource_names=["x"])]),
        role("a", "two", [rule(["get"], ["secrets"], resource_names=["y"])]),
        cluster_role("cluster-named", [rule(["get"], ["secrets"], resource_names=["z"])]),
    ]
    bindings = [
        role_binding("a", "one", "Role", "one", [subject("User", "alice")]),
        role_binding("a", "two", "Role", "two", [subject("User", "alice")]),
        cluster_role_binding("named", "cluster-named", [subject("User", "alice")]),
    ]
    scope = namespaces_where(RbacIndex(roles, bindings), ALICE, "get", "secrets")
    assert scope.cluster_wide and scope.cluster_wide_names == {"z"}
    assert scope.names_in("a") == {"x", "y", "z"}
    assert scope.names_in("b") == {"z"}


def test_namespaces_where_create_ignores_name_restricted_rules() -> None:
    index = index_granting([rule(["create"], ["pods"], resource_names=["web"])], namespace="dev")
    assert namespaces_where(index, ALICE, "create", "pods").is_empty


def test_namespaces_where_subresource_and_api_group() -> None:
    index = index_granting(
        [rule(["create"], ["pods/exec"]), rule(["patch"], ["deployments"], ["apps"])], namespace="dev"
    )
    assert namespaces_where(index, ALICE, "create", "pods", subresource="exec").namespaces == {"dev": None}
    assert namespaces_where(index, ALICE, "create", "pods/exec").namespaces == {"dev": None}
    assert namespaces_where(index, ALICE, "create", "pods").is_empty
    assert namespaces_where(index, ALICE, "patch", "deployments", "apps").namespaces == {"dev": None}
    assert namespaces_where(index, ALICE, "patch", "deployments").is_empty


def test_namespaces_where_cluster_scoped_resource_through_role_binding_is_empty() -> None:
    index = index_granting([rule(["create"], ["nodes/proxy"]), rule(["get"], ["nodes"])], namespace="dev")
    assert namespaces_where(index, ALICE, "create", "nodes", subresource="proxy").is_empty
    assert namespaces_where(index, ALICE, "get", "nodes").is_empty


def test_namespaces_where_namespace_object_through_role_binding() -> None:
    index = index_granting([rule(["patch", "list"], ["namespaces"])], namespace="dev")
    scope = namespaces_where(index, ALICE, "patch", "namespaces")
    assert scope == NamespaceScope(namespaces={"dev": frozenset({"dev"})})
    assert namespaces_where(index, ALICE, "list", "namespaces").is_empty


def test_namespaces_where_nothing() -> None:
    scope = namespaces_where(docs_secret_reader_index(), ALICE, "get", "secrets")
    assert scope.is_empty and not scope.covers("development") and scope.names_in("development") == frozenset()


def test_rules_for_lists_cluster_role_bindings_first() -> None:
    roles = [cluster_role("r", [rule(["get"], ["pods"])])]
    bindings = [
        role_binding("dev", "ns-binding", "ClusterRole", "r", [subject("User", "alice")]),
        cluster_role_binding(
            "cluster-binding", "r", [subject("User", "alice"), subject("Group", "system:authenticated")]
        ),
    ]
    rules = RbacIndex(roles, bindings).rules_for(ALICE)
    # The binding names alice twice (user and group) but contributes its rules once.
    assert [(r.binding_kind, r.binding_name) for r in rules] == [
        ("ClusterRoleBinding", "cluster-binding"),
        ("RoleBinding", "ns-binding"),
    ]


def test_principal_accepts_any_iterable_of_groups() -> None:
    principal = Principal("bob", ["ops"])  # type: ignore[arg-type]
    assert principal.groups == frozenset({"ops"})
    assert can(group_index("ops"), principal, "list", "pods")
