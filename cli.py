"""The `bridgehead` command: the same jobs as the UI, from scripts and CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from graph import embedded
from graph.analysis.catalogue import load_catalogue
from graph.analysis.docs import render_attack_docs
from graph.analysis.run import AnalysisReport
from graph.analysis.run import analyze as run_analysis
from graph.cli_common import err, error, graph_or_exit
from graph.config import GRAPH_ENV, ConfigError, resolve_graph
from graph.export import export_graph
from graph.findings.commands import findings_app, mark_app
from graph.findings.compute import SEVERITIES, FindingsReport, compute_findings, sort_key
from graph.opengraph import export_opengraph
from graph.paths import DEFAULT_MAX_HOPS, MAX_HOPS_LIMIT, RefError, paths_via, resolve_ref
from graph.store import GraphError, GraphStore
from graph.summary import GraphSummary, summarize
from ingest.k8s.live import KubeConnectionError, collect_live, current_context, list_contexts, load_client
from ingest.k8s.snapshot import K8sSnapshot
from ingest.pipeline import IngestResult, ingest_demo, ingest_snapshot
from ingest.sources import source_named
from queries.commands import query_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Attack paths across Kubernetes and cloud IAM.")
db_app = typer.Typer(no_args_is_help=True, help="The embedded graph server (FalkorDB in your data dir).")
ingest_app = typer.Typer(no_args_is_help=True, help="Load a source into the graph (live API or offline files).")
collect_app = typer.Typer(no_args_is_help=True, help="Save a snapshot of a source to a directory, for later ingest.")
app.add_typer(db_app, name="db")
app.add_typer(ingest_app, name="ingest")
app.add_typer(collect_app, name="collect")
app.add_typer(query_app, name="query")
app.add_typer(findings_app, name="findings")
app.add_typer(mark_app, name="mark")

console = Console()

UI_HOST = "127.0.0.1"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"bridgehead {version('bridgehead')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    graph: Annotated[
        str | None,
        typer.Option(
            "--graph",
            envvar=GRAPH_ENV,
            help="Graph URI: embedded (default), embedded:///DIR, bolt://…, redis://…",
        ),
    ] = None,
) -> None:
    if graph:
        os.environ[GRAPH_ENV] = graph  # the UI started from here must see the same graph
    try:
        resolve_graph(graph)
    except ConfigError as exc:
        error(str(exc))
        raise typer.Exit(2) from None


def _embedded_dir() -> Path:
    target = resolve_graph()
    if target.backend != "embedded" or target.data_dir is None:
        error(f"`bridgehead db` manages the embedded graph; the configured graph is {target.describe()}")
        raise typer.Exit(2)
    return target.data_dir


@db_app.command("start")
def db_start() -> None:
    """Start the embedded graph server and leave it running (the UI and the CLI share it)."""
    data_dir = _embedded_dir()
    info = embedded.running_server(data_dir)
    if info:
        console.print(f"already running: pid {info.pid}, data dir {data_dir}")
        return
    try:
        info = embedded.start_server(data_dir)
    except embedded.EmbeddedServerError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    console.print(f"started: pid {info.pid}, data dir {data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Save the graph to disk and stop the embedded server."""
    data_dir = _embedded_dir()
    console.print("stopped" if embedded.stop_server(data_dir) else f"not running (data dir {data_dir})")


@db_app.command("status")
def db_status() -> None:
    """Is the embedded server running, and what does the graph hold?"""
    data_dir = _embedded_dir()
    info = embedded.running_server(data_dir)
    rdb = data_dir / embedded.RDB_FILE
    saved = f"{rdb.stat().st_size / 1e6:.1f} MB saved" if rdb.exists() else "nothing saved yet"
    if info is None:
        console.print(f"not running; data dir {data_dir} ({saved})")
        raise typer.Exit(3)
    console.print(f"running: pid {info.pid}, socket {info.socket}, data dir {data_dir} ({saved})")


@db_app.command("wipe")
def db_wipe(yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False) -> None:
    """Delete every node and edge of the configured graph."""
    if not yes and not typer.confirm(f"Delete everything in {resolve_graph().describe()}?"):
        raise typer.Exit(1)
    with graph_or_exit() as store:
        store.wipe()
    console.print("graph wiped")


def print_summary(summary: GraphSummary) -> None:
    if not summary.total_nodes:
        console.print("The graph is empty. Load something: `bridgehead ingest k8s --files DIR --cluster NAME`.")
        return
    kinds = Table(title=f"Graph: {summary.total_nodes} nodes, {summary.total_edges} edges", show_lines=False)
    kinds.add_column("plane")
    kinds.add_column("kind")
    kinds.add_column("nodes", justify="right")
    from graph.schema import NODE_KINDS

    for label, count in sorted(summary.nodes_by_kind.items(), key=lambda item: (NODE_KINDS[item[0]].plane, item[0])):
        kinds.add_row(NODE_KINDS[label].plane, label, str(count))
    console.print(kinds)
    if summary.edges_by_type:
        console.print(
            "edges: " + ", ".join(f"{edge_type} {count}" for edge_type, count in sorted(summary.edges_by_type.items()))
        )
    now = time.time() * 1000
    for sync in summary.syncs:
        age_min = (now - sync.finished_at) / 60_000
        console.print(f"[bold]{escape(sync.scope)}[/]: collected {age_min:.0f} min ago")
        for gap in sync.gaps:
            console.print(f"  [yellow]not visible:[/] {escape(gap)}")


@app.command()
def summary() -> None:
    """Counts per plane and kind, the collections loaded and what they could not see."""
    with graph_or_exit() as store:
        print_summary(summarize(store))


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port for the UI (bound to 127.0.0.1).")] = 8501,
    host: Annotated[
        str, typer.Option(help="Address to bind; keep 127.0.0.1 unless you know who can reach it.")
    ] = UI_HOST,
) -> None:
    """Start the Streamlit UI on the configured graph."""
    target = resolve_graph()
    if target.backend == "embedded" and target.data_dir is not None:
        try:
            embedded.ensure_server(target.data_dir)  # long-running: the UI and later CLI runs share it
        except embedded.EmbeddedServerError as exc:
            error(str(exc))
            raise typer.Exit(1) from None
    app_path = Path(__file__).resolve().parent / "app.py"
    console.print(f"UI on http://{host}:{port}  (Ctrl-C to stop)")
    command = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    raise typer.Exit(subprocess.call(command))


def print_ingest(result: IngestResult) -> None:
    console.print(f"[bold]{escape(result.scope)}[/]: {result.node_count} nodes, {result.edge_count} edges loaded")
    deleted = sum(result.report.deleted_nodes.values())
    if deleted:
        console.print(f"  removed {deleted} objects no longer present")
    for gap in result.gaps:
        console.print(f"  [yellow]not visible:[/] {escape(gap)} (earlier data of that kind is kept)")
    for link, count in result.report.missing_endpoints.items():
        console.print(f"  [yellow]{count} {link} edge(s) point at objects that are not in the graph[/]")
    for problem in result.problems:
        err.print(Text.assemble(("  skipped:", "red"), " ", str(problem)))


@ingest_app.command("k8s")
def ingest_k8s(
    files: Annotated[
        list[Path] | None,
        typer.Option("--files", help="Offline files or directories (YAML, JSON, kind: List)."),
    ] = None,
    cluster: Annotated[str | None, typer.Option(help="Cluster name (the scope of its objects).")] = None,
    context: Annotated[str | None, typer.Option(help="kubeconfig context (default: the current one).")] = None,
    all_contexts: Annotated[bool, typer.Option("--all-contexts", help="Every context in the kubeconfig.")] = False,
    in_cluster: Annotated[bool, typer.Option("--in-cluster", help="Use the pod's service account.")] = False,
) -> None:
    """Load a Kubernetes cluster: live through the API, or from `kubectl get -o json` / manifest files."""
    source = source_named("k8s")
    snapshots = _k8s_snapshots(files, cluster, context, all_contexts, in_cluster)
    with graph_or_exit() as store:
        for snapshot in snapshots:
            with console.status(Text(f"{snapshot.cluster}: transforming and loading")):
                result = ingest_snapshot(store, source, snapshot)
            print_ingest(result)


@collect_app.command("k8s")
def collect_k8s(
    out: Annotated[Path, typer.Option("--out", help="Directory for the snapshot (read back by --files).")],
    cluster: Annotated[str | None, typer.Option(help="Cluster name (default: the context name).")] = None,
    context: Annotated[str | None, typer.Option(help="kubeconfig context (default: the current one).")] = None,
    in_cluster: Annotated[bool, typer.Option("--in-cluster", help="Use the pod's service account.")] = False,
) -> None:
    """Save a redacted snapshot of a live cluster (no secret values) for a later `ingest k8s --files`."""
    source = source_named("k8s")
    (snapshot,) = _k8s_snapshots(None, cluster, context, False, in_cluster)
    written = source.write_snapshot(snapshot, out)
    console.print(f"wrote {len(written)} files to {out}")
    for gap in source.gaps(snapshot):
        console.print(f"  [yellow]not visible:[/] {escape(gap)}")


def _k8s_snapshots(
    files: list[Path] | None, cluster: str | None, context: str | None, all_contexts: bool, in_cluster: bool
) -> list[K8sSnapshot]:
    if files:
        missing = [str(path) for path in files if not path.exists()]
        if missing:
            error(f"no such file or directory: {', '.join(missing)}")
            raise typer.Exit(2)
        return [source_named("k8s").read_files(files, cluster or "")]
    if in_cluster:
        targets: list[str | None] = [None]
    elif all_contexts:
        targets = list(list_contexts())
    else:
        targets = [context or current_context()]
    if not targets or (targets == [None] and not in_cluster):
        error("no kubeconfig context found; pass --files DIR, --context NAME or --in-cluster")
        raise typer.Exit(2)
    snapshots = []
    for target in targets:
        name = cluster if cluster and len(targets) == 1 else (target or "in-cluster")
        try:
            client = load_client(target, in_cluster=in_cluster)
            snapshots.append(collect_live(client, name, progress=console.is_terminal))
        except KubeConnectionError as exc:
            error(f"{name}: {exc}")
            raise typer.Exit(1) from None
    return snapshots


@app.command()
def demo(
    no_ui: Annotated[bool, typer.Option("--no-ui", help="Load and summarise only; do not start the UI.")] = False,
    port: Annotated[int, typer.Option(help="Port for the UI (bound to 127.0.0.1).")] = 8501,
) -> None:
    """Load the bundled demo environment into the embedded graph, summarise it and open the UI."""
    target = resolve_graph()
    if target.backend == "embedded" and target.data_dir is not None and not no_ui:
        embedded.ensure_server(target.data_dir)  # keep it running for the UI
    with graph_or_exit() as store:
        for result in ingest_demo(store):
            print_ingest(result)
        analysis = analyse(store)
        print_analysis(analysis)
        print_summary(summarize(store))
        print_findings_headline(compute_findings(store, analysis.reach.graph if analysis.reach else None))
    if not no_ui:
        ui(port=port, host=UI_HOST)


attacks_app = typer.Typer(no_args_is_help=True, help="The attack catalogue: what each attack edge means.")
app.add_typer(attacks_app, name="attacks")


def print_findings_headline(report: FindingsReport, top: int = 3) -> None:
    """How many findings per severity and the most severe few: what to look at first."""
    if not report.findings:
        console.print("findings: none (no entry point reaches a crown jewel)")
        return
    counts = Counter(finding.severity for finding in report.findings)
    console.print(
        "[bold]findings:[/] "
        + ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES if counts[severity])
        + "  (`bridgehead findings` shows each with its fix)"
    )
    for finding in sorted(report.findings, key=sort_key)[:top]:
        console.print(Text(f"  {finding.severity:8} {finding.title}"))


def analyse(store: GraphStore) -> AnalysisReport:
    """The analysis, with what it is doing on a status line (on a terminal; nothing in logs)."""
    with console.status("analysis") as status:
        return run_analysis(store, progress=lambda what: status.update(f"analysis: {what}"))


def print_analysis(report: AnalysisReport) -> None:
    console.print(
        f"analysis: {report.total_edges} attack edges in {len(report.scopes)} scope(s) "
        f"({report.seconds:.1f}s; {report.deleted_edges} no longer found)"
    )
    for edge_type, count in sorted(report.edges_by_type.items(), key=lambda item: -item[1]):
        console.print(f"  {edge_type:32} {count}")
    if report.reach:
        marked = report.reach.marked
        console.print(
            f"reachability: {max(marked.get('reach_internet_hops', 0) - 1, 0)} objects reachable from the internet, "
            f"{marked.get('reaches_cluster_admin_hops', 0)} can reach cluster-admin "
            f"({report.reach.seconds:.1f}s)"
        )


@app.command()
def analyze() -> None:
    """Derive attack edges from what is loaded (re-running replaces the previous analysis)."""
    with graph_or_exit() as store:
        print_analysis(analyse(store))


@attacks_app.command("list")
def attacks_list() -> None:
    """Every attack-edge type, with its MITRE technique."""
    table = Table()
    for column in ("edge", "tactic", "from → to", "MITRE", "what"):
        table.add_column(column)
    for attack in sorted(load_catalogue().values(), key=lambda item: (item.plane, item.tactic, item.name)):
        table.add_row(attack.name, attack.tactic, f"{attack.source} → {attack.target}", attack.mitre, attack.title)
    console.print(table)


@attacks_app.command("show")
def attacks_show(edge: Annotated[str, typer.Argument(help="Attack-edge type, e.g. CE_PRIVILEGED.")]) -> None:
    """What an attack edge means, how it is abused, how to fix it, references."""
    attack = load_catalogue().get(edge.upper())
    if attack is None:
        error(f"no attack edge {edge!r}; `bridgehead attacks list` shows them all")
        raise typer.Exit(2)
    console.print(f"[bold]{attack.name}[/]: {attack.title}", highlight=False)
    console.print(
        f"{attack.source} → {attack.target}   {attack.tactic}   rules {', '.join(attack.rule_ids)}   "
        f"MITRE ATT&CK {attack.mitre}",
        highlight=False,
    )
    for heading, text in (
        ("Meaning", attack.meaning), ("Abuse", attack.abuse), ("Opsec", attack.opsec), ("Remediation", attack.remediation),
    ):  # fmt: skip
        console.print(f"\n[bold]{heading}[/]\n{text}", highlight=False)
    console.print("\n[bold]References[/]")
    for reference in attack.references:
        console.print(f"- {reference}", highlight=False, soft_wrap=True)


@attacks_app.command("docs")
def attacks_docs() -> None:
    """Print the catalogue as Markdown (the source of docs/attacks.md)."""
    sys.stdout.write(render_attack_docs())


@app.command()
def export(
    format: Annotated[
        str, typer.Option("--format", help="json (docs/export.md) or opengraph (BloodHound OpenGraph).")
    ] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """Every node and attack edge, as Bridgehead JSON or BloodHound OpenGraph JSON."""
    exporters = {"json": export_graph, "opengraph": export_opengraph}
    if format not in exporters:
        error(f"unsupported export format {format!r}; use json or opengraph")
        raise typer.Exit(2)
    with graph_or_exit() as store:
        text = json.dumps(exporters[format](store), indent=1, sort_keys=True) + "\n"
    if out:
        out.write_text(text)
        console.print(f"wrote {out}")
    else:
        sys.stdout.write(text)


@app.command()
def paths(
    source: Annotated[str, typer.Option("--from", help="Start: internet, pod:NS/NAME, sa:NS/NAME, node:NAME, …")],
    target: Annotated[str, typer.Option("--to", help="End: cluster-admin, secret:NS/NAME, node:NAME, …")],
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=MAX_HOPS_LIMIT)] = DEFAULT_MAX_HOPS,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many paths of the shortest length.")] = 10,
    via: Annotated[
        list[str] | None, typer.Option("--via", help="Pass through this object (repeatable, in order).")
    ] = None,
) -> None:
    """The shortest attack paths between two objects (optionally through waypoints)."""
    with graph_or_exit() as store:
        try:
            waypoints = [resolve_ref(store, ref) for ref in [source, *(via or []), target]]
            found = paths_via(store, waypoints, max_hops=max_hops, limit=limit)
        except (RefError, GraphError) as exc:
            error(str(exc))
            raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps([path.as_dict() for path in found], indent=1) + "\n")
    elif not found:
        console.print(f"no attack path from {source} to {target} within {max_hops} hops", markup=False)
    for number, path in enumerate([] if as_json else found, start=1):
        console.print(f"[bold]path {number}[/] ({path.hops} hops)", highlight=False)
        console.print(f"  {path.labels[0]} {path.uids[0]}", highlight=False, markup=False)
        for edge_type, reason, label, uid in zip(
            path.edge_types, path.reasons, path.labels[1:], path.uids[1:], strict=True
        ):
            console.print(f"   -[{edge_type}]-> {label} {uid}", highlight=False, markup=False)
            if reason:
                console.print(f"      because {reason}", highlight=False, markup=False, style="dim")
    if not found:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
