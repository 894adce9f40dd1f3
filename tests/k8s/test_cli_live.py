"""`bridgehead collect k8s` and `ingest k8s --context` through the real client against the fake API server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph import embedded

from .fake_apiserver import FakeApiServer

runner = CliRunner()


@pytest.fixture
def graph_dir(tmp_path: Path):
    yield tmp_path / "graph"
    embedded.stop_server(tmp_path / "graph")


def test_collect_then_ingest_files_and_live_ingest_with_a_forbidden_kind(
    fake_apiserver: FakeApiServer, kubeconfig: Path, graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    fake_apiserver.forbidden.add("Secret")
    graph = ["--graph", f"embedded://{graph_dir}"]

    result = runner.invoke(
        app, [*graph, "collect", "k8s", "--context", "fake-cluster", "--out", str(tmp_path / "snap")]
    )
    assert result.exit_code == 0, result.output
    assert "not visible:" in result.output and "Secret" in result.output
    assert (tmp_path / "snap" / "pods.json").exists() and not (tmp_path / "snap" / "secrets.json").exists()

    result = runner.invoke(app, [*graph, "ingest", "k8s", "--files", str(tmp_path / "snap")])
    assert result.exit_code == 0, result.output
    assert "k8s:fake-cluster" in result.output and "not visible: Secret" in result.output

    result = runner.invoke(app, [*graph, "ingest", "k8s", "--context", "fake-cluster", "--cluster", "prod"])
    assert result.exit_code == 0, result.output
    assert "k8s:prod" in result.output

    result = runner.invoke(app, [*graph, "summary"])
    assert "k8s:prod" in result.output and "k8s:fake-cluster" in result.output
    assert "not visible:" in result.output


def test_unreachable_cluster_is_a_clear_error(graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeApiServer() as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))  # the server is gone: connection refused
    result = runner.invoke(app, ["--graph", f"embedded://{graph_dir}", "ingest", "k8s", "--context", "fake-cluster"])
    assert result.exit_code == 1
    assert "error:" in result.output and "fake-cluster" in result.output
