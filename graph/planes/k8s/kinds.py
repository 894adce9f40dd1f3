"""The Kubernetes vocabulary: node kinds and structural edge kinds (their uids: uids.py beside this)."""

from __future__ import annotations

from graph.schema import HIGH_VALUE, IDENTITY, SECRET, WORKLOAD, EdgeKind, NodeKind

PLANE = "k8s"
CONTROLLER_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "CronJob", "ReplicationController")
IDENTITY_KINDS = ("ServiceAccount", "KubeUser", "KubeGroup")
RED, ROSE, ORANGE, AMBER, VIOLET, BLUE, CYAN, GREEN = (
    "#b91c1c",
    "#be185d",
    "#ea580c",
    "#d97706",
    "#7c3aed",
    "#2563eb",
    "#0891b2",
    "#059669",
)


def _kind(label: str, description: str, *words: str, extra: tuple[str, ...] = (), **options: object) -> NodeKind:
    return NodeKind(label, PLANE, extra, description, words, **options)  # type: ignore[arg-type]


def _controller(label: str) -> NodeKind:
    article = "An" if label[0] in "AEIOU" else "A"
    return _kind(label, f"{article} {label} and its pod template", label.lower(), extra=(WORKLOAD,), facts=True)


NODE_KINDS: tuple[NodeKind, ...] = (
    _kind("ClusterAdmin", "Cluster-admin of one cluster: whoever reaches it owns the cluster", "cluster-admin",
          "clusteradmin", extra=(HIGH_VALUE,), scoping="tenant", anchor=True, jewel="cluster-admin", color=RED),
    _kind("ClusterNodes", "Any node of one cluster: where a pod with spec.nodeName may land", "nodes",
          scoping="tenant", anchor=True, jewel="any-node", color=ORANGE),
    # One per namespace, so not an `anchor` (one per tenant, named by its word alone): scoped by its tenant and
    # named after its namespace, `namespace-admin:shop` or `namespace-admin:prod/shop` names it. Not a crown
    # jewel: a waypoint whose edges say what an admin of the namespace reaches (rules/rbac_abuse.py).
    _kind("NamespaceAdmin", "Admin of one namespace: whoever reaches it holds what the built-in admin "
          "ClusterRole grants there (its secrets, pods, workloads, service accounts)", "namespace-admin",
          "nsadmin", scoping="tenant", color=ROSE),
    _kind("Cluster", "A Kubernetes cluster (the tenant scope of its objects)", "cluster", scoping="global", facts=True),
    _kind("Namespace", "A Kubernetes namespace, with its Pod Security labels", "namespace", "ns", scoping="tenant",
          facts=True),
    _kind("Node", "A Kubernetes node (node takeover is a crown jewel)", "node", extra=(HIGH_VALUE,), scoping="tenant",
          jewel="node", color=ORANGE, facts=True),
    _kind("Pod", "A pod", "pod", extra=(WORKLOAD,), color=BLUE, facts=True),
    _kind("Container", "One container, initContainer or ephemeralContainer of a pod", "container", color=CYAN,
          facts=True),
    *(_controller(label) for label in CONTROLLER_KINDS),
    _kind("ServiceAccount", "A Kubernetes service account", "sa", "serviceaccount", extra=(IDENTITY,), color=VIOLET,
          facts=True),
    _kind("KubeUser", "A user named as an RBAC subject or mapped by aws-auth", "user", extra=(IDENTITY,),
          scoping="tenant", color=VIOLET, facts=True),
    _kind("KubeGroup", "A group named as an RBAC subject or mapped by aws-auth", "group", extra=(IDENTITY,),
          scoping="tenant", color=VIOLET, facts=True),
    _kind("KubeSecret", "A Kubernetes Secret (names, type and keys; never values)", "secret",
          extra=(SECRET, HIGH_VALUE), jewel="secret", color=AMBER, facts=True),
    _kind("ConfigMap", "A ConfigMap (names and keys; values only when allow-listed)", "configmap", facts=True),
    _kind("Role", "A namespaced RBAC Role with its rules", "role", facts=True),
    _kind("ClusterRole", "A ClusterRole with its rules and aggregation", "clusterrole", scoping="tenant", facts=True),
    _kind("RoleBinding", "A RoleBinding", "rolebinding", facts=True),
    _kind("ClusterRoleBinding", "A ClusterRoleBinding", "clusterrolebinding", scoping="tenant", facts=True),
    _kind("Service", "A Service: type, ports, selector, exposure", "service", "svc", color=GREEN, facts=True),
    _kind("Ingress", "An Ingress: class, rules, backends, TLS", "ingress", color=GREEN, facts=True),
    _kind("NetworkPolicy", "A NetworkPolicy", "networkpolicy", facts=True),
    _kind("WebhookConfiguration", "A validating or mutating admission webhook configuration", "webhook",
          scoping="tenant", facts=True),
)  # fmt: skip

_NAMESPACED = tuple(k.label for k in NODE_KINDS if k.scoping == "namespaced" and k.label != "Container")
_CLUSTER_SCOPED = ("Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "KubeUser", "KubeGroup",
                   "WebhookConfiguration")  # fmt: skip
_TEMPLATE_OWNERS = ("Pod", *CONTROLLER_KINDS)


def _edge(edge_type: str, description: str, sources: tuple[str, ...], targets: tuple[str, ...]) -> EdgeKind:
    return EdgeKind(edge_type, description, sources, targets)


EDGE_KINDS: tuple[EdgeKind, ...] = (
    _edge("IN_CLUSTER", "a namespace or cluster-scoped object belongs to a cluster", _CLUSTER_SCOPED, ("Cluster",)),
    _edge("IN_NAMESPACE", "a namespaced object lives in a namespace", _NAMESPACED, ("Namespace",)),
    _edge("RUNS_ON", "a pod is scheduled on a node", ("Pod",), ("Node",)),
    _edge("HAS_CONTAINER", "a pod or pod template has a container", _TEMPLATE_OWNERS, ("Container",)),
    _edge("USES_SERVICE_ACCOUNT", "a pod or pod template runs as a service account", _TEMPLATE_OWNERS,
          ("ServiceAccount",)),
    _edge("OWNS", "a controller owns a pod or another controller (ownerReferences)", CONTROLLER_KINDS,
          _TEMPLATE_OWNERS),
    _edge("MOUNTS_SECRET", "a pod mounts or references a secret", _TEMPLATE_OWNERS, ("KubeSecret",)),
    _edge("MOUNTS_CONFIGMAP", "a pod mounts or references a configmap", _TEMPLATE_OWNERS, ("ConfigMap",)),
    _edge("BINDS_ROLE", "a binding grants a role or cluster role", ("RoleBinding", "ClusterRoleBinding"),
          ("Role", "ClusterRole")),
    _edge("HAS_SUBJECT", "a binding names a subject", ("RoleBinding", "ClusterRoleBinding"), IDENTITY_KINDS),
    _edge("AGGREGATES", "a cluster role aggregates another through its aggregationRule", ("ClusterRole",),
          ("ClusterRole",)),
    _edge("SELECTS", "a service selects a pod", ("Service",), ("Pod",)),
    _edge("ROUTES_TO", "an ingress sends traffic to a service", ("Ingress",), ("Service",)),
    _edge("TOKEN_FOR", "a service-account-token secret holds a token of a service account", ("KubeSecret",),
          ("ServiceAccount",)),
    _edge("APPLIES_TO", "a network policy selects a pod", ("NetworkPolicy",), ("Pod",)),
    _edge("MEMBER_OF", "an identity belongs to a group without a binding saying so (a service account is in "
          "system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated; aws-auth maps a user "
          "into its groups)", ("ServiceAccount", "KubeUser"), ("KubeGroup",)),
)  # fmt: skip
FACT_LINKS = ("RUNS_ON", "HAS_CONTAINER", "USES_SERVICE_ACCOUNT", "OWNS", "MOUNTS_SECRET", "SELECTS", "ROUTES_TO",
              "TOKEN_FOR", "APPLIES_TO", "MEMBER_OF")  # fmt: skip
# What `bridgehead export` carries for Kubernetes nodes (the rest stays in the graph).
EXPORT_PROPERTIES = ("privileged", "host_pid", "host_network", "host_ipc", "image", "container_type",
                     "service_account", "token_mounted", "node_name", "type", "pss_enforce", "external_ips",
                     "provider_id", "irsa_role_arn", "gcp_service_account", "lb_internal")  # fmt: skip
