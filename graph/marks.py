"""User marks: owned (an entry point besides the Internet) and high value (a crown jewel of the user's choosing).

Both are properties on the node itself, so re-ingesting the object keeps them (the loader only sets the
properties it collects) and every query can honour them. Each change recomputes the reachability marks.
A node whose kind is high value by nature (a Secret, a Node, ClusterAdmin) keeps its HighValue label when
the user mark is removed; so does a cluster-admin identity (the analysis marks those again at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.analysis.reach import ReachReport, compute_reach
from graph.analysis.run import mark_admins
from graph.paths import FIND_BY_UID
from graph.schema import HIGH_VALUE, NODE_KINDS, node_kind, primary_label
from graph.store import GraphStore


class MarkError(ValueError):
    """The node to mark is not in the graph."""


@dataclass(frozen=True)
class MarkResult:
    uid: str
    label: str
    mark: str  # "owned" | "high_value"
    on: bool
    reach: ReachReport


def set_owned_statement(label: str) -> str:
    return f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) SET n.owned = $value RETURN n.uid AS uid"


def set_high_value_statement(label: str) -> str:
    # The user's mark replaces the analysis's, so that re-running the analysis (which clears its own marks)
    # keeps the label.
    return (
        f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) "
        "SET n:HighValue, n.user_high_value = true, n.high_value_by_analysis = null RETURN n.uid AS uid"
    )


def clear_high_value_statement(label: str) -> str:
    return f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) SET n.user_high_value = null REMOVE n:HighValue RETURN n.uid AS uid"


def clear_user_high_value_statement(label: str) -> str:
    """For kinds that are high value by nature: only the user's property goes."""
    return f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) SET n.user_high_value = null RETURN n.uid AS uid"


def _label_of(store: GraphStore, uid: str) -> str:
    rows = store.read(FIND_BY_UID, {"uid": uid})
    if not rows:
        raise MarkError(f"no object with uid {uid!r} in the graph")
    label = primary_label(rows[0]["labels"])
    if label not in NODE_KINDS:
        raise MarkError(f"{uid!r} is not a node Bridgehead knows how to mark")
    return label


def mark_owned(store: GraphStore, uid: str, on: bool = True) -> MarkResult:
    """Mark a node as owned (compromised: a path search starts there too), or remove the mark."""
    label = _label_of(store, uid)
    store.write(set_owned_statement(label), {"uid": uid, "value": True if on else None})
    return MarkResult(uid, label, "owned", on, compute_reach(store))


def mark_high_value(store: GraphStore, uid: str, on: bool = True) -> MarkResult:
    """Mark a node as a crown jewel (label HighValue, `user_high_value = true`), or remove the mark."""
    label = _label_of(store, uid)
    if on:
        store.write(set_high_value_statement(label), {"uid": uid})
    elif HIGH_VALUE in NODE_KINDS[label].extra_labels:
        store.write(clear_user_high_value_statement(label), {"uid": uid})
    else:
        store.write(clear_high_value_statement(label), {"uid": uid})
        mark_admins(store)  # an admin identity stays a crown jewel
    return MarkResult(uid, label, "high_value", on, compute_reach(store))


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("marks/set-owned", set_owned_statement("Pod")),
        ("marks/set-high-value", set_high_value_statement("ServiceAccount")),
        ("marks/clear-high-value", clear_high_value_statement("ServiceAccount")),
        ("marks/clear-user-high-value", clear_user_high_value_statement("KubeSecret")),
    ]
