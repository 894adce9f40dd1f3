"""`bridgehead query list|show|run`: the canned query library from the command line.

A Typer sub-app; cli.py registers it (`app.add_typer(query_app, name="query")`). The graph is the one the
main app's `--graph` / BRIDGEHEAD_GRAPH names.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from graph.cli_common import error, graph_or_exit
from graph.store import GraphError
from queries.library import (
    CATEGORIES,
    DEFAULT_TIMEOUT_MS,
    CannedQuery,
    QueryError,
    QueryResult,
    get_query,
    load_library,
    parse_assignments,
    run_query,
    search_queries,
)

query_app = typer.Typer(no_args_is_help=True, help="Canned risk queries (queries/*.cypher): list, show, run.")

console = Console()

FORMATS = ("table", "json", "csv")
MAX_TABLE_COLUMNS = 5


def _fail(message: str, code: int = 2) -> typer.Exit:
    error(message)
    return typer.Exit(code)


def _library() -> dict[str, CannedQuery]:
    try:
        return load_library()
    except QueryError as exc:
        raise _fail(str(exc), 1) from None


def _query(query_id: str) -> CannedQuery:
    try:
        return get_query(query_id)
    except QueryError as exc:
        raise _fail(str(exc)) from None


@query_app.command("list")
def query_list(
    category: Annotated[
        str | None, typer.Option("--category", help=f"Only this category: {', '.join(CATEGORIES)}.")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Only queries mentioning this text.")] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The canned queries: id, category, severity, title and parameters."""
    if format not in ("table", "json"):
        raise _fail(f"unsupported format {format!r}; use table or json")
    try:
        found = search_queries(_library().values(), category, search)
    except QueryError as exc:
        raise _fail(str(exc)) from None
    if format == "json":
        sys.stdout.write(json.dumps([_query_summary(query) for query in found], indent=1) + "\n")
        return
    if not found:
        console.print("no query matches")
        return
    width = max(len(query.id) for query in found)
    for category in CATEGORIES:
        members = [query for query in found if query.category == category]
        if not members:
            continue
        console.print(f"[bold]{category}[/]: {escape(CATEGORIES[category])}", highlight=False)
        for query in members:
            console.print(
                f"  {query.id:<{width}}  {query.severity:<8}  {escape(query.title)}", highlight=False, soft_wrap=True
            )
            if query.parameters:
                params = ", ".join(param.name + ("" if param.required else "?") for param in query.parameters)
                console.print(
                    f"  {'':<{width}}  {'':<8}  [dim]parameters: {params}[/]", highlight=False, soft_wrap=True
                )


def _query_summary(query: CannedQuery) -> dict[str, Any]:
    return {
        "id": query.id,
        "title": query.title,
        "category": query.category,
        "severity": query.severity,
        "description": query.description,
        "parameters": [
            {
                "name": param.name,
                "type": param.type,
                "required": param.required,
                "default": param.default,
                "description": param.description,
            }
            for param in query.parameters
        ],
        "returns": list(query.returns),
        "mitre": list(query.mitre),
        "path": str(query.path),
    }


@query_app.command("show")
def query_show(query_id: Annotated[str, typer.Argument(help="Query id, e.g. internet-to-secrets.")]) -> None:
    """Print the query file as shipped: its header and the Cypher, ready to paste into Neo4j Browser."""
    sys.stdout.write(_query(query_id).text)


@query_app.command("run")
def query_run(
    query_id: Annotated[str, typer.Argument(help="Query id, e.g. internet-to-secrets.")],
    param: Annotated[list[str] | None, typer.Option("--param", help="A parameter as NAME=VALUE (repeatable).")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="At most this many rows (also sets the query's `limit` parameter)."),
    ] = None,
    timeout_ms: Annotated[int, typer.Option("--timeout-ms", min=1, help="Give up after this long.")] = (
        DEFAULT_TIMEOUT_MS
    ),
) -> None:
    """Run a canned query read-only and print its rows."""
    if format not in FORMATS:
        raise _fail(f"unsupported format {format!r}; use {', '.join(FORMATS)}")
    query = _query(query_id)
    try:
        params: dict[str, Any] = dict(parse_assignments(param or []))
    except QueryError as exc:
        raise _fail(str(exc)) from None
    if limit is not None and query.param("limit") is not None:
        if "limit" in params:
            raise _fail("give the row limit once: --limit N or --param limit=N")
        params["limit"] = limit
    with graph_or_exit() as store:
        try:
            result = run_query(store, query, params, timeout_ms=timeout_ms)
        except QueryError as exc:
            raise _fail(str(exc)) from None
        except GraphError as exc:
            raise _fail(f"query {query.id} failed: {exc}", 1) from None
    if limit is not None:
        result.rows = result.rows[:limit]
    if format == "json":
        sys.stdout.write(json.dumps(result.rows, indent=1, default=str) + "\n")
    elif format == "csv":
        sys.stdout.write(to_csv(result))
    else:
        print_table(result)


def to_csv(result: QueryResult) -> str:
    """One header line, one line per row; lists as JSON arrays, nulls empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_cell(row.get(column)) for column in result.columns])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return json.dumps(list(value), default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        separator = "\n" if column in ("path_uids", "path_kinds", "edge_types", "reasons") else ", "
        return separator.join("" if item is None else str(item) for item in value)
    return str(value)


def print_table(result: QueryResult) -> None:
    """A table for a few scalar columns; a field/value block per row for wide rows and rows with lists (paths)."""
    query = result.query
    console.print(f"[bold]{escape(query.title)}[/] ({query.id}, {query.severity})", highlight=False)
    if not result.rows:
        console.print("no rows", highlight=False)
        return
    wide = len(result.columns) > MAX_TABLE_COLUMNS
    if wide or any(isinstance(row.get(column), list | tuple) for row in result.rows for column in result.columns):
        for number, row in enumerate(result.rows, start=1):
            block = Table(show_header=False, title=f"row {number}", title_justify="left", show_lines=True)
            block.add_column("field", style="bold", no_wrap=True)
            block.add_column("value", overflow="fold")
            for column in result.columns:
                block.add_row(Text(column), Text(_table_cell(column, row.get(column))))
            console.print(block, highlight=False)
    else:
        table = Table()
        for column in result.columns:
            table.add_column(column, overflow="fold")
        for row in result.rows:
            table.add_row(*(Text(_table_cell(column, row.get(column))) for column in result.columns))
        console.print(table, highlight=False)
    console.print(f"{len(result.rows)} row(s) in {result.elapsed_ms:.0f} ms", style="dim", highlight=False)
