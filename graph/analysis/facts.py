"""What the attack rules read: one cluster's inventory, read back from the graph (never the collector).

Reading the graph, not the collector's memory, is what lets the analysis run after any ingest order and
be re-run cheaply. Rules get plain typed data and stay pure functions of it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graph.analysis.rbac import BindingDef, RbacIndex, RoleDef, Subject
from graph.records import EdgeRecord, NodeRecord
from graph.store import GraphStore

CONTROLLER_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "CronJob", "ReplicationController")


@dataclass(frozen=True)
class Entity:
    """One graph node: its primary label, uid and properties."""

    kind: str
    uid: str
    props: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.props.get(key)
        return default if value is None else value

    def json(self, key: str, default: Any = None) -> Any:
        """A property stored as JSON text (graph.records.as_json), decoded."""
        text = self.props.get(key)
        return default if text in (None, "") else json.loads(text)

    @property
    def name(self) -> str:
        return str(self.props.get("name", ""))

    @property
    def namespace(self) -> str | None:
        return self.props.get("namespace")

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@dataclass
class ClusterFacts:
    """Everything about one cluster that an attack rule may look at."""

    cluster: str
    entities: dict[str, dict[str, Entity]] = field(default_factory=lambda: defaultdict(dict))  # kind -> uid -> entity
    # structural edges: type -> source uid -> [(target uid, edge properties)]
    links: dict[str, dict[str, list[tuple[str, Mapping[str, Any]]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def of(self, kind: str) -> dict[str, Entity]:
        return self.entities[kind]

    def entity(self, uid: str) -> Entity | None:
        for by_uid in self.entities.values():
            if uid in by_uid:
                return by_uid[uid]
        return None

    def targets(self, edge_type: str, source_uid: str) -> list[str]:
        return [target for target, _props in self.links[edge_type].get(source_uid, [])]

    def linked(self, edge_type: str, source_uid: str) -> list[tuple[str, Mapping[str, Any]]]:
        return self.links[edge_type].get(source_uid, [])

    def sources(self, edge_type: str, target_uid: str) -> list[str]:
        return self.reverse_links[edge_type].get(target_uid, [])

    @cached_property
    def reverse_links(self) -> dict[str, dict[str, list[str]]]:
        reverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for edge_type, by_source in self.links.items():
            for source, targets in by_source.items():
                for target, _props in targets:
                    reverse[edge_type][target].append(source)
        return reverse

    # Convenience views the rules share -------------------------------------------------------

    @property
    def pods(self) -> dict[str, Entity]:
        return self.of("Pod")

    @property
    def nodes(self) -> dict[str, Entity]:
        return self.of("Node")

    @property
    def service_accounts(self) -> dict[str, Entity]:
        return self.of("ServiceAccount")

    @property
    def secrets(self) -> dict[str, Entity]:
        return self.of("KubeSecret")

    def controllers(self) -> Iterator[Entity]:
        for kind in CONTROLLER_KINDS:
            yield from self.of(kind).values()

    def containers_of(self, owner_uid: str) -> list[Entity]:
        containers = self.of("Container")
        return [containers[uid] for uid in self.targets("HAS_CONTAINER", owner_uid) if uid in containers]

    def node_of(self, pod_uid: str) -> Entity | None:
        node_uids = self.targets("RUNS_ON", pod_uid)
        return self.nodes.get(node_uids[0]) if node_uids else None

    def pods_on(self, node_uid: str) -> list[Entity]:
        return [self.pods[uid] for uid in self.sources("RUNS_ON", node_uid) if uid in self.pods]

    def service_account_of(self, workload_uid: str) -> Entity | None:
        sa_uids = self.targets("USES_SERVICE_ACCOUNT", workload_uid)
        return self.service_accounts.get(sa_uids[0]) if sa_uids else None

    @cached_property
    def namespaces_by_name(self) -> dict[str, Entity]:
        return {entity.name: entity for entity in self.of("Namespace").values()}

    @cached_property
    def service_accounts_by_namespace(self) -> dict[str, list[Entity]]:
        grouped: dict[str, list[Entity]] = defaultdict(list)
        for sa in self.service_accounts.values():
            grouped[sa.namespace or ""].append(sa)
        return grouped

    @cached_property
    def rbac(self) -> RbacIndex:
        roles = [
            RoleDef.from_api(_api_role(entity)) for kind in ("Role", "ClusterRole") for entity in self.of(kind).values()
        ]
        bindings = [
            BindingDef.from_api(_api_binding(entity))
            for kind in ("RoleBinding", "ClusterRoleBinding")
            for entity in self.of(kind).values()
        ]
        # Stored ClusterRole rules are what the API server authorizes with; the aggregation controller
        # has already written them, and recomputing from a partial snapshot could lose permissions.
        return RbacIndex(roles, bindings, recompute_aggregation=False)

    def subject_uid(self, subject: Subject) -> str | None:
        """The graph uid of an RBAC subject (a ServiceAccount, KubeUser or KubeGroup node)."""
        if subject.kind == "ServiceAccount":
            uid = f"k8s:{self.cluster}:serviceaccount:{subject.namespace}/{subject.name}"
            return uid if uid in self.service_accounts else None
        label, prefix = ("KubeUser", "user") if subject.kind == "User" else ("KubeGroup", "group")
        uid = f"k8s:{self.cluster}:{prefix}:{subject.name}"
        return uid if uid in self.of(label) else None


def _api_role(entity: Entity) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": entity.kind,
        "metadata": {"name": entity.name, "labels": entity.json("labels_json", {})},
        "rules": entity.json("rules_json", []),
    }
    if entity.namespace:
        obj["metadata"]["namespace"] = entity.namespace
    selectors = entity.json("aggregation_json")  # the aggregationRule's clusterRoleSelectors
    if selectors:
        obj["aggregationRule"] = {"clusterRoleSelectors": selectors}
    return obj


def _api_binding(entity: Entity) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": entity.kind,
        "metadata": {"name": entity.name},
        "roleRef": {
            "kind": entity.get("role_kind"),
            "name": entity.get("role_name"),
            "apiGroup": "rbac.authorization.k8s.io",
        },
        "subjects": entity.json("subjects_json", []),
    }
    if entity.namespace:
        obj["metadata"]["namespace"] = entity.namespace
    return obj


FACT_KINDS = (
    "Cluster", "Namespace", "Node", "Pod", "Container", *CONTROLLER_KINDS, "ServiceAccount", "KubeUser", "KubeGroup",
    "KubeSecret", "ConfigMap", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Service", "Ingress",
    "NetworkPolicy", "WebhookConfiguration",
)  # fmt: skip
FACT_LINKS = (
    "RUNS_ON", "HAS_CONTAINER", "USES_SERVICE_ACCOUNT", "OWNS", "MOUNTS_SECRET", "SELECTS", "ROUTES_TO", "TOKEN_FOR",
    "APPLIES_TO", "MEMBER_OF",
)  # fmt: skip

CLUSTERS = "MATCH (c:Cluster) RETURN c.name AS name ORDER BY name"


def nodes_statement(kind: str) -> str:
    return f"MATCH (n:{kind}) WHERE n.cluster = $cluster RETURN n.uid AS uid, properties(n) AS props"


def links_statement(edge_type: str) -> str:
    return (
        f"MATCH (a)-[e:{edge_type}]->(b) WHERE a.cluster = $cluster "
        "RETURN a.uid AS src, b.uid AS dst, properties(e) AS props"
    )


def read_cluster_facts(store: GraphStore, cluster: str) -> ClusterFacts:
    facts = ClusterFacts(cluster)
    params = {"cluster": cluster}
    for kind in FACT_KINDS:
        for row in store.read(nodes_statement(kind), params):
            facts.entities[kind][row["uid"]] = Entity(kind, row["uid"], row["props"])
    for edge_type in FACT_LINKS:
        for row in store.read(links_statement(edge_type), params):
            facts.links[edge_type][row["src"]].append((row["dst"], row["props"]))
    return facts


def cluster_names(store: GraphStore) -> list[str]:
    return [row["name"] for row in store.read(CLUSTERS)]


def generated_statements() -> Iterator[tuple[str, str]]:
    yield "facts/clusters", CLUSTERS
    for kind in FACT_KINDS:
        yield f"facts/nodes/{kind}", nodes_statement(kind)
    for edge_type in FACT_LINKS:
        yield f"facts/links/{edge_type}", links_statement(edge_type)


def facts_from_records(cluster: str, nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord]) -> ClusterFacts:
    """The same facts, built from transform output without a database (rule tests use this)."""
    facts = ClusterFacts(cluster)
    for node in nodes:
        if node.kind in FACT_KINDS:
            facts.entities[node.kind][node.uid] = Entity(node.kind, node.uid, {"uid": node.uid, **node.props})
    for edge in edges:
        if edge.type in FACT_LINKS:
            facts.links[edge.type][edge.src_uid].append((edge.dst_uid, dict(edge.props)))
    return facts
