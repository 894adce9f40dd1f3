"""Rows for the pages' tables: driver objects made plain, query results drawn as a graph, a canned query's
parameters from its form, attack paths and their steps, findings, choke points and severities."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from graph.analysis.catalogue import ATTACKS, INTERNET_UID
from graph.findings.compute import SEVERITIES, ChokePoint, Finding
from graph.findings.state import counts_by_severity
from graph.paths import AttackPath, RefError, resolve_ref
from graph.planes import parse_uid
from graph.schema import NODE_KINDS, ref_kinds
from graph.store import GraphStore
from graph.ui.common import NodeRef, short_uid
from graph.ui.layout import NODE_CAP, GraphView, edge_id, graph_view
from queries.library import CannedQuery, ParamError

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
    """A REF (`sa:ci/deployer`, an anchor's word such as `cluster-admin`), not a uid typed as it is."""
    if value == INTERNET_UID or parse_uid(value) is not None:
        return False
    kind = ref_kinds().get(value.partition(":")[0].lower())
    return kind is not None and (":" in value or kind.anchor)


# ------------------------------------------------------------------------------------------- paths


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


# ---------------------------------------------------------------------------------------- findings


FINDING_STATUSES = ("new", "open", "resolved")
FINDING_PLANES = ("k8s", "aws", "gcp")  # what the findings page offers to filter on


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
            "first seen": format_when(finding.first_seen),
            "last seen": format_when(finding.last_seen),
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
    return [{"severity": severity, "findings": counts.get(severity, 0)} for severity in SEVERITIES]


def format_when(epoch_ms: int | None) -> str:
    """`2026-01-31 12:05 UTC`, or blank when never."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch_ms / 1000)) if epoch_ms else ""
