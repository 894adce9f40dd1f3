"""What every `bridgehead` sub-command shares: the error console and "open the graph or exit 1"."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.text import Text

from graph import embedded
from graph.store import GraphError, GraphStore, open_store

err = Console(stderr=True)


def error(message: str) -> None:
    """`error: …` in red on stderr; the message is printed as text, never as Rich markup."""
    err.print(Text.assemble(("error:", "red"), " ", message))


@contextlib.contextmanager
def graph_or_exit() -> Iterator[GraphStore]:
    """The configured graph (`--graph` / BRIDGEHEAD_GRAPH), or a one-line error and exit code 1."""
    try:
        store = open_store()
    except (GraphError, embedded.EmbeddedServerError) as exc:
        error(str(exc))
        raise typer.Exit(1) from None
    try:
        yield store
    finally:
        store.close()
