"""Report formats: SARIF 2.1.0 against the official schema, Markdown that cannot be hijacked, JSON, the table."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
from rich.console import Console

from graph.analysis.catalogue import ATTACKS, load_catalogue
from graph.analysis.reach import compute_reach
from graph.analysis.run import analyze
from graph.findings import formats
from graph.findings.compute import Finding, PathView
from graph.findings.sarif import FINGERPRINT_KEY, build_sarif
from graph.findings.state import FindingsRun, refresh_findings
from graph.store import GraphStore
from tests.findings.conftest import fixed_demo_files, ingest_files

SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")
EVIL = "<img src=x onerror=alert(1)>"


def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    # the OASIS schema as published (errata01), not a look-alike
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def hostile_finding() -> Finding:
    load_catalogue()
    names = ["Internet", f"Pod evil/{EVIL}", "Container a|b`c`*d*", "cluster-admin (demo)"]
    return Finding(
        id="0123456789abcdef",
        kind="cluster-admin",
        severity="critical",
        title=f"Internet → {EVIL} | `rm -rf` [link](http://x)",
        entry_uid="internet",
        entry_name="Internet",
        target_uid="k8s:demo:cluster-admin",
        target_name=f"{EVIL}\nnext line",
        target_label="ClusterAdmin",
        hops=3,
        path_count=1,
        path=PathView(
            uids=["internet", "p", "c", "k8s:demo:cluster-admin"],
            names=names,
            labels=["Internet", "Pod", "Container", "ClusterAdmin"],
            types=["INTERNET_EXPOSES", "CONTROLS_CONTAINER", "HAS_SA_TOKEN"],
            reasons=[f"annotation says {EVIL}", "| col | injected |", "`code` <script>alert(1)</script>"],
        ),
        remediation_edge="HAS_SA_TOKEN",
        remediation_rule=ATTACKS["HAS_SA_TOKEN"].rule_ids[0],
        remediation=ATTACKS["HAS_SA_TOKEN"].remediation,
        remediation_step=2,
        remediation_share=1.0,
        remediation_cuts=True,
    )


def test_sarif_of_the_demo_validates_against_the_official_schema(demo: GraphStore, tmp_path: Path) -> None:
    validator = sarif_validator()
    run = refresh_findings(demo)
    log = build_sarif(run.findings)
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(error.message for error in errors[:5])
    sarif_run = log["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "Bridgehead" and log["version"] == "2.1.0"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "k8s.rbac.cluster_admin" in rule_ids
    assert all(rule["help"]["text"] and rule["helpUri"].startswith("https://") for rule in driver["rules"])
    results = sarif_run["results"]
    assert len(results) == len(run.findings)
    critical = results[0]
    assert critical["level"] == "error" and critical["ruleId"] == "k8s.rbac.cluster_admin"
    assert driver["rules"][critical["ruleIndex"]]["id"] == critical["ruleId"]
    assert critical["partialFingerprints"][FINGERPRINT_KEY] == run.findings[0].id
    assert "Internet can reach cluster-admin (demo)" in critical["message"]["text"]
    assert critical["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "k8s:demo:cluster-admin"
    flow = critical["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [step["location"]["logicalLocations"][0]["fullyQualifiedName"] for step in flow] == run.findings[0].path.uids
    assert {result["level"] for result in results} <= {"error", "warning", "note"}
    assert {result["baselineState"] for result in results} == {"new"}

    # a diff with resolved results (baselineState absent) validates too
    ingest_files(demo, fixed_demo_files(tmp_path))
    analyze(demo)
    compute_reach(demo)
    diff = refresh_findings(demo)
    assert diff.resolved
    log = build_sarif([*diff.new, *diff.still_open], diff.resolved)
    assert not list(validator.iter_errors(log))
    states = {result["baselineState"] for result in log["runs"][0]["results"]}
    assert states == {"unchanged", "absent"}


def test_sarif_validates_with_hostile_names_and_without_findings() -> None:
    validator = sarif_validator()
    assert not list(validator.iter_errors(build_sarif([hostile_finding()])))
    empty = build_sarif([])
    assert not list(validator.iter_errors(empty)) and empty["runs"][0]["results"] == []


def _run(*findings: Finding) -> FindingsRun:
    return FindingsRun(run_at=1_700_000_000_000, previous_run_at=None, findings=list(findings), new=list(findings))


def test_markdown_escapes_names_from_the_cluster() -> None:
    text = formats.findings_markdown(_run(hostile_finding()))
    assert "<img" not in text and "<script" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "[link](" not in text and "\\[link\\]" in text
    assert "`rm -rf`" not in text and "\\`rm \\-rf\\`" not in text and "\\`rm -rf\\`" in text
    summary_rows = [line for line in text.splitlines() if line.startswith("| critical")]
    assert len(summary_rows) == 1
    unescaped_pipes = summary_rows[0].replace("\\|", "").count("|")
    assert unescaped_pipes == 6, summary_rows[0]  # five cells: an injected `|` did not add a column
    assert "next line" in text and "\nnext line" not in text
    assert "← fix here" in text and ATTACKS["HAS_SA_TOKEN"].remediation in text
    diff = formats.diff_markdown(_run(hostile_finding()))
    assert "<img" not in diff and "## New (1)" in diff


def test_md_escape() -> None:
    assert formats.md_escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert formats.md_escape("x|y`z`*w*_[u](v)") == "x\\|y\\`z\\`\\*w\\*\\_\\[u\\](v)"
    assert formats.md_escape("line\nbreak") == "line break"


def test_table_shows_names_literally() -> None:
    finding = hostile_finding()
    finding.title = "[bold red]not markup[/] " + EVIL
    buffer = io.StringIO()
    Console(file=buffer, width=300, color_system=None).print(formats.findings_table(_run(finding)))
    out = buffer.getvalue()
    assert "[bold red]not markup[/]" in out and EVIL in out


def test_json_report_shape(demo: GraphStore) -> None:
    run = refresh_findings(demo)
    document = json.loads(formats.findings_json(run))
    assert document["bridgehead_findings"] == 1 and document["run_at"] == run.run_at
    assert document["summary"]["critical"] == 1 and document["summary"]["new"] == len(run.findings)
    first = document["findings"][0]
    assert first["severity"] == "critical" and first["status"] == "new"
    assert first["path"]["nodes"][0]["uid"] == "internet" and len(first["path"]["edges"]) == first["hops"]
    assert first["remediation"]["edge"] == "IS_CLUSTER_ADMIN" and first["remediation"]["text"]
    assert document["choke_points"] and {"kind", "key", "score", "cuts"} <= set(document["choke_points"][0])
    diff = json.loads(formats.diff_json(run))
    assert len(diff["new"]) == len(run.findings) and diff["resolved"] == []
