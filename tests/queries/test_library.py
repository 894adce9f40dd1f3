"""The query files themselves: headers, parameters, Neo4j's front-end, relationship types, the docs page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.cypher_lint import cypher_errors
from graph.schema import SHARED_LABELS
from queries.library import (
    DOCS_GENERATED_END,
    DOCS_PATH,
    QUERY_DIR,
    ParamError,
    QueryError,
    QueryFileError,
    bind_params,
    get_query,
    load_library,
    load_query,
    parse_assignments,
    parse_query,
    render_docs_page,
    render_query_docs,
    unknown_relationship_types,
)

HEADER = """// id: example
// title: Example
// category: exposure
// severity: high
// description: Something worth knowing,
//   continued on a second line.
// parameters: max_hops (int 1..12, default 8): hop limit; uid (str, required): the object;
//   names (list, default ["a", "b"]): some names; strict (bool, default false): be strict
// returns: uid, hops
// mitre: T1190, T1552.007
"""
BODY = "MATCH (n {uid: $uid}) WHERE $strict OR n.name IN $names\nRETURN n.uid AS uid, $max_hops AS hops\n"

# Every query needs marks or data to return rows; these are the ones that must see a path through the
# attack graph, for the traversal-list check.
MIN_QUERIES = {
    "internet-to-secrets", "internet-to-node-takeover", "internet-to-cluster-admin", "internet-to-cloud-admin",
    "workloads-to-cluster-admin", "who-can-read-secret", "blast-radius", "who-can-reach",
    "exposed-workloads-that-can-escape", "exec-into-kube-system", "risky-rbac-grants", "runtime-socket-mounts",
    "shortest-path", "privileged-containers-by-namespace", "owned-to-crown-jewels", "coverage-gaps",
    "cluster-admin-identities",
}  # fmt: skip


def write(tmp_path: Path, text: str, name: str = "example") -> Path:
    path = tmp_path / f"{name}.cypher"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------------------------------
# Header parsing
# --------------------------------------------------------------------------------------------------


def test_a_header_parses_into_a_typed_query(tmp_path: Path) -> None:
    query = load_query(write(tmp_path, HEADER + BODY))
    assert (query.id, query.title, query.category, query.severity) == ("example", "Example", "exposure", "high")
    assert query.description == "Something worth knowing, continued on a second line."
    assert query.returns == ("uid", "hops") and query.mitre == ("T1190", "T1552.007")
    by_name = {param.name: param for param in query.parameters}
    assert by_name["max_hops"].type == "int" and by_name["max_hops"].default == 8
    assert (by_name["max_hops"].minimum, by_name["max_hops"].maximum) == (1, 12)
    assert by_name["uid"].required and by_name["uid"].default is None
    assert by_name["names"].default == ["a", "b"] and by_name["strict"].default is False
    assert query.body == BODY and query.text == HEADER + BODY


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text.replace("// id: example\n", ""), "header lacks id"),
        (lambda text: text.replace("id: example", "id: other"), "must match the file name"),
        (lambda text: text.replace("id: example", "id: Example_1"), "lower-case words"),
        (lambda text: text.replace("category: exposure", "category: misc"), "category 'misc' is not one of"),
        (lambda text: text.replace("severity: high", "severity: severe"), "severity 'severe' is not one of"),
        (lambda text: text.replace("// returns: uid, hops\n", ""), "header lacks returns"),
        (lambda text: text.replace("returns: uid, hops", "returns: uid, Hops"), "lower_snake_case"),
        (lambda text: text.replace("mitre: T1190", "mitre: TA0001"), "not MITRE ATT&CK technique ids"),
        (lambda text: text.replace("(int 1..12, default 8)", "(integer, default 8)"), "type 'integer'"),
        (lambda text: text.replace("(int 1..12, default 8)", "(int, default eight)"), "bad default"),
        (lambda text: text.replace("(int 1..12, default 8)", "(int 1..12, default 20)"), "bad default"),
        (lambda text: text.replace("uid (str, required)", "uid (str)"), "cannot read parameter"),
        (lambda text: text.replace("(bool, default false)", "(bool 1..2, default false)"), "only int parameters"),
        (lambda text: text.replace("// severity: high", "// severity: high\n// owner: me"), "header line 5"),
        (lambda text: text.replace("// title: Example", "// title: Example\n// title: Again"), "appears twice"),
        (lambda text: text.replace("$max_hops AS hops", "$hops AS hops"), "undeclared parameters: hops"),
        (lambda text: text.replace("n.name IN $names", "true"), "never uses: names"),
        (lambda text: text.split("MATCH")[0], "not followed by a query"),
        (lambda text: "MATCH (n) RETURN n.uid AS uid\n", "no header"),
    ],
)
def test_a_bad_header_is_refused_naming_the_file(tmp_path: Path, change, message: str) -> None:
    path = write(tmp_path, change(HEADER + BODY))
    with pytest.raises(QueryFileError, match=re.escape(message)) as raised:
        load_query(path)
    assert str(path) in str(raised.value)


def test_the_library_refuses_a_bad_file_among_good_ones(tmp_path: Path) -> None:
    write(tmp_path, HEADER + BODY)
    bad = write(tmp_path, "// id: broken\nMATCH (n) RETURN n\n", name="broken")
    with pytest.raises(QueryFileError, match=re.escape(str(bad))):
        load_library(tmp_path)


def test_unknown_query_id_suggests_close_ones() -> None:
    with pytest.raises(QueryError, match="did you mean internet-to-secrets"):
        get_query("secrets")
    with pytest.raises(QueryError, match="query list"):
        get_query("nothing-like-it")


# --------------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------------


def test_parameters_from_strings_are_converted_to_their_declared_types() -> None:
    query = parse_query(HEADER + BODY, "example.cypher")
    bound = bind_params(query, parse_assignments(["uid=k8s:c:pod:a/b", "max_hops=3", "strict=yes", "names=x, y"]))
    assert bound == {"max_hops": 3, "uid": "k8s:c:pod:a/b", "names": ["x", "y"], "strict": True}
    assert bind_params(query, {"uid": "u", "names": '["p", "q"]'})["names"] == ["p", "q"]
    assert bind_params(query, {"uid": "u", "max_hops": 12, "strict": False}) == {
        "max_hops": 12, "uid": "u", "names": ["a", "b"], "strict": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "needs --param uid="),
        ({"uid": "u", "max_hops": "many"}, "max_hops takes int"),
        ({"uid": "u", "max_hops": "13"}, "between 1 and 12"),
        ({"uid": "u", "max_hops": True}, "max_hops takes int"),
        ({"uid": "u", "strict": "perhaps"}, "strict takes bool"),
        ({"uid": 7}, "uid takes str"),
        ({"uid": "u", "names": "[1, "}, "JSON list"),
        ({"uid": "u", "colour": "red"}, "has no parameter colour (it takes max_hops, uid, names, strict)"),
    ],
)
def test_bad_parameters_are_refused(params: dict, message: str) -> None:
    query = parse_query(HEADER + BODY, "example.cypher")
    with pytest.raises(ParamError, match=re.escape(message)):
        bind_params(query, params)


def test_param_assignments_need_a_name_and_an_equals_sign() -> None:
    assert parse_assignments(["a=b=c", "empty="]) == {"a": "b=c", "empty": ""}
    for bad in (["novalue"], ["=x"], ["a=1", "a=2"]):
        with pytest.raises(ParamError):
            parse_assignments(bad)


# --------------------------------------------------------------------------------------------------
# The shipped library
# --------------------------------------------------------------------------------------------------


def test_the_library_has_the_queries_the_issue_asks_for() -> None:
    library = load_library()
    assert set(library) >= MIN_QUERIES
    assert all(query.path.parent == QUERY_DIR for query in library.values())


def test_every_query_passes_neo4j_front_end() -> None:
    library = load_library()
    problems = cypher_errors([(query.id, query.text) for query in library.values()], check_functions=True)
    assert not problems, "\n".join(str(problem) for problem in problems)


def test_unknown_relationship_types_are_reported(tmp_path: Path) -> None:
    text = HEADER + BODY.replace("MATCH (n {uid: $uid})", "MATCH (n {uid: $uid})-[:CAN_FLY]->()")
    assert unknown_relationship_types(parse_query(text, tmp_path / "example.cypher")) == [
        "example.cypher:11: unknown relationship types ['CAN_FLY']"
    ]


def test_every_query_names_only_known_relationship_types() -> None:
    problems = [problem for query in load_library().values() for problem in unknown_relationship_types(query)]
    assert not problems, "\n".join(problems)


def test_kind_columns_drop_exactly_the_shared_labels() -> None:
    # `[l IN labels(n) WHERE NOT l IN [...]][0]` is a node's primary label: the list must be the schema's.
    shared = sorted(SHARED_LABELS)
    for query in load_library().values():
        for listed in re.findall(r"NOT l IN \[([^\]]*)\]", query.body):
            assert sorted(item.strip().strip("'") for item in listed.split(",")) == shared, query.id


def test_docs_page_documents_every_query_and_keeps_the_hand_written_part() -> None:
    # Whether docs/queries.md is current is tests/test_generated.py's question.
    library = load_library()
    page = render_docs_page(library, "old generated part\n" + DOCS_GENERATED_END + "\n\n## Benchmark\n")
    assert page.startswith(render_query_docs(library.values())) and page.endswith("\n## Benchmark\n")
    assert all(f"### {query_id}" in page for query_id in library)
    assert all(f"### {query_id}" in DOCS_PATH.read_text() for query_id in library)
