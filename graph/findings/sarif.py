"""Findings as SARIF 2.1.0, for code-scanning dashboards and CI.

One run; `tool.driver.rules` are the rules (graph/analysis/catalogue.py) of the edge types on the findings'
paths (id = the rule id, help = its remediation, helpUri = its first reference). Each finding is one result:
  ruleId         the rule of the remediation step (the step whose removal breaks the most paths)
  level          error (critical, high) / warning (medium) / note (low); `properties.security-severity` too
  message        entry → jewel, the path and the fix, as plain text
  partialFingerprints  {"bridgeheadFindingId/v1": the stable finding id}
  locations      the crown jewel as a logical location (uid); relatedLocations: the entry point
  codeFlows      the attack path, one threadFlowLocation per node (uid, and the edge and reason taken)
  baselineState  new / unchanged / absent (resolved) relative to the previous run
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from graph.analysis.catalogue import ATTACKS, EdgeType, load_catalogue, remediation_for
from graph.findings.compute import Finding, PathView

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "Bridgehead"
FINGERPRINT_KEY = "bridgeheadFindingId/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
BASELINE_STATES = {"new": "new", "open": "unchanged", "resolved": "absent"}


def _tool_version() -> str:
    try:
        return metadata.version("bridgehead")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _rule(rule_id: str, attack: EdgeType) -> dict[str, Any]:
    references = "\n".join(f"- {reference}" for reference in attack.references)
    remediation = remediation_for(attack.name, [rule_id])
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": attack.name,
        "shortDescription": {"text": attack.title},
        "fullDescription": {"text": attack.meaning},
        "help": {
            "text": f"{remediation}\n\nAbuse: {attack.abuse}\n\nReferences:\n{references}",
            "markdown": f"**Remediation.** {remediation}\n\n**Abuse.** {attack.abuse}\n\n"
            f"**Opsec.** {attack.opsec}\n\n**References.**\n{references}",
        },
        "properties": {
            "tags": ["security", "attack-path", attack.mitre],
            "edge": attack.name,
            "mitre": attack.mitre,
            "tactic": attack.tactic,
        },
    }
    if attack.references:
        rule["helpUri"] = attack.references[0]
    return rule


def _logical(uid: str, name: str) -> dict[str, Any]:
    return {"name": name, "fullyQualifiedName": uid, "kind": "resource"}


def _path_text(view: PathView) -> str:
    parts = [view.names[0]]
    for edge_type, name in zip(view.types, view.names[1:], strict=True):
        parts.append(f"-[{edge_type}]-> {name}")
    return " ".join(parts)


def _code_flow(view: PathView) -> dict[str, Any]:
    locations = [{"location": {"logicalLocations": [_logical(view.uids[0], view.names[0])],
                               "message": {"text": f"entry point: {view.names[0]}"}}}]  # fmt: skip
    for uid, name, edge_type, reason in zip(view.uids[1:], view.names[1:], view.types, view.reasons, strict=True):
        text = f"{edge_type} → {name}" + (f": {reason}" if reason else "")
        locations.append({"location": {"logicalLocations": [_logical(uid, name)], "message": {"text": text}}})
    return {"message": {"text": "shortest attack path"}, "threadFlows": [{"locations": locations}]}


def _message(finding: Finding) -> str:
    text = (
        f"{finding.severity.upper()}: {finding.entry_name} can reach {finding.target_name} ({finding.kind}) in "
        f"{finding.hops} attack step(s): {_path_text(finding.path)}."
    )
    if finding.from_template:
        text += (
            f" From the pod template of {', '.join(finding.from_template)} (no running pod in the snapshot: "
            "analysed as the pods it will create)."
        )
    if finding.remediation_edge and finding.remediation_step < len(finding.path.types):
        step = finding.remediation_step
        text += (
            f" Fix step {step + 1} ({finding.path.names[step]} -[{finding.remediation_edge}]-> "
            f"{finding.path.names[step + 1]}): {finding.remediation}"
        )
    return text


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    edge = finding.remediation_edge or (finding.path.types[0] if finding.path.types else "")
    attack = ATTACKS.get(edge)
    fired = [rule for rule in finding.remediation_rule.split(", ") if rule in rule_index]
    rule_id = fired[0] if fired else (attack.rule_ids[0] if attack and attack.rule_ids else "bridgehead.finding")
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": _message(finding)},
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "locations": [{"logicalLocations": [_logical(finding.target_uid, finding.target_name)],
                       "message": {"text": f"crown jewel ({finding.kind})"}}],
        "relatedLocations": [{"id": 1, "logicalLocations": [_logical(finding.entry_uid, finding.entry_name)],
                              "message": {"text": "entry point"}}],
        "codeFlows": [_code_flow(finding.path)],
        "baselineState": BASELINE_STATES.get(finding.status, "new"),
        "properties": {
            "severity": finding.severity,
            "security-severity": SECURITY_SEVERITY.get(finding.severity, "5.0"),
            "kind": finding.kind,
            "title": finding.title,
            "status": finding.status,
            "hops": finding.hops,
            "pathCount": finding.path_count,
            "pathUids": finding.path.uids,
            "pathTypes": finding.path.types,
            "remediationStep": finding.remediation_step,
            "remediationCutsEveryPath": finding.remediation_cuts,
            "foldedCount": finding.folded_count,
            "fromTemplate": finding.from_template,
            "techniques": finding.techniques,
        },
    }  # fmt: skip
    if rule_id in rule_index:
        result["ruleIndex"] = rule_index[rule_id]
    return result


def build_sarif(findings: Sequence[Finding], resolved: Sequence[Finding] = ()) -> dict[str, Any]:
    """A SARIF 2.1.0 log: the current findings, then (for a diff) the resolved ones as `absent`."""
    load_catalogue()
    everything = [*findings, *resolved]
    used = {
        edge for finding in everything for edge in (*finding.path.types, finding.remediation_edge) if edge in ATTACKS
    }
    rules = sorted(
        (_rule(rule_id, ATTACKS[edge]) for edge in used for rule_id in ATTACKS[edge].rule_ids),
        key=lambda rule: rule["id"],
    )
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": {"name": TOOL_NAME, "semanticVersion": _tool_version(), "rules": rules}},
                "results": [_result(finding, rule_index) for finding in everything],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def sarif_text(findings: Sequence[Finding], resolved: Sequence[Finding] = ()) -> str:
    return json.dumps(build_sarif(findings, resolved), indent=1) + "\n"
