"""The Kubernetes facts model: one cluster, as the attack rules read it (graph/analysis/facts.py reads it).

`ClusterFacts` adds the views the rules share to the plane-neutral `ScopeFacts`: pods, nodes, service
accounts, secrets, controllers, the RBAC index, and RBAC subjects resolved to graph uids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

from graph.analysis.facts import Entity, ScopeFacts
from graph.analysis.facts import facts_from_records as _facts_from_records
from graph.planes.k8s import uids
from graph.planes.k8s.kinds import CONTROLLER_KINDS
from graph.planes.k8s.rbac import BindingDef, RbacIndex, RoleDef, Subject
from graph.planes.k8s.views import PodView, pod_view
from graph.records import EdgeRecord, NodeRecord


class ClusterFacts(ScopeFacts):
    """Everything about one cluster that an attack rule may look at."""

    @cached_property
    def cluster(self) -> str:
        parsed = uids.parse_uid(self.scope)
        return parsed.tenant if parsed else self.scope

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

    @cached_property
    def pod_views(self) -> dict[str, PodView]:
        """Every pod with its containers and node, built once (graph/planes/k8s/views.py)."""
        return {uid: pod_view(self, pod) for uid, pod in self.pods.items()}

    def pod_view(self, pod_uid: str) -> PodView:
        return self.pod_views[pod_uid]

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
            uid = uids.service_account_uid(self.cluster, subject.namespace or "", subject.name)
            return uid if uid in self.service_accounts else None
        label = "KubeUser" if subject.kind == "User" else "KubeGroup"
        uid = uids.object_uid(self.cluster, subject.kind, subject.name)
        return uid if uid in self.of(label) else None

    def groups_of(self, identity_uid: str) -> list[str]:
        """The groups an identity is in without a binding saying so (MEMBER_OF: aws-auth, SA groups)."""
        groups = self.of("KubeGroup")
        return sorted(groups[uid].name for uid in self.targets("MEMBER_OF", identity_uid) if uid in groups)


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


def facts_from_records(cluster: str, nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord]) -> ClusterFacts:
    """One cluster's facts, built from transform output without a database (rule tests use this)."""
    from graph.planes import plane

    return _facts_from_records(ClusterFacts, uids.scope(cluster), nodes, edges, plane("k8s"))
