"""What the UI pages show, computed from store reads: plain functions and records, no Streamlit.

`app.py` draws these; the logic lives here so it is unit-tested without a browser. Object names, labels
and annotations are attacker-controlled text: this module never formats them as markdown or HTML, and
`inert()` defuses the one HTML pattern the graph component would otherwise turn into a link.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.catalogue import ATTACKS, INTERNET_UID, load_catalogue, traversable_edge_types
from graph.findings.compute import SEVERITIES as FINDING_SEVERITIES
from graph.findings.compute import ChokePoint, Finding
from graph.findings.state import counts_by_severity
from graph.paths import (
    CLUSTER_SCOPED,
    DEFAULT_MAX_HOPS,
    FIND_BY_UID,
    REF_KINDS,
    AttackPath,
    RefError,
    Target,
    primary_label,
    resolve_ref,
    shortest_paths,
)
from graph.schema import ENTITY, NODE_KINDS, STRUCTURAL_EDGES, node_kind
from graph.store import GraphStore
from graph.summary import GraphSummary, summarize
from queries.library import CannedQuery, ParamError

NODE_CAP = 300  # more than this and the graph is not drawn: the page shows a table instead
SEARCH_LIMIT = 50
NEIGHBOUR_LIMIT = 200
STALE_AFTER_MS = 24 * 3600 * 1000  # a collection older than this is flagged as stale

# Kind words a user may type before `:` in a search; the REF words (`pod`, `sa`, `secret`, …) and a few more.
SEARCH_KINDS: dict[str, str] = {
    **REF_KINDS,
    "internet": "Internet",
    "cluster-admin": "ClusterAdmin",
    "clusteradmin": "ClusterAdmin",
    "rolebinding": "RoleBinding",
    "clusterrolebinding": "ClusterRoleBinding",
    "networkpolicy": "NetworkPolicy",
    "webhook": "WebhookConfiguration",
    "cluster": "Cluster",
}
SEARCH_CLUSTER_SCOPED = CLUSTER_SCOPED | {
    "Internet",
    "ClusterAdmin",
    "ClusterRoleBinding",
    "WebhookConfiguration",
    "Cluster",
    "ClusterNodes",
}

# Colours per primary label in the graph component (crown jewels warm, entry points dark, the rest cool).
KIND_COLORS: dict[str, str] = {
    "Internet": "#111827",
    "ClusterAdmin": "#b91c1c",
    "ClusterNodes": "#ea580c",
    "Node": "#ea580c",
    "KubeSecret": "#d97706",
    "ServiceAccount": "#7c3aed",
    "KubeUser": "#7c3aed",
    "KubeGroup": "#7c3aed",
    "Pod": "#2563eb",
    "Container": "#0891b2",
    "Service": "#059669",
    "Ingress": "#059669",
    "CloudIdentity": "#db2777",
}
DEFAULT_COLOR = "#64748b"
X_GAP = 100  # horizontal distance between ranks (hops) in the drawn path
Y_GAP = 55

_ANCHOR = re.compile(r"<(?=\s*a\b)", re.IGNORECASE)


def inert(text: Any) -> str:
    """Text for the graph component: shown as typed, except that `<a …>` cannot become a link.

    The component draws labels on a canvas and fills its info panel with text nodes, but it turns
    `<a href="http…">…</a>` in a value into a real link; a zero-width space after `<` stops that.
    """
    return _ANCHOR.sub("<\u200b", "" if text is None else str(text))


# --------------------------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class NodeRef:
    uid: str
    label: str
    name: str = ""
    namespace: str | None = None
    cluster: str | None = None

    @property
    def display(self) -> str:
        """A short, unique name: the uid without its `k8s:CLUSTER:` prefix (`pod:shop/web-1`)."""
        return short_uid(self.uid)


def short_uid(uid: str) -> str:
    parts = uid.split(":", 2)
    if len(parts) == 3 and parts[0] == "k8s":
        return parts[2]
    return uid


def _node_ref(row: Mapping[str, Any]) -> NodeRef:
    return NodeRef(
        uid=row["uid"],
        label=primary_label(row["labels"] or []),
        name=str(row.get("name") or ""),
        namespace=row.get("namespace"),
        cluster=row.get("cluster"),
    )


NODE_COLUMNS = "n.uid AS uid, labels(n) AS labels, n.name AS name, n.namespace AS namespace, n.cluster AS cluster"
LOOKUP_NODES = f"MATCH (n:{ENTITY}) WHERE n.uid IN $uids RETURN {NODE_COLUMNS}"


def lookup_nodes(store: GraphStore, uids: Iterable[str]) -> dict[str, NodeRef]:
    wanted = sorted(set(uids))
    if not wanted:
        return {}
    return {row["uid"]: _node_ref(row) for row in store.read(LOOKUP_NODES, {"uids": wanted})}


@dataclass(frozen=True)
class SearchQuery:
    label: str | None  # None: any kind
    cluster: str | None
    namespace: str | None
    term: str  # lower case; matched as a substring of the name


def parse_search(text: str) -> SearchQuery:
    """`pod:storefront`, `sa:ci/`, `secret:kube-system/ops`, `pod:prod/shop/web`, `node:ip-10`, `deployer`.

    Before `:` a kind word (the REF words: pod, sa, secret, node, …); then `NAMESPACE/` (exact) for
    namespaced kinds, `CLUSTER/` first when several clusters are loaded, and part of the name.
    """
    text = text.strip()
    kind_word, sep, rest = text.partition(":")
    label = SEARCH_KINDS.get(kind_word.strip().lower()) if sep else None
    if label is None:
        if text.lower() in SEARCH_KINDS and SEARCH_KINDS[text.lower()] in {"Internet", "ClusterAdmin"}:
            return SearchQuery(SEARCH_KINDS[text.lower()], None, None, "")
        return SearchQuery(None, None, None, text.lower())
    parts = rest.split("/")
    cluster = namespace = None
    if label in SEARCH_CLUSTER_SCOPED:
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
        "WHERE NOT n:SyncRun AND ($cluster IS NULL OR n.cluster = $cluster) "
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
    return [_node_ref(row) for row in store.read(search_statement(query.label), params)]


def label_of(store: GraphStore, uid: str) -> str | None:
    rows = store.read(FIND_BY_UID, {"uid": uid})
    return primary_label(rows[0]["labels"]) if rows else None


# --------------------------------------------------------------------------------------------- paths


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


def path_text(path: AttackPath) -> str:
    """`internet -[INTERNET_EXPOSES]-> service:shop/storefront -[…]-> …` (plain text, for tables)."""
    steps = [short_uid(path.uids[0])]
    for edge_type, uid in zip(path.edge_types, path.uids[1:], strict=True):
        steps.append(f"-[{edge_type}]-> {short_uid(uid)}")
    return " ".join(steps)


def path_rows(paths: Sequence[AttackPath]) -> list[dict[str, Any]]:
    return [
        {"#": i + 1, "hops": path.hops, "entry": short_uid(path.uids[0]), "target": short_uid(path.uids[-1]),
         "steps": path_text(path)}
        for i, path in enumerate(paths)
    ]  # fmt: skip


def step_rows(paths: Sequence[AttackPath]) -> list[dict[str, Any]]:
    """One row per distinct attack step along the paths, in path order: what the edge help explains."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in paths:
        for i, edge_type in enumerate(path.edge_types):
            key = edge_id(path.uids[i], edge_type, path.uids[i + 1])
            if key in seen:
                continue
            seen.add(key)
            attack = ATTACKS.get(edge_type)
            rows.append(
                {
                    "edge": key,
                    "from": short_uid(path.uids[i]),
                    "type": edge_type,
                    "to": short_uid(path.uids[i + 1]),
                    "mitre": attack.mitre if attack else "",
                    "reason": path.reasons[i],
                }
            )
    return rows


def edge_id(src: str, edge_type: str, dst: str) -> str:
    return f"{src} -[{edge_type}]-> {dst}"


@dataclass
class GraphView:
    """What the graph component gets: cytoscape elements with preset left-to-right positions.

    Element ids are opaque (`n0`, `e0`): the component shows them, and uids may carry attacker-controlled
    names. The uid of a node is `_uid`, the key of an edge (`edge_id`) `_key`; the component hides
    attributes that start with `_`.
    """

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    node_count: int = 0
    too_big: bool = False  # more than the cap: draw a table instead

    @property
    def elements(self) -> dict[str, list[dict[str, Any]]]:
        return {"nodes": self.nodes, "edges": self.edges}

    def labels(self) -> list[str]:
        return sorted({node["data"]["label"] for node in self.nodes})

    def edge_types(self) -> list[str]:
        return sorted({edge["data"]["label"] for edge in self.edges})

    def uids(self) -> list[str]:
        return [node["data"]["_uid"] for node in self.nodes]

    def fingerprint(self) -> str:
        """Changes whenever the drawn nodes or edges change."""
        keys = self.uids() + [edge["data"]["_key"] for edge in self.edges]
        return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]

    def node(self, uid: str) -> dict[str, Any] | None:
        return next((node["data"] for node in self.nodes if node["data"]["_uid"] == uid), None)

    def edge(self, key: str) -> dict[str, Any] | None:
        return next((edge["data"] for edge in self.edges if edge["data"]["_key"] == key), None)

    def element(self, element_id: str) -> tuple[str, str] | None:
        """What a click on element `element_id` is about: ("node", uid) or ("edge", edge key)."""
        for node in self.nodes:
            if node["data"]["id"] == element_id:
                return "node", node["data"]["_uid"]
        for edge in self.edges:
            if edge["data"]["id"] == element_id:
                return "edge", edge["data"]["_key"]
        return None

    def element_id(self, uid_or_key: str) -> str | None:
        """The component's id of a node (by uid) or an edge (by key)."""
        data = self.node(uid_or_key) or self.edge(uid_or_key)
        return data["id"] if data else None


_STYLE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _style_key(text: str, fallback: str) -> str:
    """Labels and edge types become style selectors (`node[label='Pod']`): only plain words get through."""
    return text if _STYLE_KEY.match(text) else fallback


@dataclass(frozen=True)
class Step:
    src: str
    edge_type: str
    dst: str
    reason: str = ""


def graph_view(
    chains: Iterable[tuple[Sequence[str], Sequence[str], Sequence[str]]] = (),
    *,
    steps: Iterable[Step] = (),
    nodes: Mapping[str, NodeRef] | None = None,
    ranks: Mapping[str, int] | None = None,
    cap: int = NODE_CAP,
    x_gap: int = X_GAP,
) -> GraphView:
    """Elements for the graph component from node chains `(uids, edge types, reasons)` and loose steps.

    Each node's rank (its column, left to right) is the longest run of edges leading to it, so every edge
    points right and every path reads entry → … → crown jewel (for the shortest paths between two nodes
    that is simply the hop index); `ranks` overrides it (e.g. cluster identities left, cloud identities
    right). Nodes of one rank are stacked in order of first appearance.
    """
    nodes = nodes or {}
    order: list[str] = []
    first_hop: dict[str, int] = {}
    edges: dict[str, Step] = {}

    def visit(uid: str, hop: int) -> None:
        if uid not in first_hop:
            order.append(uid)
            first_hop[uid] = hop
        else:
            first_hop[uid] = min(first_hop[uid], hop)

    for uids, edge_types, reasons in chains:
        for hop, uid in enumerate(uids):
            visit(uid, hop)
        for i, edge_type in enumerate(edge_types):
            reason = reasons[i] if i < len(reasons) else ""
            edges.setdefault(edge_id(uids[i], edge_type, uids[i + 1]), Step(uids[i], edge_type, uids[i + 1], reason))
    for step in steps:
        visit(step.src, 0)
        visit(step.dst, 1)
        edges.setdefault(edge_id(step.src, step.edge_type, step.dst), step)
    rank = _layers(order, list(edges.values())) or first_hop
    if ranks:
        rank.update({uid: value for uid, value in ranks.items() if uid in rank})
    if len(order) > cap:
        return GraphView(node_count=len(order), too_big=True)

    columns: dict[int, list[str]] = {}
    for uid in order:
        columns.setdefault(rank[uid], []).append(uid)
    view = GraphView(node_count=len(order))
    element_ids: dict[str, str] = {}
    for column, members in sorted(columns.items()):
        for row, uid in enumerate(members):
            ref = nodes.get(uid) or NodeRef(uid, _label_from_uid(uid))
            element_ids[uid] = f"n{len(element_ids)}"
            view.nodes.append(
                {
                    "data": {
                        "id": element_ids[uid],
                        "label": _style_key(ref.label, "Unknown"),  # the component styles nodes by this key
                        "name": inert(ref.name or short_uid(uid)),
                        "ref": inert(short_uid(uid)),
                        "_uid": uid,
                        "_rank": column,
                    },
                    "position": {"x": column * x_gap, "y": round((row - (len(members) - 1) / 2) * Y_GAP)},
                }
            )
    for index, (key, step) in enumerate(edges.items()):
        attack = ATTACKS.get(step.edge_type)
        view.edges.append(
            {
                "data": {
                    "id": f"e{index}",
                    "source": element_ids[step.src],
                    "target": element_ids[step.dst],
                    "label": _style_key(step.edge_type, "EDGE"),
                    "mitre": attack.mitre if attack else "",
                    "reason": inert(step.reason),
                    "_key": key,
                    "_type": step.edge_type,
                    "_source": step.src,
                    "_target": step.dst,
                    "_reason": step.reason,
                }
            }
        )
    return view


def _layers(order: list[str], edges: list[Step]) -> dict[str, int] | None:
    """Longest-path layering; None when the edges form a cycle (then the first hop index is used)."""
    rank = dict.fromkeys(order, 0)
    for _ in range(len(order) + 1):
        changed = False
        for step in edges:
            if rank[step.dst] < rank[step.src] + 1:
                rank[step.dst] = rank[step.src] + 1
                changed = True
        if not changed:
            return rank
    return None


def _label_from_uid(uid: str) -> str:
    """A best guess for nodes the caller did not look up (only used for colour)."""
    if uid == INTERNET_UID:
        return "Internet"
    parts = uid.split(":")
    if len(parts) >= 3 and parts[0] == "k8s":
        word = parts[2]
        if word == "cluster-admin":
            return "ClusterAdmin"
        if word == "nodes":
            return "ClusterNodes"
        return SEARCH_KINDS.get(word, word)
    return "Unknown"


def paths_view(paths: Sequence[AttackPath], cap: int = NODE_CAP) -> GraphView:
    nodes: dict[str, NodeRef] = {}
    for path in paths:
        for uid, label, name in zip(path.uids, path.labels, path.names, strict=True):
            nodes.setdefault(uid, NodeRef(uid, label, name))
    return graph_view(((p.uids, p.edge_types, p.reasons) for p in paths), nodes=nodes, cap=cap)


# -------------------------------------------------------------------------------------------- entity


@dataclass(frozen=True)
class EdgeRow:
    type: str
    other: NodeRef
    reason: str


@dataclass
class Entity:
    node: NodeRef
    labels: list[str]
    properties: dict[str, Any]
    outgoing: list[EdgeRow]
    incoming: list[EdgeRow]

    def property_rows(self) -> list[dict[str, str]]:
        rows = [{"property": "labels", "value": ", ".join(sorted(self.labels))}]
        for key in sorted(self.properties):
            value = self.properties[key]
            if key.endswith("_json") and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.dumps(json.loads(value), sort_keys=True)
            elif isinstance(value, list | dict):
                value = json.dumps(value, sort_keys=True)
            rows.append({"property": key, "value": "" if value is None else str(value)})
        return rows

    def edge_rows(self, direction: str) -> list[dict[str, str]]:
        edges = self.outgoing if direction == "out" else self.incoming
        other = "to" if direction == "out" else "from"
        return [
            {"type": edge.type, other: edge.other.display, "kind": edge.other.label, "reason": edge.reason}
            for edge in edges
        ]

    def neighbours(self) -> list[NodeRef]:
        seen: dict[str, NodeRef] = {}
        for edge in [*self.outgoing, *self.incoming]:
            seen.setdefault(edge.other.uid, edge.other)
        return list(seen.values())

    @property
    def owned(self) -> bool:
        return bool(self.properties.get("owned"))

    @property
    def high_value(self) -> bool:
        return "HighValue" in self.labels


def entity_statement(label: str) -> str:
    return f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) RETURN labels(n) AS labels, properties(n) AS props"


def neighbour_statement(label: str, direction: str, edge_types: tuple[str, ...]) -> str:
    pattern = "(n)-[r:{types}]->(m)" if direction == "out" else "(m)-[r:{types}]->(n)"
    pattern = pattern.format(types="|".join(edge_types))
    return (
        f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) MATCH {pattern} "
        "RETURN type(r) AS type, m.uid AS uid, labels(m) AS labels, m.name AS name, m.namespace AS namespace, "
        "m.cluster AS cluster, r.reason AS reason ORDER BY type, uid LIMIT $limit"
    )


def entity(store: GraphStore, uid: str, label: str | None = None) -> Entity | None:
    """A node's properties and its attack edges in and out (at most NEIGHBOUR_LIMIT each)."""
    label = label if label in NODE_KINDS else label_of(store, uid)
    if label is None:
        return None
    rows = store.read(entity_statement(label), {"uid": uid})
    if not rows:
        return None
    props = dict(rows[0]["props"])
    node = NodeRef(uid, label, str(props.get("name") or ""), props.get("namespace"), props.get("cluster"))
    types = traversable_edge_types()
    edges = {}
    for direction in ("out", "in"):
        found = store.read(neighbour_statement(label, direction, types), {"uid": uid, "limit": NEIGHBOUR_LIMIT})
        edges[direction] = [EdgeRow(row["type"], _node_ref(row), str(row["reason"] or "")) for row in found]
    return Entity(node, list(rows[0]["labels"]), props, edges["out"], edges["in"])


def entity_view(found: Entity, cap: int = NODE_CAP) -> GraphView:
    """The node with its attack neighbours: sources left, the node in the middle, targets right."""
    nodes = {found.node.uid: found.node}
    steps = []
    ranks = {found.node.uid: 1}
    for edge in found.incoming:
        nodes.setdefault(edge.other.uid, edge.other)
        ranks.setdefault(edge.other.uid, 0)
        steps.append(Step(edge.other.uid, edge.type, found.node.uid, edge.reason))
    for edge in found.outgoing:
        nodes.setdefault(edge.other.uid, edge.other)
        ranks.setdefault(edge.other.uid, 2)
        steps.append(Step(found.node.uid, edge.type, edge.other.uid, edge.reason))
    return graph_view(steps=steps, nodes=nodes, ranks=ranks, cap=cap)


# ------------------------------------------------------------------------------------------ edge help


@dataclass(frozen=True)
class EdgeHelp:
    type: str
    title: str
    attack: bool
    rule: str = ""
    mitre: str = ""
    meaning: str = ""
    abuse: str = ""
    opsec: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()


def edge_help(edge_type: str) -> EdgeHelp | None:
    """The catalogue's text for one edge type (the same text as `bridgehead attacks show`)."""
    attack = load_catalogue().get(edge_type)
    if attack is not None:
        return EdgeHelp(
            edge_type, attack.title, True, attack.rule, attack.mitre, attack.meaning, attack.abuse, attack.opsec,
            attack.remediation, attack.references,
        )  # fmt: skip
    structural = STRUCTURAL_EDGES.get(edge_type)
    if structural is not None:
        return EdgeHelp(edge_type, structural.description, False, meaning=structural.description)
    return None


def mitre_url(technique: str) -> str:
    return "https://attack.mitre.org/techniques/" + technique.replace(".", "/") + "/"


# ------------------------------------------------------------------------------------------ overview


ATTACK_EDGE_COUNTS = (
    "MATCH ()-[e]->() WHERE e.source = 'analysis' RETURN type(e) AS type, count(e) AS edges ORDER BY edges DESC"
)


@dataclass
class Overview:
    summary: GraphSummary
    kind_rows: list[dict[str, Any]]
    plane_counts: dict[str, int]
    sync_rows: list[dict[str, Any]]
    gap_rows: list[dict[str, Any]]
    attack_rows: list[dict[str, Any]]
    analysed: bool
    stale_scopes: list[str]

    @property
    def empty(self) -> bool:
        return not self.summary.total_nodes


def overview(store: GraphStore, now_ms: int | None = None) -> Overview:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    summary = summarize(store)
    kind_rows = sorted(
        (
            {"plane": NODE_KINDS[label].plane, "kind": label, "nodes": count}
            for label, count in summary.nodes_by_kind.items()
        ),
        key=lambda row: (row["plane"], row["kind"]),
    )
    sync_rows = []
    stale = []
    for sync in summary.syncs:
        age_ms = max(0, now_ms - sync.finished_at)
        if sync.source != "analysis" and age_ms > STALE_AFTER_MS:
            stale.append(sync.scope)
        sync_rows.append(
            {
                "scope": sync.scope,
                "source": sync.source,
                "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(sync.finished_at / 1000)),
                "age": human_age(age_ms),
                "nodes": sum(sync.node_counts.values()),
                "coverage gaps": len(sync.gaps),
            }
        )
    gap_rows = [{"scope": sync.scope, "not visible": gap} for sync in summary.syncs for gap in sync.gaps]
    types = set(traversable_edge_types())
    attack_rows = [
        {"type": row["type"], "edges": int(row["edges"]), "mitre": ATTACKS[row["type"]].mitre,
         "title": ATTACKS[row["type"]].title}
        for row in store.read(ATTACK_EDGE_COUNTS)
        if row["type"] in types
    ]  # fmt: skip
    return Overview(
        summary=summary,
        kind_rows=kind_rows,
        plane_counts=summary.nodes_by_plane(),
        sync_rows=sync_rows,
        gap_rows=gap_rows,
        attack_rows=attack_rows,
        analysed="Internet" in summary.nodes_by_kind,
        stale_scopes=stale,
    )


GRAPH_STAMP_RUNS = "MATCH (s:SyncRun) RETURN s.uid AS uid, s.finished_at AS finished_at ORDER BY uid"
GRAPH_STAMP_MARKS = (
    "MATCH (n) WHERE n.owned = true OR n.user_high_value = true RETURN n.uid AS uid ORDER BY uid LIMIT 10000"
)


def graph_stamp(store: GraphStore) -> str:
    """Changes whenever a collection, an analysis or a user mark changes the graph (for UI caches)."""
    runs = [f"{row['uid']}@{row['finished_at']}" for row in store.read(GRAPH_STAMP_RUNS)]
    marked = [str(row["uid"]) for row in store.read(GRAPH_STAMP_MARKS)]
    return hashlib.sha256("\n".join([*runs, "--", *marked]).encode()).hexdigest()[:16]


def human_age(ms: int) -> str:
    minutes = ms // 60_000
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


# -------------------------------------------------------------------------------------- joint review


@dataclass(frozen=True)
class IdentityLink:
    """One mapping between a cluster identity and a cloud identity, as the cluster states it."""

    cluster: str
    mechanism: str  # "IRSA", "GKE Workload Identity", "aws-auth mapRoles", "aws-auth mapUsers"
    direction: str  # "cluster → cloud" (the pod becomes the cloud identity) or "cloud → cluster"
    k8s_uid: str | None  # the ServiceAccount / KubeUser node, when it is in the graph
    k8s_identity: str  # as the cluster names it: `sa:ns/name`, `user:alice`
    k8s_groups: tuple[str, ...]
    cloud: str  # "aws" | "gcp"
    account: str  # AWS account id or GCP project
    cloud_identity: str  # role/user ARN or service account e-mail
    cloud_uid: str | None  # the cloud plane's node when loaded (matched on arn / email)
    source_uid: str  # the object the mapping was read from (ServiceAccount or the aws-auth ConfigMap)

    def row(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "cluster identity": self.k8s_identity,
            "groups": ", ".join(self.k8s_groups),
            "direction": self.direction,
            "cloud": self.cloud,
            "account / project": self.account,
            "cloud identity": self.cloud_identity,
            "mechanism": self.mechanism,
            "cloud identity in graph": "yes" if self.cloud_uid else "no (cloud plane not loaded)",
            "declared on": short_uid(self.source_uid),
        }


WORKLOAD_IDENTITY_SAS = (
    "MATCH (sa:ServiceAccount) WHERE sa.irsa_role_arn IS NOT NULL OR sa.gcp_service_account IS NOT NULL "
    "RETURN sa.uid AS uid, sa.cluster AS cluster, sa.namespace AS namespace, sa.name AS name, "
    "sa.irsa_role_arn AS role_arn, sa.gcp_service_account AS gcp_sa ORDER BY uid"
)
AWS_AUTH_MAPS = (
    "MATCH (c:ConfigMap) WHERE c.aws_auth_json IS NOT NULL "
    "RETURN c.uid AS uid, c.cluster AS cluster, c.aws_auth_json AS aws_auth ORDER BY uid"
)
KUBE_SUBJECTS = (
    "MATCH (n:KubeUser) WHERE n.name IN $names RETURN n.uid AS uid, n.cluster AS cluster, n.name AS name, "
    "'user' AS kind UNION ALL "
    "MATCH (n:KubeGroup) WHERE n.name IN $names RETURN n.uid AS uid, n.cluster AS cluster, n.name AS name, "
    "'group' AS kind"
)
# Cloud planes (when loaded) give their identities the shared Identity label and an `arn` or `email`.
CLOUD_IDENTITIES = (
    "MATCH (n:Identity) WHERE n.arn IN $keys OR n.email IN $keys "
    "RETURN n.uid AS uid, coalesce(n.arn, n.email) AS key LIMIT 10000"
)


def aws_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def gcp_project(email: str) -> str:
    _, _, domain = email.partition("@")
    return domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else domain


def joint_review(store: GraphStore) -> list[IdentityLink]:
    """Every cluster ↔ cloud identity mapping the graph knows: IRSA and Workload Identity annotations on
    ServiceAccounts, and EKS `aws-auth` role and user mappings."""
    pending: list[dict[str, Any]] = []
    for row in store.read(WORKLOAD_IDENTITY_SAS):
        sa_ref = f"sa:{row['namespace']}/{row['name']}"
        if row["role_arn"]:
            pending.append(
                {"cluster": row["cluster"], "mechanism": "IRSA", "direction": "cluster → cloud", "k8s_uid": row["uid"],
                 "k8s_identity": sa_ref, "k8s_groups": (), "cloud": "aws", "account": aws_account(row["role_arn"]),
                 "cloud_identity": row["role_arn"], "source_uid": row["uid"]}
            )  # fmt: skip
        if row["gcp_sa"]:
            pending.append(
                {"cluster": row["cluster"], "mechanism": "GKE Workload Identity", "direction": "cluster → cloud",
                 "k8s_uid": row["uid"], "k8s_identity": sa_ref, "k8s_groups": (), "cloud": "gcp",
                 "account": gcp_project(row["gcp_sa"]), "cloud_identity": row["gcp_sa"], "source_uid": row["uid"]}
            )  # fmt: skip
    for row in store.read(AWS_AUTH_MAPS):
        try:
            document = json.loads(row["aws_auth"] or "{}")
        except ValueError:
            continue
        for section, arn_key in (("mapRoles", "rolearn"), ("mapUsers", "userarn")):
            for mapping in document.get(section) or []:
                if not isinstance(mapping, dict) or not mapping.get(arn_key):
                    continue
                arn = str(mapping[arn_key])
                username = str(mapping.get("username") or "")
                groups = tuple(str(group) for group in mapping.get("groups") or [])
                pending.append(
                    {"cluster": row["cluster"], "mechanism": f"aws-auth {section}", "direction": "cloud → cluster",
                     "k8s_uid": None, "k8s_identity": f"user:{username}" if username else "", "k8s_groups": groups,
                     "cloud": "aws", "account": aws_account(arn), "cloud_identity": arn, "source_uid": row["uid"],
                     "username": username}
                )  # fmt: skip
    names = sorted(
        {p["username"] for p in pending if p.get("username")} | {g for p in pending for g in p["k8s_groups"]}
    )
    subjects: dict[tuple[str, str, str], str] = {}
    if names:
        for row in store.read(KUBE_SUBJECTS, {"names": names}):
            subjects[(row["cluster"], row["kind"], row["name"])] = row["uid"]
    keys = sorted({p["cloud_identity"] for p in pending})
    cloud_nodes = {row["key"]: row["uid"] for row in store.read(CLOUD_IDENTITIES, {"keys": keys})} if keys else {}
    links = []
    for p in pending:
        username = p.pop("username", None)
        if username:
            p["k8s_uid"] = subjects.get((p["cluster"], "user", username))
        links.append(IdentityLink(**p, cloud_uid=cloud_nodes.get(p["cloud_identity"])))
    return sorted(links, key=lambda link: (link.cluster, link.cloud, link.account, link.k8s_identity, link.mechanism))


# Edge labels in the joint review graph (not attack edges: what the cluster configuration declares).
MECHANISM_EDGES = {
    "IRSA": "IRSA",
    "GKE Workload Identity": "WORKLOAD_IDENTITY",
    "aws-auth mapRoles": "AWS_AUTH_MAP_ROLES",
    "aws-auth mapUsers": "AWS_AUTH_MAP_USERS",
}
JOINT_X_GAP = 420


def group_uid(cluster: str, group: str) -> str:
    return f"k8s:{cluster}:group:{group}"


def joint_view(links: Sequence[IdentityLink], cap: int = NODE_CAP) -> GraphView:
    """Cluster identities on the left, cloud identities on the right; edges say who becomes whom."""
    nodes: dict[str, NodeRef] = {}
    ranks: dict[str, int] = {}
    steps: list[Step] = []
    for link in links:
        cloud_node = link.cloud_uid or f"{link.cloud}:{link.cloud_identity}"
        nodes.setdefault(cloud_node, NodeRef(cloud_node, "CloudIdentity", link.cloud_identity.split("/")[-1]))
        ranks[cloud_node] = 1
        cluster_side = []
        if link.k8s_identity:
            k8s_node = link.k8s_uid or f"k8s:{link.cluster}:{link.k8s_identity}"
            label = "ServiceAccount" if link.k8s_identity.startswith("sa:") else "KubeUser"
            nodes.setdefault(k8s_node, NodeRef(k8s_node, label, link.k8s_identity.split(":", 1)[1].split("/")[-1]))
            cluster_side.append(k8s_node)
        for group in link.k8s_groups:
            uid = group_uid(link.cluster, group)
            nodes.setdefault(uid, NodeRef(uid, "KubeGroup", group))
            cluster_side.append(uid)
        for uid in cluster_side:
            ranks[uid] = 0
            edge_type = MECHANISM_EDGES.get(link.mechanism, "MAPS_TO")
            if link.direction == "cluster → cloud":
                steps.append(
                    Step(uid, edge_type, cloud_node, f"{link.mechanism}: declared on {short_uid(link.source_uid)}")
                )
            else:
                steps.append(
                    Step(cloud_node, edge_type, uid, f"{link.mechanism}: declared on {short_uid(link.source_uid)}")
                )
    return graph_view(steps=steps, nodes=nodes, ranks=ranks, cap=cap, x_gap=JOINT_X_GAP)


# ----------------------------------------------------------------------------------- console results


def plain(value: Any) -> Any:
    """Driver objects (nodes, relationships, paths of either client) as plain dicts and lists."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    # neo4j: Path has .relationships; falkordb: Path has .nodes() and .edges()
    if hasattr(value, "relationships") and hasattr(value, "nodes"):
        return {"nodes": [plain(n) for n in value.nodes], "relationships": [plain(r) for r in value.relationships]}
    if callable(getattr(value, "edges", None)) and callable(getattr(value, "nodes", None)):
        return {"nodes": [plain(n) for n in value.nodes()], "relationships": [plain(r) for r in value.edges()]}
    if hasattr(value, "labels"):  # a node (neo4j or falkordb)
        props = value.properties if hasattr(value, "properties") else dict(value.items())
        return {"labels": sorted(value.labels), "properties": plain(props)}
    if hasattr(value, "relation") or hasattr(value, "start_node"):  # a relationship
        props = value.properties if hasattr(value, "properties") else dict(value.items())
        return {"type": getattr(value, "relation", None) or getattr(value, "type", ""), "properties": plain(props)}
    return str(value)


def table_cell(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


def table_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for a dataframe: driver objects made plain, lists and maps as JSON text."""
    return [{str(key): table_cell(plain(value)) for key, value in row.items()} for row in rows]


def capped(rows: list[dict[str, Any]], cap: int) -> tuple[list[dict[str, Any]], bool]:
    return (rows[:cap], True) if len(rows) > cap else (rows, False)


PATH_COLUMNS = (("path_uids", "edge_types", "reasons"), ("uids", "types", "reasons"))


def rows_view(
    rows: Sequence[Mapping[str, Any]], cap: int = NODE_CAP, nodes: Mapping[str, NodeRef] | None = None
) -> GraphView | None:
    """A graph of query results that carry paths: list columns `path_uids` + `edge_types` (the canned
    queries) or `uids` + `types`, optionally `reasons`; or a single `uid` column (nodes without edges).
    None when the rows carry neither."""
    rows = list(rows)
    for uids_key, types_key, reasons_key in PATH_COLUMNS:
        if rows and all(isinstance(row.get(uids_key), list) and isinstance(row.get(types_key), list) for row in rows):
            chains = [
                ([str(u) for u in row[uids_key]], [str(t) for t in row[types_key]],
                 [str(r or "") for r in row.get(reasons_key) or []])
                for row in rows
                if len(row[uids_key]) == len(row[types_key]) + 1
            ]  # fmt: skip
            return graph_view(chains, cap=cap, nodes=nodes)
    if rows and all(isinstance(row.get("uid"), str) for row in rows):
        return graph_view((([row["uid"]], [], []) for row in rows), cap=cap, nodes=nodes)
    return None


# -------------------------------------------------------------------------------------- risk queries


def query_params(store: GraphStore, query: CannedQuery, values: Mapping[str, Any]) -> dict[str, Any]:
    """A canned query's parameters from its form: blanks dropped (the query's defaults apply), a REF
    (`sa:ci/deployer`) accepted wherever a uid is asked for. `ParamError` when a required one is blank."""
    params: dict[str, Any] = {}
    for param in query.parameters:
        value = values.get(param.name)
        if isinstance(value, str):
            value = value.strip()
            if not value:
                if param.required:
                    raise ParamError(f"{param.name} is required: {param.description}")
                continue
            if param.type == "str" and "uid" in param.description.lower() and _looks_like_ref(value):
                with contextlib.suppress(RefError):  # not a REF after all: passed as typed, matches nothing
                    value = resolve_ref(store, value).uid
        if value is None:
            continue
        if param.type == "int" and isinstance(value, float):
            value = int(value)
        params[param.name] = value
    return params


def _looks_like_ref(value: str) -> bool:
    return (value != INTERNET_UID and not value.startswith("k8s:") and ":" in value) or value == "cluster-admin"


# ------------------------------------------------------------------------------------------ findings


FINDING_STATUSES = ("new", "open", "resolved")


def finding_planes(finding: Finding) -> list[str]:
    """The planes a finding's path crosses (Bridgehead's own anchors, like the Internet, are no plane)."""
    planes = {NODE_KINDS[label].plane for label in finding.path.labels if label in NODE_KINDS}
    return sorted(planes - {"bridgehead"})


def filter_findings(
    findings: Iterable[Finding],
    severities: Collection[str] = (),
    planes: Collection[str] = (),
    statuses: Collection[str] = (),
) -> list[Finding]:
    """Findings matching every non-empty filter (an empty filter lets everything through)."""
    return [
        finding
        for finding in findings
        if (not severities or finding.severity in severities)
        and (not statuses or finding.status in statuses)
        and (not planes or set(finding_planes(finding)) & set(planes))
    ]


def finding_rows(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "id": finding.id,
            "severity": finding.severity,
            "status": finding.status,
            "finding": finding.title,
            "entry": short_uid(finding.entry_uid),
            "crown jewel": short_uid(finding.target_uid),
            "hops": finding.hops,
            "paths": finding.path_count,
            "fix": finding.remediation_edge,
            "planes": ", ".join(finding_planes(finding)),
            "first seen": _when(finding.first_seen),
            "last seen": _when(finding.last_seen),
        }
        for finding in findings
    ]


def finding_steps(finding: Finding) -> list[dict[str, Any]]:
    """The attack steps of a finding's first shortest path, with the remediation step marked."""
    path = finding.path
    return [
        {
            "step": i + 1,
            "from": short_uid(path.uids[i]),
            "type": edge_type,
            "to": short_uid(path.uids[i + 1]),
            "fix here": "← remediation" if i == finding.remediation_step and finding.remediation_edge else "",
            "reason": path.reasons[i] if i < len(path.reasons) else "",
        }
        for i, edge_type in enumerate(path.types)
    ]


def finding_view(finding: Finding, cap: int = NODE_CAP) -> GraphView:
    paths = [finding.path, *finding.other_paths]
    nodes: dict[str, NodeRef] = {}
    for path in paths:
        for uid, label, name in zip(path.uids, path.labels, path.names, strict=False):
            nodes.setdefault(uid, NodeRef(uid, label, name))
    return graph_view(((path.uids, path.types, path.reasons) for path in paths), nodes=nodes, cap=cap)


def choke_rows(points: Iterable[ChokePoint]) -> list[dict[str, Any]]:
    return [
        {
            "choke point": point.display,
            "kind": point.kind,
            "score": round(point.score, 2),
            "findings": point.findings,
            "cuts": point.cuts,
            "worst severity": point.worst_severity,
            "remediation": point.remediation,
        }
        for point in points
    ]


def severity_rows(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    counts = counts_by_severity(findings)
    return [{"severity": severity, "findings": counts.get(severity, 0)} for severity in FINDING_SEVERITIES]


def _when(epoch_ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch_ms / 1000)) if epoch_ms else ""


def generated_statements() -> list[tuple[str, str]]:
    """Every statement this module sends, named for the Cypher checks (Neo4j front-end, FalkorDB run)."""
    statements = [
        ("ui/lookup-nodes", LOOKUP_NODES),
        ("ui/search-any", search_statement(None)),
        ("ui/search-pod", search_statement("Pod")),
        ("ui/entity", entity_statement("Pod")),
        ("ui/neighbours-out", neighbour_statement("Pod", "out", ("CE_X", "CAN_Y"))),
        ("ui/neighbours-in", neighbour_statement("Pod", "in", ("CE_X", "CAN_Y"))),
        ("ui/attack-edge-counts", ATTACK_EDGE_COUNTS),
        ("ui/graph-stamp-runs", GRAPH_STAMP_RUNS),
        ("ui/graph-stamp-marks", GRAPH_STAMP_MARKS),
        ("ui/workload-identity", WORKLOAD_IDENTITY_SAS),
        ("ui/aws-auth", AWS_AUTH_MAPS),
        ("ui/kube-subjects", KUBE_SUBJECTS),
        ("ui/cloud-identities", CLOUD_IDENTITIES),
    ]
    return statements


# The parameters these statements take, with harmless values (for the statement checks).
STATEMENT_PARAMS = {
    "uids": ["x"], "uid": "x", "cluster": None, "namespace": None, "term": "", "limit": 5, "names": ["n"],
    "keys": ["k"],
}  # fmt: skip
