"""What several UI modules share: a reference to a node, its short name, and text made safe for the graph.

Object names, labels and annotations are attacker-controlled text: the UI modules never format them as
markdown or HTML, and `inert()` defuses the one HTML pattern the graph component would turn into a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph.schema import primary_label

_ANCHOR = re.compile(r"<(?=\s*a\b)", re.IGNORECASE)


def inert(text: Any) -> str:
    """Text for the graph component: shown as typed, except that `<a …>` cannot become a link.

    The component draws labels on a canvas and fills its info panel with text nodes, but it turns
    `<a href="http…">…</a>` in a value into a real link; a zero-width space after `<` stops that.
    """
    return _ANCHOR.sub("<\u200b", "" if text is None else str(text))


@dataclass(frozen=True)
class NodeRef:
    uid: str
    label: str
    name: str = ""
    namespace: str | None = None
    cluster: str | None = None

    @property
    def display(self) -> str:
        """A short, unique name: the uid without its `k8s:CLUSTER:` prefix (`pod:shop/web-1`)."""
        return short_uid(self.uid)


def short_uid(uid: str) -> str:
    parts = uid.split(":", 2)
    if len(parts) == 3 and parts[0] == "k8s":
        return parts[2]
    return uid


def node_ref_from_row(row: Mapping[str, Any]) -> NodeRef:
    """A NodeRef from a row with `uid`, `labels`, `name`, `namespace` and `cluster` columns."""
    return NodeRef(
        uid=row["uid"],
        label=primary_label(row["labels"] or []),
        name=str(row.get("name") or ""),
        namespace=row.get("namespace"),
        cluster=row.get("cluster"),
    )
