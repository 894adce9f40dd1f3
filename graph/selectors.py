"""Kubernetes label selectors (`metav1.LabelSelector`), matched the way the API server matches them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

SELECTOR_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})

Expression = tuple[str, str, Collection[str]]  # key, operator, values


def selector_matches(
    match_labels: Mapping[str, str], expressions: Iterable[Expression], labels: Mapping[str, str]
) -> bool:
    """Every matchLabels pair and every expression must hold; the empty selector matches everything. NotIn and
    DoesNotExist also match objects without the key. Operators are checked where selectors are parsed."""
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for key, operator, values in expressions:
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True
