"""The toy plane's one rule: a trusted login (and the internet logs in to public machines)."""

from __future__ import annotations

from collections.abc import Iterator

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.schema import INTERNET_UID
from tests.toyplane import LabFacts, admin_uid

register_edge_types(
    EdgeType(
        name="TOY_CAN_LOGIN",
        plane="toy",
        tactic="lateral",
        title="Trusted login",
        mitre="T1021",
        source="ToyMachine / Internet",
        target="ToyMachine / CloudAdmin",
        meaning="Whoever controls the source logs in to the target without a password.",
        abuse="ssh target",
        opsec="Logins are logged on the target.",
        remediation="Remove the trust.",
        references=("https://attack.mitre.org/techniques/T1021/",),
    )
)


def trusted_logins(facts: LabFacts) -> Iterator[AttackEdge]:
    machines = facts.of("ToyMachine")
    for truster, trusted in facts.links["TOY_TRUSTS"].items():
        for source, _props in trusted:
            yield AttackEdge("TOY_CAN_LOGIN", "ToyMachine", source, "ToyMachine", truster, f"{truster} trusts {source}")
    for machine in machines.values():
        if machine.get("public"):
            yield AttackEdge("TOY_CAN_LOGIN", "Internet", INTERNET_UID, "ToyMachine", machine.uid, "public login")
        if machine.get("admin"):
            yield AttackEdge(
                "TOY_CAN_LOGIN", "ToyMachine", machine.uid, "CloudAdmin", admin_uid(facts.lab), "admin box"
            )


register_rules(Rule("toy.login.trusted", "TOY_CAN_LOGIN", trusted_logins))
