"""The `bridgehead` command, end to end on a real embedded graph."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from graph import embedded
from graph.store import connected

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "graph"
    embedded.stop_server(tmp_path / "graph")


def bridgehead(data_dir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--graph", f"embedded://{data_dir}", *args])
    return result.exit_code, result.output


def test_db_start_status_stop(data_dir: Path) -> None:
    code, out = bridgehead(data_dir, "db", "status")
    assert code == 3 and "not running" in out
    code, out = bridgehead(data_dir, "db", "start")
    assert code == 0 and "started" in out
    code, out = bridgehead(data_dir, "db", "start")
    assert code == 0 and "already running" in out
    code, out = bridgehead(data_dir, "db", "status")
    assert code == 0 and "running: pid" in out
    code, out = bridgehead(data_dir, "db", "stop")
    assert code == 0 and "stopped" in out
    assert embedded.running_server(data_dir) is None


def test_unknown_graph_scheme_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--graph", "ftp://example", "summary"])
    assert result.exit_code == 2
    assert "unsupported graph URI scheme 'ftp'" in result.output


def test_missing_input_files_are_named(data_dir: Path, tmp_path: Path) -> None:
    code, out = bridgehead(data_dir, "ingest", "k8s", "--files", str(tmp_path / "nope.yaml"), "--cluster", "c")
    assert code == 2 and "nope.yaml" in out


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"containers": [{"name": "app", "image": "nginx", "securityContext": {"privileged": True}}]},
}


def test_ingest_files_then_summary_shows_what_was_loaded_and_bad_input(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "pod.json").write_text(json.dumps(POD))
    (tmp_path / "broken.yaml").write_text("kind: Pod\nmetadata: {name: [unclosed\n")
    code, out = bridgehead(data_dir, "ingest", "k8s", "--files", str(tmp_path), "--cluster", "c1")
    assert code == 0, out
    assert "k8s:c1" in out and "broken.yaml" in out
    code, out = bridgehead(data_dir, "summary")
    assert code == 0
    assert "Pod" in out and "Container" in out and "k8s:c1" in out


def test_the_ui_process_sees_what_the_cli_loaded(data_dir: Path, tmp_path: Path) -> None:
    # The CLI starts no server of its own when one runs: both share it, and a stop saves to disk.
    (tmp_path / "pod.json").write_text(json.dumps(POD))
    bridgehead(data_dir, "db", "start")
    bridgehead(data_dir, "ingest", "k8s", "--files", str(tmp_path / "pod.json"), "--cluster", "c1")
    info = embedded.running_server(data_dir)
    assert info is not None, "the CLI stopped the shared server"
    bridgehead(data_dir, "db", "stop")
    code, out = bridgehead(data_dir, "summary")
    assert code == 0
    assert "Pod" in out


def test_demo_loads_analyses_and_says_what_to_fix_first(data_dir: Path) -> None:
    code, out = bridgehead(data_dir, "demo", "--no-ui")
    assert code == 0, out
    assert "k8s:demo:" in out and "attack edges in 1 scope(s)" in out
    with connected(f"embedded://{data_dir}") as store:
        reached = store.read("MATCH (n) WHERE n.reach_internet_hops >= 1 RETURN count(n) AS n")[0]["n"]
    assert reached > 50 and f"{reached} objects reachable from the internet" in out
    assert "findings: 1 critical, 12 high" in out
    assert "critical Internet → cluster-admin (demo)" in out


def test_version(data_dir: Path) -> None:
    code, out = bridgehead(data_dir, "--version")
    assert code == 0 and out.strip() == f"bridgehead {version('bridgehead')}"
