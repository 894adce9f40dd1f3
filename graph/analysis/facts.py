"""What the attack rules read: one scope of one plane (a cluster, an account), read back from the graph.

Reading the graph, not the collector's memory, is what lets the analysis run after any ingest order and
be re-run cheaply. Rules get plain typed data and stay pure functions of it. A plane's facts model
subclasses `ScopeFacts` with the views its rules share (graph/planes/<plane>/facts.py); the reader below
loads the kinds the plane's vocabulary marks `facts=True` and the structural links it names, selected by
the loader's `scope` property. `facts_from_records` builds the same facts from transform output, for tests
without a database.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from graph.records import EdgeRecord, NodeRecord

if TYPE_CHECKING:
    from graph.planes import Plane
    from graph.store import GraphStore


@dataclass(frozen=True)
class Entity:
    """One graph node: its primary label, uid and properties."""

    kind: str
    uid: str
    props: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.props.get(key)
        return default if value is None else value

    def json(self, key: str, default: Any = None) -> Any:
        """A property stored as JSON text (graph.records.as_json), decoded."""
        text = self.props.get(key)
        return default if text in (None, "") else json.loads(text)

    @property
    def name(self) -> str:
        return str(self.props.get("name", ""))

    @property
    def namespace(self) -> str | None:
        return self.props.get("namespace")

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


Links = dict[str, dict[str, list[tuple[str, Mapping[str, Any]]]]]  # type -> source uid -> [(target, props)]


@dataclass
class ScopeFacts:
    """Everything about one scope that an attack rule may look at: entities by kind, structural links."""

    scope: str
    entities: dict[str, dict[str, Entity]] = field(default_factory=lambda: defaultdict(dict))  # kind -> uid -> entity
    links: Links = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def of(self, kind: str) -> dict[str, Entity]:
        return self.entities[kind]

    def entity(self, uid: str) -> Entity | None:
        return self._by_uid.get(uid)

    @cached_property
    def _by_uid(self) -> dict[str, Entity]:
        """Every entity by uid (built on first use, once the facts are read)."""
        return {uid: entity for by_uid in self.entities.values() for uid, entity in by_uid.items()}

    def targets(self, edge_type: str, source_uid: str) -> list[str]:
        return [target for target, _props in self.links[edge_type].get(source_uid, [])]

    def linked(self, edge_type: str, source_uid: str) -> list[tuple[str, Mapping[str, Any]]]:
        return self.links[edge_type].get(source_uid, [])

    def sources(self, edge_type: str, target_uid: str) -> list[str]:
        return self.reverse_links[edge_type].get(target_uid, [])

    @cached_property
    def reverse_links(self) -> dict[str, dict[str, list[str]]]:
        reverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for edge_type, by_source in self.links.items():
            for source, targets in by_source.items():
                for target, _props in targets:
                    reverse[edge_type][target].append(source)
        return reverse


F = TypeVar("F", bound=ScopeFacts)


def scopes_statement(plane: Plane) -> str:
    return f"MATCH (n:{plane.tenant_kind}) WHERE n.scope IS NOT NULL RETURN DISTINCT n.scope AS scope ORDER BY scope"


def nodes_statement(kind: str) -> str:
    return f"MATCH (n:{kind}) WHERE n.scope = $scope RETURN n.uid AS uid, properties(n) AS props"


def links_statement(edge_type: str) -> str:
    return (
        f"MATCH (a)-[e:{edge_type}]->(b) WHERE a.scope = $scope "
        "RETURN a.uid AS src, b.uid AS dst, properties(e) AS props"
    )


def plane_scopes(store: GraphStore, plane: Plane) -> list[str]:
    return [row["scope"] for row in store.read(scopes_statement(plane))]


def read_scope_facts(store: GraphStore, plane: Plane, scope: str) -> ScopeFacts:
    facts = plane.facts_type(scope)
    params = {"scope": scope}
    for kind in plane.fact_kinds:
        for row in store.read(nodes_statement(kind), params):
            facts.entities[kind][row["uid"]] = Entity(kind, row["uid"], row["props"])
    for edge_type in plane.fact_links:
        for row in store.read(links_statement(edge_type), params):
            facts.links[edge_type][row["src"]].append((row["dst"], row["props"]))
    return facts


def facts_from_records(
    facts_type: type[F], scope: str, nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord], plane: Plane
) -> F:
    """The same facts as `read_scope_facts`, built from transform output without a database."""
    facts = facts_type(scope)
    kinds, links = set(plane.fact_kinds), set(plane.fact_links)
    for node in nodes:
        if node.kind in kinds:
            props = {"uid": node.uid, "scope": scope, **node.props}
            facts.entities[node.kind][node.uid] = Entity(node.kind, node.uid, props)
    for edge in edges:
        if edge.type in links:
            facts.links[edge.type][edge.src_uid].append((edge.dst_uid, dict(edge.props)))
    return facts


def generated_statements(planes: Iterable[Plane]) -> Iterator[tuple[str, str]]:
    for plane in planes:
        yield f"facts/{plane.name}/scopes", scopes_statement(plane)
        for kind in plane.fact_kinds:
            yield f"facts/nodes/{kind}", nodes_statement(kind)
        for edge_type in plane.fact_links:
            yield f"facts/links/{edge_type}", links_statement(edge_type)
