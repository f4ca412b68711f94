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
    """The LALR parser (built once) with a contextual lexer.

    Positions come from tokens (every statement starts with a named keyword token), not
    from lark's ``propagate_positions``, which made parsing large files half again slower.
    """
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=True)
