"""Run the analysis: read every plane's scopes from the graph, apply every rule, write the edges.

For each plane (graph/planes) each of its scopes is read into that plane's facts model; a rule runs once
per scope of the plane it reads, or once on the `World` of all planes (bridge rules). Every edge records
the rules that fired it (`rule`) and why (`reason`). Each plane supplies its anchors (ClusterAdmin, ...)
and the statements that mark its admins as crown jewels; the Internet anchor is Bridgehead's own.

Re-running replaces the previous analysis: edges this run does not find again are deleted, and so are
the crown-jewel marks the analysis set before. Last, the reachability marks the path queries prune with are
recomputed (graph/analysis/reach.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from graph import planes
from graph.analysis.catalogue import ATTACKS, WORLD, AttackEdge, Rule, rules
from graph.analysis.facts import plane_scopes, read_scope_facts
from graph.analysis.reach import ReachReport, compute_reach
from graph.analysis.world import World
from graph.collector import collector_paused
from graph.loader import Sync, delete_stale_edges, load
from graph.records import EdgeRecord, NodeRecord
from graph.schema import INTERNET_UID
from graph.store import GraphStore

ANALYSIS_SCOPE = "analysis"

CLEAR_MARKS = (
    "MATCH (n:HighValue) WHERE n.high_value_by_analysis = true "
    "REMOVE n:HighValue SET n.high_value_by_analysis = null RETURN count(n) AS cleared"
)

Progress = Callable[[str], None]


class RuleError(RuntimeError):
    """A rule produced an edge of another type than it declares: a bug in the rule."""


@dataclass
class AnalysisReport:
    scopes: list[str] = field(default_factory=list)
    edges_by_type: dict[str, int] = field(default_factory=dict)
    deleted_edges: int = 0
    missing_endpoints: dict[str, int] = field(default_factory=dict)
    reach: ReachReport | None = None
    seconds: float = 0.0

    @property
    def total_edges(self) -> int:
        return sum(self.edges_by_type.values())


def read_world(store: GraphStore, progress: Progress | None = None) -> World:
    facts: dict[str, list] = {}
    for plane in planes.all_planes():
        facts[plane.name] = []
        for scope in plane_scopes(store, plane):
            if progress:
                progress(f"{scope}: reading the {plane.title} facts from the graph")
            facts[plane.name].append(read_scope_facts(store, plane, scope))
    return World(facts)


def _checked(rule: Rule, edges: Iterable[AttackEdge]) -> list[AttackEdge]:
    found = list(edges)
    for edge in found:
        if edge.type != rule.edge:
            raise RuleError(f"rule {rule.id} declares {rule.edge} but produced a {edge.type} edge")
    return found


def find_attack_edges(world: World, progress: Progress | None = None) -> dict[str, list[AttackEdge]]:
    """rule id -> the edges it finds, for every rule."""
    found: dict[str, list[AttackEdge]] = {}
    for rule in rules():
        title = ATTACKS[rule.edge].title
        if rule.reads == WORLD:
            if progress:
                progress(f"bridges: {title}")
            found[rule.id] = _checked(rule, rule.find(world))
            continue
        found[rule.id] = []
        for facts in world.of(rule.reads):
            if progress:
                progress(f"{facts.scope}: {title}")
            found[rule.id].extend(_checked(rule, rule.find(facts)))
    return found


def to_records(found: dict[str, list[AttackEdge]]) -> list[EdgeRecord]:
    """One record per (type, source, target); the reasons and rules of every finding of it kept together."""
    merged: dict[tuple[str, str, str, str, str], tuple[list[str], list[str]]] = {}
    for rule_id, edges in found.items():
        for edge in edges:
            key = (edge.type, edge.src_kind, edge.src_uid, edge.dst_kind, edge.dst_uid)
            entry = merged.get(key)
            if entry is None:
                merged[key] = ([edge.reason], [rule_id])
                continue
            reasons, rule_ids = entry
            if edge.reason not in reasons:
                reasons.append(edge.reason)
            if rule_id not in rule_ids:
                rule_ids.append(rule_id)
    records = []
    for (edge_type, src_kind, src, dst_kind, dst), (reasons, rule_ids) in merged.items():
        props = {
            "rule": ", ".join(sorted(rule_ids)),
            "technique": ATTACKS[edge_type].mitre,
            "reason": "; ".join(reasons),
        }
        records.append(EdgeRecord(edge_type, src_kind, src, dst_kind, dst, props))
    return records


def anchor_records(world: World) -> list[NodeRecord]:
    anchors = [NodeRecord("Internet", INTERNET_UID, {"name": "Internet"})]
    for plane in planes.all_planes():
        for facts in world.of(plane.name):
            anchors.extend(plane.anchors(facts))
    return anchors


def mark_admins(store: GraphStore) -> None:
    """Every plane's admins are crown jewels too (the analysis mark; cleared and set again each run)."""
    for plane in planes.all_planes():
        for statement in plane.marks:
            store.write(statement)


def analyze(store: GraphStore, progress: Progress | None = None) -> AnalysisReport:
    started = time.perf_counter()
    with collector_paused():
        world = read_world(store, progress)
        records = to_records(find_attack_edges(world, progress))
    report = AnalysisReport(scopes=[facts.scope for facts in world.scopes()])
    if progress:
        progress(f"writing {len(records)} attack edges")
    sync = Sync.new("analysis", ANALYSIS_SCOPE)
    loaded = load(store, anchor_records(world), records, sync)
    report.edges_by_type = loaded.edges
    report.missing_endpoints = loaded.missing_endpoints  # a rule pointing at a node that is not there: a bug
    report.deleted_edges = delete_stale_edges(store, sync)
    store.write(CLEAR_MARKS)
    mark_admins(store)
    if progress:
        progress("reachability marks")
    # After the high-value marks (`reaches_high_value_hops` reads them). The graph's attack edges are exactly
    # the records just written (stale ones are deleted), so they are not read back.
    # Sorted as the read would return them (type, then source, then target): findings break ties by order.
    edges = sorted(((r.src_uid, r.type, r.dst_uid) for r in records), key=lambda edge: (edge[1], edge[0], edge[2]))
    report.reach = compute_reach(store, edges=edges)
    report.seconds = time.perf_counter() - started
    return report


def generated_statements() -> Iterator[tuple[str, str]]:
    yield "analysis/clear-marks", CLEAR_MARKS
    for plane in planes.all_planes():
        for i, statement in enumerate(plane.marks):
            yield f"analysis/{plane.name}/mark-admins-{i}", statement
