"""The attack catalogue: every attack-edge type, documented once, and the rules that derive it.

An attack edge `A -[T]-> B` means: whoever controls A can control, impersonate or read B.

- An `EdgeType` says what such an edge means: its plane, its tactic, title, meaning, abuse, opsec,
  remediation, MITRE ATT&CK technique, references and what it runs between. The UI's edge help,
  `bridgehead attacks`, docs/attacks.md and the path queries all read it.
- A `Rule` is one way the analysis derives edges of a type: a stable id `<plane>.<family>.<name>`, the facts
  it reads (one plane's scope facts, or the whole `World` for bridges between planes), its `find` (the
  preconditions in code) and, optionally, a remediation of its own. Several rules may produce one type;
  every derived edge records the rules that fired it.

Rule modules are found per plane: every module in a plane's `rules_package` is imported once by
`load_catalogue()`, and registers its edge types and rules when imported. Adding a rule family means adding a
module there; nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph import planes
from graph.schema import ATTACK_EDGES, INTERNET_UID, STRUCTURAL_EDGES, EdgeKind

__all__ = ["INTERNET_UID"]  # re-exported: rules and queries name the Internet anchor from here

# What an attacker does with an edge. Queries pick hand-made type lists by tactic, never by name.
TACTICS = ("escape", "exposure", "credential-access", "privilege-escalation", "lateral", "identity-bridge")
WORLD = "world"  # a rule that reads every plane's facts at once (bridges between planes)

_RULE_ID = re.compile(r"^(?P<plane>[a-z0-9]+)\.[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$")
_EDGE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


@dataclass(frozen=True)
class AttackEdge:
    """One derived edge; `reason` names the fields that caused it (e.g. `container "agent": privileged=true`)."""

    type: str
    src_kind: str
    src_uid: str
    dst_kind: str
    dst_uid: str
    reason: str


@dataclass(frozen=True)
class EdgeType:
    name: str  # the relationship type, e.g. CE_PRIVILEGED
    plane: str  # the plane it belongs to ("k8s", "aws", ...; "bridge" for edges between planes)
    tactic: str  # one of TACTICS
    title: str
    mitre: str  # ATT&CK technique id, e.g. T1611
    source: str  # the node kind(s) it starts at, e.g. "Container" or "ServiceAccount / KubeUser / KubeGroup"
    target: str
    meaning: str
    abuse: str
    opsec: str
    remediation: str
    references: tuple[str, ...]
    # The edge only follows from controlling its source (a pod controls its containers, a taken node acts as
    # its kubelet): its remediation points elsewhere, so findings prefer to name another step as the fix.
    consequence: bool = False

    def __post_init__(self) -> None:
        if not _EDGE_NAME.match(self.name):
            raise ValueError(f"attack edge type {self.name!r} must be UPPER_SNAKE_CASE")
        if self.tactic not in TACTICS:
            raise ValueError(f"attack edge type {self.name}: unknown tactic {self.tactic!r} (one of {TACTICS})")

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in RULES.values() if rule.edge == self.name)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)


@dataclass(frozen=True)
class Rule:
    id: str  # <plane>.<family>.<name>, stable across releases: findings and SARIF name it
    edge: str  # the EdgeType it produces
    find: Callable[[Any], Iterable[AttackEdge]]  # the preconditions in code: facts in, edges out
    reads: str = ""  # the plane whose scope facts `find` takes (default: the id's plane), or WORLD
    remediation: str | None = None  # when this way of getting the edge has a fix of its own

    def __post_init__(self) -> None:
        match = _RULE_ID.match(self.id)
        if not match:
            raise ValueError(f"rule id {self.id!r} must read <plane>.<family>.<name> (lower case, digits, - or _)")
        if not self.reads:
            object.__setattr__(self, "reads", match["plane"])


ATTACKS: dict[str, EdgeType] = {}  # every attack-edge type, by name
RULES: dict[str, Rule] = {}  # every rule, by id


def register_edge_types(*edge_types: EdgeType) -> None:
    for edge_type in edge_types:
        if edge_type.name in ATTACKS or edge_type.name in STRUCTURAL_EDGES:
            raise ValueError(f"attack edge type {edge_type.name} is defined twice")
        ATTACKS[edge_type.name] = edge_type
        ATTACK_EDGES[edge_type.name] = EdgeKind(edge_type.name, edge_type.meaning)


def register_rules(*rules: Rule) -> None:
    for rule in rules:
        if rule.id in RULES:
            raise ValueError(f"rule {rule.id} is defined twice")
        if rule.edge not in ATTACKS:
            raise ValueError(f"rule {rule.id} produces {rule.edge}, which no edge type defines (define it first)")
        RULES[rule.id] = rule


def unregister_plane_rules(plane: str, rules_package: str | None = None) -> None:
    """Forget a plane's edge types and rules (tests that register a plane of their own clean up with this);
    its rule modules are forgotten too, so registering the plane again imports (and registers) them again."""
    for rule_id in [rule_id for rule_id in RULES if rule_id.split(".", 1)[0] == plane]:
        del RULES[rule_id]
    for name in [name for name, edge_type in ATTACKS.items() if edge_type.plane == plane]:
        del ATTACKS[name]
        ATTACK_EDGES.pop(name, None)
    _loaded.discard(plane)
    if rules_package:
        for module in [name for name in sys.modules if name.startswith(f"{rules_package}.")]:
            del sys.modules[module]


_loaded: set[str] = set()


def load_catalogue() -> dict[str, EdgeType]:
    """Import every plane's rule modules once (each registers what it defines) and return the edge types."""
    for plane in planes.all_planes():
        if plane.name in _loaded or not plane.rules_package:
            continue
        _loaded.add(plane.name)
        package = importlib.import_module(plane.rules_package)
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            importlib.import_module(f"{plane.rules_package}.{module.name}")
    return ATTACKS


def rules() -> list[Rule]:
    load_catalogue()
    return sorted(RULES.values(), key=lambda rule: rule.id)


def rules_for(edge_type: str) -> tuple[Rule, ...]:
    load_catalogue()
    return ATTACKS[edge_type].rules


def find_edges(edge_type: str, facts: Any) -> list[AttackEdge]:
    """Every edge of one type that its rules find in `facts` (rule tests use this)."""
    return [edge for rule in rules_for(edge_type) for edge in rule.find(facts)]


def remediation_for(edge_type: str, rule_ids: Iterable[str] = ()) -> str:
    """The fix for an edge: the remediation of the rule that fired it when it has one, else the type's."""
    for rule_id in rule_ids:
        rule = RULES.get(rule_id)
        if rule and rule.remediation:
            return rule.remediation
    edge = ATTACKS.get(edge_type)
    return edge.remediation if edge else ""


def traversable_edge_types() -> tuple[str, ...]:
    """The one definition of which relationship types a path search may follow."""
    return tuple(sorted(load_catalogue()))


def edge_types_with_tactic(tactic: str) -> tuple[str, ...]:
    """The traversable edge types of one tactic (e.g. every container escape), sorted."""
    if tactic not in TACTICS:
        raise ValueError(f"unknown tactic {tactic!r}: one of {', '.join(TACTICS)}")
    return tuple(name for name in traversable_edge_types() if ATTACKS[name].tactic == tactic)
