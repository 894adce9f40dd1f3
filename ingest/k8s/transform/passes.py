"""Cross-object passes (edges that need more than one object) and the assembly of the final records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from graph.planes.k8s import uids
from graph.records import EdgeRecord, NodeRecord
from ingest.k8s.kinds import KIND_BY_NAME, kind_for
from ingest.k8s.transform.objects import Entry
from ingest.k8s.transform.vocabulary import GRAPH_LABEL_BY_KIND, LABEL_SOURCES

# Pods in these phases are finished: no Service sends them traffic.
TERMINAL_POD_PHASES = frozenset({"Succeeded", "Failed"})


def _by_kind(entries: Iterable[Entry], *kinds: str) -> list[Entry]:
    return [entry for entry in entries if entry.kind in kinds]


def add_ownership_edges(cluster: str, entries: list[Entry]) -> None:
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
            owner_uid = uids.object_uid(cluster, owner_kind.kind, ref.name, namespace)
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


def _pods_by_namespace(entries: Iterable[Entry]) -> dict[str | None, list[Entry]]:
    pods: dict[str | None, list[Entry]] = defaultdict(list)
    for entry in _by_kind(entries, "Pod"):
        pods[entry.namespace].append(entry)
    return pods


def add_service_selections(entries: list[Entry]) -> None:
    """Service -SELECTS-> the running pods of its namespace whose labels match its selector."""
    pods = _pods_by_namespace(entries)
    for service in _by_kind(entries, "Service"):
        if service.selector is None:
            continue
        for pod in pods.get(service.namespace, []):
            if pod.props.get("phase") not in TERMINAL_POD_PHASES and service.selector.matches(pod.labels):
                service.link("SELECTS", "Pod", pod.uid)


def add_network_policy_targets(entries: list[Entry]) -> None:
    """NetworkPolicy -APPLIES_TO-> every pod of its namespace its podSelector matches ({} = all)."""
    pods = _pods_by_namespace(entries)
    for policy in _by_kind(entries, "NetworkPolicy"):
        assert policy.selector is not None
        for pod in pods.get(policy.namespace, []):
            if policy.selector.matches(pod.labels):
                policy.link("APPLIES_TO", "Pod", pod.uid, policy_types=policy.props["policy_types"])


def add_role_aggregation(entries: list[Entry]) -> None:
    """ClusterRole -AGGREGATES-> each other ClusterRole whose labels match one of its clusterRoleSelectors."""
    roles = _by_kind(entries, "ClusterRole")
    for aggregator in roles:
        for role in roles:
            if role is not aggregator and any(selector.matches(role.labels) for selector in aggregator.aggregation):
                aggregator.link("AGGREGATES", "ClusterRole", role.uid)


def decide_token_mounts(entries: list[Entry]) -> None:
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


def implicit_group_memberships(
    cluster: str,
    entries: list[Entry],
    implied_accounts: Iterable[tuple[str, str]] = (),
    implied_users: Iterable[str] = (),
) -> list[EdgeRecord]:
    """Identity -MEMBER_OF-> the groups Kubernetes puts it in without saying so: every service account
    is in system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated; every named user
    in system:authenticated (system:anonymous in system:unauthenticated). Only groups that some binding
    names get an edge: a group nobody binds grants nothing. Implied service accounts ((namespace, uid))
    and users (names) of implied.py get the same memberships, after those of the listed identities."""
    groups = {node.props["name"] for entry in entries for node in entry.nodes if node.kind == "KubeGroup"}
    users = {node.props["name"] for entry in entries for node in entry.nodes if node.kind == "KubeUser"}
    accounts = [(account.namespace, account.uid) for account in _by_kind(entries, "ServiceAccount")]
    memberships: list[tuple[str, str, str]] = []  # (member label, member uid, group)
    for namespace, uid in [*accounts, *implied_accounts]:
        for group in (
            "system:serviceaccounts",
            f"system:serviceaccounts:{namespace}",
            "system:authenticated",
        ):
            memberships.append(("ServiceAccount", uid, group))
    for user in [*sorted(users), *sorted(set(implied_users) - users)]:
        group = "system:unauthenticated" if user == "system:anonymous" else "system:authenticated"
        memberships.append(("KubeUser", uids.user_uid(cluster, user), group))
    return [
        EdgeRecord("MEMBER_OF", label, uid, "KubeGroup", uids.group_uid(cluster, group), {"implicit": True})
        for label, uid, group in memberships
        if group in groups
    ]


# --------------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------------


def complete_labels(collected_kinds: Collection[str], skipped_kinds: Collection[str]) -> set[str]:
    """Graph labels this snapshot is authoritative for: every API kind they come from was listed in full
    and none of its objects had to be skipped (else stale cleanup would delete the skipped object's
    earlier, good version)."""
    usable = set(collected_kinds) - set(skipped_kinds)
    return {label for label, sources in LABEL_SOURCES.items() if sources <= usable}


def unique_nodes(nodes: Iterable[NodeRecord]) -> list[NodeRecord]:
    unique: dict[tuple[str, str], NodeRecord] = {}
    for node in nodes:
        key = (node.kind, node.uid)
        if key in unique:
            node = NodeRecord(node.kind, node.uid, {**unique[key].props, **node.props})
        unique[key] = node
    return list(unique.values())


def unique_edges(edges: Iterable[EdgeRecord]) -> list[EdgeRecord]:
    unique: dict[tuple[str, str, str, str, str], EdgeRecord] = {}
    for edge in edges:
        key = (edge.type, edge.src_kind, edge.src_uid, edge.dst_kind, edge.dst_uid)
        if key in unique:
            edge = EdgeRecord(*key, props={**unique[key].props, **edge.props})
        unique[key] = edge
    return list(unique.values())


def closed_world_edges(edges: list[EdgeRecord], nodes: list[NodeRecord], complete: Collection[str]) -> list[EdgeRecord]:
    """Drop edges to objects that do not exist. When a label is complete, an endpoint missing from this
    snapshot does not exist in the cluster (a pod naming a deleted secret, a binding to an SA never
    created, a token secret of a deleted SA); the reference stays in the source's properties. When a
    label is not complete, the edge is kept: it may join a node loaded by an earlier run."""
    present = {(node.kind, node.uid) for node in nodes}

    def exists(kind: str, uid: str) -> bool:
        return kind not in complete or (kind, uid) in present

    return [edge for edge in edges if exists(edge.src_kind, edge.src_uid) and exists(edge.dst_kind, edge.dst_uid)]
