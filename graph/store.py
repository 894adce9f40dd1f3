"""The graph store: the only code that talks to a database.

One small interface (`GraphStore`) over two dialects. Callers pass Cypher that follows CYPHER.md and get
rows back as plain dicts of scalars and lists. Read-only queries are enforced by the database itself:
GRAPH.RO_QUERY on FalkorDB, a READ-mode transaction on Neo4j. A read that would make the database fetch
from outside the graph (LOAD CSV, APOC) is refused before it is sent (`refuse_outbound`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from graph import embedded
from graph.config import GRAPH_NAME, GraphTarget, resolve_graph
from graph.schema import ENTITY, NODE_KINDS

Row = dict[str, Any]

DEFAULT_BATCH_SIZE = 5_000


class GraphError(RuntimeError):
    """A query failed; the message says which statement and why."""


class ReadOnlyViolation(GraphError):
    """A write was sent through the read-only path and the database refused it."""


class OutboundRefused(ReadOnlyViolation):
    """A read that would make the database fetch from outside the graph (LOAD CSV, APOC): never sent."""


# No query Bridgehead runs may make the database fetch anything from outside. `LOAD CSV FROM 'https://…'`
# (or `file:///…`) makes Neo4j and FalkorDB open the URL themselves, in a read-only transaction too: read-only
# only stops writes to the graph. APOC procedures and functions (Neo4j) fetch URLs, files and other databases
# (`apoc.load.*`, `apoc.import.*`, `apoc.util.*`), and `apoc.cypher.*` / `apoc.periodic.*` run any Cypher
# given as a string. Bridgehead's own statements use none of these, so every read refuses them before it
# reaches the database: the Cypher console, `bridgehead query` and the UI alike. String literals and comments
# are ignored (a name that says "LOAD CSV" is fine), and so are backticks (`` `apoc`.`load`.json `` is caught).
_LITERALS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|/\*.*?\*/", re.DOTALL)
_OUTBOUND = (
    (re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE), "LOAD CSV"),
    (re.compile(r"\bapoc\s*\.", re.IGNORECASE), "APOC procedures and functions"),
)


def refuse_outbound(cypher: str) -> str:
    """`cypher` unchanged, or OutboundRefused naming the construct when it could fetch from outside the graph."""
    code = _LITERALS_AND_COMMENTS.sub(" ", cypher).replace("`", "")
    for pattern, what in _OUTBOUND:
        if pattern.search(code):
            raise OutboundRefused(
                f"refused: {what} would make the database fetch data from outside the graph "
                "(a URL, a file or another database); Bridgehead's queries only read the graph"
            )
    return cypher


class GraphStore(Protocol):
    dialect: str
    target: GraphTarget

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        """Run a query the database itself enforces as read-only."""
        ...

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    def write_batches(
        self,
        cypher: str,
        rows: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[Row]:
        """Run `cypher` once per batch, with the batch bound to `$rows`; returns all result rows."""
        ...

    def ensure_indexes(self) -> None: ...

    def wipe(self) -> None: ...

    def close(self) -> None: ...


class _BatchedWrites:
    """`write_batches` for any store with a `write`: one statement per batch, the batch bound to `$rows`."""

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        raise NotImplementedError

    def write_batches(
        self,
        cypher: str,
        rows: Sequence[Mapping[str, Any]],
        params: Mapping[str, Any] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> list[Row]:
        out: list[Row] = []
        for start in range(0, len(rows), batch_size):
            out.extend(self.write(cypher, {**(params or {}), "rows": list(rows[start : start + batch_size])}))
        return out


def read_pages(store: GraphStore, statement: str, page: int = 20_000, timeout_ms: int | None = None) -> Iterator[Row]:
    """Rows of a read that takes `$skip` and `$page` (and orders its rows), fetched a page at a time."""
    skip = 0
    while True:
        rows = store.read(statement, {"skip": skip, "page": page}, timeout_ms=timeout_ms)
        yield from rows
        if len(rows) < page:
            return
        skip += page


def indexed_labels() -> tuple[str, ...]:
    """Every node kind the planes registered, and the shared label: each has an index on `uid`."""
    return (*NODE_KINDS, ENTITY)


# A graph written before every kind carried the shared label: give it the label, or MERGE (which matches on all
# its labels) would create a second node next to each and lookups by uid would miss them. Each store runs it
# once, when it creates the shared label's index or constraint (the mark of such a graph).
LABEL_OLDER_NODES = f"MATCH (n) WHERE n.uid IS NOT NULL AND NOT n:{ENTITY} SET n:{ENTITY} RETURN count(n) AS labelled"


ENTITY_CONSTRAINT = f"{ENTITY.lower()}_uid"  # its name in index_statements("neo4j")
SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name RETURN name"


def index_statements(dialect: str) -> list[str]:
    """Index DDL for the `uid` of every node kind and of the label all kinds share, in the store's dialect."""
    if dialect == "neo4j":
        return [
            f"CREATE CONSTRAINT {label.lower()}_uid IF NOT EXISTS FOR (n:{label}) REQUIRE n.uid IS UNIQUE"
            for label in indexed_labels()
        ]
    return [f"CREATE INDEX FOR (n:{label}) ON (n.uid)" for label in indexed_labels()]


class FalkorStore(_BatchedWrites):
    """FalkorDB, embedded (child process on a unix socket) or external (redis:// URI)."""

    dialect = "falkordb"

    def __init__(self, target: GraphTarget, *, owns_server: bool = False, **client_kwargs: Any) -> None:
        from falkordb import FalkorDB

        self.target = target
        self._owns_server = owns_server
        self._db = FalkorDB(**client_kwargs)
        self._graph = self._db.select_graph(GRAPH_NAME)

    @classmethod
    def embedded(cls, target: GraphTarget) -> FalkorStore:
        assert target.data_dir is not None
        info, started = embedded.ensure_server(target.data_dir)
        return cls(target, owns_server=started, unix_socket_path=info.socket, password=info.password)

    @classmethod
    def external(cls, target: GraphTarget) -> FalkorStore:
        from falkordb import FalkorDB

        store = cls.__new__(cls)
        store.target = target
        store._owns_server = False
        store._db = FalkorDB.from_url(target.uri)
        store._graph = store._db.select_graph(GRAPH_NAME)
        return store

    def _run(
        self, cypher: str, params: Mapping[str, Any] | None, *, read_only: bool, timeout_ms: int | None
    ) -> list[Row]:
        import redis

        try:
            if read_only:
                result = self._graph.ro_query(cypher, dict(params or {}), timeout=timeout_ms)
            else:
                result = self._graph.query(cypher, dict(params or {}), timeout=timeout_ms)
        except redis.ResponseError as exc:
            message = str(exc)
            if "empty key" in message:  # the graph has never been written to: it is simply empty
                return []
            if read_only and "read-only" in message:
                raise ReadOnlyViolation(f"refused by the database: this query writes ({message})") from exc
            raise GraphError(f"{message}\n  in: {_first_line(cypher)}") from exc
        names = [column[1] if isinstance(column, list | tuple) else column for column in result.header]
        return [dict(zip(names, row, strict=True)) for row in result.result_set]

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        return self._run(refuse_outbound(cypher), params, read_only=True, timeout_ms=timeout_ms)

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(cypher, params, read_only=False, timeout_ms=None)

    def ensure_indexes(self) -> None:
        existing = {(row["label"], prop) for row in self.read("CALL db.indexes()") for prop in row["properties"]}
        missing = [label for label in indexed_labels() if (label, "uid") not in existing]
        for label in missing:
            self.write(f"CREATE INDEX FOR (n:{label}) ON (n.uid)")
        if ENTITY in missing:
            self.write(LABEL_OLDER_NODES)

    def wipe(self) -> None:
        import redis

        with contextlib.suppress(redis.ResponseError):  # deleting a graph that does not exist yet is fine
            self._graph.delete()
        self._graph = self._db.select_graph(GRAPH_NAME)
        self.ensure_indexes()

    def close(self) -> None:
        self._db.close()
        if self._owns_server and self.target.data_dir is not None:
            embedded.stop_server(self.target.data_dir)


class Neo4jStore(_BatchedWrites):
    """Neo4j 5 through the official driver; the database is always named."""

    dialect = "neo4j"

    def __init__(self, target: GraphTarget) -> None:
        import neo4j

        user = os.environ.get("NEO4J_USERNAME", "neo4j")
        password = os.environ.get("NEO4J_PASSWORD")
        if not password:
            raise GraphError(f"set NEO4J_PASSWORD (and NEO4J_USERNAME) to connect to {target.uri}")
        self.target = target
        self.database = os.environ.get("NEO4J_DATABASE", "neo4j")
        self._driver = neo4j.GraphDatabase.driver(target.uri, auth=(user, password))

    def read(self, cypher: str, params: Mapping[str, Any] | None = None, timeout_ms: int | None = None) -> list[Row]:
        import neo4j

        refuse_outbound(cypher)

        @neo4j.unit_of_work(timeout=timeout_ms / 1000 if timeout_ms else None)
        def work(tx: neo4j.ManagedTransaction) -> list[Row]:
            return [record.data() for record in tx.run(cypher, dict(params or {}))]

        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except neo4j.exceptions.ClientError as exc:
            if "AccessMode" in (exc.code or ""):
                raise ReadOnlyViolation(f"refused by the database: this query writes ({exc.message})") from exc
            raise GraphError(f"{exc.message}\n  in: {_first_line(cypher)}") from exc

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        import neo4j

        try:
            records, _, _ = self._driver.execute_query(
                cypher, dict(params or {}), database_=self.database, routing_=neo4j.RoutingControl.WRITE
            )
        except neo4j.exceptions.ClientError as exc:
            raise GraphError(f"{exc.message}\n  in: {_first_line(cypher)}") from exc
        return [record.data() for record in records]

    def ensure_indexes(self) -> None:
        had_entity_constraint = ENTITY_CONSTRAINT in {row["name"] for row in self.read(SHOW_CONSTRAINTS)}
        for statement in index_statements(self.dialect):
            self.write(statement)
        if not had_entity_constraint:
            self.write(LABEL_OLDER_NODES)

    def wipe(self) -> None:
        while self.write("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted")[0]["deleted"]:
            pass

    def close(self) -> None:
        self._driver.close()


def _first_line(cypher: str) -> str:
    text = " ".join(cypher.split())
    return text if len(text) <= 160 else text[:157] + "..."


def open_store(uri: str | None = None) -> GraphStore:
    """Open the configured graph (`--graph` / BRIDGEHEAD_GRAPH; embedded FalkorDB by default)."""
    target = resolve_graph(uri)
    store: GraphStore
    if target.backend == "embedded":
        store = FalkorStore.embedded(target)
    elif target.backend == "neo4j":
        store = Neo4jStore(target)
    else:
        store = FalkorStore.external(target)
    store.ensure_indexes()
    return store


@contextlib.contextmanager
def connected(uri: str | None = None) -> Iterator[GraphStore]:
    store = open_store(uri)
    try:
        yield store
    finally:
        store.close()


def all_index_statements() -> Iterable[tuple[str, str]]:
    """Every index statement per dialect, named for the Cypher linter (Neo4j's front-end)."""
    for statement in index_statements("neo4j"):
        yield f"index/neo4j/{statement.split()[2]}", statement
    yield "index/neo4j/show-constraints", SHOW_CONSTRAINTS
