"""Bad input of any shape gives the project's diagnostic error, never another exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from placement.errors import InvalidInput
from placement.lang import loads

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.place"))
VALID = [path.read_text(encoding="utf-8") for path in EXAMPLES]
WORDS = ["node", "resource", "location", "prefers", "avoids", "with", "apart", "from", "then", "order",
         "colocation", "clone", "of", "group", "{", "}", "(", ")", "[", "]", "inf", "-inf", "=", "\n",
         "    ", "#", '"', "meta", "uses", "every", "10s", "x=1", "ocf:heartbeat:Dummy", "alice", "and"]


def _loads_or_diagnostic(text: str) -> None:
    try:
        loads(text, "fuzz.place")
    except InvalidInput as error:
        assert error.diagnostics, "an InvalidInput must carry at least one diagnostic"
        for diagnostic in error.diagnostics:
            assert diagnostic.message


@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_a_diagnostic(text: str) -> None:
    _loads_or_diagnostic(text)


@given(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join))
def test_keyword_soup_never_raises_anything_but_a_diagnostic(text: str) -> None:
    _loads_or_diagnostic(text)


@given(st.sampled_from(VALID), st.data())
def test_mutated_examples_never_raise_anything_but_a_diagnostic(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 12))
        insert = data.draw(st.sampled_from([*WORDS, ""]))
        text = text[:at] + insert + text[at + cut:]
    _loads_or_diagnostic(text)
