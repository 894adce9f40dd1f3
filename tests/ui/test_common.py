"""graph/ui/common.py: what the UI modules share."""

from __future__ import annotations

from graph.ui import common
from tests.ui.conftest import HOSTILE_NAME


def test_inert_keeps_text_but_breaks_links() -> None:
    assert common.inert(HOSTILE_NAME) == HOSTILE_NAME
    assert common.inert('<a href="https://evil.example">x</a>') == '<\u200ba href="https://evil.example">x</a>'
    assert common.inert('< A HREF="https://evil.example">x</a>').startswith("<\u200b A")
    assert common.inert(None) == ""
