"""Reading fields: each accessor names the field when the shape is wrong; label selectors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.records import as_json
from graph.selectors import SELECTOR_OPERATORS, selector_matches


class ObjectProblem(ValueError):
    """An object does not have the shape the Kubernetes API gives it; the object is skipped."""


def describe(value: Any) -> str:
    type_name = type(value).__name__
    article = "an" if type_name[0] in "aeiou" else "a"
    return f"{article} {type_name} ({value!r:.60})"


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise ObjectProblem(f"{path} is {describe(value)}, expected a mapping")


def sequence(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise ObjectProblem(f"{path} is {describe(value)}, expected a list")


def mappings(value: Any, path: str) -> list[Mapping[str, Any]]:
    items = sequence(value, path)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ObjectProblem(f"{path}[{index}] is {describe(item)}, expected a mapping")
    return items


def opt_str(value: Any, path: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ObjectProblem(f"{path} is {describe(value)}, expected a string")


def required_str(value: Any, path: str) -> str:
    text = opt_str(value, path)
    if not text:
        raise ObjectProblem(f"{path} is missing")
    return text


def opt_bool(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ObjectProblem(f"{path} is {describe(value)}, expected true or false")


def opt_int(value: Any, path: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ObjectProblem(f"{path} is {describe(value)}, expected an integer")


def str_list(value: Any, path: str) -> list[str]:
    items = sequence(value, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ObjectProblem(f"{path}[{index}] is {describe(item)}, expected a string")
    return items


def text_map(value: Any, path: str) -> dict[str, str]:
    """Labels, annotations, selectors: string to string. Hand-written YAML may leave `1` or `true`
    unquoted; the API would have them as text, so they are read as text."""
    result: dict[str, str] = {}
    for key, item in mapping(value, path).items():
        if isinstance(item, str):
            result[str(key)] = item
        elif isinstance(item, bool):
            result[str(key)] = "true" if item else "false"
        elif isinstance(item, int | float) or item is None:
            result[str(key)] = "" if item is None else str(item)
        else:
            raise ObjectProblem(f"{path}.{key} is {describe(item)}, expected a string")
    return result


def json_text(value: Any, path: str) -> str:
    try:
        return as_json(value)
    except (TypeError, ValueError) as exc:
        raise ObjectProblem(f"{path} holds a value that is not JSON ({exc})") from None


def json_text_or_none(value: Any, path: str) -> str | None:
    return None if value is None else json_text(value, path)


def epoch_ms(value: Any) -> int | None:
    """creationTimestamp as epoch milliseconds; a missing or unreadable time is left out (it is cosmetic)."""
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def local_object_names(value: Any, path: str) -> list[str]:
    return sorted_unique(
        name
        for index, item in enumerate(mappings(value, path))
        if (name := opt_str(item.get("name"), f"{path}[{index}].name"))
    )


# --------------------------------------------------------------------------------------------------
# Label selectors (Services, NetworkPolicies, ClusterRole aggregation)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector; the empty selector matches everything."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    expressions: tuple[tuple[str, str, frozenset[str]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return selector_matches(self.match_labels, self.expressions, labels)


def parse_label_selector(value: Any, path: str) -> LabelSelector:
    """A `metav1.LabelSelector` (matchLabels + matchExpressions); raises ObjectProblem when malformed."""
    selector = mapping(value, path)
    expressions: list[tuple[str, str, frozenset[str]]] = []
    for index, expression in enumerate(mappings(selector.get("matchExpressions"), f"{path}.matchExpressions")):
        where = f"{path}.matchExpressions[{index}]"
        key = required_str(expression.get("key"), f"{where}.key")
        operator = required_str(expression.get("operator"), f"{where}.operator")
        values = str_list(expression.get("values"), f"{where}.values")
        if operator not in SELECTOR_OPERATORS:
            raise ObjectProblem(f"{where}.operator {operator!r} is not one of {', '.join(sorted(SELECTOR_OPERATORS))}")
        if operator in ("In", "NotIn") and not values:
            raise ObjectProblem(f"{where}: operator {operator} needs values")
        expressions.append((key, operator, frozenset(values)))
    match_labels = text_map(selector.get("matchLabels"), f"{path}.matchLabels")
    return LabelSelector(match_labels, tuple(expressions))
