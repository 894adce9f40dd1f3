"""docs/attacks.md, generated from the attack catalogue (`bridgehead attacks docs > docs/attacks.md`)."""

from __future__ import annotations

from graph.analysis.catalogue import Attack, load_catalogue

HEADER = """# Attack edges

Generated from the attack catalogue (`graph/analysis/`) by `bridgehead attacks docs`; do not edit by hand.
An attack edge `A -[T]-> B` means: whoever controls A can control, impersonate or read B.
"""


def _section(attack: Attack) -> str:
    references = "\n".join(f"- {reference}" for reference in attack.references)
    return (
        f"## {attack.edge}\n\n**{attack.title}**\n\n"
        f"`{attack.source}` → `{attack.target}` · rule `{attack.rule}` · MITRE ATT&CK {attack.mitre}\n\n"
        f"**Meaning.** {attack.meaning}\n\n**Abuse.** {attack.abuse}\n\n**Opsec.** {attack.opsec}\n\n"
        f"**Remediation.** {attack.remediation}\n\n**References.**\n{references}\n"
    )


def render_attack_docs() -> str:
    attacks = sorted(load_catalogue().values(), key=lambda attack: attack.rule)
    index = "\n".join(
        f"| [{a.edge}](#{a.edge.lower()}) | {a.source} → {a.target} | {a.mitre} | {a.title} |" for a in attacks
    )
    table = "| edge | from → to | MITRE | what |\n|---|---|---|---|\n" + index + "\n"
    return HEADER + "\n" + table + "\n" + "\n".join(_section(attack) for attack in attacks)
