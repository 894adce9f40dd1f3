"""RBAC: roles with every rule as written, bindings and their subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.planes.k8s import uids
from graph.records import EdgeRecord, NodeRecord, as_json
from ingest.k8s.transform.fields import (
    ObjectProblem,
    json_text,
    mapping,
    mappings,
    opt_str,
    parse_label_selector,
    required_str,
    sequence,
    str_list,
)
from ingest.k8s.transform.objects import Entry
from ingest.k8s.transform.vocabulary import GRAPH_LABEL_BY_KIND

RBAC_RULE_FIELDS = ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs")


def _rbac_rules(value: Any, path: str) -> list[dict[str, list[str]]]:
    """Every rule kept on its own, each of its five lists exactly as written (missing = empty)."""
    return [
        {key: str_list(rule.get(key), f"{path}[{index}].{key}") for key in RBAC_RULE_FIELDS}
        for index, rule in enumerate(mappings(value, path))
    ]


def transform_role(entry: Entry, obj: Mapping[str, Any]) -> None:
    rules = _rbac_rules(obj.get("rules"), "rules")
    entry.props.update(rules_json=as_json(rules), rule_count=len(rules))
    if entry.kind == "ClusterRole":
        aggregation = mapping(obj.get("aggregationRule"), "aggregationRule")
        selectors = sequence(aggregation.get("clusterRoleSelectors"), "aggregationRule.clusterRoleSelectors")
        entry.aggregation = [
            parse_label_selector(selector, f"aggregationRule.clusterRoleSelectors[{index}]")
            for index, selector in enumerate(selectors)
        ]
        entry.props["aggregation_json"] = (
            json_text(selectors, "aggregationRule.clusterRoleSelectors") if aggregation else None
        )


SUBJECT_KINDS = frozenset({"ServiceAccount", "User", "Group"})
SA_USERNAME_PREFIX = "system:serviceaccount:"


def transform_binding(entry: Entry, obj: Mapping[str, Any]) -> None:
    role_ref = mapping(obj.get("roleRef"), "roleRef")
    role_kind = required_str(role_ref.get("kind"), "roleRef.kind")
    role_name = required_str(role_ref.get("name"), "roleRef.name")
    allowed = ("Role", "ClusterRole") if entry.kind == "RoleBinding" else ("ClusterRole",)
    if role_kind not in allowed:
        raise ObjectProblem(f"roleRef.kind {role_kind!r} is not one of {', '.join(allowed)}")

    subjects = mappings(obj.get("subjects"), "subjects")
    kept_subjects = [
        {key: subject.get(key) for key in ("kind", "name", "namespace", "apiGroup") if subject.get(key) is not None}
        for subject in subjects
    ]
    entry.props.update(role_kind=role_kind, role_name=role_name, subjects_json=json_text(kept_subjects, "subjects"))

    # A RoleBinding grants even a ClusterRole only inside its own namespace.
    grant_scope = "namespace" if entry.kind == "RoleBinding" else "cluster"
    role_namespace = entry.namespace if role_kind == "Role" else None
    entry.link_object(
        "BINDS_ROLE", role_kind, role_name, role_namespace, grant_scope=grant_scope, namespace=entry.namespace
    )

    for index, subject in enumerate(subjects):
        _link_subject(entry, subject, f"subjects[{index}]")


def _link_subject(entry: Entry, subject: Mapping[str, Any], path: str) -> None:
    kind = required_str(subject.get("kind"), f"{path}.kind")
    name = required_str(subject.get("name"), f"{path}.name")
    if kind not in SUBJECT_KINDS:
        raise ObjectProblem(f"{path}.kind {kind!r} is not one of {', '.join(sorted(SUBJECT_KINDS))}")
    if kind == "ServiceAccount":
        # The RBAC authorizer reads a RoleBinding's SA subject without namespace as the binding's own.
        namespace = opt_str(subject.get("namespace"), f"{path}.namespace") or entry.namespace
        if not namespace:
            raise ObjectProblem(f"{path}: ServiceAccount subject {name!r} has no namespace")
        entry.link_object("HAS_SUBJECT", "ServiceAccount", name, namespace, subject_kind=kind)
        return
    if kind == "User" and name.startswith(SA_USERNAME_PREFIX) and name.count(":") == 3:
        # `system:serviceaccount:<ns>:<name>` is the service account's own username.
        _, _, sa_namespace, sa_name = name.split(":")
        if sa_namespace and sa_name:
            entry.link_object("HAS_SUBJECT", "ServiceAccount", sa_name, sa_namespace, subject_kind=kind)
            return
    subject_uid = uids.object_uid(entry.cluster, kind, name)
    entry.nodes.append(
        NodeRecord(GRAPH_LABEL_BY_KIND[kind], subject_uid, {"name": name, "kind": kind, "cluster": entry.cluster})
    )
    entry.edges.append(
        EdgeRecord(
            "IN_CLUSTER",
            GRAPH_LABEL_BY_KIND[kind],
            subject_uid,
            "Cluster",
            uids.object_uid(entry.cluster, "Cluster", entry.cluster),
        )
    )
    entry.link("HAS_SUBJECT", kind, subject_uid, subject_kind=kind)
