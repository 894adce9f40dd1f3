"""Findings across runs: persisted as `Finding` nodes, so a later run says new / still open / resolved.

Each refresh is one run (`bridgehead findings` and `bridgehead findings diff` both refresh):
  - a finding found now and open at the previous run is `open` ("still open"); found now and not open
    before (never seen, or resolved earlier and back again) is `new`;
  - a finding open at the previous run and not found now becomes `resolved`, with `resolved_at`;
  - `first_seen` is when its id was first found, `last_seen` the last run that found it (both set by the
    loader, like every node's provenance). Resolved findings stay in the graph as history.
The Finding node's uid is the finding's stable id (a hash of entry uid, jewel uid and kind).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.reach import AttackGraph
from graph.findings.compute import (
    SEVERITIES,
    ChokePoint,
    Finding,
    FindingsReport,
    PathView,
    compute_findings,
    sort_key,
)
from graph.loader import Sync, load
from graph.records import NodeRecord, as_json
from graph.store import GraphStore

FINDINGS_SOURCE = "findings"
FINDINGS_SCOPE = "findings"
PAGE_SIZE = 5_000

READ_FINDINGS = "MATCH (f:Finding) RETURN properties(f) AS props ORDER BY f.uid SKIP $skip LIMIT $page"
RESOLVE_FINDINGS = (
    "UNWIND $rows AS r MATCH (f:Finding {uid: r.uid}) SET f.status = 'resolved', f.resolved_at = $now "
    "RETURN count(f) AS resolved"
)
LAST_RUN = "MATCH (s:SyncRun {uid: $run_uid}) RETURN s.started_at AS started_at LIMIT 1"
OPEN_STATUSES = ("new", "open")


@dataclass
class FindingsRun:
    """One refresh: the findings now, what changed since the previous run, and the choke points."""

    run_at: int
    previous_run_at: int | None
    findings: list[Finding] = field(default_factory=list)  # found now (status new or open)
    new: list[Finding] = field(default_factory=list)
    still_open: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)  # open at the previous run, not found now
    choke_points: list[ChokePoint] = field(default_factory=list)
    seconds: float = 0.0


def finding_props(finding: Finding) -> dict[str, Any]:
    """The Finding node's properties (scalars and lists of one scalar type; paths beyond the first as JSON)."""
    return {
        "title": finding.title,
        "kind": finding.kind,
        "severity": finding.severity,
        "status": finding.status,
        "entry_uid": finding.entry_uid,
        "entry_name": finding.entry_name,
        "target_uid": finding.target_uid,
        "target_name": finding.target_name,
        "target_label": finding.target_label,
        "hops": finding.hops,
        "path_count": min(finding.path_count, 2**62),  # counts multiply along long paths; the graph holds int64
        "path_uids": finding.path.uids,
        "path_names": finding.path.names,
        "path_labels": finding.path.labels,
        "path_types": finding.path.types,
        "path_reasons": finding.path.reasons,
        "other_paths_json": as_json([view.as_dict() for view in finding.other_paths]),
        "remediation_edge": finding.remediation_edge,
        "remediation_rule": finding.remediation_rule,
        "remediation": finding.remediation,
        "remediation_step": finding.remediation_step,
        "remediation_share": float(finding.remediation_share),
        "remediation_cuts": finding.remediation_cuts,
        "alternative_hops": finding.alternative_hops,
        "folded_uids": finding.folded_uids,
        "folded_count": finding.folded_count,
        "techniques": finding.techniques,
        "resolved_at": finding.resolved_at,
    }


def finding_from_props(props: Mapping[str, Any]) -> Finding:
    def strings(key: str) -> list[str]:
        return [str(item) for item in props.get(key) or []]

    other = json.loads(props.get("other_paths_json") or "[]")
    alternative = props.get("alternative_hops")
    return Finding(
        id=str(props["uid"]),
        kind=str(props.get("kind") or ""),
        severity=str(props.get("severity") or "low"),
        title=str(props.get("title") or ""),
        entry_uid=str(props.get("entry_uid") or ""),
        entry_name=str(props.get("entry_name") or ""),
        target_uid=str(props.get("target_uid") or ""),
        target_name=str(props.get("target_name") or ""),
        target_label=str(props.get("target_label") or ""),
        hops=int(props.get("hops") or 0),
        path_count=int(props.get("path_count") or 0),
        path=PathView(
            strings("path_uids"),
            strings("path_names"),
            strings("path_labels"),
            strings("path_types"),
            strings("path_reasons"),
        ),
        other_paths=[PathView.from_dict(item) for item in other],
        remediation_edge=str(props.get("remediation_edge") or ""),
        remediation_rule=str(props.get("remediation_rule") or ""),
        remediation=str(props.get("remediation") or ""),
        remediation_step=int(props.get("remediation_step") or 0),
        remediation_share=float(props.get("remediation_share") or 0.0),
        remediation_cuts=bool(props.get("remediation_cuts")),
        alternative_hops=None if alternative is None else int(alternative),
        folded_uids=strings("folded_uids"),
        folded_count=int(props.get("folded_count") or 0),
        status=str(props.get("status") or "new"),
        first_seen=props.get("first_seen"),
        last_seen=props.get("last_seen"),
        resolved_at=props.get("resolved_at"),
    )


def stored_findings(store: GraphStore) -> list[Finding]:
    """Every Finding node (any status), most severe first."""
    found: list[Finding] = []
    skip = 0
    while True:
        rows = store.read(READ_FINDINGS, {"skip": skip, "page": PAGE_SIZE})
        found.extend(finding_from_props(row["props"]) for row in rows)
        if len(rows) < PAGE_SIZE:
            return sorted(found, key=sort_key)
        skip += PAGE_SIZE


def last_run_at(store: GraphStore) -> int | None:
    rows = store.read(LAST_RUN, {"run_uid": f"sync:{FINDINGS_SCOPE}"})
    return int(rows[0]["started_at"]) if rows and rows[0]["started_at"] is not None else None


def record_run(store: GraphStore, report: FindingsReport, sync: Sync | None = None) -> FindingsRun:
    """Persist a computed report as one run and say what changed since the previous run."""
    started = time.perf_counter()
    sync = sync or Sync.new(FINDINGS_SOURCE, FINDINGS_SCOPE)
    previous_run = last_run_at(store)
    previous = {finding.id: finding for finding in stored_findings(store)}
    run = FindingsRun(run_at=sync.started_ms, previous_run_at=previous_run, choke_points=report.choke_points)
    for finding in report.findings:
        before = previous.get(finding.id)
        was_open = before is not None and before.status in OPEN_STATUSES
        finding.status = "open" if was_open else "new"
        finding.resolved_at = None
        finding.first_seen = before.first_seen if before is not None else sync.started_ms
        finding.last_seen = sync.started_ms
        (run.still_open if was_open else run.new).append(finding)
    run.findings = list(report.findings)
    current = {finding.id for finding in report.findings}
    for uid, before in sorted(previous.items()):
        if uid not in current and before.status in OPEN_STATUSES:
            before.status, before.resolved_at = "resolved", sync.started_ms
            run.resolved.append(before)
    load(store, [NodeRecord("Finding", finding.id, finding_props(finding)) for finding in report.findings], [], sync)
    if run.resolved:
        store.write_batches(
            RESOLVE_FINDINGS, [{"uid": finding.id} for finding in run.resolved], {"now": sync.started_ms}
        )
    run.resolved.sort(key=sort_key)
    run.seconds = time.perf_counter() - started
    return run


def refresh_findings(store: GraphStore, graph: AttackGraph | None = None) -> FindingsRun:
    """Compute the findings of the graph as it is now and record them as a new run."""
    started = time.perf_counter()
    run = record_run(store, compute_findings(store, graph))
    run.seconds = time.perf_counter() - started
    return run


def counts_by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    return {severity: sum(1 for finding in findings if finding.severity == severity) for severity in SEVERITIES}


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("findings/read", READ_FINDINGS),
        ("findings/resolve", RESOLVE_FINDINGS),
        ("findings/last-run", LAST_RUN),
    ]
