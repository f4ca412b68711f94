"""Load the grammar and build the one lark parser the language uses."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark


def grammar_text() -> str:
    """The grammar: the copy packaged in the wheel, else the checkout's ``grammar/``.

    Editable installs import from the source tree, which has no ``_data/``.
    """
    packaged = resources.files("placement") / "_data" / "placement.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "placement.lark"
    return checkout.read_text(encoding="utf-8")


@cache
def parser() -> Lark:
    """The LALR parser (built once): contextual lexer, positions kept for diagnostics."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )
