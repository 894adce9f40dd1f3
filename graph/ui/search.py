"""Finding nodes and paths for the pickers: the search box (`pod:storefront`, `sa:ci/`, …), node lookups by
uid, and the shortest attack paths between the two picked nodes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.analysis.catalogue import traversable_edge_types
from graph.export import tenant_expression
from graph.paths import DEFAULT_MAX_HOPS, FIND_BY_UID, AttackPath, Target, shortest_paths
from graph.schema import ENTITY, NODE_KINDS, primary_label, ref_kinds
from graph.store import GraphStore
from graph.ui.common import NodeRef, node_ref_from_row

SEARCH_LIMIT = 50

NODE_COLUMNS = "n.uid AS uid, labels(n) AS labels, n.name AS name, n.namespace AS namespace, n.cluster AS cluster"
LOOKUP_NODES = f"MATCH (n:{ENTITY}) WHERE n.uid IN $uids RETURN {NODE_COLUMNS}"


def lookup_nodes(store: GraphStore, uids: Iterable[str]) -> dict[str, NodeRef]:
    wanted = sorted(set(uids))
    if not wanted:
        return {}
    return {row["uid"]: node_ref_from_row(row) for row in store.read(LOOKUP_NODES, {"uids": wanted})}


def label_of(store: GraphStore, uid: str) -> str | None:
    rows = store.read(FIND_BY_UID, {"uid": uid})
    return primary_label(rows[0]["labels"]) if rows else None


@dataclass(frozen=True)
class SearchQuery:
    label: str | None  # None: any kind
    cluster: str | None
    namespace: str | None
    term: str  # lower case; matched as a substring of the name


def parse_search(text: str) -> SearchQuery:
    """`pod:storefront`, `sa:ci/`, `secret:kube-system/ops`, `pod:prod/shop/web`, `node:ip-10`, `deployer`.

    Before `:` a kind word (the REF words of the vocabulary: pod, sa, secret, node, …); then `NAMESPACE/`
    (exact) for namespaced kinds, the tenant (`CLUSTER/`) first when several are loaded, and part of the name.
    """
    text = text.strip()
    kind_word, sep, rest = text.partition(":")
    words = ref_kinds()
    kind = words.get(kind_word.strip().lower()) if sep else None
    if kind is None:
        anchor = words.get(text.lower())
        if anchor is not None and anchor.anchor:  # `internet`, `cluster-admin`: every one of them
            return SearchQuery(anchor.label, None, None, "")
        return SearchQuery(None, None, None, text.lower())
    label = kind.label
    parts = rest.split("/")
    cluster = namespace = None
    if kind.scoping != "namespaced":
        if len(parts) >= 2:
            cluster, parts = parts[0] or None, parts[1:]
    elif len(parts) >= 3:
        cluster, namespace, parts = parts[0] or None, parts[1] or None, parts[2:]
    elif len(parts) == 2:
        namespace, parts = parts[0] or None, parts[1:]
    return SearchQuery(label, cluster, namespace, "/".join(parts).strip().lower())


def search_statement(label: str | None) -> str:
    if label is not None and label not in NODE_KINDS:
        raise ValueError(f"unknown node kind {label!r}")
    match = f"MATCH (n:{label})" if label else "MATCH (n)"
    where = (
        f"WHERE NOT n:SyncRun AND ($cluster IS NULL OR {tenant_expression()} = $cluster) "
        "AND ($namespace IS NULL OR n.namespace = $namespace) "
        "AND ($term = '' OR toLower(n.name) CONTAINS $term OR toLower(n.uid) CONTAINS $term)"
    )
    return f"{match} {where} RETURN {NODE_COLUMNS} ORDER BY n.namespace, n.name, n.uid LIMIT $limit"


def search_nodes(store: GraphStore, text: str, limit: int = SEARCH_LIMIT) -> list[NodeRef]:
    """Nodes matching a search box entry (see `parse_search`), at most `limit`."""
    query = parse_search(text)
    if query.label is None and not query.term:
        return []
    params = {"cluster": query.cluster, "namespace": query.namespace, "term": query.term, "limit": limit}
    return [node_ref_from_row(row) for row in store.read(search_statement(query.label), params)]


@dataclass(frozen=True)
class PathQuery:
    src: NodeRef
    dst: NodeRef
    max_hops: int = DEFAULT_MAX_HOPS
    edge_types: tuple[str, ...] = ()
    limit: int = 25


def find_paths(store: GraphStore, query: PathQuery) -> list[AttackPath]:
    """All shortest attack paths between two nodes (bounded, per pair: graph.paths)."""
    return shortest_paths(
        store,
        Target(query.src.label, query.src.uid),
        Target(query.dst.label, query.dst.uid),
        max_hops=query.max_hops,
        limit=query.limit,
        edge_types=query.edge_types or traversable_edge_types(),
    )


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("ui/lookup-nodes", LOOKUP_NODES),
        ("ui/search-any", search_statement(None)),
        ("ui/search-pod", search_statement("Pod")),
    ]
