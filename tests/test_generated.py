"""Every generated file is what its generator produces now, and the query templates render as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.analysis.catalogue import edge_types_with_tactic, traversable_edge_types
from queries.generate import (
    ATTACK_DOCS_PATH,
    COMMAND,
    MAX_HOPS,
    TEMPLATE_DIR,
    RenderContext,
    TemplateError,
    generated_files,
    render,
    render_queries,
    source_of,
    stale_files,
)
from queries.library import DOCS_PATH, QUERY_DIR, load_library

ROOT = QUERY_DIR.parent


def test_every_generated_file_is_current() -> None:
    files = generated_files()
    assert {DOCS_PATH, ATTACK_DOCS_PATH} <= set(files) and len(files) > 10
    stale = stale_files(files)
    assert not stale, "\n".join(
        f"{path.relative_to(ROOT)} is stale (generated from {source_of(path)}): run `{COMMAND}`" for path in stale
    )


def test_every_query_that_lists_the_traversable_types_is_generated() -> None:
    # A hand-written copy of the list goes stale when the catalogue grows: write a template instead.
    traversable = "|".join(traversable_edge_types())
    generated = set(render_queries())
    copied = [query.path.name for query in load_library().values() if traversable in query.text]
    assert copied and all(QUERY_DIR / name in generated for name in copied), copied
    walks = [query for query in load_library().values() if "// hop 1 of at most" in query.text]
    assert len(walks) == 9 and all(f"// hop {MAX_HOPS} of at most {MAX_HOPS}" in query.text for query in walks)


def test_queries_pick_edge_types_by_tactic_not_by_name() -> None:
    escapes = "|".join(edge_types_with_tactic("escape"))
    assert f"[escape:{escapes}]" in (QUERY_DIR / "exposed-workloads-that-can-escape.cypher").read_text()
    for query in load_library().values():
        assert not re.search(r"type\(\w+\)\s+(STARTS WITH|ENDS WITH|CONTAINS)", query.text), query.id


CONTEXT = RenderContext(
    traversable=("A", "B", "C"), tactic=lambda tactic: {"escape": ("E1", "E2"), "none": ()}[tactic], max_hops=3
)


def test_a_template_renders_its_placeholders_and_repeats_its_hop_block() -> None:
    template = (
        "// max_hops (int 1..{{max_hops}}, default 2)\n"
        "MATCH (a)-[:{{traversable}}]->(b)-[e:{{tactic:escape}}]->(c)\n"
        "{{for hop in 1..max_hops}}\n"
        "// hop {{hop}} of at most {{max_hops}}\n"
        "WITH a, {{hop}} AS hop\n"
        "{{end}}\n"
        "RETURN a\n"
    )
    assert render(template, CONTEXT) == (
        "// max_hops (int 1..3, default 2)\n"
        "MATCH (a)-[:A|B|C]->(b)-[e:E1|E2]->(c)\n"
        "// hop 1 of at most 3\nWITH a, 1 AS hop\n"
        "// hop 2 of at most 3\nWITH a, 2 AS hop\n"
        "// hop 3 of at most 3\nWITH a, 3 AS hop\n"
        "RETURN a\n"
    )
    assert render("MATCH (n {uid: $uid}) CALL { WITH n RETURN n AS m } RETURN m\n", CONTEXT).count("{") == 2


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("MATCH (a)\nRETURN {{hop}}\n", "t.cypher:2: unknown placeholder {{hop}}"),
        ("MATCH (a)-[:{{tactic:none}}]->(b)\n", "t.cypher:1: tactic 'none' has no edge types"),
        ("{{for hop in 1..max_hops}}\nWITH {{hop}} AS hop\n", "t.cypher:1: {{for hop in 1..max_hops}}: write"),
        ("WITH 1 AS one\n{{end}}\n", "t.cypher:2: {{end}}: write"),
    ],
)
def test_a_bad_template_is_refused_naming_the_file_and_line(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        render(template, CONTEXT, "t.cypher")


def test_every_template_is_a_query_file_of_the_same_name() -> None:
    templates = sorted(path.name for path in TEMPLATE_DIR.glob("*.cypher"))
    assert templates and all((QUERY_DIR / name).exists() for name in templates)
    assert all(Path(path).parent == QUERY_DIR for path in render_queries())
