"""`bridgehead query list|show|run`, through the sub-app the main CLI registers."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from graph.config import GRAPH_ENV
from queries.commands import query_app
from queries.library import get_query, load_library

runner = CliRunner()
OPS_ADMIN_TOKEN = "k8s:demo:secret:kube-system/ops-admin-token"


def cli(uri: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(query_app, list(args), env={GRAPH_ENV: uri})
    return result.exit_code, result.output


def test_list_shows_every_query_and_filters(demo_uri: str) -> None:
    code, out = cli(demo_uri, "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [item["id"] for item in listed] == list(load_library())
    secret = next(item for item in listed if item["id"] == "who-can-read-secret")
    assert secret["parameters"][0] == {
        "name": "secret", "type": "str", "required": True, "default": None,
        "description": "uid of the secret, e.g. k8s:CLUSTER:secret:NAMESPACE/NAME",
    }  # fmt: skip

    code, out = cli(demo_uri, "list", "--category", "rbac", "--format", "json")
    assert code == 0 and {item["category"] for item in json.loads(out)} == {"rbac"}
    code, out = cli(demo_uri, "list", "--search", "DOCKER.SOCK", "--format", "json")
    assert code == 0 and [item["id"] for item in json.loads(out)] == ["runtime-socket-mounts"]
    code, out = cli(demo_uri, "list")
    assert code == 0 and "internet-to-cluster-admin" in out and "parameters: secret, max_hops?, limit?" in out
    code, out = cli(demo_uri, "list", "--category", "nope")
    assert code == 2 and "no category 'nope'" in out
    code, out = cli(demo_uri, "list", "--search", "zzz-nothing")
    assert code == 0 and "no query matches" in out


def test_show_prints_the_file_as_shipped() -> None:
    code, out = cli("embedded", "show", "internet-to-secrets")
    assert code == 0 and out == get_query("internet-to-secrets").text
    assert out.startswith("// id: internet-to-secrets\n")
    code, out = cli("embedded", "show", "secrets")
    assert code == 2 and "did you mean internet-to-secrets" in out


def test_run_with_params_as_json(demo_uri: str) -> None:
    code, out = cli(demo_uri, "run", "who-can-read-secret", "--param", f"secret={OPS_ADMIN_TOKEN}", "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert rows[0]["identity"] == "k8s:demo:group:system:masters" and rows[0]["hops"] == 1
    assert {row["identity"] for row in rows} >= {"k8s:demo:serviceaccount:monitoring/prometheus"}
    assert list(rows[0]) == list(get_query("who-can-read-secret").returns)


def test_run_as_csv_with_lists_as_json(demo_uri: str) -> None:
    code, out = cli(demo_uri, "run", "internet-to-cluster-admin", "--format", "csv", "--param", "max_hops=8")
    assert code == 0, out
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["target"] == "k8s:demo:cluster-admin" and row["target_namespace"] == ""
    path = json.loads(row["path_uids"])
    assert path[0] == "internet" and path[-1] == "k8s:demo:cluster-admin" and int(row["hops"]) == len(path) - 1


def test_run_as_table(demo_uri: str) -> None:
    code, out = cli(demo_uri, "run", "cluster-admin-identities")
    assert code == 0 and "k8s:demo:serviceaccount:ci/deployer" in out and "4 row(s)" in out  # + aws-auth user ci-runner
    code, out = cli(demo_uri, "run", "internet-to-cluster-admin")
    assert code == 0 and "INTERNET_EXPOSES" in out and "IS_CLUSTER_ADMIN" in out
    code, out = cli(demo_uri, "run", "internet-to-cloud-admin")
    assert code == 0 and "no rows" in out


def test_limit_sets_the_limit_parameter_and_caps_rows(demo_uri: str) -> None:
    code, out = cli(demo_uri, "run", "internet-to-secrets", "--limit", "2", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out = cli(demo_uri, "run", "coverage-gaps", "--limit", "1", "--format", "json")  # no limit parameter
    assert code == 0 and json.loads(out) == []
    code, out = cli(demo_uri, "run", "internet-to-secrets", "--limit", "2", "--param", "limit=3")
    assert code == 2 and "give the row limit once" in out


def test_run_refuses_bad_parameters(demo_uri: str) -> None:
    code, out = cli(demo_uri, "run", "who-can-read-secret")
    assert code == 2 and "needs --param secret=" in out
    code, out = cli(demo_uri, "run", "who-can-read-secret", "--param", "secret=x", "--param", "colour=red")
    assert code == 2 and "has no parameter colour" in out
    code, out = cli(demo_uri, "run", "internet-to-secrets", "--param", "max_hops=lots")
    assert code == 2 and "max_hops takes int" in out
    code, out = cli(demo_uri, "run", "internet-to-secrets", "--param", "max_hops")
    assert code == 2 and "write NAME=VALUE" in out
    code, out = cli(demo_uri, "run", "internet-to-secrets", "--format", "xml")
    assert code == 2 and "unsupported format" in out
    code, out = cli(demo_uri, "run", "no-such-query")
    assert code == 2 and "no query 'no-such-query'" in out
