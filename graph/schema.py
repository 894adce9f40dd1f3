"""The graph's vocabulary: every node kind and structural edge kind, in one table.

The loader, the index DDL, the stale cleanup and the Cypher checks all read these tables; a label or
relationship type that is not here never reaches a query. Attack-edge types live in the attack catalogue
(`graph/attacks`), which registers them here as traversable.
"""

from __future__ import annotations

from dataclasses import dataclass

# Shared labels for concepts that span planes.
IDENTITY = "Identity"
SECRET = "Secret"
WORKLOAD = "Workload"
HIGH_VALUE = "HighValue"
# Every node kind carries this label too: one `uid` index that covers all kinds, so a lookup by a uid of
# any kind (the canned queries take uids) is an index seek instead of a scan of every node.
ENTITY = "Entity"
# The labels that are not a node's kind: `[l IN labels(n) WHERE NOT l IN SHARED_LABELS][0]` is its kind.
SHARED_LABELS = (ENTITY, HIGH_VALUE, IDENTITY, SECRET, WORKLOAD)


@dataclass(frozen=True)
class NodeKind:
    label: str  # the primary label; MERGE happens on (label, uid)
    plane: str  # "k8s" | "aws" | "gcp" | "bridgehead"
    extra_labels: tuple[str, ...] = ()
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.extra_labels, ENTITY)


@dataclass(frozen=True)
class EdgeKind:
    type: str
    description: str


def _kinds(*kinds: NodeKind) -> dict[str, NodeKind]:
    return {kind.label: kind for kind in kinds}


NODE_KINDS: dict[str, NodeKind] = _kinds(
    # Bridgehead's own nodes
    NodeKind("Internet", "bridgehead", description="Anyone on the internet: the default entry point"),
    NodeKind("ClusterAdmin", "k8s", (HIGH_VALUE,), "Cluster-admin of one cluster: whoever reaches it owns the cluster"),
    NodeKind("ClusterNodes", "k8s", description="Any node of one cluster: where a pod with spec.nodeName may land"),
    NodeKind("SyncRun", "bridgehead", description="The last collection of one scope: when, what, what was missing"),
    NodeKind(
        "Finding", "bridgehead", description="An attack path from an entry point to a crown jewel, tracked across runs"
    ),
    # Kubernetes
    NodeKind("Cluster", "k8s", description="A Kubernetes cluster (the tenant scope of its objects)"),
    NodeKind("Namespace", "k8s", description="A Kubernetes namespace, with its Pod Security labels"),
    NodeKind("Node", "k8s", (HIGH_VALUE,), "A Kubernetes node (node takeover is a crown jewel)"),
    NodeKind("Pod", "k8s", (WORKLOAD,), "A pod"),
    NodeKind("Container", "k8s", description="One container, initContainer or ephemeralContainer of a pod"),
    NodeKind("Deployment", "k8s", (WORKLOAD,), "A Deployment and its pod template"),
    NodeKind("DaemonSet", "k8s", (WORKLOAD,), "A DaemonSet and its pod template"),
    NodeKind("StatefulSet", "k8s", (WORKLOAD,), "A StatefulSet and its pod template"),
    NodeKind("ReplicaSet", "k8s", (WORKLOAD,), "A ReplicaSet and its pod template"),
    NodeKind("Job", "k8s", (WORKLOAD,), "A Job and its pod template"),
    NodeKind("CronJob", "k8s", (WORKLOAD,), "A CronJob and its pod template"),
    NodeKind("ReplicationController", "k8s", (WORKLOAD,), "A ReplicationController and its pod template"),
    NodeKind("ServiceAccount", "k8s", (IDENTITY,), "A Kubernetes service account"),
    NodeKind("KubeUser", "k8s", (IDENTITY,), "A user named as an RBAC subject"),
    NodeKind("KubeGroup", "k8s", (IDENTITY,), "A group named as an RBAC subject"),
    NodeKind("KubeSecret", "k8s", (SECRET, HIGH_VALUE), "A Kubernetes Secret (names, type and keys; never values)"),
    NodeKind("ConfigMap", "k8s", description="A ConfigMap (names and keys; values only when allow-listed)"),
    NodeKind("Role", "k8s", description="A namespaced RBAC Role with its rules"),
    NodeKind("ClusterRole", "k8s", description="A ClusterRole with its rules and aggregation"),
    NodeKind("RoleBinding", "k8s", description="A RoleBinding"),
    NodeKind("ClusterRoleBinding", "k8s", description="A ClusterRoleBinding"),
    NodeKind("Service", "k8s", description="A Service: type, ports, selector, exposure"),
    NodeKind("Ingress", "k8s", description="An Ingress: class, rules, backends, TLS"),
    NodeKind("NetworkPolicy", "k8s", description="A NetworkPolicy"),
    NodeKind("WebhookConfiguration", "k8s", description="A validating or mutating admission webhook configuration"),
)


STRUCTURAL_EDGES: dict[str, EdgeKind] = {
    kind.type: kind
    for kind in (
        EdgeKind("IN_CLUSTER", "a namespace or cluster-scoped object belongs to a cluster"),
        EdgeKind("IN_NAMESPACE", "a namespaced object lives in a namespace"),
        EdgeKind("RUNS_ON", "a pod is scheduled on a node"),
        EdgeKind("HAS_CONTAINER", "a pod or pod template has a container"),
        EdgeKind("USES_SERVICE_ACCOUNT", "a pod or pod template runs as a service account"),
        EdgeKind("OWNS", "a controller owns a pod or another controller (ownerReferences)"),
        EdgeKind("MOUNTS_SECRET", "a pod mounts or references a secret"),
        EdgeKind("MOUNTS_CONFIGMAP", "a pod mounts or references a configmap"),
        EdgeKind("BINDS_ROLE", "a binding grants a role or cluster role"),
        EdgeKind("HAS_SUBJECT", "a binding names a subject"),
        EdgeKind("AGGREGATES", "a cluster role aggregates another through its aggregationRule"),
        EdgeKind("SELECTS", "a service selects a pod"),
        EdgeKind("ROUTES_TO", "an ingress sends traffic to a service"),
        EdgeKind("TOKEN_FOR", "a service-account-token secret holds a token of a service account"),
        EdgeKind("APPLIES_TO", "a network policy selects a pod"),
        EdgeKind(
            "MEMBER_OF",
            "an identity belongs to a group without a binding saying so (a service account is in "
            "system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated)",
        ),
    )
}

# Attack-edge types are registered by the attack catalogue; traversal only ever follows these.
ATTACK_EDGES: dict[str, EdgeKind] = {}


def edge_kind(edge_type: str) -> EdgeKind:
    try:
        return STRUCTURAL_EDGES.get(edge_type) or ATTACK_EDGES[edge_type]
    except KeyError:
        raise KeyError(f"unknown edge type {edge_type!r}: add it to graph/schema.py or the attack catalogue") from None


def node_kind(label: str) -> NodeKind:
    try:
        return NODE_KINDS[label]
    except KeyError:
        raise KeyError(f"unknown node kind {label!r}: add it to NODE_KINDS in graph/schema.py") from None
