"""The graph's vocabulary: every node kind and structural edge kind, registered by the planes.

A `NodeKind` says everything the rest of the code needs to know about a kind: labels, plane, REF words,
scoping, crown-jewel class, colour, whether rules read it. Each plane (graph/planes/<plane>/) registers its
kinds and structural edge kinds here; Bridgehead's own kinds (Internet, CloudAdmin, SyncRun, Finding) are
below. The loader, the index DDL, the stale cleanup, REFs, search, reach marks, findings and the Cypher
checks all read these tables; a label or relationship type that is not here never reaches a query.
Attack-edge types live in the attack catalogue (graph/analysis/catalogue.py), which registers them here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Shared labels for concepts that span planes.
IDENTITY = "Identity"
SECRET = "Secret"
WORKLOAD = "Workload"
HIGH_VALUE = "HighValue"
# Every node kind carries this label too: one `uid` index that covers all kinds, so a lookup by a uid of
# any kind (the canned queries take uids) is an index seek instead of a scan of every node.
ENTITY = "Entity"
# The labels that are not a node's kind: `[l IN labels(n) WHERE NOT l IN SHARED_LABELS][0]` is its kind.
SHARED_LABELS = (ENTITY, HIGH_VALUE, IDENTITY, SECRET, WORKLOAD)


# How a node kind is named in a REF (`bridgehead paths --from REF`) and in search:
#   namespaced  KIND:[TENANT/]NAMESPACE/NAME    (pod:shop/web-1, pod:prod/shop/web-1)
#   tenant      KIND:[TENANT/]NAME              (node:ip-10-0-1-17, clusterrole:prod/admin)
#   global      KIND:NAME, or just KIND for an anchor (internet)
# An anchor (one node per tenant, or one in all) is named by its REF word and, optionally, its tenant:
# `cluster-admin`, `cluster-admin:prod`.
SCOPINGS = ("namespaced", "tenant", "global")


@dataclass(frozen=True)
class JewelClass:
    """A class of crown jewel: what findings call it, how they rank it, and the reach mark measuring it."""

    name: str
    finding_kind: str  # part of a finding's stable id
    rank: int  # 0 is the most important
    noun: str
    internet_severity: str
    owned_severity: str
    mark: str | None  # the `reaches_*_hops` property reach.py computes, or None


# Checked in this order by findings; a node kind names its class (`NodeKind.jewel`), and a node of no class
# that carries HighValue (a user's mark, an admin found by the analysis) is of the last one.
JEWEL_CLASSES: tuple[JewelClass, ...] = (
    JewelClass("cluster-admin", "cluster-admin", 0, "cluster-admin", "critical", "high", "reaches_cluster_admin_hops"),
    JewelClass("cloud-admin", "cloud-admin", 0, "cloud admin", "critical", "high", "reaches_cloud_admin_hops"),
    JewelClass("node", "node-takeover", 1, "node takeover", "high", "medium", "reaches_node_hops"),
    JewelClass("any-node", "node-takeover", 1, "node takeover", "high", "medium", None),
    JewelClass("secret", "secret", 3, "secret", "high", "medium", "reaches_secret_hops"),
    JewelClass("high-value", "high-value", 2, "high-value", "high", "medium", "reaches_high_value_hops"),
)
HIGH_VALUE_CLASS = JEWEL_CLASSES[-1]
JEWELS_BY_NAME = {jewel.name: jewel for jewel in JEWEL_CLASSES}
DEFAULT_COLOR = "#64748b"


@dataclass(frozen=True)
class NodeKind:
    """Everything the rest of the code needs to know about one kind of node."""

    label: str  # the primary label; MERGE happens on (label, uid)
    plane: str  # "k8s" | "aws" | "gcp" | "bridgehead"
    extra_labels: tuple[str, ...] = ()
    description: str = ""
    ref_words: tuple[str, ...] = ()  # words a REF or a search may start with (`pod`, `sa`); the first is shown
    scoping: str = "namespaced"  # one of SCOPINGS
    anchor: bool = False  # one per tenant (or one in all): named by its REF word alone
    jewel: str | None = None  # a JewelClass name: reaching this kind is a finding of that class
    color: str = DEFAULT_COLOR  # in the drawn graph: crown jewels warm, entry points dark, the rest cool
    facts: bool = False  # attack rules read this kind (its plane's facts reader loads it)

    def __post_init__(self) -> None:
        if self.scoping not in SCOPINGS:
            raise ValueError(f"node kind {self.label}: scoping {self.scoping!r} is not one of {SCOPINGS}")
        if self.jewel is not None and self.jewel not in JEWELS_BY_NAME:
            raise ValueError(f"node kind {self.label}: unknown jewel class {self.jewel!r}")

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.extra_labels, ENTITY)

    @property
    def ref_word(self) -> str:
        return self.ref_words[0] if self.ref_words else self.label.lower()


@dataclass(frozen=True)
class EdgeKind:
    type: str
    description: str
    sources: tuple[str, ...] = ()  # the node kinds it may start at; empty for attack edges (any kind)
    targets: tuple[str, ...] = ()

    def allows(self, src_kind: str, dst_kind: str) -> bool:
        return (not self.sources or src_kind in self.sources) and (not self.targets or dst_kind in self.targets)


INTERNET_UID = "internet"

# Filled by the planes (graph/planes): each registers its node kinds and structural edge kinds.
NODE_KINDS: dict[str, NodeKind] = {}
STRUCTURAL_EDGES: dict[str, EdgeKind] = {}
# Attack-edge types are registered by the attack catalogue; traversal only ever follows these.
ATTACK_EDGES: dict[str, EdgeKind] = {}


def register_kinds(node_kinds: tuple[NodeKind, ...], edge_kinds: tuple[EdgeKind, ...]) -> None:
    for kind in node_kinds:
        if kind.label in NODE_KINDS and NODE_KINDS[kind.label] != kind:
            raise ValueError(f"node kind {kind.label} is defined twice")
        NODE_KINDS[kind.label] = kind
    for edge in edge_kinds:
        if edge.type in STRUCTURAL_EDGES and STRUCTURAL_EDGES[edge.type] != edge:
            raise ValueError(f"structural edge kind {edge.type} is defined twice")
        for label in (*edge.sources, *edge.targets):
            node_kind(label)
        STRUCTURAL_EDGES[edge.type] = edge


def unregister_kinds(node_kinds: tuple[NodeKind, ...], edge_kinds: tuple[EdgeKind, ...]) -> None:
    for kind in node_kinds:
        NODE_KINDS.pop(kind.label, None)
    for edge in edge_kinds:
        STRUCTURAL_EDGES.pop(edge.type, None)


# Bridgehead's own kinds; every plane adds its own (graph/planes/<plane>/).
CORE_KINDS = (
    NodeKind(
        "Internet", "bridgehead", (), "Anyone on the internet: the default entry point", ("internet",), "global",
        anchor=True, color="#111827",
    ),
    NodeKind(
        "CloudAdmin", "bridgehead", (HIGH_VALUE,), "Administrator of one cloud account or project",
        ("cloud-admin",), "tenant", anchor=True, jewel="cloud-admin", color="#b91c1c",
    ),
    NodeKind("SyncRun", "bridgehead", description="The last collection of one scope: when, what, what was missing"),
    NodeKind(
        "Finding", "bridgehead", description="An attack path from an entry point to a crown jewel, tracked across runs"
    ),
)  # fmt: skip
register_kinds(CORE_KINDS, ())


def edge_kind(edge_type: str) -> EdgeKind:
    try:
        return STRUCTURAL_EDGES.get(edge_type) or ATTACK_EDGES[edge_type]
    except KeyError:
        raise KeyError(f"unknown edge type {edge_type!r}: add it to graph/schema.py or the attack catalogue") from None


def node_kind(label: str) -> NodeKind:
    try:
        return NODE_KINDS[label]
    except KeyError:
        raise KeyError(f"unknown node kind {label!r}: no plane defines it (graph/planes/<plane>/)") from None


def ref_kinds() -> dict[str, NodeKind]:
    """REF and search words (`pod`, `sa`, `internet`, ...) -> the kind they name."""
    return {word: kind for kind in NODE_KINDS.values() for word in kind.ref_words}


def jewel_class(labels: Iterable[str]) -> JewelClass | None:
    """The crown-jewel class of a node with these labels (its kind's class, else HighValue's), or None."""
    labels = set(labels)
    for label in labels:
        kind = NODE_KINDS.get(label)
        if kind and kind.jewel:
            return JEWELS_BY_NAME[kind.jewel]
    return HIGH_VALUE_CLASS if HIGH_VALUE in labels else None


def primary_label(labels: Iterable[str]) -> str:
    """A node's kind from its labels: the one label that is a registered node kind."""
    labels = list(labels)
    for label in labels:
        if label in NODE_KINDS:
            return label
    return next((label for label in labels if label not in SHARED_LABELS), labels[0] if labels else "")


# Every plane registers itself on import of graph.planes; done here, last, so that NODE_KINDS is complete
# wherever the schema is imported (the planes import the classes above, which exist by now).
from graph import planes as _planes  # noqa: E402

_planes.load_planes()
