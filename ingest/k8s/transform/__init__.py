"""Kubernetes objects in, graph records out: the transform half of Kubernetes ingestion.

Pure functions, no I/O. The input is what a collector produced: API-shaped objects (exactly what
`kubectl get -o json` returns, camelCase, already redacted) keyed by kind. The output is `Records`
(graph/records.py): typed node records, structural edge records, the graph labels this snapshot is
authoritative for, and the objects that could not be read (each named; the rest is transformed regardless).

The attack analysis reads only the graph, never the raw objects, so every security-relevant field is
kept here: as a scalar property, as a list of scalars, or as JSON text when it is structured (RBAC
rules stay per rule, with apiGroups and resourceNames exactly as written). uids are built by
graph/planes/k8s/uids.py and nowhere else.

- `vocabulary`  API kinds and the graph labels they become; which kinds make a label complete
- `fields`      field readers that name the field when the shape is wrong; label selectors
- `objects`     one object in flight (`Entry`) and the metadata every object has
- `workloads`   namespaces, nodes, pods, pod templates, containers (volumes, env, security context)
- `identity`    service accounts, secrets, configmaps, the EKS aws-auth mappings
- `rbac`        roles, bindings and their subjects
- `network`     services, ingresses, network policies, admission webhooks
- `passes`      cross-object passes (selection, ownership, tokens, memberships) and assembly
- `implied`     objects Kubernetes guarantees that the snapshot lacks (a namespace's `default` service
                account, a node's kubelet identity), marked `implicit`; real data always wins
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from graph.records import Records, check_edge, check_node
from ingest.k8s.transform.fields import LabelSelector, ObjectProblem, parse_label_selector
from ingest.k8s.transform.identity import transform_configmap, transform_secret, transform_service_account
from ingest.k8s.transform.implied import implied_objects
from ingest.k8s.transform.network import (
    transform_ingress,
    transform_network_policy,
    transform_service,
    transform_webhook_configuration,
)
from ingest.k8s.transform.objects import Entry, Transform, cluster_node, transform_one
from ingest.k8s.transform.passes import (
    add_network_policy_targets,
    add_ownership_edges,
    add_role_aggregation,
    add_service_selections,
    closed_world_edges,
    complete_labels,
    decide_token_mounts,
    implicit_group_memberships,
    unique_edges,
    unique_nodes,
)
from ingest.k8s.transform.rbac import transform_binding, transform_role
from ingest.k8s.transform.vocabulary import GRAPH_LABEL_BY_KIND, LABEL_SOURCES, POD_TEMPLATE_KINDS
from ingest.k8s.transform.workloads import transform_controller, transform_namespace, transform_node, transform_pod

if TYPE_CHECKING:
    from ingest.k8s.snapshot import K8sSnapshot

__all__ = [
    "GRAPH_LABEL_BY_KIND",
    "LABEL_SOURCES",
    "POD_TEMPLATE_KINDS",
    "LabelSelector",
    "ObjectProblem",
    "parse_label_selector",
    "transform_objects",
    "transform_snapshot",
]

TRANSFORMS: dict[str, Transform] = {
    "Namespace": transform_namespace,
    "Node": transform_node,
    "Pod": transform_pod,
    "ServiceAccount": transform_service_account,
    "Secret": transform_secret,
    "ConfigMap": transform_configmap,
    "Service": transform_service,
    **{kind: transform_controller for kind in POD_TEMPLATE_KINDS},
    "Role": transform_role,
    "ClusterRole": transform_role,
    "RoleBinding": transform_binding,
    "ClusterRoleBinding": transform_binding,
    "Ingress": transform_ingress,
    "NetworkPolicy": transform_network_policy,
    "ValidatingWebhookConfiguration": transform_webhook_configuration,
    "MutatingWebhookConfiguration": transform_webhook_configuration,
}


def transform_snapshot(snapshot: K8sSnapshot) -> Records:
    """Records of a collected snapshot (live or offline: both produce the same `K8sSnapshot`)."""
    return transform_objects(snapshot.cluster, snapshot.objects, snapshot.collected_kinds, snapshot.version)


def transform_objects(
    cluster: str,
    objects: Mapping[str, Sequence[Mapping[str, Any]]],
    collected_kinds: Collection[str],
    version: Mapping[str, Any] | None = None,
) -> Records:
    """Transform API-shaped objects keyed by kind into node and structural-edge records.

    `collected_kinds` are the API kinds listed completely; they decide `complete_kinds`. An object
    that cannot be read lands in `problems` (naming kind, namespace and name) and contributes nothing;
    its kind is then not reported complete, so the loader's stale cleanup cannot delete what an
    earlier run loaded for it.
    """
    if not cluster:
        raise ValueError("transform_objects needs a cluster name: every uid is scoped by it")

    problems: list[str] = []
    skipped_kinds: set[str] = set()
    entries: dict[str, Entry] = {}  # by uid: the same object listed twice, the later one wins
    for kind, items in objects.items():
        transform = TRANSFORMS.get(kind)
        if transform is None:
            problems.append(f"{len(items)} {kind} object(s): Bridgehead does not transform this kind; skipped")
            skipped_kinds.add(kind)
            continue
        for index, obj in enumerate(items):
            entry = transform_one(cluster, kind, obj, index, transform, problems)
            if entry is None:
                skipped_kinds.add(kind)
            else:
                entries[entry.uid] = entry

    cluster_record = cluster_node(cluster, version)
    all_entries = list(entries.values())
    add_ownership_edges(cluster, all_entries)
    add_service_selections(all_entries)
    add_network_policy_targets(all_entries)
    add_role_aggregation(all_entries)
    decide_token_mounts(all_entries)

    complete = complete_labels(collected_kinds, skipped_kinds)
    nodes = unique_nodes([cluster_record, *(node for entry in all_entries for node in entry.records())])
    # Implied objects never make a label complete: stale cleanup stays decided by what was listed.
    implied = implied_objects(cluster, all_entries, nodes, complete)
    if implied.additions:
        nodes = unique_nodes([*nodes, *implied.additions])
    nodes += implied.nodes
    edges = closed_world_edges(
        unique_edges(
            [
                *(edge for entry in all_entries for edge in entry.edges),
                *implicit_group_memberships(cluster, all_entries, implied.service_accounts, implied.users),
                *implied.edges,
            ]
        ),
        nodes,
        complete,
    )
    for node in nodes:
        check_node(node)
    for edge in edges:
        check_edge(edge)
    return Records(nodes=nodes, edges=edges, complete_kinds=complete, problems=problems)
