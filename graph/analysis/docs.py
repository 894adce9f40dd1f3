"""docs/attacks.md, generated from the attack catalogue (`make generate`, or `bridgehead attacks docs`)."""

from __future__ import annotations

from graph import planes
from graph.analysis.catalogue import TACTICS, EdgeType, load_catalogue

HEADER = """# Attack edges

Generated from the attack catalogue (each plane's `graph/planes/<plane>/rules/`) by `make generate`; do not
edit by hand. An attack edge `A -[T]-> B` means: whoever controls A can control, impersonate or read B. Each
edge type is produced by one or more rules (ids `<plane>.<family>.<name>`); every edge in the graph records
the rules that fired it (`rule`) and why (`reason`).
"""


def _rules(attack: EdgeType) -> str:
    lines = []
    for rule in attack.rules:
        own = f" Remediation of its own: {rule.remediation}" if rule.remediation else ""
        lines.append(f"- `{rule.id}` (reads {rule.reads}).{own}")
    return "\n".join(lines)


def _section(attack: EdgeType) -> str:
    references = "\n".join(f"- {reference}" for reference in attack.references)
    return (
        f"## {attack.name}\n\n**{attack.title}**\n\n"
        f"`{attack.source}` → `{attack.target}` · {attack.tactic} · MITRE ATT&CK {attack.mitre}\n\n"
        f"**Rules.**\n{_rules(attack)}\n\n"
        f"**Meaning.** {attack.meaning}\n\n**Abuse.** {attack.abuse}\n\n**Opsec.** {attack.opsec}\n\n"
        f"**Remediation.** {attack.remediation}\n\n**References.**\n{references}\n"
    )


def _order(attack: EdgeType) -> tuple[int, int, str]:
    names = [plane.name for plane in planes.all_planes()]
    plane_index = names.index(attack.plane) if attack.plane in names else len(names)
    return (plane_index, TACTICS.index(attack.tactic), attack.name)


def render_attack_docs() -> str:
    attacks = sorted(load_catalogue().values(), key=_order)
    index = "\n".join(
        f"| [{a.name}](#{a.name.lower()}) | {a.plane} | {a.tactic} | {a.source} → {a.target} | {a.mitre} | {a.title} |"
        for a in attacks
    )
    table = "| edge | plane | tactic | from → to | MITRE | what |\n|---|---|---|---|---|---|\n" + index + "\n"
    return HEADER + "\n" + table + "\n" + "\n".join(_section(attack) for attack in attacks)
