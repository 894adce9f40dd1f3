"""Planes: Kubernetes today, AWS and GCP next; each one a package here that registers a `Plane`.

A plane brings its own vocabulary (node kinds with their REF words, scoping, jewel class and colour;
structural edge kinds with their endpoints), its uid builders and parser, its facts model and how to read
it from the graph per scope, its anchors (e.g. one ClusterAdmin per cluster), the statements that mark
its admins as crown jewels, and the package of its attack rules. Everything outside the plane's package
reads these through the registry below, so adding a plane means adding a package: `graph/planes/<name>/`
whose `__init__.py` ends with `PLANE = register_plane(Plane(...))` (`load_planes()` imports every package
here), or, for a plane that lives elsewhere (a test's toy plane), the same `register_plane` call.

This module and the planes' vocabularies, facts models and rules import without any database package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.analysis.facts import ScopeFacts
    from graph.records import NodeRecord
    from graph.schema import EdgeKind, NodeKind


@dataclass(frozen=True)
class ParsedUid:
    """What a uid says about its object, for display when the graph is not at hand."""

    plane: str
    tenant: str
    kind_word: str | None
    namespace: str | None
    name: str


@dataclass(frozen=True)
class Plane:
    name: str  # "k8s": the first part of its rule ids and, by convention, of its uids and scopes
    title: str  # "Kubernetes"
    node_kinds: tuple[NodeKind, ...]
    edge_kinds: tuple[EdgeKind, ...]  # structural edges (inventory facts), with their allowed endpoints
    tenant_kind: str  # the kind with one node per scope (Cluster): its nodes' `scope` lists the plane's scopes
    tenant_property: str  # the property naming the tenant on the plane's nodes ("cluster")
    parse_uid: Callable[[str], ParsedUid | None]
    facts_type: type[ScopeFacts]  # built per scope; rules of this plane take one
    fact_links: tuple[str, ...] = ()  # structural edge types the rules read
    anchors: Callable[[Any], Iterable[NodeRecord]] = lambda facts: ()  # per scope facts: anchor nodes
    marks: tuple[str, ...] = ()  # statements run after the edges are written: mark admins HighValue
    rules_package: str | None = None  # every module in it is a rule family (graph/analysis/catalogue.py)
    uid_prefixes: tuple[str, ...] = field(default=())  # uids this plane's parse_uid understands ("k8s:")
    export_properties: tuple[str, ...] = ()  # properties `bridgehead export` carries for the plane's nodes
    kind_prefix: str = ""  # BloodHound OpenGraph kinds are `<prefix>_<label>` ("K8s_Pod"); default: the title
    # The workload ("Deployment shop/web") whose template (not a running object) a uid stands for, if any.
    template_of: Callable[[str], str | None] = lambda uid: None

    @property
    def opengraph_prefix(self) -> str:
        return self.kind_prefix or self.title.replace(" ", "")

    @property
    def fact_kinds(self) -> tuple[str, ...]:
        return tuple(kind.label for kind in self.node_kinds if kind.facts)


PLANES: dict[str, Plane] = {}


def register_plane(plane: Plane) -> Plane:
    from graph.schema import register_kinds

    if plane.name in PLANES and PLANES[plane.name] is not plane:
        raise ValueError(f"plane {plane.name} is registered twice")
    register_kinds(plane.node_kinds, plane.edge_kinds)
    PLANES[plane.name] = plane
    return plane


def unregister_plane(name: str) -> None:
    """Remove a plane and what it registered (tests that register a plane of their own use this)."""
    from graph.analysis.catalogue import unregister_plane_rules
    from graph.schema import unregister_kinds

    plane = PLANES.pop(name)
    unregister_kinds(plane.node_kinds, plane.edge_kinds)
    unregister_plane_rules(name, plane.rules_package)


_discovered = False


def load_planes() -> None:
    """Import every plane package under graph/planes once; each registers itself when imported."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.ispkg:
            importlib.import_module(f"{__name__}.{info.name}")


def all_planes() -> Sequence[Plane]:
    load_planes()
    return list(PLANES.values())


def plane(name: str) -> Plane:
    load_planes()
    try:
        return PLANES[name]
    except KeyError:
        raise KeyError(f"unknown plane {name!r}: one of {', '.join(PLANES)}") from None


def parse_uid(uid: str) -> ParsedUid | None:
    """What any plane's uid says about its object (None for a uid no plane formats)."""
    for candidate in all_planes():
        if uid.startswith(candidate.uid_prefixes):
            parsed = candidate.parse_uid(uid)
            if parsed:
                return parsed
    return None


def template_of(uid: str) -> str | None:
    """The workload whose pod template (no running pod in the snapshot) `uid` belongs to, by its plane."""
    for candidate in all_planes():
        if uid.startswith(candidate.uid_prefixes):
            return candidate.template_of(uid)
    return None
