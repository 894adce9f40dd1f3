"""`bridgehead findings ...` and `bridgehead mark ...`: Typer sub-apps (cli.py registers them).

    bridgehead findings [--format table|json|sarif|markdown] [--fail-on SEVERITY] [--out FILE]
    bridgehead findings diff [--format ...] [--fail-on SEVERITY] [--out FILE]
    bridgehead findings chokepoints [--limit N] [--format table|json]
    bridgehead mark owned REF [--off]
    bridgehead mark high-value REF [--off]

`findings` and `findings diff` both record a run (graph/findings/state.py), so run one of them once per
analysis in CI. Exit codes: 0 fine; 1 `--fail-on` matched (findings: any finding at or above the severity;
diff: any NEW finding at or above it) or the graph could not be opened; 2 bad arguments.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.text import Text

from graph.cli_common import err, error, graph_or_exit
from graph.findings import formats, sarif
from graph.findings.compute import Finding, severity_at_least
from graph.findings.state import FindingsRun, refresh_findings
from graph.marks import MarkError, mark_high_value, mark_owned
from graph.paths import RefError, resolve_ref
from graph.store import GraphError

findings_app = typer.Typer(
    no_args_is_help=False,
    help="Attack paths from entry points to crown jewels, ranked, with what to fix (a run each time).",
)
mark_app = typer.Typer(no_args_is_help=True, help="Mark a node as owned (an entry point) or as high value.")

console = Console()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table, json, sarif or markdown.")]
FailOnOption = Annotated[
    Severity | None,
    typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity exists (diff: a new one)."),
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the report here instead of stdout.")]


def _refresh() -> FindingsRun:
    with graph_or_exit() as store, err.status("findings: searching attack paths"):
        try:
            return refresh_findings(store)
        except GraphError as exc:
            error(str(exc))
            raise typer.Exit(1) from None


def _render_text(renderable: RenderableType) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue()


def _emit(content: str | RenderableType, out: Path | None) -> None:
    """Machine formats are plain strings (written as they are); the table is a Rich renderable."""
    if out is not None:
        out.write_text(content if isinstance(content, str) else _render_text(content))
        err.print(Text(f"wrote {out}"))
    elif isinstance(content, str):
        sys.stdout.write(content)
    else:
        console.print(content)


def _gate(findings: Sequence[Finding], fail_on: Severity | None, what: str) -> None:
    if fail_on is None:
        return
    matching = [finding for finding in findings if severity_at_least(finding.severity, fail_on.value)]
    if matching:
        label = f"{what} finding(s)" if what else "finding(s)"
        err.print(Text(f"{len(matching)} {label} at or above {fail_on.value}", style="red"))
        raise typer.Exit(1)


@findings_app.callback(invoke_without_command=True)
def findings(
    ctx: typer.Context,
    format: FormatOption = OutputFormat.table,
    fail_on: FailOnOption = None,
    out: OutOption = None,
) -> None:
    """Findings now (entry point → crown jewel), most severe first, with status since the previous run."""
    if ctx.invoked_subcommand is not None:
        return
    run = _refresh()
    if format is OutputFormat.table:
        _emit(formats.findings_table(run), out)
    elif format is OutputFormat.json:
        _emit(formats.findings_json(run), out)
    elif format is OutputFormat.markdown:
        _emit(formats.findings_markdown(run), out)
    else:
        _emit(sarif.sarif_text(run.findings), out)
    _gate(run.findings, fail_on, "")


@findings_app.command("diff")
def findings_diff(
    format: FormatOption = OutputFormat.table,
    fail_on: FailOnOption = None,
    out: OutOption = None,
) -> None:
    """What changed since the previous run: new, still open and resolved findings."""
    run = _refresh()
    if format is OutputFormat.table:
        _emit(formats.diff_table(run), out)
    elif format is OutputFormat.json:
        _emit(formats.diff_json(run), out)
    elif format is OutputFormat.markdown:
        _emit(formats.diff_markdown(run), out)
    else:
        _emit(sarif.sarif_text([*run.new, *run.still_open], run.resolved), out)
    _gate(run.new, fail_on, "new")


@findings_app.command("chokepoints")
def findings_chokepoints(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many to show.")] = 20,
    format: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
) -> None:
    """The attack steps and nodes whose removal cuts the most entry → crown-jewel paths."""
    if format not in (OutputFormat.table, OutputFormat.json):
        error("chokepoints prints table or json")
        raise typer.Exit(2)
    run = _refresh()
    points = run.choke_points[:limit]
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps([point.as_dict() for point in points], indent=1) + "\n")
        return
    if not points:
        console.print("No choke points: no attack path from an entry point to a crown jewel.")
        return
    console.print(formats.choke_table(points))
    for point in points:
        if point.kind == "edge" and point.remediation:
            console.print(Text(f"{point.edge_type}: {point.remediation}", style="dim"))


def _mark(ref: str, owned: bool, off: bool) -> None:
    with graph_or_exit() as store:
        try:
            target = resolve_ref(store, ref)
            result = (mark_owned if owned else mark_high_value)(store, target.uid, on=not off)
        except (RefError, MarkError, GraphError) as exc:
            error(str(exc))
            raise typer.Exit(2) from None
    what = "owned" if owned else "high value"
    console.print(Text(f"{result.label} {result.uid}: {'no longer ' if off else ''}marked {what}"))
    reach = result.reach
    marked = ", ".join(f"{mark} {count}" for mark, count in reach.marked.items() if count)
    console.print(Text(f"reachability recomputed in {reach.seconds:.1f}s: {marked or 'no marks'}", style="dim"))


@mark_app.command("owned")
def mark_owned_command(
    ref: Annotated[str, typer.Argument(help="pod:NS/NAME, sa:NS/NAME, node:NAME, … or a uid.")],
    off: Annotated[bool, typer.Option("--off", help="Remove the mark.")] = False,
) -> None:
    """Mark a node as owned (compromised): findings and path marks start from it too."""
    _mark(ref, owned=True, off=off)


@mark_app.command("high-value")
def mark_high_value_command(
    ref: Annotated[str, typer.Argument(help="pod:NS/NAME, sa:NS/NAME, secret:NS/NAME, … or a uid.")],
    off: Annotated[bool, typer.Option("--off", help="Remove the mark.")] = False,
) -> None:
    """Mark a node as a crown jewel (HighValue): findings and path marks lead to it too."""
    _mark(ref, owned=False, off=off)
