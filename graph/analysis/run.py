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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from graph import planes
from graph.analysis.catalogue import ATTACKS, WORLD, AttackEdge, Rule, rules
from graph.analysis.facts import plane_scopes, read_scope_facts
from graph.analysis.reach import ReachReport, compute_reach
from graph.analysis.world import World
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


def _checked(rule: Rule, edges: Iterable[AttackEdge]) -> Iterator[tuple[str, AttackEdge]]:
    for edge in edges:
        if edge.type != rule.edge:
            raise RuleError(f"rule {rule.id} declares {rule.edge} but produced a {edge.type} edge")
        yield rule.id, edge


def find_attack_edges(world: World, progress: Progress | None = None) -> list[tuple[str, AttackEdge]]:
    """(rule id, edge) for every edge any rule finds."""
    found: list[tuple[str, AttackEdge]] = []
    for rule in rules():
        title = ATTACKS[rule.edge].title
        if rule.reads == WORLD:
            if progress:
                progress(f"bridges: {title}")
            found.extend(_checked(rule, rule.find(world)))
            continue
        for facts in world.of(rule.reads):
            if progress:
                progress(f"{facts.scope}: {title}")
            found.extend(_checked(rule, rule.find(facts)))
    return found


def to_records(found: list[tuple[str, AttackEdge]]) -> list[EdgeRecord]:
    """One record per (type, source, target); the reasons and rules of every finding of it kept together."""
    reasons: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    fired: dict[tuple[str, str, str, str, str], set[str]] = defaultdict(set)
    for rule_id, edge in found:
        key = (edge.type, edge.src_kind, edge.src_uid, edge.dst_kind, edge.dst_uid)
        if edge.reason not in reasons[key]:
            reasons[key].append(edge.reason)
        fired[key].add(rule_id)
    records = []
    for key, texts in reasons.items():
        edge_type, src_kind, src, dst_kind, dst = key
        props = {
            "rule": ", ".join(sorted(fired[key])),
            "technique": ATTACKS[edge_type].mitre,
            "reason": "; ".join(texts),
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
    world = read_world(store, progress)
    report = AnalysisReport(scopes=[facts.scope for facts in world.scopes()])
    records = to_records(find_attack_edges(world, progress))
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
    report.reach = compute_reach(store)  # after the high-value marks: `reaches_high_value_hops` reads them
    report.seconds = time.perf_counter() - started
    return report


def generated_statements() -> Iterator[tuple[str, str]]:
    yield "analysis/clear-marks", CLEAR_MARKS
    for plane in planes.all_planes():
        for i, statement in enumerate(plane.marks):
            yield f"analysis/{plane.name}/mark-admins-{i}", statement
