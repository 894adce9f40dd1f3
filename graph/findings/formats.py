"""Findings as a terminal table, JSON or a Markdown report (SARIF: graph/findings/sarif.py).

Object names, uids and reasons come from the cluster: an attacker who can name a pod can put Markdown,
HTML or Rich markup in them. The Markdown report escapes them (`md_escape`) and the table hands them to
Rich as plain `Text`, never as markup. Only the attack catalogue's own texts (remediation) are trusted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from graph.findings.compute import SEVERITIES, ChokePoint, Finding, PathView
from graph.findings.state import FindingsRun, counts_by_severity
from graph.paths import AttackPath

FORMAT_VERSION = 1
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan"}
STATUS_STYLE = {"new": "bold", "open": "", "resolved": "green"}
CHOKE_POINTS_SHOWN = 10
TEMPLATE_NOTE = "(no running pod in the snapshot: analysed as the pods it will create)"

_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_SPECIAL = set("\\`*_[]|~#!{}")


def md_escape(text: object) -> str:
    """Text from the graph, safe inside Markdown and inline HTML: no tags, links, code spans or table breaks."""
    out = []
    for char in " ".join(str(text).split()):  # newlines would end a list item or a table row
        if char in _MD_HTML:
            out.append(_MD_HTML[char])
        elif char in _MD_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _when(epoch_ms: int | None) -> str:
    if not epoch_ms:
        return "-"
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- JSON -----------------------------------------------------------------------------------------------


def path_dict(view: PathView) -> dict[str, Any]:
    """The same shape as `bridgehead paths --json`."""
    return AttackPath(view.uids, view.labels, view.names, view.types, view.reasons).as_dict()


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "kind": finding.kind,
        "severity": finding.severity,
        "status": finding.status,
        "title": finding.title,
        "entry": {"uid": finding.entry_uid, "name": finding.entry_name},
        "target": {"uid": finding.target_uid, "name": finding.target_name, "label": finding.target_label},
        "hops": finding.hops,
        "path_count": finding.path_count,
        "path": path_dict(finding.path),
        "other_paths": [path_dict(view) for view in finding.other_paths],
        "remediation": {
            "edge": finding.remediation_edge,
            "rule": finding.remediation_rule,
            "step": finding.remediation_step,
            "share_of_shortest_paths": round(finding.remediation_share, 4),
            "cuts_every_path": finding.remediation_cuts,
            "alternative_hops": finding.alternative_hops,
            "text": finding.remediation,
        },
        "folded": {"count": finding.folded_count, "uids": finding.folded_uids},
        "from_template": finding.from_template,
        "techniques": finding.techniques,
        "first_seen": finding.first_seen,
        "last_seen": finding.last_seen,
        "resolved_at": finding.resolved_at,
    }


def _run_header(run: FindingsRun) -> dict[str, Any]:
    return {
        "bridgehead_findings": FORMAT_VERSION,
        "generated_at": int(time.time() * 1000),
        "run_at": run.run_at,
        "previous_run_at": run.previous_run_at,
    }


def findings_json(run: FindingsRun, choke_points: int = 20) -> str:
    document = {
        **_run_header(run),
        "summary": {
            **counts_by_severity(run.findings),
            "new": len(run.new),
            "still_open": len(run.still_open),
            "resolved": len(run.resolved),
        },
        "findings": [finding_dict(finding) for finding in run.findings],
        "choke_points": [point.as_dict() for point in run.choke_points[:choke_points]],
    }
    return json.dumps(document, indent=1) + "\n"


def diff_json(run: FindingsRun) -> str:
    document = {
        **_run_header(run),
        "new": [finding_dict(finding) for finding in run.new],
        "still_open": [finding_dict(finding) for finding in run.still_open],
        "resolved": [finding_dict(finding) for finding in run.resolved],
    }
    return json.dumps(document, indent=1) + "\n"


# --- Markdown -------------------------------------------------------------------------------------------


def _md_path(view: PathView, fix_step: int | None) -> list[str]:
    lines = [f"Start: **{md_escape(view.names[0])}**", ""]
    for index, (edge_type, reason, name) in enumerate(zip(view.types, view.reasons, view.names[1:], strict=True)):
        marker = " ← fix here" if index == fix_step else ""
        lines.append(f"{index + 1}. `{edge_type}` → **{md_escape(name)}**{marker}")
        if reason:
            lines.append(f"   - because {md_escape(reason)}")
    return lines


def _md_finding(finding: Finding) -> list[str]:
    lines = [
        f"### {finding.severity.upper()}: {md_escape(finding.title)}",
        "",
        f"- id: {md_escape(finding.id)} · status: {finding.status} · kind: {finding.kind}",
        f"- entry: {md_escape(finding.entry_name)} · target: {md_escape(finding.target_name)}",
        f"- {finding.hops} hops; {finding.path_count} shortest path(s)"
        + (f"; MITRE ATT&CK {', '.join(finding.techniques)}" if finding.techniques else ""),
        f"- first seen {_when(finding.first_seen)}, last seen {_when(finding.last_seen)}"
        + (f", resolved {_when(finding.resolved_at)}" if finding.resolved_at else ""),
    ]
    if finding.folded_count:
        lines.append(f"- also reaches {finding.folded_count} more crown jewel(s) through this one")
    if finding.from_template:
        lines.append(f"- from the pod template of {md_escape(', '.join(finding.from_template))} {TEMPLATE_NOTE}")
    lines += ["", "Path:", "", *_md_path(finding.path, finding.remediation_step), ""]
    if finding.remediation_edge:
        share = f"{finding.remediation_share:.0%} of the shortest paths"
        effect = (
            "removing it leaves no path"
            if finding.remediation_cuts
            else f"another path remains ({finding.alternative_hops} hops)"
        )
        lines += [
            f"**Remediation** (step {finding.remediation_step + 1}, `{finding.remediation_edge}`: on {share}; "
            f"{effect}): {finding.remediation}",
            "",
        ]
    return lines


def _md_summary_table(findings: Sequence[Finding]) -> list[str]:
    lines = ["| severity | status | finding | hops | fix at |", "|---|---|---|---:|---|"]
    for finding in findings:
        template = f" (from template: {md_escape(', '.join(finding.from_template))})" if finding.from_template else ""
        lines.append(
            f"| {finding.severity} | {finding.status} | {md_escape(finding.title)}{template} | {finding.hops} | "
            f"`{finding.remediation_edge}` |"
        )
    return lines


def _md_choke_points(points: Sequence[ChokePoint]) -> list[str]:
    if not points:
        return []
    lines = [
        "## Choke points",
        "",
        "Steps carrying the most of the findings' shortest paths (score: sum of shares).",
        "",
    ]
    lines += ["| score | cuts | on findings | step |", "|---:|---:|---:|---|"]
    for point in points:
        lines.append(f"| {point.score:.2f} | {point.cuts} | {point.findings} | {md_escape(point.display)} |")
    return [*lines, ""]


def findings_markdown(run: FindingsRun, choke_points: int = CHOKE_POINTS_SHOWN) -> str:
    counts = counts_by_severity(run.findings)
    lines = [
        "# Bridgehead findings",
        "",
        f"Run {_when(run.run_at)}: {len(run.findings)} finding(s) — "
        + ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)
        + f"; {len(run.new)} new, {len(run.still_open)} still open, {len(run.resolved)} resolved since the previous run.",
        "",
    ]
    if run.findings:
        lines += [*_md_summary_table(run.findings), "", "## Findings", ""]
        for finding in run.findings:
            lines += _md_finding(finding)
    else:
        lines += ["No attack path from an entry point to a crown jewel.", ""]
    lines += _md_choke_points(run.choke_points[:choke_points])
    return "\n".join(lines).rstrip() + "\n"


def diff_markdown(run: FindingsRun) -> str:
    since = _when(run.previous_run_at) if run.previous_run_at else "no previous run"
    lines = [
        "# Bridgehead findings: changes",
        "",
        f"Run {_when(run.run_at)} against the previous run ({since}): {len(run.new)} new, "
        f"{len(run.still_open)} still open, {len(run.resolved)} resolved.",
        "",
    ]
    for heading, findings in (("New", run.new), ("Resolved", run.resolved), ("Still open", run.still_open)):
        lines += [f"## {heading} ({len(findings)})", ""]
        lines += [*_md_summary_table(findings), ""] if findings else ["None.", ""]
    if run.new:
        lines += ["## New findings in detail", ""]
        for finding in run.new:
            lines += _md_finding(finding)
    return "\n".join(lines).rstrip() + "\n"


# --- terminal table -------------------------------------------------------------------------------------


def _severity(severity: str) -> Text:
    return Text(severity, style=SEVERITY_STYLE.get(severity, ""))


def _findings_table(title: str, findings: Sequence[Finding]) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("hops", justify="right", no_wrap=True)
    table.add_column("finding (id)", overflow="fold")
    table.add_column("fix at step", no_wrap=True)
    for finding in findings:
        fix = f"{finding.remediation_step + 1} {finding.remediation_edge}" if finding.remediation_edge else ""
        table.add_row(
            _severity(finding.severity),
            Text(finding.status, style=STATUS_STYLE.get(finding.status, "")),
            str(finding.hops),
            Text.assemble(
                Text(finding.title),
                *(
                    ("\n", Text(f"from template: {', '.join(finding.from_template)}", style="italic"))
                    if finding.from_template
                    else ()
                ),
                "\n",
                Text(finding.id, style="dim"),
            ),
            Text(fix),
        )
    return table


def choke_table(points: Sequence[ChokePoint]) -> Table:
    table = Table(title="Choke points (share of the findings' shortest paths through each step)")
    for column in ("score", "cuts", "findings", "step"):
        table.add_column(column, justify="right" if column != "step" else "left", overflow="fold")
    for point in points:
        table.add_row(f"{point.score:.2f}", str(point.cuts), str(point.findings), Text(point.display))
    return table


def findings_table(run: FindingsRun, choke_points: int = CHOKE_POINTS_SHOWN) -> RenderableType:
    counts = counts_by_severity(run.findings)
    summary = Text(
        f"{len(run.findings)} finding(s): "
        + ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)
        + f"; {len(run.new)} new, {len(run.still_open)} still open, {len(run.resolved)} resolved since the previous run"
    )
    if not run.findings:
        return Group(summary, Text("No attack path from an entry point to a crown jewel."))
    parts: list[RenderableType] = [_findings_table("Findings", run.findings), summary]
    if run.choke_points:
        parts.append(choke_table(run.choke_points[:choke_points]))
    return Group(*parts)


def diff_table(run: FindingsRun) -> RenderableType:
    parts: list[RenderableType] = [
        Text(
            f"against the previous run ({_when(run.previous_run_at)}): {len(run.new)} new, "
            f"{len(run.still_open)} still open, {len(run.resolved)} resolved"
        )
    ]
    for heading, findings in (("New", run.new), ("Resolved", run.resolved), ("Still open", run.still_open)):
        if findings:
            parts.append(_findings_table(heading, findings))
    return Group(*parts)
