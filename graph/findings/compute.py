"""Findings and choke points, computed in memory from the attack graph.

A finding is one (entry point, crown jewel) pair with an attack path between them: the shortest path(s),
the attack steps along them with their reasons, a severity, and the remediation of the step whose removal
breaks the most of those paths.

Entry points: the Internet node and every node a user marked `owned`.

Crown jewels, in rank order (graph/findings/README.md):
  0 cluster-admin   a ClusterAdmin anchor (and cloud-admin: a CloudAdmin anchor, once the cloud planes add it)
  1 node-takeover   a Node, or the ClusterNodes anchor ("any node": whoever reaches it can place a
                    privileged pod on every node)
  2 high-value      any other HighValue node: cluster-admin identities the analysis marks, user marks
  3 secret          a node labelled Secret

Grouping: one finding per (entry, jewel), except a jewel FOLDED into a bigger finding, so the list reads as
"what to fix" and not as every secret behind a node:
  a) the jewel is reachable from the entry only through other jewels of the same or a higher rank
     (a secret mounted by a pod on a node the attacker takes over; every node behind "any node"); it is
     listed on the finding of the first such jewel on its shortest path;
  b) the jewel's own attack edge leads straight to a jewel of a higher rank (a cluster-admin service
     account, a legacy token secret of one): it is a step on the way to that finding, not a finding.

Severity (graph/findings/README.md): from the jewel class and the entry, then one level lower when the path is
longer than LONG_PATH_HOPS (never for critical):
                   from the Internet   from an owned node
  cluster-admin    critical            high
  cloud-admin      critical            high
  node-takeover    high                medium
  high-value       high                medium
  secret           high                medium

From a template: a finding whose first path runs through a container of a controller's pod template (the
controller had no pod in the snapshot, so the analysis took its template for the pods it will create: manifests
from Git or Helm) names that workload (`Finding.from_template`); the outputs show it.

Choke points: for each finding, the share of its shortest paths that run through an attack edge (or a node
other than the entry and the jewel) is sigma_entry(u) * sigma_jewel(v) / sigma_entry(jewel) (sigma: number
of shortest paths). A step with share 1.0 is on every shortest path: removing it cuts the finding or forces
a longer path. The global score of a step is the sum of its shares over all findings; steps are ranked by
score, then by the number of findings they lie on every shortest path of.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.catalogue import ATTACKS, INTERNET_UID, load_catalogue, remediation_for
from graph.analysis.reach import AttackGraph, read_attack_graph
from graph.planes import template_of
from graph.schema import JEWEL_CLASSES, NODE_KINDS, JewelClass, jewel_class
from graph.store import GraphStore

SEVERITIES = ("critical", "high", "medium", "low")  # most severe first
SEVERITY_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}
LONG_PATH_HOPS = 8
MAX_PATHS = 5  # shortest paths kept per finding (the first one contains the remediation step)
MAX_FOLDED = 100  # folded jewel uids kept per finding (the count is always exact)
SHARE_EPSILON = 1e-9
REASONS_BATCH = 5_000


# Anchors whose name already says what they are ("cluster-admin (demo)"): the title is "entry → name".
SELF_NAMED = frozenset({"ClusterAdmin", "CloudAdmin"})
UNLABELLED_TITLES = frozenset({"node-takeover", "secret"})  # the class noun already says what the jewel is
MAX_CUT_CHECKS = 8  # steps on every shortest path checked for "does removing it leave any path at all"

Edge = tuple[str, str, str]  # (source uid, type, target uid)


def finding_id(entry_uid: str, jewel_uid: str, kind: str) -> str:
    """Stable across runs: the same entry, jewel and kind always give the same id."""
    return hashlib.sha256(f"{entry_uid}\n{jewel_uid}\n{kind}".encode()).hexdigest()[:16]


def severity_at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_ORDER[severity] <= SEVERITY_ORDER[threshold]


def severity_for(cls: JewelClass, from_internet: bool, hops: int) -> str:
    base = cls.internet_severity if from_internet else cls.owned_severity
    if hops > LONG_PATH_HOPS and base != "critical":
        return SEVERITIES[min(SEVERITY_ORDER[base] + 1, len(SEVERITIES) - 1)]
    return base


@dataclass
class PathView:
    """One attack path, with what a person needs to read it."""

    uids: list[str]
    names: list[str]
    labels: list[str]
    types: list[str]
    reasons: list[str]

    @property
    def hops(self) -> int:
        return len(self.types)

    def edges(self) -> list[Edge]:
        return [(self.uids[i], self.types[i], self.uids[i + 1]) for i in range(len(self.types))]

    def as_dict(self) -> dict[str, Any]:
        return {"uids": self.uids, "names": self.names, "labels": self.labels, "types": self.types,
                "reasons": self.reasons}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PathView:
        return cls(*(list(data.get(key) or []) for key in ("uids", "names", "labels", "types", "reasons")))


@dataclass
class Finding:
    id: str
    kind: str
    severity: str
    title: str
    entry_uid: str
    entry_name: str
    target_uid: str
    target_name: str
    target_label: str
    hops: int
    path_count: int  # shortest paths between entry and jewel
    path: PathView  # the first shortest path; it contains the remediation step
    other_paths: list[PathView] = field(default_factory=list)
    remediation_edge: str = ""  # the attack-edge type of the remediation step
    remediation_rule: str = ""
    remediation: str = ""
    remediation_step: int = 0  # index of that step in `path`
    remediation_share: float = 0.0  # share of the shortest paths through that step
    remediation_cuts: bool = False  # removing that step leaves no path at all
    alternative_hops: int | None = None  # otherwise: the shortest path that remains
    folded_uids: list[str] = field(default_factory=list)
    folded_count: int = 0
    status: str = "new"  # new | open | resolved
    first_seen: int | None = None
    last_seen: int | None = None
    resolved_at: int | None = None

    @property
    def from_template(self) -> list[str]:
        """The workloads whose pod templates (no pod of theirs in the snapshot) the first path runs through."""
        found: list[str] = []
        for uid in self.path.uids:
            workload = template_of(uid)
            if workload and workload not in found:
                found.append(workload)
        return found

    @property
    def techniques(self) -> list[str]:
        return sorted({ATTACKS[edge_type].mitre for edge_type in self.path.types if edge_type in ATTACKS})

    @property
    def from_internet(self) -> bool:
        return self.entry_uid == INTERNET_UID


@dataclass(frozen=True)
class ChokePoint:
    kind: str  # "edge" | "node"
    key: str  # node uid, or "src -[TYPE]-> dst"
    display: str
    score: float  # sum over findings of the share of their shortest paths through it
    findings: int  # findings with at least one shortest path through it
    cuts: int  # findings whose every shortest path runs through it
    worst_severity: str
    edge_type: str = ""
    remediation: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "key": self.key, "display": self.display, "score": round(self.score, 4),
            "findings": self.findings, "cuts": self.cuts, "worst_severity": self.worst_severity,
            "edge_type": self.edge_type, "remediation": self.remediation,
        }  # fmt: skip


@dataclass
class FindingsReport:
    findings: list[Finding] = field(default_factory=list)
    choke_points: list[ChokePoint] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    folded: int = 0
    seconds: float = 0.0


@dataclass
class _ShortestPaths:
    """Breadth-first search from one entry: distance, number of shortest paths and DAG predecessors."""

    entry: str
    dist: dict[str, int]
    sigma: dict[str, int]
    preds: dict[str, list[tuple[str, str]]]  # node -> [(predecessor, edge type)] on shortest paths

    @classmethod
    def search(cls, graph: AttackGraph, entry: str) -> _ShortestPaths:
        dist, sigma = {entry: 0}, {entry: 1}
        preds: dict[str, list[tuple[str, str]]] = defaultdict(list)
        queue = deque([entry])
        while queue:
            uid = queue.popleft()
            next_dist, count = dist[uid] + 1, sigma[uid]
            for edge_type, other in graph.out.get(uid, ()):
                seen = dist.get(other)
                if seen is None:
                    dist[other], sigma[other] = next_dist, 0
                    queue.append(other)
                    seen = next_dist
                if seen == next_dist:
                    sigma[other] += count
                    preds[other].append((uid, edge_type))
        for options in preds.values():
            options.sort(key=lambda item: (item[1], item[0]))
        return cls(entry, dist, sigma, preds)

    def first_path_to(self, uid: str) -> list[Edge]:
        """The first shortest path from the entry (in a stable order), as edges."""
        edges: list[Edge] = []
        while uid != self.entry:
            pred, edge_type = self.preds[uid][0]
            edges.append((pred, edge_type, uid))
            uid = pred
        return edges[::-1]


@dataclass
class _PairDag:
    """The shortest-path DAG of one (entry, jewel) pair, with each step's share of the paths."""

    jewel: str
    total: int
    edge_share: dict[Edge, float]
    node_share: dict[str, float]
    succ: dict[str, list[tuple[str, str]]]  # u -> [(type, v)] inside the DAG, sorted


def _pair_dag(paths: _ShortestPaths, jewel: str) -> _PairDag:
    # Nodes of the DAG, farthest first, so every node's paths-to-jewel count is final before it is used.
    members: dict[str, int] = {jewel: 1}
    frontier = [jewel]
    while frontier:
        nxt = []
        for v in frontier:
            for u, _edge_type in paths.preds.get(v, ()):
                if u not in members:
                    members[u] = 0
                    nxt.append(u)
        frontier = nxt
    order = sorted(members, key=lambda uid: -paths.dist[uid])
    to_jewel = dict.fromkeys(members, 0)
    to_jewel[jewel] = 1
    succ: dict[str, list[tuple[str, str]]] = defaultdict(list)
    edges: list[Edge] = []
    for v in order:
        for u, edge_type in paths.preds.get(v, ()):
            to_jewel[u] += to_jewel[v]
            succ[u].append((edge_type, v))
            edges.append((u, edge_type, v))
    total = paths.sigma[jewel]
    edge_share = {(u, t, v): paths.sigma[u] * to_jewel[v] / total for u, t, v in edges}
    node_share = {uid: paths.sigma[uid] * to_jewel[uid] / total for uid in members if uid not in (paths.entry, jewel)}
    for options in succ.values():
        options.sort()
    return _PairDag(jewel, total, edge_share, node_share, dict(succ))


def _dag_paths(dag: _PairDag, start: str, limit: int) -> Iterator[list[Edge]]:
    """Up to `limit` paths from `start` to the jewel inside the DAG, depth first in a stable order."""
    produced = 0
    stack: list[tuple[str, list[Edge]]] = [(start, [])]
    while stack:
        uid, prefix = stack.pop()
        if uid == dag.jewel:
            yield prefix
            produced += 1
            if produced >= limit:
                return
            continue
        for edge_type, nxt in reversed(dag.succ.get(uid, [])):
            stack.append((nxt, [*prefix, (uid, edge_type, nxt)]))


def _reachable_without(graph: AttackGraph, entry: str, target: str, removed: Edge) -> int | None:
    """Fewest hops from entry to target when one edge is gone (None: no path left).

    Bidirectional, one whole level at a time from the smaller frontier: the ancestors of a jewel are usually
    few, so "no path left" is known without walking everything the entry reaches."""
    forward, backward = {entry: 0}, {target: 0}
    forward_frontier, backward_frontier = [entry], [target]
    while forward_frontier and backward_frontier:
        best: int | None = None
        expand_forward = len(forward_frontier) <= len(backward_frontier)
        seen, other = (forward, backward) if expand_forward else (backward, forward)
        frontier: list[str] = []
        for uid in forward_frontier if expand_forward else backward_frontier:
            for edge_type, nxt in (graph.out if expand_forward else graph.into).get(uid, ()):
                edge = (uid, edge_type, nxt) if expand_forward else (nxt, edge_type, uid)
                if nxt in seen or edge == removed:
                    continue
                seen[nxt] = seen[uid] + 1
                frontier.append(nxt)
                if nxt in other:
                    hops = seen[nxt] + other[nxt]
                    best = hops if best is None else min(best, hops)
        if best is not None:
            return best  # the first level where the searches meet holds the shortest remaining path
        if expand_forward:
            forward_frontier = frontier
        else:
            backward_frontier = frontier
    return None


def _blocked_reach(graph: AttackGraph, entry: str, blockers: set[str]) -> set[str]:
    """Nodes reachable from entry without passing through a blocker (blockers are reached, not crossed)."""
    seen = {entry}
    queue = deque([entry])
    while queue:
        uid = queue.popleft()
        if uid in blockers and uid != entry:
            continue
        for _edge_type, other in graph.out.get(uid, ()):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


@dataclass
class _Candidate:
    entry: str
    jewel: str
    cls: JewelClass
    paths: _ShortestPaths
    dag: _PairDag
    folded: list[str] = field(default_factory=list)


def _candidates_for_entry(graph: AttackGraph, entry: str, classes: Mapping[str, JewelClass]) -> list[_Candidate]:
    paths = _ShortestPaths.search(graph, entry)
    reached = {uid: classes[uid] for uid in paths.dist if uid in classes and uid != entry}
    if not reached:
        return []
    # Rule a): reachable without crossing another jewel of the same or a higher rank.
    direct: dict[int, set[str]] = {}
    for rank in sorted({cls.rank for cls in reached.values()}):
        blockers = {uid for uid, cls in reached.items() if cls.rank <= rank}
        direct[rank] = _blocked_reach(graph, entry, blockers)
    fold_into: dict[str, str] = {}
    for uid, cls in reached.items():
        # Rule b): one attack edge from this jewel reaches a jewel of a higher rank.
        higher = sorted(
            (reached[other].rank, other)
            for _edge_type, other in graph.out.get(uid, ())
            if other in reached and reached[other].rank < cls.rank
        )
        if higher:
            fold_into[uid] = higher[0][1]
        elif uid not in direct[cls.rank]:
            on_path = [dst for _src, _type, dst in paths.first_path_to(uid)[:-1]]
            fold_into[uid] = next(
                (other for other in on_path if other in reached and reached[other].rank <= cls.rank), on_path[0]
            )

    def owner(uid: str) -> str:
        seen: set[str] = set()
        while uid in fold_into and uid not in seen:
            seen.add(uid)
            uid = fold_into[uid]
        return uid

    candidates = {
        uid: _Candidate(entry, uid, cls, paths, _pair_dag(paths, uid))
        for uid, cls in sorted(reached.items())
        if uid not in fold_into
    }
    for uid in sorted(fold_into):
        target = owner(uid)
        if target in candidates:
            candidates[target].folded.append(uid)
    return list(candidates.values())


def _best_step(
    graph: AttackGraph, candidate: _Candidate, global_score: Mapping[Edge, float]
) -> tuple[Edge, float, int | None]:
    """The step whose removal breaks the most of the pair's shortest paths; ties go to a step whose removal
    leaves no path at all, then to a step that is not a mere consequence, then to the one on more findings'
    paths, then to the one closest to the jewel. Returns (step, share, hops of the path left without it)."""

    def key(item: tuple[Edge, float]) -> tuple[Any, ...]:
        (u, edge_type, v), share = item
        return (
            -round(share, 9),
            ATTACKS[edge_type].consequence if edge_type in ATTACKS else False,  # a step whose fix is elsewhere
            -round(global_score.get((u, edge_type, v), 0.0), 9),
            -candidate.paths.dist[u],
            edge_type,
            u,
            v,
        )

    ranked = sorted(candidate.dag.edge_share.items(), key=key)
    best_share = ranked[0][1]
    tied = [item for item in ranked if item[1] >= best_share - SHARE_EPSILON][:MAX_CUT_CHECKS]
    left = {step: _reachable_without(graph, candidate.entry, candidate.jewel, step) for step, _share in tied}
    step, share = min(tied, key=lambda item: (left[item[0]] is not None, *key(item)))
    return step, share, left[step]


def _path_view(graph: AttackGraph, edges: Sequence[Edge], start: str) -> PathView:
    uids = [start, *(dst for _src, _type, dst in edges)]
    return PathView(
        uids=uids,
        names=[graph.display(uid) for uid in uids],
        labels=[graph.label(uid) for uid in uids],
        types=[edge_type for _src, edge_type, _dst in edges],
        reasons=["" for _ in edges],
    )


def _finding(graph: AttackGraph, candidate: _Candidate, global_score: Mapping[Edge, float]) -> Finding:
    paths, dag, jewel = candidate.paths, candidate.dag, candidate.jewel
    step, share, alternative = _best_step(graph, candidate, global_score)
    u, edge_type, v = step
    head = paths.first_path_to(u)
    tail = next(_dag_paths(dag, v, 1))
    first = [*head, step, *tail]
    others: list[list[Edge]] = []
    for edges in _dag_paths(dag, paths.entry, MAX_PATHS):
        if edges != first and len(others) < MAX_PATHS - 1:
            others.append(edges)
    entry_node, jewel_node = graph.nodes[paths.entry], graph.nodes[jewel]
    hops = paths.dist[jewel]
    if jewel_node.label in SELF_NAMED:
        title = f"{entry_node.display} → {jewel_node.display}"
    else:
        jewel_name = jewel_node.display
        if candidate.cls.finding_kind in UNLABELLED_TITLES and jewel_name.startswith(f"{jewel_node.label} "):
            jewel_name = jewel_name[len(jewel_node.label) + 1 :]  # "secret: shop/db", not "secret: KubeSecret shop/db"
        title = f"{entry_node.display} → {candidate.cls.noun}: {jewel_name}"
    if paths.entry != INTERNET_UID:
        title = f"{title} (from owned)"
    attack = ATTACKS.get(edge_type)
    return Finding(
        id=finding_id(paths.entry, jewel, candidate.cls.finding_kind),
        kind=candidate.cls.finding_kind,
        severity=severity_for(candidate.cls, paths.entry == INTERNET_UID, hops),
        title=title,
        entry_uid=paths.entry,
        entry_name=entry_node.display,
        target_uid=jewel,
        target_name=jewel_node.display,
        target_label=jewel_node.label,
        hops=hops,
        path_count=dag.total,
        path=_path_view(graph, first, paths.entry),
        other_paths=[_path_view(graph, edges, paths.entry) for edges in others],
        remediation_edge=edge_type,
        remediation_rule=", ".join(attack.rule_ids) if attack else "",
        remediation=attack.remediation if attack else "",
        remediation_step=len(head),
        remediation_share=share,
        remediation_cuts=alternative is None,
        alternative_hops=alternative,
        folded_uids=sorted(candidate.folded)[:MAX_FOLDED],
        folded_count=len(candidate.folded),
    )


def _choke_points(
    graph: AttackGraph,
    candidates: Sequence[_Candidate],
    severities: Mapping[tuple[str, str], str],
    excluded: set[str],
) -> list[ChokePoint]:
    """Attack edges and nodes ranked by how much of the findings' shortest paths they carry (entries and
    jewels are not offered as nodes to remove)."""
    edge_stats: dict[Edge, list[Any]] = {}
    node_stats: dict[str, list[Any]] = {}
    for candidate in candidates:
        severity = severities[(candidate.entry, candidate.jewel)]
        for stats, shares in ((edge_stats, candidate.dag.edge_share), (node_stats, candidate.dag.node_share)):
            for key, share in shares.items():
                entry = stats.setdefault(key, [0.0, 0, 0, severity])  # type: ignore[arg-type]
                entry[0] += share
                entry[1] += 1
                entry[2] += share >= 1 - SHARE_EPSILON
                if SEVERITY_ORDER[severity] < SEVERITY_ORDER[entry[3]]:
                    entry[3] = severity
    points: list[ChokePoint] = []
    for (u, edge_type, v), (score, count, cuts, worst) in edge_stats.items():
        attack = ATTACKS.get(edge_type)
        points.append(
            ChokePoint(
                "edge", f"{u} -[{edge_type}]-> {v}", f"{graph.display(u)} -[{edge_type}]-> {graph.display(v)}",
                score, count, cuts, worst, edge_type, attack.remediation if attack else "",
            )
        )  # fmt: skip
    for uid, (score, count, cuts, worst) in node_stats.items():
        if uid in excluded:
            continue
        points.append(ChokePoint("node", uid, graph.display(uid), score, count, cuts, worst))
    points.sort(key=lambda point: (-round(point.score, 9), -point.cuts, SEVERITY_ORDER[point.worst_severity],
                                   point.kind, point.key))  # fmt: skip
    return points


def entry_points(graph: AttackGraph) -> list[str]:
    entries = [INTERNET_UID] if INTERNET_UID in graph.nodes else []
    return entries + sorted(uid for uid in graph.owned() if uid != INTERNET_UID)


def build_findings(graph: AttackGraph) -> FindingsReport:
    """Every finding and the choke points, from the in-memory attack graph (pure; reasons left empty)."""
    load_catalogue()
    started = time.perf_counter()
    classes = {uid: cls for uid, node in graph.nodes.items() if (cls := jewel_class(node.labels)) is not None}
    report = FindingsReport(entries=entry_points(graph))
    candidates = list(
        itertools.chain.from_iterable(_candidates_for_entry(graph, entry, classes) for entry in report.entries)
    )
    severities = {
        (c.entry, c.jewel): severity_for(c.cls, c.entry == INTERNET_UID, c.paths.dist[c.jewel]) for c in candidates
    }
    report.choke_points = _choke_points(graph, candidates, severities, set(classes) | set(report.entries))
    global_score = {
        (u, edge_type, v): point.score
        for point in report.choke_points
        if point.kind == "edge"
        for u, edge_type, v in [_split_edge_key(point.key)]
    }
    report.findings = sorted((_finding(graph, candidate, global_score) for candidate in candidates), key=sort_key)
    report.folded = sum(finding.folded_count for finding in report.findings)
    report.seconds = time.perf_counter() - started
    return report


def _split_edge_key(key: str) -> Edge:
    src, rest = key.split(" -[", 1)
    edge_type, dst = rest.split("]-> ", 1)
    return src, edge_type, dst


def sort_key(finding: Finding) -> tuple[Any, ...]:
    rank = next((cls.rank for cls in JEWEL_CLASSES if cls.finding_kind == finding.kind), 9)
    return (SEVERITY_ORDER.get(finding.severity, 9), rank, finding.hops, finding.title, finding.id)


def reasons_statement(src_label: str, edge_type: str, dst_label: str) -> str:
    for label in (src_label, dst_label):
        if label not in NODE_KINDS:
            raise KeyError(f"unknown node kind {label!r}")
    if edge_type not in load_catalogue():
        raise KeyError(f"unknown attack edge type {edge_type!r}")
    return (
        f"UNWIND $rows AS r MATCH (a:{src_label} {{uid: r.src}})-[e:{edge_type}]->(b:{dst_label} {{uid: r.dst}}) "
        "RETURN r.src AS src, r.dst AS dst, e.reason AS reason, e.rule AS rule"
    )


def fill_reasons(store: GraphStore, graph: AttackGraph, findings: Sequence[Finding]) -> None:
    """Read the `reason` of every attack edge on the findings' paths (only those: reasons are long text), and
    the rules that fired the remediation step: a rule's own remediation beats its edge type's."""
    wanted: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    views = [view for finding in findings for view in (finding.path, *finding.other_paths)]
    for view in views:
        for src, edge_type, dst in view.edges():
            wanted[(graph.label(src), edge_type, graph.label(dst))].add((src, dst))
    reasons: dict[Edge, str] = {}
    fired: dict[Edge, list[str]] = {}
    for (src_label, edge_type, dst_label), pairs in sorted(wanted.items()):
        if src_label not in NODE_KINDS or dst_label not in NODE_KINDS or edge_type not in ATTACKS:
            continue
        rows = [{"src": src, "dst": dst} for src, dst in sorted(pairs)]
        statement = reasons_statement(src_label, edge_type, dst_label)
        for start in range(0, len(rows), REASONS_BATCH):
            for result in store.read(statement, {"rows": rows[start : start + REASONS_BATCH]}):
                edge = (result["src"], edge_type, result["dst"])
                reasons[edge] = str(result["reason"] or "")
                fired[edge] = [rule for rule in str(result["rule"] or "").split(", ") if rule]
    for view in views:
        view.reasons = [reasons.get(edge, "") for edge in view.edges()]
    for finding in findings:
        steps = finding.path.edges()
        if finding.remediation_edge and finding.remediation_step < len(steps):
            rule_ids = fired.get(steps[finding.remediation_step], [])
            if rule_ids:
                finding.remediation_rule = ", ".join(rule_ids)
                finding.remediation = remediation_for(finding.remediation_edge, rule_ids)


def compute_findings(store: GraphStore, graph: AttackGraph | None = None) -> FindingsReport:
    """Findings and choke points of the graph as it is now (reads the attack graph unless given)."""
    started = time.perf_counter()
    graph = graph if graph is not None else read_attack_graph(store)
    report = build_findings(graph)
    fill_reasons(store, graph, report.findings)
    report.seconds = time.perf_counter() - started
    return report


def generated_statements() -> list[tuple[str, str]]:
    return [("findings/reasons", reasons_statement("Container", "CE_PRIVILEGED", "Node"))]
