"""The Kubernetes plane: clusters, their workloads, identities, RBAC and exposure.

Vocabulary in kinds.py, uids in uids.py, the facts model in facts.py, the RBAC evaluator in rbac.py and the
attack rules in rules/ (one module per family: escapes, tokens, exposure, rbac_abuse).
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.planes import Plane, register_plane
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.kinds import EDGE_KINDS, EXPORT_PROPERTIES, FACT_LINKS, NODE_KINDS
from graph.records import NodeRecord

# Whoever is cluster-admin is a crown jewel too (only nodes not already high value get the analysis mark).
MARK_CLUSTER_ADMINS = (
    "MATCH (n)-[:IS_CLUSTER_ADMIN]->(:ClusterAdmin) WHERE NOT n:HighValue "
    "SET n:HighValue, n.high_value_by_analysis = true RETURN count(n) AS marked"
)


def cluster_namespaces(facts: ClusterFacts) -> list[str]:
    """Every namespace the cluster is known to have: its Namespace objects, and every namespace an object
    lives in (a RoleBinding, pod or service account exists only in an existing namespace, whether or not
    the Namespace object itself was collected)."""
    names = {entity.name for entity in facts.of("Namespace").values()}
    for by_uid in facts.entities.values():
        names.update(entity.namespace for entity in by_uid.values() if entity.namespace)
    return sorted(names - {""})


def anchors(facts: ClusterFacts) -> Iterator[NodeRecord]:
    """Per cluster: its cluster-admin, "any node" (where a pod naming spec.nodeName may land) and, per
    namespace, its admin (named after the namespace, so that `namespace-admin:<ns>` names it)."""
    cluster = facts.cluster
    yield NodeRecord(
        "ClusterAdmin", uids.cluster_admin_uid(cluster), {"name": f"cluster-admin ({cluster})", "cluster": cluster}
    )
    yield NodeRecord(
        "ClusterNodes", uids.cluster_nodes_uid(cluster), {"name": f"any node ({cluster})", "cluster": cluster}
    )
    for namespace in cluster_namespaces(facts):
        yield NodeRecord(
            "NamespaceAdmin", uids.namespace_admin_uid(cluster, namespace), {"name": namespace, "cluster": cluster}
        )


PLANE = register_plane(
    Plane(
        name="k8s",
        title="Kubernetes",
        node_kinds=NODE_KINDS,
        edge_kinds=EDGE_KINDS,
        tenant_kind="Cluster",
        tenant_property="cluster",
        parse_uid=uids.parse_uid,
        uid_prefixes=(f"{uids.PREFIX}:",),
        facts_type=ClusterFacts,
        fact_links=FACT_LINKS,
        anchors=anchors,
        marks=(MARK_CLUSTER_ADMINS,),
        rules_package="graph.planes.k8s.rules",
        export_properties=EXPORT_PROPERTIES,
        kind_prefix="K8s",
        template_of=uids.template_workload,
    )
)
