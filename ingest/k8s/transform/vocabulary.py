"""The vocabulary: API kinds and the graph labels they become, and which kinds make a label complete."""

from __future__ import annotations

from collections import defaultdict

from ingest.k8s.kinds import KIND_BY_NAME

# API kind -> primary graph label (graph/schema.py NODE_KINDS). "Cluster", "Container", "User" and
# "Group" are not API objects: they are modelled from what references them.
GRAPH_LABEL_BY_KIND: dict[str, str] = {
    "Namespace": "Namespace",
    "Node": "Node",
    "Pod": "Pod",
    "ServiceAccount": "ServiceAccount",
    "Secret": "KubeSecret",
    "ConfigMap": "ConfigMap",
    "Service": "Service",
    "ReplicationController": "ReplicationController",
    "Deployment": "Deployment",
    "DaemonSet": "DaemonSet",
    "StatefulSet": "StatefulSet",
    "ReplicaSet": "ReplicaSet",
    "Job": "Job",
    "CronJob": "CronJob",
    "Role": "Role",
    "ClusterRole": "ClusterRole",
    "RoleBinding": "RoleBinding",
    "ClusterRoleBinding": "ClusterRoleBinding",
    "Ingress": "Ingress",
    "NetworkPolicy": "NetworkPolicy",
    "ValidatingWebhookConfiguration": "WebhookConfiguration",
    "MutatingWebhookConfiguration": "WebhookConfiguration",
    "Cluster": "Cluster",
    "Container": "Container",
    "User": "KubeUser",
    "Group": "KubeGroup",
}

# Kinds whose objects carry a pod template; each template container becomes a Container node.
POD_TEMPLATE_KINDS: tuple[str, ...] = (
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
)


def _label_sources() -> dict[str, frozenset[str]]:
    """Graph label -> the API kinds that must all be listed in full for the label to be complete."""
    sources: dict[str, set[str]] = defaultdict(set)
    for kind in KIND_BY_NAME:
        sources[GRAPH_LABEL_BY_KIND[kind]].add(kind)
    # Containers come from pods *and* from every controller's pod template: cleaning up stale
    # containers after a run that could not list Deployments would delete their template containers.
    sources["Container"] = {"Pod", *POD_TEMPLATE_KINDS}
    # Users and groups exist only as subjects of bindings and as identities the EKS aws-auth ConfigMap maps.
    sources["KubeUser"] = {"RoleBinding", "ClusterRoleBinding", "ConfigMap"}
    sources["KubeGroup"] = {"RoleBinding", "ClusterRoleBinding", "ConfigMap"}
    sources["Cluster"] = set()  # written on every run
    return {label: frozenset(kinds) for label, kinds in sources.items()}


LABEL_SOURCES: dict[str, frozenset[str]] = _label_sources()
