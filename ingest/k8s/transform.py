"""Kubernetes objects in, graph records out: the transform half of Kubernetes ingestion.

Pure functions, no I/O. The input is what a collector produced: API-shaped objects (exactly what
`kubectl get -o json` returns, camelCase, already redacted) keyed by kind. The output is `K8sRecords`:
typed node records, structural edge records, the graph labels this snapshot is authoritative for, and
the objects that could not be read (each named; the rest is transformed regardless).

The attack analysis reads only the graph, never the raw objects, so every security-relevant field is
kept here: as a scalar property, as a list of scalars, or as JSON text when it is structured (RBAC
rules stay per rule, with apiGroups and resourceNames exactly as written).

uid conventions (readable, scoped by cluster; `k8s_uid` and `container_uid` build them):

    k8s:<cluster>                                            the cluster
    k8s:<cluster>:<kind>:<namespace>/<name>                  a namespaced object, <kind> = API kind lowercased
                                                             (k8s:prod:secret:web/db-creds)
    k8s:<cluster>:<kind>:<name>                              a cluster-scoped object
                                                             (k8s:prod:node:ip-10-0-1-5)
    k8s:<cluster>:container:<namespace>/<pod>/<container>    a container of a pod
    k8s:<cluster>:container:<namespace>/<kind>/<name>/<container>
                                                             a container of a controller's pod template
                                                             (k8s:prod:container:web/deployment/api/app)
    k8s:<cluster>:user:<name>, k8s:<cluster>:group:<name>    RBAC subjects

Pod, container and controller names cannot contain "/", so the three- and four-part container forms
never collide.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from graph.records import EdgeRecord, NodeRecord, PropertyError, as_json, check_edge, check_node
from graph.selectors import SELECTOR_OPERATORS, selector_matches
from ingest.k8s.kinds import KIND_BY_NAME, kind_for
from ingest.k8s.redact import SECRET_BEARING_ANNOTATIONS

if TYPE_CHECKING:
    from ingest.k8s.snapshot import K8sSnapshot


# --------------------------------------------------------------------------------------------------
# The vocabulary: API kinds and the graph labels they become
# --------------------------------------------------------------------------------------------------

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
    # Users and groups exist only as subjects of bindings.
    sources["KubeUser"] = {"RoleBinding", "ClusterRoleBinding"}
    sources["KubeGroup"] = {"RoleBinding", "ClusterRoleBinding"}
    sources["Cluster"] = set()  # written on every run
    return {label: frozenset(kinds) for label, kinds in sources.items()}


LABEL_SOURCES: dict[str, frozenset[str]] = _label_sources()

PSS_LABEL_PREFIX = "pod-security.kubernetes.io/"
SA_TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"
AZURE_WORKLOAD_IDENTITY_ANNOTATION = "azure.workload.identity/client-id"
AWS_AUTH = ("kube-system", "aws-auth")
# Profiles set the pre-1.19 (seccomp) and pre-1.30 (AppArmor) way; still honoured as a fallback.
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
APPARMOR_CONTAINER_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
RBAC_RULE_FIELDS = ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs")
CONTAINER_LISTS = (
    ("container", "containers"),
    ("init", "initContainers"),
    ("ephemeral", "ephemeralContainers"),
)
# Pods in these phases are finished: no Service sends them traffic.
TERMINAL_POD_PHASES = frozenset({"Succeeded", "Failed"})


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


@dataclass
class K8sRecords:
    nodes: list[NodeRecord]
    edges: list[EdgeRecord]
    complete_kinds: set[str]  # graph node labels whose full set this snapshot is authoritative for
    problems: list[str]  # objects that could not be transformed (kind/namespace/name + why); the rest goes on


def k8s_uid(cluster: str, kind: str, name: str, namespace: str | None = None) -> str:
    """The uid of a Kubernetes object (or RBAC "User"/"Group"): readable, scoped by cluster.

    `kind` is the Kubernetes kind ("Secret", not the graph label "KubeSecret"); "Cluster" gives the
    cluster's own uid.
    """
    if kind == "Cluster":
        return f"k8s:{cluster}"
    scoped = f"{namespace}/{name}" if namespace is not None else name
    return f"k8s:{cluster}:{kind.lower()}:{scoped}"


def container_uid(cluster: str, namespace: str, workload_kind: str, workload_name: str, container: str) -> str:
    """A pod's container (`<ns>/<pod>/<c>`) or a pod template's container (`<ns>/<kind>/<name>/<c>`)."""
    if workload_kind == "Pod":
        return f"k8s:{cluster}:container:{namespace}/{workload_name}/{container}"
    return f"k8s:{cluster}:container:{namespace}/{workload_kind.lower()}/{workload_name}/{container}"


def transform_snapshot(snapshot: K8sSnapshot) -> K8sRecords:
    """Records of a collected snapshot (live or offline: both produce the same `K8sSnapshot`)."""
    return transform_objects(snapshot.cluster, snapshot.objects, snapshot.collected_kinds, snapshot.version)


def transform_objects(
    cluster: str,
    objects: Mapping[str, Sequence[Mapping[str, Any]]],
    collected_kinds: Collection[str],
    version: Mapping[str, Any] | None = None,
) -> K8sRecords:
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
    entries: dict[str, _Entry] = {}  # by uid: the same object listed twice, the later one wins
    for kind, items in objects.items():
        transform = _TRANSFORMS.get(kind)
        if transform is None:
            problems.append(f"{len(items)} {kind} object(s): Bridgehead does not transform this kind; skipped")
            skipped_kinds.add(kind)
            continue
        for index, obj in enumerate(items):
            entry = _transform_one(cluster, kind, obj, index, transform, problems)
            if entry is None:
                skipped_kinds.add(kind)
            else:
                entries[entry.uid] = entry

    cluster_node = _cluster_node(cluster, version)
    all_entries = list(entries.values())
    _add_ownership_edges(cluster, all_entries)
    _add_service_selections(all_entries)
    _add_network_policy_targets(all_entries)
    _add_role_aggregation(all_entries)
    _decide_token_mounts(all_entries)

    complete = _complete_labels(collected_kinds, skipped_kinds)
    nodes = _unique_nodes([cluster_node, *(node for entry in all_entries for node in entry.records())])
    edges = _closed_world_edges(
        _unique_edges(
            [
                *(edge for entry in all_entries for edge in entry.edges),
                *_implicit_group_memberships(cluster, all_entries),
            ]
        ),
        nodes,
        complete,
    )
    for node in nodes:
        check_node(node)
    for edge in edges:
        check_edge(edge)
    return K8sRecords(nodes=nodes, edges=edges, complete_kinds=complete, problems=problems)


# --------------------------------------------------------------------------------------------------
# Reading fields: each accessor names the field when the shape is wrong
# --------------------------------------------------------------------------------------------------


class ObjectProblem(ValueError):
    """An object does not have the shape the Kubernetes API gives it; the object is skipped."""


def _describe(value: Any) -> str:
    type_name = type(value).__name__
    article = "an" if type_name[0] in "aeiou" else "a"
    return f"{article} {type_name} ({value!r:.60})"


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise ObjectProblem(f"{path} is {_describe(value)}, expected a mapping")


def _sequence(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise ObjectProblem(f"{path} is {_describe(value)}, expected a list")


def _mappings(value: Any, path: str) -> list[Mapping[str, Any]]:
    items = _sequence(value, path)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ObjectProblem(f"{path}[{index}] is {_describe(item)}, expected a mapping")
    return items


def _opt_str(value: Any, path: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ObjectProblem(f"{path} is {_describe(value)}, expected a string")


def _required_str(value: Any, path: str) -> str:
    text = _opt_str(value, path)
    if not text:
        raise ObjectProblem(f"{path} is missing")
    return text


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ObjectProblem(f"{path} is {_describe(value)}, expected true or false")


def _opt_int(value: Any, path: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ObjectProblem(f"{path} is {_describe(value)}, expected an integer")


def _str_list(value: Any, path: str) -> list[str]:
    items = _sequence(value, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ObjectProblem(f"{path}[{index}] is {_describe(item)}, expected a string")
    return items


def _text_map(value: Any, path: str) -> dict[str, str]:
    """Labels, annotations, selectors: string to string. Hand-written YAML may leave `1` or `true`
    unquoted; the API would have them as text, so they are read as text."""
    result: dict[str, str] = {}
    for key, item in _mapping(value, path).items():
        if isinstance(item, str):
            result[str(key)] = item
        elif isinstance(item, bool):
            result[str(key)] = "true" if item else "false"
        elif isinstance(item, int | float) or item is None:
            result[str(key)] = "" if item is None else str(item)
        else:
            raise ObjectProblem(f"{path}.{key} is {_describe(item)}, expected a string")
    return result


def _json(value: Any, path: str) -> str:
    try:
        return as_json(value)
    except (TypeError, ValueError) as exc:
        raise ObjectProblem(f"{path} holds a value that is not JSON ({exc})") from None


def _json_or_none(value: Any, path: str) -> str | None:
    return None if value is None else _json(value, path)


def _epoch_ms(value: Any) -> int | None:
    """creationTimestamp as epoch milliseconds; a missing or unreadable time is left out (it is cosmetic)."""
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


# --------------------------------------------------------------------------------------------------
# Label selectors (Services, NetworkPolicies, ClusterRole aggregation)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector; the empty selector matches everything."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    expressions: tuple[tuple[str, str, frozenset[str]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return selector_matches(self.match_labels, self.expressions, labels)


def parse_label_selector(value: Any, path: str) -> LabelSelector:
    """A `metav1.LabelSelector` (matchLabels + matchExpressions); raises ObjectProblem when malformed."""
    selector = _mapping(value, path)
    expressions: list[tuple[str, str, frozenset[str]]] = []
    for index, expression in enumerate(_mappings(selector.get("matchExpressions"), f"{path}.matchExpressions")):
        where = f"{path}.matchExpressions[{index}]"
        key = _required_str(expression.get("key"), f"{where}.key")
        operator = _required_str(expression.get("operator"), f"{where}.operator")
        values = _str_list(expression.get("values"), f"{where}.values")
        if operator not in SELECTOR_OPERATORS:
            raise ObjectProblem(f"{where}.operator {operator!r} is not one of {', '.join(sorted(SELECTOR_OPERATORS))}")
        if operator in ("In", "NotIn") and not values:
            raise ObjectProblem(f"{where}: operator {operator} needs values")
        expressions.append((key, operator, frozenset(values)))
    match_labels = _text_map(selector.get("matchLabels"), f"{path}.matchLabels")
    return LabelSelector(match_labels, tuple(expressions))


# --------------------------------------------------------------------------------------------------
# One object in flight
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OwnerRef:
    api_version: str | None
    kind: str
    name: str
    object_uid: str | None
    controller: bool


@dataclass
class _PodSpecFacts:
    """What the token decision needs once every ServiceAccount has been read."""

    service_account: str
    automount: bool | None  # the pod's own automountServiceAccountToken
    api_token_projected: bool  # a container mounts a projected SA token the API server accepts


@dataclass
class _Entry:
    """One object being transformed: its node's properties stay mutable until the cross-object passes
    (selection, ownership, token decision) have run."""

    cluster: str
    kind: str
    name: str
    namespace: str | None
    object_uid: str | None  # metadata.uid
    labels: dict[str, str]
    annotations: dict[str, str]
    props: dict[str, Any]
    owner_refs: list[_OwnerRef] = field(default_factory=list)
    nodes: list[NodeRecord] = field(default_factory=list)  # containers, users, groups it brings
    edges: list[EdgeRecord] = field(default_factory=list)
    selector: LabelSelector | None = None  # Service selector / NetworkPolicy podSelector
    aggregation: list[LabelSelector] = field(default_factory=list)  # ClusterRole clusterRoleSelectors
    pod_spec: _PodSpecFacts | None = None  # pods and pod templates
    # Parts of an otherwise good object that could not be read; reported, the object still loads.
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return GRAPH_LABEL_BY_KIND[self.kind]

    @property
    def uid(self) -> str:
        return k8s_uid(self.cluster, self.kind, self.name, self.namespace)

    def link(self, edge_type: str, dst_kind: str, dst_uid: str, **props: Any) -> None:
        """An edge from this object to an object of Kubernetes kind `dst_kind`."""
        self.edges.append(EdgeRecord(edge_type, self.label, self.uid, GRAPH_LABEL_BY_KIND[dst_kind], dst_uid, props))

    def link_object(
        self, edge_type: str, dst_kind: str, dst_name: str, dst_namespace: str | None, **props: Any
    ) -> None:
        self.link(edge_type, dst_kind, k8s_uid(self.cluster, dst_kind, dst_name, dst_namespace), **props)

    def records(self) -> list[NodeRecord]:
        return [NodeRecord(self.label, self.uid, dict(self.props)), *self.nodes]

    def check(self) -> None:
        for node in self.records():
            check_node(node)
        for edge in self.edges:
            check_edge(edge)


Transform = Callable[[_Entry, Mapping[str, Any]], None]


def _transform_one(
    cluster: str, kind: str, obj: Any, index: int, transform: Transform, problems: list[str]
) -> _Entry | None:
    where = _describe_object(kind, obj, index)
    try:
        entry = _start_entry(cluster, kind, obj)
        transform(entry, obj)
        entry.check()
    except (ObjectProblem, PropertyError) as exc:
        problems.append(f"{where}: {exc}; skipped")
        return None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # Input is data from anywhere: an unforeseen shape must cost one object, not the batch.
        problems.append(f"{where}: could not be read ({type(exc).__name__}: {exc}); skipped")
        return None
    problems.extend(f"{where}: {warning}" for warning in entry.warnings)
    return entry


def _describe_object(kind: str, obj: Any, index: int) -> str:
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    metadata = metadata if isinstance(metadata, Mapping) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    position = f"{kind} #{index + 1}"
    if isinstance(name, str) and name:
        return f"{kind} {namespace}/{name}" if isinstance(namespace, str) and namespace else f"{kind} {name}"
    return f"{position} in namespace {namespace}" if isinstance(namespace, str) and namespace else position


def _start_entry(cluster: str, kind: str, obj: Any) -> _Entry:
    """The common part of every API object: identity, metadata properties, IN_NAMESPACE / IN_CLUSTER."""
    if not isinstance(obj, Mapping):
        raise ObjectProblem(f"is {_describe(obj)}, expected an object (a mapping)")
    metadata = _mapping(obj.get("metadata"), "metadata")
    name = _opt_str(metadata.get("name"), "metadata.name")
    if not name:
        raise ObjectProblem("metadata.name is missing")
    namespaced = KIND_BY_NAME[kind].namespaced
    namespace = _opt_str(metadata.get("namespace"), "metadata.namespace")
    if namespaced and not namespace:
        raise ObjectProblem(f"metadata.namespace is missing, and {kind} is a namespaced kind")
    labels = _text_map(metadata.get("labels"), "metadata.labels")
    annotations = _annotations(metadata)
    entry = _Entry(
        cluster=cluster,
        kind=kind,
        name=name,
        namespace=namespace if namespaced else None,
        object_uid=_opt_str(metadata.get("uid"), "metadata.uid"),
        labels=labels,
        annotations=annotations,
        props={
            "name": name,
            "kind": kind,
            "cluster": cluster,
            "k8s_uid": _opt_str(metadata.get("uid"), "metadata.uid"),
            "labels_json": as_json(labels),
            "annotations_json": as_json(annotations),
            "created_at": _epoch_ms(metadata.get("creationTimestamp")),
        },
        owner_refs=_owner_refs(metadata.get("ownerReferences")),
    )
    if namespaced:
        entry.props["namespace"] = namespace
        entry.link_object("IN_NAMESPACE", "Namespace", str(namespace), None)
    else:
        entry.link("IN_CLUSTER", "Cluster", k8s_uid(cluster, "Cluster", cluster))
    if entry.owner_refs:
        entry.props["owner_refs_json"] = _json(
            [
                {
                    "apiVersion": ref.api_version,
                    "kind": ref.kind,
                    "name": ref.name,
                    "uid": ref.object_uid,
                    "controller": ref.controller,
                }
                for ref in entry.owner_refs
            ],
            "metadata.ownerReferences",
        )
    return entry


def _annotations(metadata: Mapping[str, Any]) -> dict[str, str]:
    annotations = _text_map(metadata.get("annotations"), "metadata.annotations")
    # The collector drops these already; a second line of defence costs nothing, and the
    # last-applied configuration of a Secret carries its values.
    return {key: value for key, value in annotations.items() if key not in SECRET_BEARING_ANNOTATIONS}


def _owner_refs(value: Any) -> list[_OwnerRef]:
    refs: list[_OwnerRef] = []
    for index, ref in enumerate(_mappings(value, "metadata.ownerReferences")):
        where = f"metadata.ownerReferences[{index}]"
        refs.append(
            _OwnerRef(
                api_version=_opt_str(ref.get("apiVersion"), f"{where}.apiVersion"),
                kind=_required_str(ref.get("kind"), f"{where}.kind"),
                name=_required_str(ref.get("name"), f"{where}.name"),
                object_uid=_opt_str(ref.get("uid"), f"{where}.uid"),
                controller=bool(_opt_bool(ref.get("controller"), f"{where}.controller")),
            )
        )
    return refs


def _cluster_node(cluster: str, version: Mapping[str, Any] | None) -> NodeRecord:
    props: dict[str, Any] = {"name": cluster, "kind": "Cluster", "cluster": cluster}
    if version:
        for key, prop in (
            ("gitVersion", "git_version"),
            ("platform", "platform"),
            ("major", "version_major"),
            ("minor", "version_minor"),
        ):
            value = version.get(key)
            if isinstance(value, str):
                props[prop] = value
    return NodeRecord("Cluster", k8s_uid(cluster, "Cluster", cluster), props)


# --------------------------------------------------------------------------------------------------
# Namespace, Node
# --------------------------------------------------------------------------------------------------


def _transform_namespace(entry: _Entry, obj: Mapping[str, Any]) -> None:
    # Pod Security admission reads these labels; "enforce" is what blocks a privileged pod.
    for mode in ("enforce", "audit", "warn"):
        entry.props[f"pss_{mode}"] = entry.labels.get(f"{PSS_LABEL_PREFIX}{mode}")
        entry.props[f"pss_{mode}_version"] = entry.labels.get(f"{PSS_LABEL_PREFIX}{mode}-version")
    entry.props["phase"] = _opt_str(_mapping(obj.get("status"), "status").get("phase"), "status.phase")


def _transform_node(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    status = _mapping(obj.get("status"), "status")
    info = _mapping(status.get("nodeInfo"), "status.nodeInfo")
    addresses = _mappings(status.get("addresses"), "status.addresses")
    by_type: dict[str, list[str]] = defaultdict(list)
    for index, address in enumerate(addresses):
        kind = _opt_str(address.get("type"), f"status.addresses[{index}].type") or ""
        value = _opt_str(address.get("address"), f"status.addresses[{index}].address")
        if value:
            by_type[kind].append(value)
    provider_id = _opt_str(spec.get("providerID"), "spec.providerID")
    labels = entry.labels
    conditions = _mappings(status.get("conditions"), "status.conditions")
    ready = next((c.get("status") == "True" for c in conditions if c.get("type") == "Ready"), None)
    entry.props.update(
        provider_id=provider_id,
        **_parse_provider_id(provider_id),
        addresses_json=_json([dict(a) for a in addresses], "status.addresses"),
        external_ips=by_type["ExternalIP"],
        internal_ips=by_type["InternalIP"],
        hostnames=_sorted_unique(by_type["Hostname"] + by_type["InternalDNS"] + by_type["ExternalDNS"]),
        kubelet_version=_opt_str(info.get("kubeletVersion"), "status.nodeInfo.kubeletVersion"),
        container_runtime_version=_opt_str(
            info.get("containerRuntimeVersion"), "status.nodeInfo.containerRuntimeVersion"
        ),
        kernel_version=_opt_str(info.get("kernelVersion"), "status.nodeInfo.kernelVersion"),
        os_image=_opt_str(info.get("osImage"), "status.nodeInfo.osImage"),
        architecture=_opt_str(info.get("architecture"), "status.nodeInfo.architecture"),
        roles=_node_roles(labels),
        taints_json=_json([dict(t) for t in _mappings(spec.get("taints"), "spec.taints")], "spec.taints"),
        unschedulable=bool(_opt_bool(spec.get("unschedulable"), "spec.unschedulable")),
        pod_cidr=_opt_str(spec.get("podCIDR"), "spec.podCIDR"),
        ready=ready,
        # The identity the node authorizer gives this node's kubelet.
        kubelet_user=f"system:node:{entry.name}",
        instance_type=labels.get("node.kubernetes.io/instance-type") or labels.get("beta.kubernetes.io/instance-type"),
        region=labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region"),
        node_pool=next(
            (
                labels[key]
                for key in (
                    "eks.amazonaws.com/nodegroup",
                    "cloud.google.com/gke-nodepool",
                    "kubernetes.azure.com/agentpool",
                    "karpenter.sh/nodepool",
                )
                if key in labels
            ),
            None,
        ),
    )
    if entry.props.get("availability_zone") is None:
        entry.props["availability_zone"] = labels.get("topology.kubernetes.io/zone")


def _parse_provider_id(provider_id: str | None) -> dict[str, str | None]:
    """Cloud identity of a node: the bridge from a node to its EC2 instance / GCE VM."""
    facts: dict[str, str | None] = {
        "cloud_provider": None,
        "instance_id": None,
        "availability_zone": None,
        "gcp_project": None,
    }
    if not provider_id or "://" not in provider_id:
        return facts
    scheme, _, rest = provider_id.partition("://")
    facts["cloud_provider"] = scheme
    parts = [part for part in rest.split("/") if part]
    if scheme == "aws" and parts:  # aws:///eu-west-1a/i-0abc (the zone may be missing)
        facts["instance_id"] = parts[-1]
        facts["availability_zone"] = parts[0] if len(parts) > 1 else None
    elif scheme == "gce" and len(parts) == 3:  # gce://project/zone/instance-name
        facts["gcp_project"], facts["availability_zone"], facts["instance_id"] = parts
    elif scheme == "azure":  # azure:///subscriptions/…/virtualMachines/<name>
        facts["instance_id"] = "/" + "/".join(parts)
    return facts


def _node_roles(labels: Mapping[str, str]) -> list[str]:
    roles = {
        key.removeprefix("node-role.kubernetes.io/") for key in labels if key.startswith("node-role.kubernetes.io/")
    }
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return sorted(role for role in roles if role)


# --------------------------------------------------------------------------------------------------
# Pods, pod templates, containers
# --------------------------------------------------------------------------------------------------


@dataclass
class _References:
    """Secrets and ConfigMaps a pod spec references: how (`via`) and which containers see them."""

    via: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    containers: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, kind: str, name: str | None, via: str, containers: Iterable[str]) -> None:
        if not name:
            return
        self.via[(kind, name)].add(via)
        self.containers[(kind, name)].update(containers)


@dataclass(frozen=True)
class _Mount:
    container: str
    container_type: str
    volume: str
    mount_path: str | None
    read_only: bool
    sub_path: str | None


def _transform_pod(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    status = _mapping(obj.get("status"), "status")
    _read_pod_spec(entry, spec, _annotations(_mapping(obj.get("metadata"), "metadata")), "spec")
    entry.props.update(
        phase=_opt_str(status.get("phase"), "status.phase"),
        pod_ip=_opt_str(status.get("podIP"), "status.podIP"),
        host_ip=_opt_str(status.get("hostIP"), "status.hostIP"),
        qos_class=_opt_str(status.get("qosClass"), "status.qosClass"),
    )
    node_name = entry.props.get("node_name")
    if node_name:
        entry.link_object("RUNS_ON", "Node", node_name, None)


def _transform_controller(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    if entry.kind == "CronJob":
        job_spec = _mapping(_mapping(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"), "spec.jobTemplate.spec")
        template_path = "spec.jobTemplate.spec.template"
        template = _mapping(job_spec.get("template"), template_path)
        entry.props.update(
            schedule=_opt_str(spec.get("schedule"), "spec.schedule"),
            suspend=_opt_bool(spec.get("suspend"), "spec.suspend"),
        )
    else:
        template_path = "spec.template"
        template = _mapping(spec.get("template"), template_path)
        entry.props["replicas"] = _opt_int(spec.get("replicas"), "spec.replicas")
        if "selector" in spec:
            # ReplicationControllers use a plain map; every other controller a LabelSelector.
            entry.props["selector_json"] = _json(spec.get("selector"), "spec.selector")
    template_meta = _mapping(template.get("metadata"), f"{template_path}.metadata")
    template_labels = _text_map(template_meta.get("labels"), f"{template_path}.metadata.labels")
    template_annotations = _annotations(template_meta)
    entry.props["template_labels_json"] = as_json(template_labels)
    entry.props["template_annotations_json"] = as_json(template_annotations)
    _read_pod_spec(
        entry,
        _mapping(template.get("spec"), f"{template_path}.spec"),
        template_annotations,
        f"{template_path}.spec",
    )


def _read_pod_spec(entry: _Entry, spec: Mapping[str, Any], annotations: Mapping[str, str], where: str) -> None:
    """Pod-level security facts, one Container node per container, and the pod's edges to its service
    account, secrets and configmaps. Shared by pods and by every controller's pod template."""
    assert entry.namespace is not None  # pods and controllers are namespaced
    references = _References()
    mounts: list[_Mount] = []
    containers: list[NodeRecord] = []
    pod_security = _mapping(spec.get("securityContext"), f"{where}.securityContext")
    for container_type, list_name in CONTAINER_LISTS:
        for index, container in enumerate(_mappings(spec.get(list_name), f"{where}.{list_name}")):
            context = _ContainerContext(entry, container_type, f"{where}.{list_name}[{index}]", where, annotations)
            record, container_mounts = _container_node(context, container, pod_security, references)
            containers.append(record)
            mounts.extend(container_mounts)
    volumes = _read_volumes(spec.get("volumes"), mounts, references, where)
    host_path_mounts = _host_path_mounts(mounts, volumes.host_paths)

    service_account = (
        _opt_str(spec.get("serviceAccountName"), f"{where}.serviceAccountName")
        or _opt_str(spec.get("serviceAccount"), f"{where}.serviceAccount")  # deprecated alias
        or "default"
    )
    automount = _opt_bool(spec.get("automountServiceAccountToken"), f"{where}.automountServiceAccountToken")
    entry.pod_spec = _PodSpecFacts(service_account, automount, volumes.api_token_projected)
    entry.props.update(
        service_account=service_account,
        automount_service_account_token=automount,
        host_pid=bool(_opt_bool(spec.get("hostPID"), f"{where}.hostPID")),
        host_ipc=bool(_opt_bool(spec.get("hostIPC"), f"{where}.hostIPC")),
        host_network=bool(_opt_bool(spec.get("hostNetwork"), f"{where}.hostNetwork")),
        share_process_namespace=bool(_opt_bool(spec.get("shareProcessNamespace"), f"{where}.shareProcessNamespace")),
        host_users=_opt_bool(spec.get("hostUsers"), f"{where}.hostUsers"),
        node_name=_opt_str(spec.get("nodeName"), f"{where}.nodeName"),
        node_selector_json=_json_or_none(spec.get("nodeSelector"), f"{where}.nodeSelector"),
        tolerations_json=_json_or_none(spec.get("tolerations"), f"{where}.tolerations"),
        priority_class_name=_opt_str(spec.get("priorityClassName"), f"{where}.priorityClassName"),
        runtime_class_name=_opt_str(spec.get("runtimeClassName"), f"{where}.runtimeClassName"),
        security_context_json=_json_or_none(spec.get("securityContext"), f"{where}.securityContext"),
        volumes_json=_json(volumes.raw, f"{where}.volumes"),
        host_paths=sorted(path for path, _type in volumes.host_paths.values()),
        host_paths_writable=_sorted_unique(str(m["path"]) for m in host_path_mounts if not m["read_only"]),
        host_path_mounts_json=as_json(host_path_mounts),
        secret_volumes=_sorted_unique(volumes.secrets),
        configmap_volumes=_sorted_unique(volumes.config_maps),
        projected_token=volumes.projected_token,
        projected_token_audiences=_sorted_unique(volumes.token_audiences),
        image_pull_secrets=_local_object_names(spec.get("imagePullSecrets"), f"{where}.imagePullSecrets"),
        container_names=[str(record.props["name"]) for record in containers],
        images=_sorted_unique(str(record.props["image"]) for record in containers if record.props.get("image")),
    )

    entry.nodes.extend(containers)
    for record in containers:
        entry.link("HAS_CONTAINER", "Container", record.uid, container_type=record.props["container_type"])
    entry.link_object("USES_SERVICE_ACCOUNT", "ServiceAccount", service_account, entry.namespace)
    for (kind, name), vias in sorted(references.via.items()):
        edge_type = "MOUNTS_SECRET" if kind == "Secret" else "MOUNTS_CONFIGMAP"
        containers_seeing_it = sorted(references.containers[(kind, name)])
        entry.link_object(edge_type, kind, name, entry.namespace, via=sorted(vias), containers=containers_seeing_it)


@dataclass
class _Volumes:
    raw: list[Mapping[str, Any]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # secret and projected-secret volumes
    config_maps: list[str] = field(default_factory=list)
    host_paths: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # volume -> (path, type)
    projected_token: bool = False
    token_audiences: list[str] = field(default_factory=list)
    api_token_projected: bool = False  # a mounted projected token without audience: the API server's


def _read_volumes(value: Any, mounts: Sequence[_Mount], references: _References, where: str) -> _Volumes:
    """What the pod's volumes give its containers: secrets, configmaps, host paths, projected tokens."""
    volumes = _Volumes(raw=_mappings(value, f"{where}.volumes"))
    mounted_by: dict[str, list[str]] = defaultdict(list)
    for mount in mounts:
        mounted_by[mount.volume].append(mount.container)
    for index, volume in enumerate(volumes.raw):
        path = f"{where}.volumes[{index}]"
        name = _required_str(volume.get("name"), f"{path}.name")
        users = mounted_by.get(name, [])
        secret = _mapping(volume.get("secret"), f"{path}.secret")
        if secret:
            _reference(
                volumes.secrets, references, "Secret", secret.get("secretName"), "volume", users, f"{path}.secret"
            )
        config_map = _mapping(volume.get("configMap"), f"{path}.configMap")
        if config_map:
            _reference(volumes.config_maps, references, "ConfigMap", config_map.get("name"), "volume", users, path)
        host_path = _mapping(volume.get("hostPath"), f"{path}.hostPath")
        if host_path:
            volumes.host_paths[name] = (
                _required_str(host_path.get("path"), f"{path}.hostPath.path"),
                _opt_str(host_path.get("type"), f"{path}.hostPath.type"),
            )
        projected = _mapping(volume.get("projected"), f"{path}.projected")
        for source_index, source in enumerate(_mappings(projected.get("sources"), f"{path}.projected.sources")):
            source_path = f"{path}.projected.sources[{source_index}]"
            projected_secret = _mapping(source.get("secret"), f"{source_path}.secret")
            if projected_secret:
                _reference(
                    volumes.secrets, references, "Secret", projected_secret.get("name"), "projected", users, source_path
                )
            projected_config_map = _mapping(source.get("configMap"), f"{source_path}.configMap")
            if projected_config_map:
                _reference(
                    volumes.config_maps,
                    references,
                    "ConfigMap",
                    projected_config_map.get("name"),
                    "projected",
                    users,
                    source_path,
                )
            if source.get("serviceAccountToken") is not None:
                token = _mapping(source.get("serviceAccountToken"), f"{source_path}.serviceAccountToken")
                audience = _opt_str(token.get("audience"), f"{source_path}.serviceAccountToken.audience")
                volumes.projected_token = True
                if audience:
                    # e.g. sts.amazonaws.com for IRSA: the API server rejects such a token.
                    volumes.token_audiences.append(audience)
                elif users:
                    volumes.api_token_projected = True
    return volumes


def _reference(
    names: list[str], references: _References, kind: str, name: Any, via: str, users: Sequence[str], path: str
) -> None:
    checked = _opt_str(name, f"{path}.name")
    if checked:
        names.append(checked)
        references.add(kind, checked, via, users)


def _host_path_mounts(
    mounts: Sequence[_Mount], host_paths: Mapping[str, tuple[str, str | None]]
) -> list[dict[str, Any]]:
    """Each host path as a container sees it: read-only or not is a property of the mount."""
    return [
        {
            "volume": mount.volume,
            "path": host_paths[mount.volume][0],
            "type": host_paths[mount.volume][1],
            "container": mount.container,
            "container_type": mount.container_type,
            "mount_path": mount.mount_path,
            "read_only": mount.read_only,
            "sub_path": mount.sub_path,
        }
        for mount in mounts
        if mount.volume in host_paths
    ]


@dataclass(frozen=True)
class _ContainerContext:
    entry: _Entry  # the pod or controller
    container_type: str  # container | init | ephemeral
    path: str  # of the container, for messages
    spec_path: str  # of the pod spec, for messages about pod-level fields
    annotations: Mapping[str, str]  # of the pod (or pod template): old-style seccomp / AppArmor


def _container_node(
    context: _ContainerContext, container: Mapping[str, Any], pod_security: Mapping[str, Any], references: _References
) -> tuple[NodeRecord, list[_Mount]]:
    entry, path = context.entry, context.path
    assert entry.namespace is not None
    name = _required_str(container.get("name"), f"{path}.name")
    security = _mapping(container.get("securityContext"), f"{path}.securityContext")
    capabilities = _mapping(security.get("capabilities"), f"{path}.securityContext.capabilities")
    ports = _mappings(container.get("ports"), f"{path}.ports")
    mounts, volume_mounts = _volume_mounts(container, name, context)
    env = _read_env(container, name, path, references)

    props: dict[str, Any] = {
        "name": name,
        "kind": "Container",
        "cluster": entry.cluster,
        "namespace": entry.namespace,
        "workload_kind": entry.kind,
        "workload_name": entry.name,
        "image": _opt_str(container.get("image"), f"{path}.image"),
        "container_type": context.container_type,
        # `Always` on an init container makes it a native sidecar: it keeps running next to the others.
        "restart_policy": _opt_str(container.get("restartPolicy"), f"{path}.restartPolicy"),
        # Attach reaches a container's input only when it was started with stdin open.
        "stdin": bool(_opt_bool(container.get("stdin"), f"{path}.stdin")),
        "tty": bool(_opt_bool(container.get("tty"), f"{path}.tty")),
        "privileged": bool(_opt_bool(security.get("privileged"), f"{path}.securityContext.privileged")),
        # None = not set: Kubernetes then allows escalation (no_new_privs is off).
        "allow_privilege_escalation": _opt_bool(
            security.get("allowPrivilegeEscalation"), f"{path}.securityContext.allowPrivilegeEscalation"
        ),
        "read_only_root_filesystem": bool(
            _opt_bool(security.get("readOnlyRootFilesystem"), f"{path}.securityContext.readOnlyRootFilesystem")
        ),
        "capabilities_add": _capabilities(capabilities.get("add"), f"{path}.securityContext.capabilities.add"),
        "capabilities_drop": _capabilities(capabilities.get("drop"), f"{path}.securityContext.capabilities.drop"),
        "proc_mount": _opt_str(security.get("procMount"), f"{path}.securityContext.procMount"),
        "security_context_json": _json_or_none(container.get("securityContext"), f"{path}.securityContext"),
        "host_ports": [
            port
            for index, item in enumerate(ports)
            if (port := _opt_int(item.get("hostPort"), f"{path}.ports[{index}].hostPort"))
        ],
        "ports_json": _json([dict(port) for port in ports], f"{path}.ports"),
        "volume_mounts_json": _json(volume_mounts, f"{path}.volumeMounts"),
        **env,
    }
    for key, prop, read in (
        ("runAsUser", "run_as_user", _opt_int),
        ("runAsGroup", "run_as_group", _opt_int),
        ("runAsNonRoot", "run_as_non_root", _opt_bool),
    ):
        props[prop], props[f"{prop}_source"] = _inherited(security, pod_security, key, read, context)
    seccomp_annotations = (f"{SECCOMP_CONTAINER_ANNOTATION}{name}", SECCOMP_POD_ANNOTATION)
    props["seccomp_profile"], props["seccomp_profile_source"] = _effective_profile(
        security, pod_security, "seccompProfile", context, seccomp_annotations
    )
    apparmor_annotations = (f"{APPARMOR_CONTAINER_ANNOTATION}{name}",)
    props["apparmor_profile"], props["apparmor_profile_source"] = _effective_profile(
        security, pod_security, "appArmorProfile", context, apparmor_annotations
    )
    if entry.kind == "Pod":
        props["pod"] = entry.name
    uid = container_uid(entry.cluster, entry.namespace, entry.kind, entry.name, name)
    return NodeRecord("Container", uid, props), mounts


def _volume_mounts(
    container: Mapping[str, Any], name: str, context: _ContainerContext
) -> tuple[list[_Mount], list[dict[str, Any]]]:
    mounts: list[_Mount] = []
    kept: list[dict[str, Any]] = []
    for index, mount in enumerate(_mappings(container.get("volumeMounts"), f"{context.path}.volumeMounts")):
        path = f"{context.path}.volumeMounts[{index}]"
        parsed = _Mount(
            container=name,
            container_type=context.container_type,
            volume=_required_str(mount.get("name"), f"{path}.name"),
            mount_path=_opt_str(mount.get("mountPath"), f"{path}.mountPath"),
            read_only=bool(_opt_bool(mount.get("readOnly"), f"{path}.readOnly")),
            sub_path=_opt_str(mount.get("subPath"), f"{path}.subPath"),
        )
        mounts.append(parsed)
        kept.append(
            {
                "name": parsed.volume,
                "mountPath": parsed.mount_path,
                "readOnly": parsed.read_only,
                "subPath": parsed.sub_path,
                # Bidirectional propagation lets the container mount into the host.
                "mountPropagation": _opt_str(mount.get("mountPropagation"), f"{path}.mountPropagation"),
            }
        )
    return mounts, kept


def _read_env(container: Mapping[str, Any], name: str, path: str, references: _References) -> dict[str, Any]:
    """Environment variable names and references, never literal values (even when the collector left them)."""
    env_names: list[str] = []
    env_entries: list[dict[str, Any]] = []
    secret_refs: list[str] = []
    configmap_refs: list[str] = []
    for index, env in enumerate(_mappings(container.get("env"), f"{path}.env")):
        env_path = f"{path}.env[{index}]"
        env_name = _required_str(env.get("name"), f"{env_path}.name")
        env_names.append(env_name)
        value_from = _mapping(env.get("valueFrom"), f"{env_path}.valueFrom")
        env_entries.append({"name": env_name, "valueFrom": dict(value_from) if value_from else None})
        secret_key = _mapping(value_from.get("secretKeyRef"), f"{env_path}.valueFrom.secretKeyRef")
        if secret_key:
            _reference(
                secret_refs,
                references,
                "Secret",
                secret_key.get("name"),
                "env",
                [name],
                f"{env_path}.valueFrom.secretKeyRef",
            )
        configmap_key = _mapping(value_from.get("configMapKeyRef"), f"{env_path}.valueFrom.configMapKeyRef")
        if configmap_key:
            _reference(
                configmap_refs,
                references,
                "ConfigMap",
                configmap_key.get("name"),
                "env",
                [name],
                f"{env_path}.valueFrom.configMapKeyRef",
            )
    env_from = _mappings(container.get("envFrom"), f"{path}.envFrom")
    for index, source in enumerate(env_from):
        source_path = f"{path}.envFrom[{index}]"
        secret = _mapping(source.get("secretRef"), f"{source_path}.secretRef")
        if secret:
            _reference(
                secret_refs, references, "Secret", secret.get("name"), "envFrom", [name], f"{source_path}.secretRef"
            )
        config_map = _mapping(source.get("configMapRef"), f"{source_path}.configMapRef")
        if config_map:
            _reference(
                configmap_refs,
                references,
                "ConfigMap",
                config_map.get("name"),
                "envFrom",
                [name],
                f"{source_path}.configMapRef",
            )
    return {
        "env_names": env_names,
        "env_json": _json(env_entries, f"{path}.env"),
        "env_secret_refs": _sorted_unique(secret_refs),
        "env_configmap_refs": _sorted_unique(configmap_refs),
        "env_from_json": _json([dict(source) for source in env_from], f"{path}.envFrom"),
    }


def _inherited(
    container: Mapping[str, Any],
    pod: Mapping[str, Any],
    key: str,
    read: Callable[[Any, str], Any],
    context: _ContainerContext,
) -> tuple[Any, str | None]:
    """A securityContext field the container inherits from the pod unless it sets its own: the
    effective value and where it came from ("container", "pod", or None when neither sets it)."""
    own = read(container.get(key), f"{context.path}.securityContext.{key}")
    if own is not None:
        return own, "container"
    inherited = read(pod.get(key), f"{context.spec_path}.securityContext.{key}")
    if inherited is not None:
        return inherited, "pod"
    return None, None


def _effective_profile(
    container: Mapping[str, Any],
    pod: Mapping[str, Any],
    key: str,
    context: _ContainerContext,
    annotation_keys: Sequence[str],
) -> tuple[str | None, str | None]:
    """Seccomp / AppArmor profile as "RuntimeDefault", "Unconfined" or "Localhost/<profile>", falling back
    from the container field to the pod field to the older annotations. None when nothing sets it (the
    runtime's default then applies: Unconfined for seccomp unless the kubelet enables SeccompDefault)."""
    for source, security, path in (
        ("container", container, context.path),
        ("pod", pod, context.spec_path),
    ):
        where = f"{path}.securityContext.{key}"
        profile = _mapping(security.get(key), where)
        if profile:
            kind = _required_str(profile.get("type"), f"{where}.type")
            if kind == "Localhost":
                localhost = _opt_str(profile.get("localhostProfile"), f"{where}.localhostProfile")
                return f"Localhost/{localhost or ''}", source
            return kind, source
    for annotation in annotation_keys:
        value = context.annotations.get(annotation)
        if value:
            return _profile_from_annotation(value), "annotation"
    return None, None


def _profile_from_annotation(value: str) -> str:
    lowered = value.lower()
    if lowered in ("runtime/default", "docker/default"):
        return "RuntimeDefault"
    if lowered == "unconfined":
        return "Unconfined"
    if lowered.startswith("localhost/"):
        return f"Localhost/{value[len('localhost/') :]}"
    return value


def _capabilities(value: Any, path: str) -> list[str]:
    # The runtime accepts "SYS_ADMIN" and "CAP_SYS_ADMIN" alike; one spelling lets the analysis compare.
    return _sorted_unique(item.strip().upper().removeprefix("CAP_") for item in _str_list(value, path))


def _local_object_names(value: Any, path: str) -> list[str]:
    return _sorted_unique(
        name
        for index, item in enumerate(_mappings(value, path))
        if (name := _opt_str(item.get("name"), f"{path}[{index}].name"))
    )


# --------------------------------------------------------------------------------------------------
# Identities and their secrets
# --------------------------------------------------------------------------------------------------


def _transform_service_account(entry: _Entry, obj: Mapping[str, Any]) -> None:
    annotations = entry.annotations
    entry.props.update(
        automount_service_account_token=_opt_bool(
            obj.get("automountServiceAccountToken"), "automountServiceAccountToken"
        ),
        username=f"system:serviceaccount:{entry.namespace}:{entry.name}",
        # Cloud identity bridges: the annotation only selects; the cloud side must trust it.
        irsa_role_arn=annotations.get(IRSA_ANNOTATION),
        gcp_service_account=annotations.get(GKE_WORKLOAD_IDENTITY_ANNOTATION),
        azure_client_id=annotations.get(AZURE_WORKLOAD_IDENTITY_ANNOTATION),
        image_pull_secrets=_local_object_names(obj.get("imagePullSecrets"), "imagePullSecrets"),
        secrets=_local_object_names(obj.get("secrets"), "secrets"),
    )


def _transform_secret(entry: _Entry, obj: Mapping[str, Any]) -> None:
    # Keys only: the values were blanked by the collector and are never read here.
    keys = set(_mapping(obj.get("data"), "data")) | set(_mapping(obj.get("stringData"), "stringData"))
    secret_type = _opt_str(obj.get("type"), "type") or "Opaque"
    annotations = entry.annotations
    sa_name = annotations.get(SA_NAME_ANNOTATION)
    entry.props.update(
        type=secret_type,
        keys=sorted(str(key) for key in keys),
        sa_name=sa_name,
        immutable=_opt_bool(obj.get("immutable"), "immutable"),
    )
    if secret_type == SA_TOKEN_SECRET_TYPE and sa_name:
        entry.link_object("TOKEN_FOR", "ServiceAccount", sa_name, entry.namespace)


def _transform_configmap(entry: _Entry, obj: Mapping[str, Any]) -> None:
    data = _mapping(obj.get("data"), "data")
    binary = _mapping(obj.get("binaryData"), "binaryData")
    # The collector blanks every value that is not allow-listed; what is left is what the analysis needs.
    kept = {str(key): value for key, value in data.items() if isinstance(value, str) and value}
    entry.props.update(
        keys=sorted({str(key) for key in data} | {str(key) for key in binary}),
        data_json=as_json(kept) if kept else None,
    )
    if (entry.namespace, entry.name) == AWS_AUTH and kept:
        mappings, errors = _parse_aws_auth(kept)
        entry.props["aws_auth_json"] = as_json(mappings)
        if errors:
            entry.props["aws_auth_errors"] = errors
            entry.warnings += [
                f"{error}; loaded without those mappings (EKS identity bridge incomplete)" for error in errors
            ]


def _parse_aws_auth(data: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """mapRoles / mapUsers / mapAccounts of the EKS aws-auth ConfigMap: YAML text inside the data.
    An unreadable section is reported (`aws_auth_errors` and `problems`); the rest is still kept."""
    mappings: dict[str, Any] = {}
    errors: list[str] = []
    for key, arn_key in (("mapRoles", "rolearn"), ("mapUsers", "userarn")):
        if not data.get(key):
            continue
        try:
            parsed = yaml.safe_load(data[key])
        except yaml.YAMLError as exc:
            errors.append(f"{key} is not valid YAML: {str(exc).splitlines()[0]}")
            continue
        entries = []
        for item in parsed if isinstance(parsed, list) else []:
            if not isinstance(item, Mapping):
                continue
            groups = item.get("groups")
            entries.append(
                {
                    arn_key: str(item.get(arn_key) or ""),
                    "username": None if item.get("username") is None else str(item.get("username")),
                    "groups": [str(group) for group in groups] if isinstance(groups, list) else [],
                }
            )
        if not isinstance(parsed, list):
            errors.append(f"{key} is not a list of mappings")
        mappings[key] = entries
    if data.get("mapAccounts"):
        try:
            accounts = yaml.safe_load(data["mapAccounts"])
            mappings["mapAccounts"] = [str(account) for account in accounts] if isinstance(accounts, list) else []
        except yaml.YAMLError as exc:
            errors.append(f"mapAccounts is not valid YAML: {str(exc).splitlines()[0]}")
    return mappings, errors


# --------------------------------------------------------------------------------------------------
# RBAC
# --------------------------------------------------------------------------------------------------


def _rbac_rules(value: Any, path: str) -> list[dict[str, list[str]]]:
    """Every rule kept on its own, each of its five lists exactly as written (missing = empty)."""
    return [
        {key: _str_list(rule.get(key), f"{path}[{index}].{key}") for key in RBAC_RULE_FIELDS}
        for index, rule in enumerate(_mappings(value, path))
    ]


def _transform_role(entry: _Entry, obj: Mapping[str, Any]) -> None:
    rules = _rbac_rules(obj.get("rules"), "rules")
    entry.props.update(rules_json=as_json(rules), rule_count=len(rules))
    if entry.kind == "ClusterRole":
        aggregation = _mapping(obj.get("aggregationRule"), "aggregationRule")
        selectors = _sequence(aggregation.get("clusterRoleSelectors"), "aggregationRule.clusterRoleSelectors")
        entry.aggregation = [
            parse_label_selector(selector, f"aggregationRule.clusterRoleSelectors[{index}]")
            for index, selector in enumerate(selectors)
        ]
        entry.props["aggregation_json"] = (
            _json(selectors, "aggregationRule.clusterRoleSelectors") if aggregation else None
        )


SUBJECT_KINDS = frozenset({"ServiceAccount", "User", "Group"})
SA_USERNAME_PREFIX = "system:serviceaccount:"


def _transform_binding(entry: _Entry, obj: Mapping[str, Any]) -> None:
    role_ref = _mapping(obj.get("roleRef"), "roleRef")
    role_kind = _required_str(role_ref.get("kind"), "roleRef.kind")
    role_name = _required_str(role_ref.get("name"), "roleRef.name")
    allowed = ("Role", "ClusterRole") if entry.kind == "RoleBinding" else ("ClusterRole",)
    if role_kind not in allowed:
        raise ObjectProblem(f"roleRef.kind {role_kind!r} is not one of {', '.join(allowed)}")

    subjects = _mappings(obj.get("subjects"), "subjects")
    kept_subjects = [
        {key: subject.get(key) for key in ("kind", "name", "namespace", "apiGroup") if subject.get(key) is not None}
        for subject in subjects
    ]
    entry.props.update(role_kind=role_kind, role_name=role_name, subjects_json=_json(kept_subjects, "subjects"))

    # A RoleBinding grants even a ClusterRole only inside its own namespace.
    grant_scope = "namespace" if entry.kind == "RoleBinding" else "cluster"
    role_namespace = entry.namespace if role_kind == "Role" else None
    entry.link_object(
        "BINDS_ROLE", role_kind, role_name, role_namespace, grant_scope=grant_scope, namespace=entry.namespace
    )

    for index, subject in enumerate(subjects):
        _link_subject(entry, subject, f"subjects[{index}]")


def _link_subject(entry: _Entry, subject: Mapping[str, Any], path: str) -> None:
    kind = _required_str(subject.get("kind"), f"{path}.kind")
    name = _required_str(subject.get("name"), f"{path}.name")
    if kind not in SUBJECT_KINDS:
        raise ObjectProblem(f"{path}.kind {kind!r} is not one of {', '.join(sorted(SUBJECT_KINDS))}")
    if kind == "ServiceAccount":
        # The RBAC authorizer reads a RoleBinding's SA subject without namespace as the binding's own.
        namespace = _opt_str(subject.get("namespace"), f"{path}.namespace") or entry.namespace
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
    subject_uid = k8s_uid(entry.cluster, kind, name)
    entry.nodes.append(
        NodeRecord(GRAPH_LABEL_BY_KIND[kind], subject_uid, {"name": name, "kind": kind, "cluster": entry.cluster})
    )
    entry.edges.append(
        EdgeRecord(
            "IN_CLUSTER",
            GRAPH_LABEL_BY_KIND[kind],
            subject_uid,
            "Cluster",
            k8s_uid(entry.cluster, "Cluster", entry.cluster),
        )
    )
    entry.link("HAS_SUBJECT", kind, subject_uid, subject_kind=kind)


# --------------------------------------------------------------------------------------------------
# Exposure: Services, Ingresses; NetworkPolicies; admission webhooks
# --------------------------------------------------------------------------------------------------

LB_SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def _transform_service(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    status = _mapping(obj.get("status"), "status")
    annotations = entry.annotations
    service_type = _opt_str(spec.get("type"), "spec.type") or "ClusterIP"
    selector = _text_map(spec.get("selector"), "spec.selector")
    ports = _mappings(spec.get("ports"), "spec.ports")
    source_ranges = _str_list(spec.get("loadBalancerSourceRanges"), "spec.loadBalancerSourceRanges")
    if not source_ranges and annotations.get(LB_SOURCE_RANGES_ANNOTATION):
        source_ranges = [part.strip() for part in annotations[LB_SOURCE_RANGES_ANNOTATION].split(",") if part.strip()]
    lb_class = _opt_str(spec.get("loadBalancerClass"), "spec.loadBalancerClass")
    internal, reason = _service_lb_internal(annotations, lb_class)
    entry.props.update(
        type=service_type,
        cluster_ip=_opt_str(spec.get("clusterIP"), "spec.clusterIP"),
        ports_json=_json([dict(port) for port in ports], "spec.ports"),
        ports=[port for i, p in enumerate(ports) if (port := _opt_int(p.get("port"), f"spec.ports[{i}].port"))],
        node_ports=[
            port for i, p in enumerate(ports) if (port := _opt_int(p.get("nodePort"), f"spec.ports[{i}].nodePort"))
        ],
        # An empty selector is no selector: the Service selects nothing (endpoints are managed by hand).
        selector_json=as_json(selector) if selector else None,
        external_ips=_str_list(spec.get("externalIPs"), "spec.externalIPs"),
        external_name=_opt_str(spec.get("externalName"), "spec.externalName"),
        load_balancer_ingress=_load_balancer_addresses(status),
        load_balancer_ip=_opt_str(spec.get("loadBalancerIP"), "spec.loadBalancerIP"),
        load_balancer_class=lb_class,
        load_balancer_source_ranges=source_ranges,
        external_traffic_policy=_opt_str(spec.get("externalTrafficPolicy"), "spec.externalTrafficPolicy"),
        lb_internal=internal,
        lb_internal_reason=reason,
    )
    entry.selector = LabelSelector(selector) if selector else None


def _load_balancer_addresses(status: Mapping[str, Any]) -> list[str]:
    ingress = _mappings(
        _mapping(status.get("loadBalancer"), "status.loadBalancer").get("ingress"),
        "status.loadBalancer.ingress",
    )
    addresses = []
    for index, item in enumerate(ingress):
        for key in ("ip", "hostname"):
            value = _opt_str(item.get(key), f"status.loadBalancer.ingress[{index}].{key}")
            if value:
                addresses.append(value)
    return addresses


def _service_lb_internal(annotations: Mapping[str, str], lb_class: str | None) -> tuple[bool, str | None]:
    """Whether the cloud load balancer of a Service is internal (not reachable from the internet), and
    which annotation says so. Calling every LoadBalancer public over-reports; calling one internal that
    is not hides an entry point: each rule follows the provider's documented default."""

    def annotation(key: str) -> str | None:
        value = annotations.get(key)
        return None if value is None else value.strip().lower()

    aws_internal = annotation("service.beta.kubernetes.io/aws-load-balancer-internal")
    # The in-tree AWS provider treats any value but "false" as internal (old releases took a CIDR).
    if aws_internal not in (None, "", "false"):
        return (
            True,
            f"service.beta.kubernetes.io/aws-load-balancer-internal={annotations['service.beta.kubernetes.io/aws-load-balancer-internal']}",
        )
    scheme = annotation("service.beta.kubernetes.io/aws-load-balancer-scheme")
    if scheme == "internal":
        return True, "service.beta.kubernetes.io/aws-load-balancer-scheme=internal"
    if scheme == "internet-facing":
        return False, None
    aws_type = annotation("service.beta.kubernetes.io/aws-load-balancer-type")
    if aws_type in ("external", "nlb-ip") or lb_class == "service.k8s.aws/nlb":
        # The AWS Load Balancer Controller makes internal NLBs unless the scheme says internet-facing.
        return True, "AWS Load Balancer Controller default scheme (internal)"
    for key, internal_value in (
        ("networking.gke.io/load-balancer-type", "internal"),
        ("cloud.google.com/load-balancer-type", "internal"),
        ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
        ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
        ("oci-network-load-balancer.oraclecloud.com/internal", "true"),
        ("service.beta.kubernetes.io/openstack-internal-load-balancer", "true"),
        ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
    ):
        if annotation(key) == internal_value:
            return True, f"{key}={annotations[key]}"
    return False, None


def _ingress_lb_internal(annotations: Mapping[str, str], ingress_class: str | None) -> tuple[bool, str | None]:
    scheme = (annotations.get("alb.ingress.kubernetes.io/scheme") or "").strip().lower()
    if scheme == "internal":
        return True, "alb.ingress.kubernetes.io/scheme=internal"
    if scheme == "internet-facing":
        return False, None
    if ingress_class == "alb":
        # Unless IngressClassParams (not collected) say otherwise, the controller's default is internal.
        return True, "AWS Load Balancer Controller default scheme (internal)"
    if ingress_class == "gce-internal":
        return True, "ingress class gce-internal"
    if (annotations.get("appgw.ingress.kubernetes.io/use-private-ip") or "").strip().lower() == "true":
        return True, "appgw.ingress.kubernetes.io/use-private-ip=true"
    return False, None


def _backend_service(backend: Mapping[str, Any], path: str) -> tuple[str | None, str | None]:
    """(service name, port) of an Ingress backend in networking.k8s.io/v1 or the older extensions shape."""
    service = _mapping(backend.get("service"), f"{path}.service")
    if service:
        port = _mapping(service.get("port"), f"{path}.service.port")
        number = port.get("number")
        port_text = str(number) if number is not None else _opt_str(port.get("name"), f"{path}.service.port.name")
        return _opt_str(service.get("name"), f"{path}.service.name"), port_text
    legacy_port = backend.get("servicePort")
    return (
        _opt_str(backend.get("serviceName"), f"{path}.serviceName"),
        None if legacy_port is None else str(legacy_port),
    )


def _transform_ingress(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    annotations = entry.annotations
    ingress_class = _opt_str(spec.get("ingressClassName"), "spec.ingressClassName") or annotations.get(
        "kubernetes.io/ingress.class"
    )
    routes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    default_path = "spec.defaultBackend" if "defaultBackend" in spec else "spec.backend"
    default_backend = _mapping(spec.get("defaultBackend") or spec.get("backend"), default_path)
    if default_backend:
        service, port = _backend_service(default_backend, default_path)
        if service:
            routes[service]["hosts"].add("*")
            routes[service]["paths"].add("*")
            routes[service]["default"].add("true")
            routes[service]["ports"].update([port] if port else [])
    rules = _mappings(spec.get("rules"), "spec.rules")
    hosts = []
    for index, rule in enumerate(rules):
        host = _opt_str(rule.get("host"), f"spec.rules[{index}].host") or "*"
        hosts.append(host)
        http = _mapping(rule.get("http"), f"spec.rules[{index}].http")
        for path_index, path in enumerate(_mappings(http.get("paths"), f"spec.rules[{index}].http.paths")):
            where = f"spec.rules[{index}].http.paths[{path_index}]"
            service, port = _backend_service(_mapping(path.get("backend"), f"{where}.backend"), f"{where}.backend")
            if service:
                routes[service]["hosts"].add(host)
                routes[service]["paths"].add(_opt_str(path.get("path"), f"{where}.path") or "/")
                routes[service]["ports"].update([port] if port else [])
    tls = _mappings(spec.get("tls"), "spec.tls")
    internal, reason = _ingress_lb_internal(annotations, ingress_class)
    entry.props.update(
        ingress_class=ingress_class,
        rules_json=_json(rules, "spec.rules"),
        default_backend_json=_json_or_none(default_backend or None, default_path),
        hosts=_sorted_unique(hosts),
        tls_hosts=_sorted_unique(
            h for i, t in enumerate(tls) for h in _str_list(t.get("hosts"), f"spec.tls[{i}].hosts")
        ),
        tls_secrets=_sorted_unique(
            s for i, t in enumerate(tls) if (s := _opt_str(t.get("secretName"), f"spec.tls[{i}].secretName"))
        ),
        backend_services=sorted(routes),
        load_balancer_ingress=_load_balancer_addresses(_mapping(obj.get("status"), "status")),
        lb_internal=internal,
        lb_internal_reason=reason,
    )
    for service, route in sorted(routes.items()):
        entry.link_object(
            "ROUTES_TO",
            "Service",
            service,
            entry.namespace,
            hosts=sorted(route["hosts"]),
            paths=sorted(route["paths"]),
            ports=sorted(route["ports"]),
            default_backend=bool(route["default"]),
        )


def _transform_network_policy(entry: _Entry, obj: Mapping[str, Any]) -> None:
    spec = _mapping(obj.get("spec"), "spec")
    ingress = _sequence(spec.get("ingress"), "spec.ingress")
    egress = _sequence(spec.get("egress"), "spec.egress")
    # As the API server defaults it: Ingress always, Egress when the policy has egress rules.
    policy_types = _str_list(spec.get("policyTypes"), "spec.policyTypes") or (
        ["Ingress", "Egress"] if egress else ["Ingress"]
    )
    entry.selector = parse_label_selector(spec.get("podSelector"), "spec.podSelector")
    entry.props.update(
        pod_selector_json=_json(spec.get("podSelector") or {}, "spec.podSelector"),
        policy_types=policy_types,
        ingress_json=_json(ingress, "spec.ingress"),
        egress_json=_json(egress, "spec.egress"),
    )


WEBHOOK_FIELDS = (
    "name",
    "rules",
    "failurePolicy",
    "matchPolicy",
    "namespaceSelector",
    "objectSelector",
    "sideEffects",
    "timeoutSeconds",
    "reinvocationPolicy",
    "matchConditions",
)


def _transform_webhook_configuration(entry: _Entry, obj: Mapping[str, Any]) -> None:
    webhooks = []
    services = []
    urls = []
    for index, webhook in enumerate(_mappings(obj.get("webhooks"), "webhooks")):
        where = f"webhooks[{index}]"
        _required_str(webhook.get("name"), f"{where}.name")
        client = _mapping(webhook.get("clientConfig"), f"{where}.clientConfig")
        service = _mapping(client.get("service"), f"{where}.clientConfig.service")
        url = _opt_str(client.get("url"), f"{where}.clientConfig.url")
        kept = {key: webhook[key] for key in WEBHOOK_FIELDS if webhook.get(key) is not None}
        # caBundle is public but bulky; the service or URL is what an attacker would redirect.
        kept["clientConfig"] = {"service": dict(service) if service else None, "url": url}
        webhooks.append(kept)
        if service:
            services.append(f"{service.get('namespace')}/{service.get('name')}")
        if url:
            urls.append(url)
    entry.props.update(
        webhook_kind="validating" if entry.kind == "ValidatingWebhookConfiguration" else "mutating",
        webhooks_json=_json(webhooks, "webhooks"),
        webhook_names=[str(webhook.get("name")) for webhook in webhooks],
        services=_sorted_unique(services),
        urls=_sorted_unique(urls),
    )


_TRANSFORMS: dict[str, Transform] = {
    "Namespace": _transform_namespace,
    "Node": _transform_node,
    "Pod": _transform_pod,
    "ServiceAccount": _transform_service_account,
    "Secret": _transform_secret,
    "ConfigMap": _transform_configmap,
    "Service": _transform_service,
    **{kind: _transform_controller for kind in POD_TEMPLATE_KINDS},
    "Role": _transform_role,
    "ClusterRole": _transform_role,
    "RoleBinding": _transform_binding,
    "ClusterRoleBinding": _transform_binding,
    "Ingress": _transform_ingress,
    "NetworkPolicy": _transform_network_policy,
    "ValidatingWebhookConfiguration": _transform_webhook_configuration,
    "MutatingWebhookConfiguration": _transform_webhook_configuration,
}


# --------------------------------------------------------------------------------------------------
# Cross-object passes: edges that need more than one object
# --------------------------------------------------------------------------------------------------


def _by_kind(entries: Iterable[_Entry], *kinds: str) -> list[_Entry]:
    return [entry for entry in entries if entry.kind in kinds]


def _add_ownership_edges(cluster: str, entries: list[_Entry]) -> None:
    """Owner -OWNS-> child, from the child's ownerReferences (kind + name, same namespace for
    namespaced owners). A reference whose uid differs from the listed owner's is stale: the owner was
    deleted and recreated, and the garbage collector is about to remove the child."""
    object_uids = {(entry.kind, entry.namespace, entry.name): entry.object_uid for entry in entries}
    for child in entries:
        for ref in child.owner_refs:
            owner_kind = kind_for(ref.api_version, ref.kind) if ref.api_version else KIND_BY_NAME.get(ref.kind)
            if owner_kind is None:
                continue  # an owner Bridgehead does not model (an operator's custom resource)
            namespace = child.namespace if owner_kind.namespaced else None
            listed_uid = object_uids.get((owner_kind.kind, namespace, ref.name))
            if listed_uid and ref.object_uid and listed_uid != ref.object_uid:
                continue
            owner_uid = k8s_uid(cluster, owner_kind.kind, ref.name, namespace)
            child.edges.append(
                EdgeRecord(
                    "OWNS",
                    GRAPH_LABEL_BY_KIND[owner_kind.kind],
                    owner_uid,
                    child.label,
                    child.uid,
                    {"controller": ref.controller},
                )
            )


def _pods_by_namespace(entries: Iterable[_Entry]) -> dict[str | None, list[_Entry]]:
    pods: dict[str | None, list[_Entry]] = defaultdict(list)
    for entry in _by_kind(entries, "Pod"):
        pods[entry.namespace].append(entry)
    return pods


def _add_service_selections(entries: list[_Entry]) -> None:
    """Service -SELECTS-> the running pods of its namespace whose labels match its selector."""
    pods = _pods_by_namespace(entries)
    for service in _by_kind(entries, "Service"):
        if service.selector is None:
            continue
        for pod in pods.get(service.namespace, []):
            if pod.props.get("phase") not in TERMINAL_POD_PHASES and service.selector.matches(pod.labels):
                service.link("SELECTS", "Pod", pod.uid)


def _add_network_policy_targets(entries: list[_Entry]) -> None:
    """NetworkPolicy -APPLIES_TO-> every pod of its namespace its podSelector matches ({} = all)."""
    pods = _pods_by_namespace(entries)
    for policy in _by_kind(entries, "NetworkPolicy"):
        assert policy.selector is not None
        for pod in pods.get(policy.namespace, []):
            if policy.selector.matches(pod.labels):
                policy.link("APPLIES_TO", "Pod", pod.uid, policy_types=policy.props["policy_types"])


def _add_role_aggregation(entries: list[_Entry]) -> None:
    """ClusterRole -AGGREGATES-> each other ClusterRole whose labels match one of its clusterRoleSelectors."""
    roles = _by_kind(entries, "ClusterRole")
    for aggregator in roles:
        for role in roles:
            if role is not aggregator and any(selector.matches(role.labels) for selector in aggregator.aggregation):
                aggregator.link("AGGREGATES", "ClusterRole", role.uid)


def _decide_token_mounts(entries: list[_Entry]) -> None:
    """Whether a pod (or a controller's pods) carries an API token of its service account: an explicit
    projected token volume; else the pod's automountServiceAccountToken (the pod wins); else the SA's;
    else Kubernetes' default, true. `token_mount_reason` says which rule decided."""
    sa_automount = {
        (entry.namespace, entry.name): entry.props.get("automount_service_account_token")
        for entry in _by_kind(entries, "ServiceAccount")
    }
    for entry in entries:
        facts = entry.pod_spec
        if facts is None:
            continue
        sa_setting = sa_automount.get((entry.namespace, facts.service_account))
        if facts.api_token_projected:
            mounted, reason = True, "projected-volume"
        elif facts.automount is not None:
            mounted, reason = facts.automount, "pod"
        elif sa_setting is not None:
            mounted, reason = bool(sa_setting), "service-account"
        else:
            mounted, reason = True, "default"
        entry.props["token_mounted"] = mounted
        entry.props["token_mount_reason"] = reason


def _implicit_group_memberships(cluster: str, entries: list[_Entry]) -> list[EdgeRecord]:
    """Identity -MEMBER_OF-> the groups Kubernetes puts it in without saying so: every service account
    is in system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated; every named user
    in system:authenticated (system:anonymous in system:unauthenticated). Only groups that some binding
    names get an edge: a group nobody binds grants nothing."""
    groups = {node.props["name"] for entry in entries for node in entry.nodes if node.kind == "KubeGroup"}
    users = {node.props["name"] for entry in entries for node in entry.nodes if node.kind == "KubeUser"}
    memberships: list[tuple[str, str, str]] = []  # (member label, member uid, group)
    for account in _by_kind(entries, "ServiceAccount"):
        for group in (
            "system:serviceaccounts",
            f"system:serviceaccounts:{account.namespace}",
            "system:authenticated",
        ):
            memberships.append((account.label, account.uid, group))
    for user in sorted(users):
        group = "system:unauthenticated" if user == "system:anonymous" else "system:authenticated"
        memberships.append(("KubeUser", k8s_uid(cluster, "User", user), group))
    return [
        EdgeRecord("MEMBER_OF", label, uid, "KubeGroup", k8s_uid(cluster, "Group", group), {"implicit": True})
        for label, uid, group in memberships
        if group in groups
    ]


# --------------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------------


def _complete_labels(collected_kinds: Collection[str], skipped_kinds: Collection[str]) -> set[str]:
    """Graph labels this snapshot is authoritative for: every API kind they come from was listed in full
    and none of its objects had to be skipped (else stale cleanup would delete the skipped object's
    earlier, good version)."""
    usable = set(collected_kinds) - set(skipped_kinds)
    return {label for label, sources in LABEL_SOURCES.items() if sources <= usable}


def _unique_nodes(nodes: Iterable[NodeRecord]) -> list[NodeRecord]:
    unique: dict[tuple[str, str], NodeRecord] = {}
    for node in nodes:
        key = (node.kind, node.uid)
        if key in unique:
            node = NodeRecord(node.kind, node.uid, {**unique[key].props, **node.props})
        unique[key] = node
    return list(unique.values())


def _unique_edges(edges: Iterable[EdgeRecord]) -> list[EdgeRecord]:
    unique: dict[tuple[str, str, str, str, str], EdgeRecord] = {}
    for edge in edges:
        key = (edge.type, edge.src_kind, edge.src_uid, edge.dst_kind, edge.dst_uid)
        if key in unique:
            edge = EdgeRecord(*key, props={**unique[key].props, **edge.props})
        unique[key] = edge
    return list(unique.values())


def _closed_world_edges(
    edges: list[EdgeRecord], nodes: list[NodeRecord], complete: Collection[str]
) -> list[EdgeRecord]:
    """Drop edges to objects that do not exist. When a label is complete, an endpoint missing from this
    snapshot does not exist in the cluster (a pod naming a deleted secret, a binding to an SA never
    created, a token secret of a deleted SA); the reference stays in the source's properties. When a
    label is not complete, the edge is kept: it may join a node loaded by an earlier run."""
    present = {(node.kind, node.uid) for node in nodes}

    def exists(kind: str, uid: str) -> bool:
        return kind not in complete or (kind, uid) in present

    return [edge for edge in edges if exists(edge.src_kind, edge.src_uid) and exists(edge.dst_kind, edge.dst_uid)]
