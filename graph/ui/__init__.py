"""What the UI pages show, computed from store reads: plain functions and records, no Streamlit.

`app.py` draws these; the logic lives here so it is unit-tested without a browser. One module per thing
shown: `search` (the pickers), `layout` (every drawn graph), `entity` (the entity and edge panels),
`overview`, `identity` (the joint review) and `tables` (result, path and finding rows); `common` holds what
several of them share. Object names, labels and annotations are attacker-controlled text: these modules
never format them as markdown or HTML (see `common.inert`).
"""

from __future__ import annotations

from graph.ui import entity, identity, layout, overview, search


def generated_statements() -> list[tuple[str, str]]:
    """Every statement the UI sends, named for the Cypher checks (Neo4j front-end, FalkorDB run)."""
    return [
        *search.generated_statements(),
        *entity.generated_statements(),
        *overview.generated_statements(),
        *identity.generated_statements(),
        *layout.generated_statements(),
    ]


# The parameters these statements take, with harmless values (for the statement checks).
STATEMENT_PARAMS = {
    "uids": ["x"], "uid": "x", "cluster": None, "namespace": None, "term": "", "limit": 5, "names": ["n"],
    "keys": ["k"],
}  # fmt: skip
