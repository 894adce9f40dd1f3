"""Where the graph lives: one URI, shared by the CLI, the UI and the tests.

`BRIDGEHEAD_GRAPH` (or `--graph`) selects the backend:
  - unset or `embedded`            -> embedded FalkorDB in the user's data dir
  - `embedded:///some/dir`          -> embedded FalkorDB in that data dir
  - `bolt://…`, `neo4j://…` (+s)    -> Neo4j 5, credentials from NEO4J_USERNAME / NEO4J_PASSWORD
  - `redis://…`, `rediss://…`       -> an external FalkorDB server
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

GRAPH_ENV = "BRIDGEHEAD_GRAPH"
DATA_DIR_ENV = "BRIDGEHEAD_DATA_DIR"
GRAPH_NAME = "bridgehead"

NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
REDIS_SCHEMES = ("redis", "rediss")


class ConfigError(ValueError):
    """The graph configuration cannot be used as given."""


@dataclass(frozen=True)
class GraphTarget:
    backend: str  # "embedded" | "neo4j" | "falkordb"
    uri: str
    data_dir: Path | None = None

    def describe(self) -> str:
        if self.backend == "embedded":
            return f"embedded FalkorDB ({self.data_dir})"
        return f"{self.backend} at {self.uri}"


def default_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("bridgehead")) / "falkordb"


def resolve_graph(uri: str | None = None) -> GraphTarget:
    """Turn `--graph` / BRIDGEHEAD_GRAPH into a target; the embedded graph is the default."""
    uri = (uri or os.environ.get(GRAPH_ENV) or "embedded").strip()
    if uri == "embedded":
        return GraphTarget("embedded", uri, default_data_dir())
    scheme, sep, rest = uri.partition("://")
    if not sep:
        raise ConfigError(
            f"graph URI {uri!r} has no scheme; use 'embedded', 'embedded:///DIR', "
            "bolt://HOST:7687, neo4j://HOST:7687 or redis://HOST:6379"
        )
    if scheme == "embedded":
        return GraphTarget("embedded", uri, Path(rest or default_data_dir()).expanduser())
    if scheme in NEO4J_SCHEMES:
        return GraphTarget("neo4j", uri)
    if scheme in REDIS_SCHEMES:
        return GraphTarget("falkordb", uri)
    raise ConfigError(f"unsupported graph URI scheme {scheme!r} in {uri!r}")
