"""The canned query library: one `.cypher` file per query, with a header of `//` comment lines.

A file pastes into Neo4j Browser as shipped and runs unchanged on FalkorDB (CYPHER.md). Its header says
what the query is for and what it takes:

    // id: internet-to-secrets
    // title: Internet → secrets
    // category: exposure
    // severity: critical
    // description: Secrets an attacker on the internet can read, and the shortest path to each.
    //   (a continuation line is indented by two or more spaces)
    // parameters: max_hops (int 1..12, default 8): hop limit; limit (int, default 100): rows
    // returns: entry, target, target_name, hops, path_uids, edge_types, reasons
    // mitre: T1190, T1552.007

A parameter is `name (TYPE[ MIN..MAX], default VALUE | required): description`, TYPE one of int, str,
bool, list; `parameters` and `mitre` may be left out. `load_library()` parses every file into a
`CannedQuery` and refuses a file whose header is missing or wrong, naming the file. `run_query()` checks
and converts parameters (strings from `--param k=v` to the declared type) and runs the query read-only.

Traversals list the attack-edge types literally (`-[:A|B|C*1..12]->`), so a query that follows them is
rendered from a template in queries/templates/ with `graph.analysis.catalogue.traversable_edge_types()` and
the tactics' type lists (`make generate`, queries/generate.py); the rendered file is what ships.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graph.store import GraphStore, Row

QUERY_DIR = Path(__file__).resolve().parent
DOCS_PATH = QUERY_DIR.parent / "docs" / "queries.md"
DEFAULT_TIMEOUT_MS = 10_000

CATEGORIES: dict[str, str] = {
    "exposure": "What an attacker on the internet reaches",
    "escalation": "Who becomes cluster-admin or takes a crown jewel, from a workload or an owned foothold",
    "paths": "Questions about one object: who reaches it, what it reaches, the path between two objects",
    "rbac": "Dangerous grants, read from the RBAC attack edges",
    "workloads": "Risky pod settings, whether or not a path uses them yet",
    "coverage": "What the graph could not see",
}
SEVERITIES = ("critical", "high", "medium", "low", "info")
PARAM_TYPES = ("int", "str", "bool", "list")
HEADER_KEYS = ("id", "title", "category", "severity", "description", "parameters", "returns", "mitre")
REQUIRED_KEYS = ("id", "title", "category", "severity", "description", "returns")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEY_LINE = re.compile(r"^//\s?([a-z_]+):\s*(.*)$")
_CONTINUATION = re.compile(r"^//\s{2,}(\S.*)$")
_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*) \((?P<type>[a-z]+)(?: (?P<min>-?\d+)\.\.(?P<max>-?\d+))?, "
    r"(?:default (?P<default>.*?)|(?P<required>required))\): (?P<description>.+)$"
)
_MITRE = re.compile(r"^T\d{4}(?:\.\d{3})?$")
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# A relationship pattern that names types: `[r:A|B|C*1..12]`, `[:A]`, `[e:A|B]`.
_REL_TYPES = re.compile(
    r"\[\s*(?:[A-Za-z_][A-Za-z0-9_]*)?\s*:\s*(?P<types>[A-Z][A-Z0-9_]*(?:\s*\|\s*[A-Z][A-Z0-9_]*)*)\s*"
    r"(?P<range>\*[0-9. ]*)?\s*\]"
)
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class QueryError(ValueError):
    """A query that does not exist, a bad query file, or bad parameters; the message says what to do."""


class QueryFileError(QueryError):
    """A `.cypher` file whose header is missing or wrong."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class ParamError(QueryError):
    """A parameter that is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str  # int | str | bool | list
    default: Any
    description: str
    required: bool
    minimum: int | None = None
    maximum: int | None = None

    def convert(self, value: Any) -> Any:
        """The value as the declared type: strings (from `--param k=v`) are parsed, others type-checked."""
        converted = _parse_value(self.type, value) if isinstance(value, str) else value
        if not _is_type(self.type, converted):
            raise ParamError(f"parameter {self.name} takes {self.type}, got {value!r}")
        if self.type == "int" and (
            (self.minimum is not None and converted < self.minimum)
            or (self.maximum is not None and converted > self.maximum)
        ):
            raise ParamError(
                f"parameter {self.name} must be between {self.minimum} and {self.maximum}, got {converted}"
            )
        return list(converted) if self.type == "list" else converted

    def describe(self) -> str:
        bounds = f" {self.minimum}..{self.maximum}" if self.minimum is not None else ""
        given = "required" if self.required else f"default {_format_default(self.default)}"
        return f"{self.name} ({self.type}{bounds}, {given}): {self.description}"


@dataclass(frozen=True)
class CannedQuery:
    id: str
    title: str
    category: str
    severity: str
    description: str
    parameters: tuple[QueryParam, ...]
    returns: tuple[str, ...]
    mitre: tuple[str, ...]
    text: str  # the whole file: header and body, pasteable as it is
    path: Path

    @property
    def body(self) -> str:
        """The Cypher after the header (comments inside the body are kept)."""
        return _split_header(self.text)[1]

    def param(self, name: str) -> QueryParam | None:
        return next((param for param in self.parameters if param.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {param.name: param.default for param in self.parameters if not param.required}


@dataclass
class QueryResult:
    query: CannedQuery
    params: dict[str, Any]
    rows: list[Row]
    elapsed_ms: float
    columns: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = self.query.returns


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


def _split_header(text: str) -> tuple[list[str], str]:
    lines = text.splitlines()
    header: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("//"):
            header.append(line.rstrip())
            continue
        return header, "\n".join(lines[index:]).strip() + "\n"
    return header, ""


def parse_query(text: str, path: Path | str) -> CannedQuery:
    """A `CannedQuery` from a file's text; `QueryFileError` naming `path` when the header is wrong."""
    path = Path(path)
    header_lines, body = _split_header(text)
    if not header_lines:
        raise QueryFileError(path, "no header: the file must start with `// id: ...`, `// title: ...` lines")
    fields: dict[str, str] = {}
    last_key: str | None = None
    for number, line in enumerate(header_lines, start=1):
        continued = _CONTINUATION.match(line)
        if continued and last_key is not None:
            fields[last_key] += " " + continued.group(1).strip()
            continue
        keyed = _KEY_LINE.match(line)
        if not keyed or keyed.group(1) not in HEADER_KEYS:
            raise QueryFileError(
                path,
                f"header line {number} is not `// KEY: value` with KEY one of {', '.join(HEADER_KEYS)} "
                f"(continue a value on a line indented by two spaces): {line!r}",
            )
        key, value = keyed.group(1), keyed.group(2).strip()
        if key in fields:
            raise QueryFileError(path, f"header key {key!r} appears twice")
        fields[key], last_key = value, key
    missing = [key for key in REQUIRED_KEYS if not fields.get(key)]
    if missing:
        raise QueryFileError(path, f"header lacks {', '.join(missing)}")
    query_id = fields["id"]
    if not _ID.match(query_id):
        raise QueryFileError(path, f"id {query_id!r} must be lower-case words joined by hyphens")
    if query_id != path.stem:
        raise QueryFileError(path, f"id {query_id!r} must match the file name ({path.stem}.cypher)")
    if fields["category"] not in CATEGORIES:
        raise QueryFileError(path, f"category {fields['category']!r} is not one of {', '.join(CATEGORIES)}")
    if fields["severity"] not in SEVERITIES:
        raise QueryFileError(path, f"severity {fields['severity']!r} is not one of {', '.join(SEVERITIES)}")
    parameters = _parse_parameters(path, fields.get("parameters", ""))
    returns = tuple(column.strip() for column in fields["returns"].split(","))
    bad_columns = [column for column in returns if not _COLUMN.match(column)]
    if bad_columns or len(set(returns)) != len(returns):
        raise QueryFileError(path, f"returns must be distinct lower_snake_case column names, got {fields['returns']!r}")
    mitre = _parse_mitre(path, fields.get("mitre", ""))
    if not body.strip():
        raise QueryFileError(path, "the header is not followed by a query")
    used = set(_PARAM_USE.findall(body))
    declared = {param.name for param in parameters}
    if used - declared:
        raise QueryFileError(path, f"the query uses undeclared parameters: {', '.join(sorted(used - declared))}")
    if declared - used:
        raise QueryFileError(path, f"declared parameters the query never uses: {', '.join(sorted(declared - used))}")
    return CannedQuery(
        id=query_id,
        title=fields["title"],
        category=fields["category"],
        severity=fields["severity"],
        description=fields["description"],
        parameters=parameters,
        returns=returns,
        mitre=mitre,
        text=text,
        path=path,
    )


def _parse_parameters(path: Path, text: str) -> tuple[QueryParam, ...]:
    if not text or text == "none":
        return ()
    params: list[QueryParam] = []
    for item in (part.strip() for part in text.split(";")):
        match = _PARAM.match(item)
        if not match:
            raise QueryFileError(
                path,
                f"cannot read parameter {item!r}: write `name (int|str|bool|list[ MIN..MAX], default VALUE): "
                "description` or `name (TYPE, required): description`, separated by `;`",
            )
        kind = match.group("type")
        if kind not in PARAM_TYPES:
            raise QueryFileError(path, f"parameter {match.group('name')}: type {kind!r} is not one of {PARAM_TYPES}")
        bounds = (match.group("min"), match.group("max"))
        if bounds[0] is not None and kind != "int":
            raise QueryFileError(path, f"parameter {match.group('name')}: only int parameters take bounds")
        param = QueryParam(
            name=match.group("name"),
            type=kind,
            default=None,
            description=match.group("description").strip(),
            required=match.group("required") is not None,
            minimum=int(bounds[0]) if bounds[0] is not None else None,
            maximum=int(bounds[1]) if bounds[1] is not None else None,
        )
        if not param.required:
            try:
                default = param.convert(_parse_default(kind, match.group("default")))
            except (QueryError, ValueError) as exc:
                raise QueryFileError(path, f"parameter {param.name}: bad default: {exc}") from None
            param = replace(param, default=default)
        if any(existing.name == param.name for existing in params):
            raise QueryFileError(path, f"parameter {param.name} is declared twice")
        params.append(param)
    return tuple(params)


def _parse_default(kind: str, raw: str) -> Any:
    raw = raw.strip()
    if kind == "str" and len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if kind == "list":
        return json.loads(raw)
    return raw


def _parse_mitre(path: Path, text: str) -> tuple[str, ...]:
    if not text or text == "none":
        return ()
    ids = tuple(part.strip() for part in text.split(","))
    bad = [technique for technique in ids if not _MITRE.match(technique)]
    if bad:
        raise QueryFileError(path, f"not MITRE ATT&CK technique ids (T1234 or T1234.001): {', '.join(bad)}")
    return ids


def _parse_value(kind: str, text: str) -> Any:
    if kind == "int":
        try:
            return int(text.strip())
        except ValueError:
            return text
    if kind == "bool":
        word = text.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else text
    if kind == "list":
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise ParamError(f"cannot read {text!r} as a JSON list: {exc}") from None
        return [item.strip() for item in stripped.split(",") if item.strip()]
    return text


def _is_type(kind: str, value: Any) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list | tuple) and all(isinstance(item, str | int | float | bool) for item in value)
    return isinstance(value, str)


def _format_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


# --------------------------------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------------------------------


def load_query(path: Path | str) -> CannedQuery:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(path, f"cannot read: {exc}") from None
    return parse_query(text, path)


def load_library(directory: Path | str = QUERY_DIR) -> dict[str, CannedQuery]:
    """Every query in `directory`, by id, ordered by category (as in CATEGORIES), then id."""
    return ordered_library(load_query(path) for path in sorted(Path(directory).glob("*.cypher")))


def ordered_library(queries: Iterable[CannedQuery]) -> dict[str, CannedQuery]:
    """`queries` by id, ordered by category (as in CATEGORIES), then id."""
    categories = list(CATEGORIES)
    ordered = sorted(queries, key=lambda query: (categories.index(query.category), query.id))
    return {query.id: query for query in ordered}


def get_query(query_id: str, directory: Path | str = QUERY_DIR) -> CannedQuery:
    library = load_library(directory)
    query = library.get(query_id)
    if query is None:
        near = [known for known in library if query_id.lower() in known or known in query_id.lower()]
        hint = f"; did you mean {', '.join(near)}?" if near else "; `bridgehead query list` shows them all"
        raise QueryError(f"no query {query_id!r}{hint}")
    return query


def search_queries(
    queries: Iterable[CannedQuery], category: str | None = None, text: str | None = None
) -> list[CannedQuery]:
    """Queries of one category and/or mentioning `text` (case-insensitive) in id, title or description."""
    if category is not None and category not in CATEGORIES:
        raise QueryError(f"no category {category!r}; use one of {', '.join(CATEGORIES)}")
    needle = (text or "").lower()
    return [
        query
        for query in queries
        if (category is None or query.category == category)
        and (not needle or needle in f"{query.id} {query.title} {query.description}".lower())
    ]


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """`["k=v", ...]` (the CLI's repeated `--param`) as a dict of strings."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"cannot read --param {item!r}: write NAME=VALUE")
        if name.strip() in params:
            raise ParamError(f"parameter {name.strip()} is given twice")
        params[name.strip()] = value
    return params


def bind_params(query: CannedQuery, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every declared parameter, converted to its type: given values, else defaults; unknown ones refused."""
    given = dict(params or {})
    unknown = sorted(set(given) - {param.name for param in query.parameters})
    if unknown:
        takes = ", ".join(param.name for param in query.parameters) or "no parameters"
        raise ParamError(f"query {query.id} has no parameter {', '.join(unknown)} (it takes {takes})")
    bound: dict[str, Any] = {}
    for param in query.parameters:
        if param.name in given:
            bound[param.name] = param.convert(given[param.name])
        elif param.required:
            raise ParamError(f"query {query.id} needs --param {param.name}=… ({param.description})")
        else:
            bound[param.name] = param.default
    return bound


def run_query(
    store: GraphStore,
    query: CannedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> QueryResult:
    """Run a canned query read-only (the database refuses writes) with checked parameters and a timeout."""
    bound = bind_params(query, params)
    started = time.perf_counter()
    rows = store.read(query.body, bound, timeout_ms=timeout_ms)
    elapsed_ms = (time.perf_counter() - started) * 1000
    ordered = [{column: row.get(column) for column in query.returns} | row for row in rows]
    return QueryResult(query, bound, ordered, elapsed_ms)


# --------------------------------------------------------------------------------------------------
# Relationship types
# --------------------------------------------------------------------------------------------------


def unknown_relationship_types(query: CannedQuery) -> list[str]:
    """The relationship types a query names that are neither attack edges nor structural edges (typos, or a
    type the catalogue dropped), as `file:line: ...` problems."""
    from graph.schema import ATTACK_EDGES, STRUCTURAL_EDGES

    problems = []
    for match in _REL_TYPES.finditer(query.text):
        names = [name.strip() for name in match.group("types").split("|")]
        unknown = [name for name in names if name not in ATTACK_EDGES and name not in STRUCTURAL_EDGES]
        if unknown:
            line = query.text.count("\n", 0, match.start()) + 1
            problems.append(f"{query.path.name}:{line}: unknown relationship types {unknown}")
    return problems


# --------------------------------------------------------------------------------------------------
# Docs
# --------------------------------------------------------------------------------------------------

DOCS_GENERATED_END = "<!-- end of the generated part: what follows is kept by `python -m queries.library --docs` -->"


def render_query_docs(queries: Iterable[CannedQuery] | None = None) -> str:
    """The library as Markdown (the generated part of docs/queries.md)."""
    library = list(queries if queries is not None else load_library().values())
    out = [
        "# Canned queries",
        "",
        "Generated from the headers of `queries/*.cypher` by `make generate`; edit the query files (or their",
        "templates in `queries/templates/`), not this part. Run one with `bridgehead query run ID --param k=v`;",
        "print it, pasteable into Neo4j Browser, with `bridgehead query show ID` (set its parameters there with",
        "`:param name => value`).",
        "",
        "| id | category | severity | title | parameters | MITRE |",
        "|---|---|---|---|---|---|",
    ]
    for query in library:
        params = ", ".join(f"`{param.name}`" + ("" if param.required else "?") for param in query.parameters)
        out.append(
            f"| [{query.id}](#{query.id}) | {query.category} | {query.severity} | {query.title} | "
            f"{params or '—'} | {', '.join(query.mitre) or '—'} |"
        )
    out += ["", "`?`: optional (has a default).", ""]
    for category, what in CATEGORIES.items():
        members = [query for query in library if query.category == category]
        if not members:
            continue
        out += [f"## {category}", "", what + ".", ""]
        for query in members:
            out += [f"### {query.id}", "", f"**{query.title}** · {query.severity}", "", query.description, ""]
            if query.parameters:
                out += ["Parameters:", ""]
                out += [f"- {param.describe()}" for param in query.parameters]
                out.append("")
            out.append(f"Returns: {', '.join(f'`{column}`' for column in query.returns)}.")
            if query.mitre:
                out.append(f"MITRE ATT&CK: {', '.join(query.mitre)}.")
            out += ["", f"File: `queries/{query.path.name}`", ""]
    out.append(DOCS_GENERATED_END)
    return "\n".join(out) + "\n"


def render_docs_page(queries: Mapping[str, CannedQuery], current: str | None) -> str:
    """docs/queries.md: the generated part for `queries`, then what follows it in `current` (the benchmark
    figures and notes, written by hand)."""
    rest = current.split(DOCS_GENERATED_END, 1)[1].lstrip("\n") if current and DOCS_GENERATED_END in current else ""
    return render_query_docs(queries.values()) + ("\n" + rest if rest else "")


def write_docs(path: Path = DOCS_PATH) -> None:
    """Regenerate the generated part of docs/queries.md and keep what follows it."""
    current = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text(render_docs_page(load_library(), current), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries.library", description="Maintain the query library.")
    parser.add_argument(
        "--docs", action="store_true", required=True, help="regenerate the generated part of docs/queries.md"
    )
    parser.parse_args(argv)
    try:
        write_docs()
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
