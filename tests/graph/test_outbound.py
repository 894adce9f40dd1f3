"""No read may make the database fetch from outside the graph: LOAD CSV and APOC are refused before they are
sent, proved with a loopback listener that must see no connection (before the refusal, FalkorDB connected)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from graph.store import GraphStore, OutboundRefused, ReadOnlyViolation, refuse_outbound


@contextlib.contextmanager
def listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP listener on 127.0.0.1 recording every connection it accepts while the block runs (and a moment after)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = server.accept()
            except TimeoutError:
                continue
            connections.append(f"{address[0]}:{address[1]}")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], connections
        stop.wait(1.0)  # a fetch the database started late still arrives
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def test_load_csv_is_refused_and_nothing_connects(store: GraphStore) -> None:
    with listener() as (port, connections):
        for query in (
            f"LOAD CSV FROM 'https://127.0.0.1:{port}/x.csv' AS row RETURN row",  # FalkorDB fetches https URLs
            f"load csv with headers from 'https://127.0.0.1:{port}/x.csv' as row return row",
            "LOAD/* hidden */CSV FROM $url AS row RETURN row",
        ):
            with pytest.raises(OutboundRefused, match="LOAD CSV would make the database fetch"):
                store.read(query, {"url": f"https://127.0.0.1:{port}/y.csv"})
    assert connections == []


def test_the_listener_does_see_a_connection() -> None:
    # The check above could not fail if the listener saw nothing anyway.
    with listener() as (port, connections):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert len(connections) == 1


@pytest.mark.parametrize(
    "query",
    [
        "CALL apoc.load.json('http://127.0.0.1:1/x') YIELD value RETURN value",
        "CALL `apoc`.`load`.json('http://127.0.0.1:1/x') YIELD value RETURN value",
        "RETURN apoc.util.md5(['x']) AS h",
        "CALL apoc.cypher.run('LOAD CSV FROM \"http://127.0.0.1:1\" AS r RETURN r', {}) YIELD value RETURN value",
    ],
)
def test_apoc_is_refused(query: str) -> None:
    with pytest.raises(OutboundRefused, match="APOC"):
        refuse_outbound(query)


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) WHERE n.name = 'LOAD CSV' RETURN n",
        'MATCH (n) WHERE n.name = "apoc.load.json" RETURN n',
        "MATCH (n) // LOAD CSV FROM somewhere\nRETURN n",
        "MATCH (n:Apocalypse) RETURN n.loadCsv AS x",
    ],
)
def test_look_alikes_pass(query: str) -> None:
    assert refuse_outbound(query) == query


def test_refusal_is_a_read_only_violation() -> None:
    # Callers that already handle "the read-only path refused this" handle it too.
    assert issubclass(OutboundRefused, ReadOnlyViolation)
