"""The documentation cannot rot: its examples parse, and it describes every statement."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from placement.errors import Severity
from placement.lang import parse
from placement.lang.grammar import parser

ROOT = Path(__file__).parents[1]
LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```place\n(.*?)```", LANGUAGE, flags=re.DOTALL)


def statement_keywords() -> set[str]:
    """The word each statement of the grammar starts with (cluster, node, fence-level …)."""
    lark = parser()
    statements = {str(e.name) for rule in lark.rules if rule.origin.name == "statement"
                  for e in rule.expansion}
    terminals = {t.name: t for t in lark.terminals}
    keywords = set()
    for rule in lark.rules:
        if rule.origin.name in statements and rule.expansion:
            first = terminals.get(rule.expansion[0].name)
            if first is not None and first.pattern.type == "str":
                keywords.add(first.pattern.value)
    return keywords


def test_the_docs_have_examples() -> None:
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example-{i}" for i in range(len(BLOCKS))])
def test_every_example_in_the_language_reference_is_valid(block: str) -> None:
    _, diagnostics = parse(block, "docs/language.md")
    assert not [str(d) for d in diagnostics if d.severity is Severity.ERROR]


def test_every_statement_of_the_grammar_has_a_section_with_an_example() -> None:
    keywords = statement_keywords()
    assert {"cluster", "node", "resource", "fence", "fence-level", "group", "clone", "promotable",
            "location", "colocation", "order", "stickiness", "defaults", "op-defaults"} <= keywords
    headings = set(re.findall(r"^## (.+)$", LANGUAGE, flags=re.MULTILINE))
    for keyword in keywords:
        assert any(keyword in heading.split() for heading in headings), f"no section for '{keyword}'"
        assert any(re.search(rf"^{re.escape(keyword)}\b", block, re.MULTILINE) for block in BLOCKS), \
            f"no example of '{keyword}'"
