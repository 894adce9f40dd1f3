"""Kubernetes uids: the only place that formats or parses them.

    k8s:<cluster>                                       the cluster
    k8s:<cluster>:<kind>:<name>                         a cluster-scoped object (`node`, `clusterrole`, `user`, ...)
    k8s:<cluster>:<kind>:<namespace>/<name>             a namespaced object (`pod`, `serviceaccount`, `secret`, ...)
    k8s:<cluster>:container:<namespace>/<pod>/<name>    a pod's container
    k8s:<cluster>:container:<namespace>/<kind>/<controller>/<name>   a pod template's container
    k8s:<cluster>:cluster-admin, k8s:<cluster>:nodes    the plane's anchors
    k8s:<cluster>:namespace-admin:<namespace>           admin of one namespace (an anchor per namespace)

`<kind>` is the Kubernetes kind in lower case ("secret", not the graph label "KubeSecret"); RBAC subjects
are `user` and `group`. Names may contain ':' (`system:serviceaccounts`), so a uid splits on the first three.
"""

from __future__ import annotations

from graph.planes import ParsedUid

PREFIX = "k8s"


def scope(cluster: str) -> str:
    """The loader's scope of one cluster's objects (and the cluster node's own uid)."""
    return f"{PREFIX}:{cluster}"


def object_uid(cluster: str, kind: str, name: str, namespace: str | None = None) -> str:
    """The uid of a Kubernetes object (or RBAC "User"/"Group"); "Cluster" gives the cluster's own uid."""
    if kind == "Cluster":
        return scope(cluster)
    scoped = f"{namespace}/{name}" if namespace is not None else name
    return f"{PREFIX}:{cluster}:{kind.lower()}:{scoped}"


def container_uid(cluster: str, namespace: str, workload_kind: str, workload_name: str, container: str) -> str:
    """A pod's container (`<ns>/<pod>/<c>`) or a pod template's container (`<ns>/<kind>/<name>/<c>`)."""
    if workload_kind == "Pod":
        return f"{PREFIX}:{cluster}:container:{namespace}/{workload_name}/{container}"
    return f"{PREFIX}:{cluster}:container:{namespace}/{workload_kind.lower()}/{workload_name}/{container}"


def service_account_uid(cluster: str, namespace: str, name: str) -> str:
    return object_uid(cluster, "ServiceAccount", name, namespace)


def secret_uid(cluster: str, namespace: str, name: str) -> str:
    return object_uid(cluster, "Secret", name, namespace)


def configmap_uid(cluster: str, namespace: str, name: str) -> str:
    return object_uid(cluster, "ConfigMap", name, namespace)


def user_uid(cluster: str, name: str) -> str:
    return object_uid(cluster, "User", name)


def group_uid(cluster: str, name: str) -> str:
    return object_uid(cluster, "Group", name)


def cluster_admin_uid(cluster: str) -> str:
    return f"{PREFIX}:{cluster}:cluster-admin"


def cluster_nodes_uid(cluster: str) -> str:
    """The anchor standing for "any node of this cluster" (where a hand-placed pod may land)."""
    return f"{PREFIX}:{cluster}:nodes"


def namespace_admin_uid(cluster: str, namespace: str) -> str:
    """The anchor standing for "admin of this namespace" (what the built-in admin ClusterRole grants there).
    It parses as kind `namespace-admin` named after the namespace, so a REF `namespace-admin:<ns>` names it."""
    return f"{PREFIX}:{cluster}:namespace-admin:{namespace}"


def parse_uid(uid: str) -> ParsedUid | None:
    """The parts of a Kubernetes uid, or None when `uid` is not one."""
    prefix, sep, rest = uid.partition(":")
    if prefix != PREFIX or not sep or not rest:
        return None
    cluster, sep, rest = rest.partition(":")
    if not sep:
        return ParsedUid(PREFIX, cluster, "cluster", None, cluster)
    kind_word, sep, path = rest.partition(":")
    if not sep:  # an anchor: k8s:<cluster>:cluster-admin
        return ParsedUid(PREFIX, cluster, kind_word, None, kind_word)
    if kind_word in {"user", "group"} or "/" not in path:  # RBAC names may hold '/' and ':'
        return ParsedUid(PREFIX, cluster, kind_word, None, path)
    namespace, _, name = path.partition("/")
    return ParsedUid(PREFIX, cluster, kind_word, namespace, name)


def template_workload(uid: str) -> str | None:
    """ "Deployment shop/web" when `uid` is a container of that controller's pod template, else None (a pod's
    container names only its pod: `<ns>/<pod>/<c>`; a template's names its controller: `<ns>/<kind>/<name>/<c>`)."""
    from graph.planes.k8s.kinds import CONTROLLER_KINDS

    parsed = parse_uid(uid)
    if parsed is None or parsed.kind_word != "container" or not parsed.namespace:
        return None
    parts = parsed.name.split("/")
    kinds = {kind.lower(): kind for kind in CONTROLLER_KINDS}
    if len(parts) != 3 or parts[0] not in kinds:
        return None
    return f"{kinds[parts[0]]} {parsed.namespace}/{parts[1]}"
