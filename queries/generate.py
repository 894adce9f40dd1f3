"""Every generated file, rendered from its sources: `make generate` writes them, tests/test_generated.py checks them.

    python -m queries.generate           # rewrite every stale generated file
    python -m queries.generate --check   # name the stale ones and exit 1

The generated files are committed, so a reader (or Neo4j Browser) never needs the generator:

- `queries/<id>.cypher` from `queries/templates/<id>.cypher`: the walk and search queries spell out one
  step per hop and follow every traversable attack-edge type, so they are written once with placeholders;
- `docs/queries.md` (its generated part) from the query headers (`queries.library.render_query_docs`);
- `docs/attacks.md` from the attack catalogue (`graph.analysis.docs.render_attack_docs`, what
  `bridgehead attacks docs` prints).

A template is the query file itself, header included, with these placeholders (nothing else in `{{ }}`):

    {{traversable}}                 the types a traversal follows: `A|B|C` (traversable_edge_types())
    {{tactic:escape}}               the types of one tactic: `A|B` (edge_types_with_tactic("escape"))
    {{max_hops}}                    MAX_HOPS, the longest path a query walks
    {{for hop in 1..max_hops}}      the lines up to `{{end}}` (each on a line of its own), once per hop,
    {{end}}                         with `{{hop}}` the hop number

Lists are picked by tactic, never by a naming convention (`STARTS WITH 'CE_'`): a new edge type joins the
queries of its tactic when the files are generated again.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from queries.library import (
    DOCS_PATH,
    QUERY_DIR,
    CannedQuery,
    load_query,
    ordered_library,
    parse_query,
    render_docs_page,
)

TEMPLATE_DIR = QUERY_DIR / "templates"
ROOT = QUERY_DIR.parent
ATTACK_DOCS_PATH = ROOT / "docs" / "attacks.md"
MAX_HOPS = 12  # the walk queries spell out this many steps; their max_hops parameters stop at it
COMMAND = "make generate"

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_FOR_BLOCK = re.compile(
    r"^\{\{for (?P<name>[a-z_]+) in (?P<first>\d+)\.\.(?P<last>[a-z_]+|\d+)\}\}\n(?P<body>.*?)^\{\{end\}\}\n",
    re.MULTILINE | re.DOTALL,
)


class TemplateError(ValueError):
    """A template that cannot be rendered; the message names the file and line."""


@dataclass(frozen=True)
class RenderContext:
    """What templates are rendered with: the catalogue's type lists and the hop bound."""

    traversable: tuple[str, ...]
    tactic: Callable[[str], tuple[str, ...]]
    max_hops: int = MAX_HOPS

    @classmethod
    def from_catalogue(cls) -> RenderContext:
        from graph.analysis.catalogue import edge_types_with_tactic, traversable_edge_types

        return cls(traversable=tuple(traversable_edge_types()), tactic=edge_types_with_tactic)


def render(template: str, context: RenderContext, source: str = "<template>") -> str:
    """`template` with its `{{for}}` blocks repeated and its placeholders filled in (module docstring)."""
    pieces, position = [], 0
    for block in _FOR_BLOCK.finditer(template):
        pieces.append(_fill(template, position, block.start(), {}, context, source))
        name, last = block.group("name"), block.group("last")
        stop = int(last) if last.isdigit() else int(_value(last, {}, context))
        for number in range(int(block.group("first")), stop + 1):
            pieces.append(_fill(template, block.start("body"), block.end("body"), {name: str(number)}, context, source))
        position = block.end()
    pieces.append(_fill(template, position, len(template), {}, context, source))
    return "".join(pieces)


def _fill(template: str, start: int, end: int, local: Mapping[str, str], context: RenderContext, source: str) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            return _value(match.group(1).strip(), local, context)
        except TemplateError as exc:
            line = template.count("\n", 0, match.start()) + 1
            raise TemplateError(f"{source}:{line}: {exc}") from None

    return _PLACEHOLDER.sub(replace, template[start:end])


def _value(name: str, local: Mapping[str, str], context: RenderContext) -> str:
    if name in local:
        return local[name]
    if name == "traversable":
        return "|".join(context.traversable)
    if name == "max_hops":
        return str(context.max_hops)
    if name.startswith("tactic:"):
        tactic = name.removeprefix("tactic:")
        try:
            types = context.tactic(tactic)
        except ValueError as exc:
            raise TemplateError(str(exc)) from None
        if not types:
            raise TemplateError(f"tactic {tactic!r} has no edge types: a relationship pattern needs at least one")
        return "|".join(types)
    if name.startswith("for ") or name == "end":
        raise TemplateError(
            f"{{{{{name}}}}}: write `{{{{for NAME in 1..max_hops}}}}` and `{{{{end}}}}` each on a line of its own, "
            "in pairs, not nested"
        )
    raise TemplateError(
        f"unknown placeholder {{{{{name}}}}}: use traversable, tactic:NAME, max_hops, or the variable of the "
        "enclosing {{for}} block"
    )


# --------------------------------------------------------------------------------------------------
# The generated files
# --------------------------------------------------------------------------------------------------


def render_queries(context: RenderContext | None = None, templates: Path = TEMPLATE_DIR) -> dict[Path, str]:
    """Every templated query: its path in queries/ and its text."""
    context = context or RenderContext.from_catalogue()
    return {
        QUERY_DIR / template.name: render(template.read_text(encoding="utf-8"), context, _shown(template))
        for template in sorted(templates.glob("*.cypher"))
    }


def generated_files(context: RenderContext | None = None) -> dict[Path, str]:
    """Every generated file, by path, as the generators produce it now."""
    from graph.analysis.docs import render_attack_docs

    queries = render_queries(context)
    library: list[CannedQuery] = [parse_query(text, path) for path, text in queries.items()]
    library += [load_query(path) for path in sorted(QUERY_DIR.glob("*.cypher")) if path not in queries]
    current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else None
    return {
        **queries,
        DOCS_PATH: render_docs_page(ordered_library(library), current),
        ATTACK_DOCS_PATH: render_attack_docs(),
    }


def source_of(path: Path) -> str:
    """Where a generated file comes from: what to edit instead of it."""
    if path == DOCS_PATH:
        return "the query headers (queries/templates/*.cypher, queries/*.cypher)"
    if path == ATTACK_DOCS_PATH:
        return "the attack catalogue (graph/analysis/catalogue.py, graph/planes/*/rules/)"
    return _shown(TEMPLATE_DIR / path.name)


def stale_files(files: Mapping[Path, str] | None = None) -> list[Path]:
    """The generated files whose committed text differs from what the generators produce."""
    files = files if files is not None else generated_files()
    return [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def write_generated(files: Mapping[Path, str] | None = None) -> list[Path]:
    """Rewrite the stale generated files; the ones written."""
    files = files if files is not None else generated_files()
    stale = stale_files(files)
    for path in stale:
        path.write_text(files[path], encoding="utf-8")
    return stale


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="name the stale generated files and exit 1")
    args = parser.parse_args(argv)
    try:
        files = generated_files()
    except (TemplateError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        stale = stale_files(files)
        for path in stale:
            print(f"{_shown(path)} is stale (generated from {source_of(path)}): run `{COMMAND}`", file=sys.stderr)
        return 1 if stale else 0
    for path in write_generated(files):
        print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
