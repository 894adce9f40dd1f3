"""A toy plane, defined entirely here (nothing under graph/ names it): machines of a lab that trust each
other's logins. tests/test_toy_plane.py registers it to prove that a plane is added by adding modules.

    toy:<lab>:machine:<name>    a machine
    toy:<lab>:admin             the lab's admin anchor (a CloudAdmin: Bridgehead's own admin kind)
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from graph.analysis.facts import ScopeFacts
from graph.planes import ParsedUid, Plane
from graph.records import NodeRecord
from graph.schema import EdgeKind, NodeKind

PREFIX = "toy"


def scope(lab: str) -> str:
    return f"{PREFIX}:{lab}"


def machine_uid(lab: str, name: str) -> str:
    return f"{PREFIX}:{lab}:machine:{name}"


def admin_uid(lab: str) -> str:
    return f"{PREFIX}:{lab}:admin"


def parse_uid(uid: str) -> ParsedUid | None:
    parts = uid.split(":", 3)
    if parts[0] != PREFIX or len(parts) < 3:
        return None
    if len(parts) == 3:
        return ParsedUid(PREFIX, parts[1], parts[2], None, parts[2])
    return ParsedUid(PREFIX, parts[1], parts[2], None, parts[3])


class LabFacts(ScopeFacts):
    @cached_property
    def lab(self) -> str:
        return self.scope.split(":", 1)[1]


NODE_KINDS = (
    NodeKind("ToyMachine", PREFIX, (), "A machine of a toy lab", ("machine",), "tenant", color="#123456", facts=True),
)
EDGE_KINDS = (EdgeKind("TOY_TRUSTS", "a machine accepts logins from another", ("ToyMachine",), ("ToyMachine",)),)


def anchors(facts: LabFacts) -> Iterator[NodeRecord]:
    yield NodeRecord("CloudAdmin", admin_uid(facts.lab), {"name": f"toy admin ({facts.lab})", "tenant": facts.lab})


PLANE = Plane(
    name=PREFIX,
    title="Toy",
    node_kinds=NODE_KINDS,
    edge_kinds=EDGE_KINDS,
    tenant_kind="ToyMachine",
    tenant_property="lab",
    parse_uid=parse_uid,
    uid_prefixes=(f"{PREFIX}:",),
    facts_type=LabFacts,
    fact_links=("TOY_TRUSTS",),
    anchors=anchors,
    rules_package="tests.toyplane.rules",
    export_properties=("admin", "public"),
)
