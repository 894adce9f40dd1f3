"""The Kubernetes kinds Bridgehead collects: one table, read by the live collector, the file reader,
the snapshot writer and the fake API server in the tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KubeKind:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str  # the resource name in URLs and RBAC rules, also the snapshot file name
    namespaced: bool

    @property
    def api_version(self) -> str:
        """`apiVersion` as objects carry it: "v1" for the core group, "apps/v1" otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_path(self) -> str:
        """Path that lists every object of this kind in all namespaces."""
        return f"{_group_prefix(self.group, self.version)}/{self.plural}"

    def namespaced_list_path(self, namespace: str) -> str:
        """Path that lists the objects of this (namespaced) kind in one namespace."""
        if not self.namespaced:
            raise ValueError(f"{self.kind} is cluster-scoped; it has no per-namespace list path")
        return f"{_group_prefix(self.group, self.version)}/namespaces/{namespace}/{self.plural}"


def _group_prefix(group: str, version: str) -> str:
    return f"/apis/{group}/{version}" if group else f"/api/{version}"


ALL_KINDS: tuple[KubeKind, ...] = (
    KubeKind("Namespace", "", "v1", "namespaces", namespaced=False),
    KubeKind("Node", "", "v1", "nodes", namespaced=False),
    KubeKind("Pod", "", "v1", "pods", namespaced=True),
    KubeKind("ServiceAccount", "", "v1", "serviceaccounts", namespaced=True),
    KubeKind("Secret", "", "v1", "secrets", namespaced=True),
    KubeKind("ConfigMap", "", "v1", "configmaps", namespaced=True),
    KubeKind("Service", "", "v1", "services", namespaced=True),
    KubeKind("ReplicationController", "", "v1", "replicationcontrollers", namespaced=True),
    KubeKind("Deployment", "apps", "v1", "deployments", namespaced=True),
    KubeKind("DaemonSet", "apps", "v1", "daemonsets", namespaced=True),
    KubeKind("StatefulSet", "apps", "v1", "statefulsets", namespaced=True),
    KubeKind("ReplicaSet", "apps", "v1", "replicasets", namespaced=True),
    KubeKind("Job", "batch", "v1", "jobs", namespaced=True),
    KubeKind("CronJob", "batch", "v1", "cronjobs", namespaced=True),
    KubeKind("Role", "rbac.authorization.k8s.io", "v1", "roles", namespaced=True),
    KubeKind("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", namespaced=False),
    KubeKind("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", namespaced=True),
    KubeKind("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", namespaced=False),
    KubeKind("Ingress", "networking.k8s.io", "v1", "ingresses", namespaced=True),
    KubeKind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", namespaced=True),
    KubeKind(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        namespaced=False,
    ),
    KubeKind(
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        namespaced=False,
    ),
)

KIND_BY_NAME: dict[str, KubeKind] = {k.kind: k for k in ALL_KINDS}
KIND_BY_PLURAL: dict[str, KubeKind] = {k.plural: k for k in ALL_KINDS}

# Older API groups that served the same kind before it graduated. Offline files (old dumps, old
# manifests) may still use them; the object shape is close enough for the transform to read.
_LEGACY_GROUPS: dict[str, frozenset[str]] = {
    "Deployment": frozenset({"extensions"}),
    "DaemonSet": frozenset({"extensions"}),
    "ReplicaSet": frozenset({"extensions"}),
    "Ingress": frozenset({"extensions"}),
    "NetworkPolicy": frozenset({"extensions"}),
}


def list_path(kind: KubeKind | str) -> str:
    """All-namespaces list path for a kind, e.g. `/api/v1/pods`, `/apis/apps/v1/deployments`."""
    return resolve_kind(kind).list_path


def resolve_kind(kind: KubeKind | str) -> KubeKind:
    """The table entry for a kind given by entry or by name ("Pod"); a clear error for anything else."""
    if isinstance(kind, KubeKind):
        return kind
    found = KIND_BY_NAME.get(kind)
    if found is None:
        known = ", ".join(sorted(KIND_BY_NAME))
        raise ValueError(f"unknown kind {kind!r}: Bridgehead collects only {known}")
    return found


def group_of(api_version: str) -> str:
    """API group of an `apiVersion` string: "" for "v1", "apps" for "apps/v1"."""
    group, _, _version = api_version.rpartition("/")
    return group


def kind_for(api_version: str, kind: str) -> KubeKind | None:
    """The table entry for an object's (apiVersion, kind), or None when Bridgehead does not collect it.

    Matching the group as well as the name keeps look-alike custom resources (a `Role` in some CRD
    group) from being read as RBAC objects.
    """
    entry = KIND_BY_NAME.get(kind)
    if entry is None:
        return None
    group = group_of(api_version)
    if group == entry.group or group in _LEGACY_GROUPS.get(kind, frozenset()):
        return entry
    return None
