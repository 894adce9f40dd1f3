"""Objects Kubernetes guarantees that a snapshot may not hold: implied, marked `implicit = true`.

An offline dump (`kubectl get pods -A -o json`) often lacks ServiceAccounts and Namespaces. Without them a
pod's token, the service account's groups and everything reachable through them silently vanish. These
records stand in for them, with the structural edges a real object would get; the loader writes them only
where no real node exists (graph/loader.py), so real data, from this snapshot or an earlier one, wins.

- **Namespaces** every listed namespaced object lives in: the API server admits no object into a namespace
  that does not exist (NamespaceLifecycle), so such a namespace exists even if the listing lacks it.
- **The `default` service account of every namespace** (listed or implied): the service-account controller
  creates it in every namespace and recreates it when it is deleted. It is implied even when service
  accounts were listed in full: a complete listing without it is a namespace being torn down or an
  offline dump that counts as complete because it holds some service accounts.
- **Another service account a pod or pod template names**, only when service accounts were *not* listed in
  full. Admission refuses a pod whose service account does not exist, so the pod proves it existed when
  the pod was created, and a dump without service accounts most likely just lacks it. When the listing is
  complete and the account is absent, it was deleted after: its bound tokens are rejected (the token
  authenticator checks the account still exists with the same uid) and a template naming it cannot make
  pods, so nothing is implied; the closed-world rule drops the edge, the name stays in `service_account`.
- **Kubelet identities**: every node's kubelet authenticates as user `system:node:<node>` in group
  `system:nodes` (the node authorizer's subjects). The user carries `kubelet_node = <node>`; the group is
  implicit unless a binding subject or aws-auth names it, then it is real.

Memberships of implied identities (`system:serviceaccounts`, `system:authenticated`, ...) follow the same
rule as real ones (passes.implicit_group_memberships): only groups some binding names get an edge; the
kubelet's `system:nodes` membership is always written (property `via = "node identity"`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.planes.k8s import uids
from graph.records import EdgeRecord, NodeRecord
from ingest.k8s.transform.objects import Entry

DEFAULT_SERVICE_ACCOUNT = "default"
NODES_GROUP = "system:nodes"
NODE_USER_PREFIX = "system:node:"
NODE_IDENTITY = "node identity"  # `via` of the kubelet's MEMBER_OF system:nodes

REASON_NAMESPACE = "objects of the snapshot live in this namespace; the snapshot does not list it"
REASON_DEFAULT_SA = "every namespace has a default service account; the snapshot does not list it"
REASON_NAMED_SA = "a pod or pod template runs as this service account; service accounts were not collected"
REASON_KUBELET = "the kubelet of node {node} authenticates as this user"
REASON_NODES_GROUP = "every kubelet is in this group; no binding or aws-auth mapping names it"


@dataclass
class Implied:
    """What the snapshot implies: implicit nodes, their structural edges, properties to add to real nodes
    (a binding subject that is a kubelet's user gets `kubelet_node`), and the implied identities whose
    group memberships are added like those of real ones."""

    nodes: list[NodeRecord] = field(default_factory=list)
    edges: list[EdgeRecord] = field(default_factory=list)
    additions: list[NodeRecord] = field(default_factory=list)
    service_accounts: list[tuple[str, str]] = field(default_factory=list)  # (namespace, uid)
    users: list[str] = field(default_factory=list)  # names


def implied_objects(
    cluster: str, entries: Iterable[Entry], real_nodes: Iterable[NodeRecord], complete: Collection[str]
) -> Implied:
    """The implicit objects of one snapshot (`real_nodes`: every node the objects themselves produced)."""
    entries = list(entries)
    builder = _Builder(cluster, {(node.kind, node.uid) for node in real_nodes})

    listed_namespaces = {entry.name for entry in entries if entry.kind == "Namespace"}
    used_namespaces = {entry.namespace for entry in entries if entry.namespace}
    for namespace in sorted(used_namespaces - listed_namespaces):
        uid = uids.object_uid(cluster, "Namespace", namespace)
        if builder.add("Namespace", uid, {"name": namespace, "kind": "Namespace"}, REASON_NAMESPACE):
            builder.in_cluster("Namespace", uid)

    wanted = [(ns, DEFAULT_SERVICE_ACCOUNT, REASON_DEFAULT_SA) for ns in sorted(used_namespaces | listed_namespaces)]
    if "ServiceAccount" not in complete:
        wanted += sorted(
            {
                (entry.namespace, entry.pod_spec.service_account, REASON_NAMED_SA)
                for entry in entries
                if entry.pod_spec is not None and entry.namespace
            }
        )
    for namespace, name, reason in wanted:
        builder.service_account(namespace, name, reason)

    builder.kubelet_identities(sorted(entry.name for entry in entries if entry.kind == "Node"))
    return builder.implied


@dataclass
class _Builder:
    cluster: str
    real: set[tuple[str, str]]
    implied: Implied = field(default_factory=Implied)
    added: set[tuple[str, str]] = field(default_factory=set)

    def add(self, kind: str, uid: str, props: dict[str, Any], reason: str) -> bool:
        """An implicit node, unless a real or implied one of that uid exists already."""
        if (kind, uid) in self.real or (kind, uid) in self.added:
            return False
        self.added.add((kind, uid))
        props = {**props, "cluster": self.cluster, "implicit": True, "implicit_reason": reason}
        self.implied.nodes.append(NodeRecord(kind, uid, props, implicit=True))
        return True

    def in_cluster(self, kind: str, uid: str) -> None:
        cluster_uid = uids.object_uid(self.cluster, "Cluster", self.cluster)
        self.implied.edges.append(EdgeRecord("IN_CLUSTER", kind, uid, "Cluster", cluster_uid))

    def service_account(self, namespace: str, name: str, reason: str) -> None:
        uid = uids.service_account_uid(self.cluster, namespace, name)
        props = {
            "name": name,
            "kind": "ServiceAccount",
            "namespace": namespace,
            "username": f"system:serviceaccount:{namespace}:{name}",
        }
        if self.add("ServiceAccount", uid, props, reason):
            namespace_uid = uids.object_uid(self.cluster, "Namespace", namespace)
            self.implied.edges.append(EdgeRecord("IN_NAMESPACE", "ServiceAccount", uid, "Namespace", namespace_uid))
            self.implied.service_accounts.append((namespace, uid))

    def kubelet_identities(self, node_names: list[str]) -> None:
        if not node_names:
            return
        group_uid = uids.group_uid(self.cluster, NODES_GROUP)
        if self.add("KubeGroup", group_uid, {"name": NODES_GROUP, "kind": "Group"}, REASON_NODES_GROUP):
            self.in_cluster("KubeGroup", group_uid)
        for node in node_names:
            name = f"{NODE_USER_PREFIX}{node}"
            uid = uids.user_uid(self.cluster, name)
            props = {"name": name, "kind": "User", "kubelet_node": node}
            if ("KubeUser", uid) in self.real:
                # A binding names the kubelet's user: the node stays real and says whose kubelet it is.
                self.implied.additions.append(NodeRecord("KubeUser", uid, {"kubelet_node": node}))
            elif self.add("KubeUser", uid, props, REASON_KUBELET.format(node=node)):
                self.in_cluster("KubeUser", uid)
                self.implied.users.append(name)
            self.implied.edges.append(
                EdgeRecord(
                    "MEMBER_OF", "KubeUser", uid, "KubeGroup", group_uid, {"via": NODE_IDENTITY, "implicit": True}
                )
            )
