"""`bridgehead findings ...` and `bridgehead mark ...` through Typer, on a real embedded graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from graph.config import GRAPH_ENV
from graph.findings.commands import findings_app, mark_app
from graph.store import GraphStore

runner = CliRunner()


def _app() -> typer.Typer:
    """The sub-apps mounted the way cli.py mounts them (`bridgehead findings`, `bridgehead mark`)."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    app.add_typer(findings_app, name="findings")
    app.add_typer(mark_app, name="mark")
    return app


@pytest.fixture
def cli(graph_uri: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(GRAPH_ENV, graph_uri)
    app = _app()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    return invoke


def test_fail_on_sets_the_exit_code(demo: GraphStore, cli) -> None:
    code, out = cli("findings", "--fail-on", "critical")
    assert code == 1 and "1 finding(s) at or above critical" in out
    assert "critical" in out and "IS_CLUSTER_ADMIN" in out and "Choke points" in out
    code, out = cli("findings", "--fail-on", "high")
    assert code == 1
    code, out = cli("findings")
    assert code == 0, out


def test_fail_on_passes_without_matching_findings(store: GraphStore, cli) -> None:
    code, out = cli("findings", "--fail-on", "low")
    assert code == 0 and "No attack path" in out
    code, out = cli("findings", "--format", "nope")
    assert code == 2
    code, out = cli("findings", "chokepoints")
    assert code == 0 and "No choke points" in out


def test_diff_fails_only_on_new_findings(demo: GraphStore, cli) -> None:
    code, out = cli("findings", "diff", "--fail-on", "high")
    assert code == 1 and "new" in out
    code, out = cli("findings", "diff", "--fail-on", "high", "--format", "json")
    assert code == 0, out
    document = json.loads(out)
    assert document["new"] == [] and document["resolved"] == [] and document["still_open"]


def test_formats_and_out_file(demo: GraphStore, cli, tmp_path: Path) -> None:
    for fmt, check in (
        ("json", lambda text: json.loads(text)["findings"][0]["severity"] == "critical"),
        ("sarif", lambda text: json.loads(text)["runs"][0]["tool"]["driver"]["name"] == "Bridgehead"),
        ("markdown", lambda text: text.startswith("# Bridgehead findings")),
        ("table", lambda text: "cluster-admin (demo)" in text),
    ):
        out_file = tmp_path / f"report.{fmt}"
        code, out = cli("findings", "--format", fmt, "--out", str(out_file))
        assert code == 0, out
        assert check(out_file.read_text()), fmt
    code, out = cli("findings", "--format", "sarif")
    assert code == 0 and json.loads(out)["version"] == "2.1.0"
    code, out = cli("findings", "diff", "--format", "markdown")
    assert code == 0 and "still open" in out


def test_mark_owned_then_findings_from_it(demo: GraphStore, cli) -> None:
    code, out = cli("mark", "owned", "sa:ci/ci-runner")
    assert code == 0 and "marked owned" in out
    code, out = cli("findings", "--format", "json")
    titles = [finding["title"] for finding in json.loads(out)["findings"]]
    assert "ServiceAccount ci/ci-runner → cluster-admin (demo) (from owned)" in titles
    code, out = cli("mark", "owned", "sa:ci/ci-runner", "--off")
    assert code == 0 and "no longer marked owned" in out
    code, out = cli("mark", "high-value", "configmap:kube-system/aws-auth")
    assert code == 0 and "marked high value" in out
    code, out = cli("mark", "owned", "pod:nowhere/nothing")
    assert code == 2 and "matches nothing" in out


def test_chokepoints(demo: GraphStore, cli) -> None:
    code, out = cli("findings", "chokepoints", "--limit", "3", "--format", "json")
    assert code == 0
    points = json.loads(out)
    assert len(points) == 3 and points[0]["score"] >= points[-1]["score"]
    code, out = cli("findings", "chokepoints", "--limit", "3")
    assert code == 0 and "Choke points" in out
