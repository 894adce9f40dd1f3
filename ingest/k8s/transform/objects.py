"""One object in flight: the `Entry` every per-kind transform fills, and the metadata all objects share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.planes.k8s import uids
from graph.records import EdgeRecord, NodeRecord, PropertyError, as_json, check_edge, check_node
from ingest.k8s.kinds import KIND_BY_NAME
from ingest.k8s.redact import SECRET_BEARING_ANNOTATIONS
from ingest.k8s.transform.fields import (
    LabelSelector,
    ObjectProblem,
    describe,
    epoch_ms,
    json_text,
    mapping,
    mappings,
    opt_bool,
    opt_str,
    required_str,
    text_map,
)
from ingest.k8s.transform.vocabulary import GRAPH_LABEL_BY_KIND


@dataclass(frozen=True)
class OwnerRef:
    api_version: str | None
    kind: str
    name: str
    object_uid: str | None
    controller: bool


@dataclass
class PodSpecFacts:
    """What the token decision needs once every ServiceAccount has been read."""

    service_account: str
    automount: bool | None  # the pod's own automountServiceAccountToken
    api_token_projected: bool  # a container mounts a projected SA token the API server accepts


@dataclass
class Entry:
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
    owner_refs: list[OwnerRef] = field(default_factory=list)
    nodes: list[NodeRecord] = field(default_factory=list)  # containers, users, groups it brings
    edges: list[EdgeRecord] = field(default_factory=list)
    selector: LabelSelector | None = None  # Service selector / NetworkPolicy podSelector
    aggregation: list[LabelSelector] = field(default_factory=list)  # ClusterRole clusterRoleSelectors
    pod_spec: PodSpecFacts | None = None  # pods and pod templates
    # Parts of an otherwise good object that could not be read; reported, the object still loads.
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return GRAPH_LABEL_BY_KIND[self.kind]

    @property
    def uid(self) -> str:
        return uids.object_uid(self.cluster, self.kind, self.name, self.namespace)

    def link(self, edge_type: str, dst_kind: str, dst_uid: str, **props: Any) -> None:
        """An edge from this object to an object of Kubernetes kind `dst_kind`."""
        self.edges.append(EdgeRecord(edge_type, self.label, self.uid, GRAPH_LABEL_BY_KIND[dst_kind], dst_uid, props))

    def link_object(
        self, edge_type: str, dst_kind: str, dst_name: str, dst_namespace: str | None, **props: Any
    ) -> None:
        self.link(edge_type, dst_kind, uids.object_uid(self.cluster, dst_kind, dst_name, dst_namespace), **props)

    def records(self) -> list[NodeRecord]:
        return [NodeRecord(self.label, self.uid, dict(self.props)), *self.nodes]

    def check(self) -> None:
        for node in self.records():
            check_node(node)
        for edge in self.edges:
            check_edge(edge)


Transform = Callable[[Entry, Mapping[str, Any]], None]


def transform_one(
    cluster: str, kind: str, obj: Any, index: int, transform: Transform, problems: list[str]
) -> Entry | None:
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


def _start_entry(cluster: str, kind: str, obj: Any) -> Entry:
    """The common part of every API object: identity, metadata properties, IN_NAMESPACE / IN_CLUSTER."""
    if not isinstance(obj, Mapping):
        raise ObjectProblem(f"is {describe(obj)}, expected an object (a mapping)")
    metadata = mapping(obj.get("metadata"), "metadata")
    name = opt_str(metadata.get("name"), "metadata.name")
    if not name:
        raise ObjectProblem("metadata.name is missing")
    namespaced = KIND_BY_NAME[kind].namespaced
    namespace = opt_str(metadata.get("namespace"), "metadata.namespace")
    if namespaced and not namespace:
        raise ObjectProblem(f"metadata.namespace is missing, and {kind} is a namespaced kind")
    labels = text_map(metadata.get("labels"), "metadata.labels")
    annotations = read_annotations(metadata)
    entry = Entry(
        cluster=cluster,
        kind=kind,
        name=name,
        namespace=namespace if namespaced else None,
        object_uid=opt_str(metadata.get("uid"), "metadata.uid"),
        labels=labels,
        annotations=annotations,
        props={
            "name": name,
            "kind": kind,
            "cluster": cluster,
            "k8s_uid": opt_str(metadata.get("uid"), "metadata.uid"),
            "labels_json": as_json(labels),
            "annotations_json": as_json(annotations),
            "created_at": epoch_ms(metadata.get("creationTimestamp")),
        },
        owner_refs=_owner_refs(metadata.get("ownerReferences")),
    )
    if namespaced:
        entry.props["namespace"] = namespace
        entry.link_object("IN_NAMESPACE", "Namespace", str(namespace), None)
    else:
        entry.link("IN_CLUSTER", "Cluster", uids.object_uid(cluster, "Cluster", cluster))
    if entry.owner_refs:
        entry.props["owner_refs_json"] = json_text(
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


def read_annotations(metadata: Mapping[str, Any]) -> dict[str, str]:
    annotations = text_map(metadata.get("annotations"), "metadata.annotations")
    # The collector drops these already; a second line of defence costs nothing, and the
    # last-applied configuration of a Secret carries its values.
    return {key: value for key, value in annotations.items() if key not in SECRET_BEARING_ANNOTATIONS}


def _owner_refs(value: Any) -> list[OwnerRef]:
    refs: list[OwnerRef] = []
    for index, ref in enumerate(mappings(value, "metadata.ownerReferences")):
        where = f"metadata.ownerReferences[{index}]"
        refs.append(
            OwnerRef(
                api_version=opt_str(ref.get("apiVersion"), f"{where}.apiVersion"),
                kind=required_str(ref.get("kind"), f"{where}.kind"),
                name=required_str(ref.get("name"), f"{where}.name"),
                object_uid=opt_str(ref.get("uid"), f"{where}.uid"),
                controller=bool(opt_bool(ref.get("controller"), f"{where}.controller")),
            )
        )
    return refs


def cluster_node(cluster: str, version: Mapping[str, Any] | None) -> NodeRecord:
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
    return NodeRecord("Cluster", uids.object_uid(cluster, "Cluster", cluster), props)
