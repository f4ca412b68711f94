"""Building during the parse gives what building from the tree gave, in any thread.

`placement.lang.loads` builds the model while lark parses (`build_text`), with lark's
main loop replaced by a tighter one (`placement.lang.grammar`). These tests hold both to
the plain way: stock lark's tree, then `Builder.transform`.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sys
import threading
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from placement.errors import Diagnostic, InvalidInput
from placement.lang import parse
from placement.lang.build import build, build_text
from placement.lang.grammar import grammar_text, parser
from placement.lang.syntax import parse_tree, parse_with

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.place"))
DOC_BLOCKS = re.findall(r"```place\n(.*?)```", (ROOT / "docs" / "language.md").read_text(encoding="utf-8"),
                        flags=re.DOTALL)
TEXTS = [path.read_text(encoding="utf-8") for path in EXAMPLES] + DOC_BLOCKS
WORDS = ["node", "resource", "location", "prefers", "avoids", "with", "apart", "from", "then", "order",
         "colocation", "clone", "of", "group", "{", "}", "(", ")", "[", "]", "inf", "-inf", "=", "\n",
         "    ", "#", '"', "meta", "uses", "every", "10s", "x=1", "ocf:heartbeat:Dummy", "alice", "and",
         "set", "promoted", "start", "score", "capacity", "fence", "stonith:x", "for", "not", "==",
         "score-attribute", "99999999", "\t", "\r\n", "\u00a0", ":", "pattern", "stickiness", "or"]


def deep(value: object) -> object:
    """Everything in ``value``, spans included (model equality leaves spans out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                *((f.name, deep(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, (dict, MappingProxyType)):
        return ("map", *((deep(k), deep(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(deep(item) for item in value))
    if isinstance(value, enum.Enum):
        return repr(value)
    return (type(value).__name__, value)


def stock_parser() -> Lark:
    """The grammar in lark as it comes, with lark's own loop."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=True)


STOCK = stock_parser()


def outcome_via_tree(text: str, path: str) -> object:
    """The old way: stock lark's tree, then the builder over it."""
    try:
        config, problems = build(parse_with(STOCK, text, path), path)
    except InvalidInput as error:
        return ("invalid", list(error.diagnostics))
    return ("ok", deep(config), problems)


def outcome_inline(text: str, path: str) -> object:
    try:
        config, problems = build_text(text, path)
    except InvalidInput as error:
        return ("invalid", list(error.diagnostics))
    return ("ok", deep(config), problems)


def tokens_and_shape(tree: object) -> object:
    if isinstance(tree, Tree):
        return (str(tree.data), [tokens_and_shape(child) for child in tree.children])
    if isinstance(tree, Token):
        return (tree.type, str(tree), tree.start_pos, tree.line, tree.column, tree.end_line,
                tree.end_column, tree.end_pos)
    return tree


def mutate(text: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 12))
        insert = data.draw(st.sampled_from([*WORDS, ""]))
        text = text[:at] + insert + text[at + cut:]
    return text


@pytest.mark.parametrize("text", TEXTS, ids=[p.name for p in EXAMPLES] + [f"doc-{i}" for i in range(len(DOC_BLOCKS))])
def test_building_inline_gives_the_same_config_and_problems(text: str) -> None:
    inline = outcome_inline(text, "x.place")
    assert inline[0] == "ok"
    assert inline == outcome_via_tree(text, "x.place")


@given(st.sampled_from(TEXTS), st.data())
def test_mutated_text_builds_and_fails_the_same_inline(text: str, data: st.DataObject) -> None:
    text = mutate(text, data)
    assert outcome_inline(text, "m.place") == outcome_via_tree(text, "m.place")


@given(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join))
def test_keyword_soup_fails_the_same_inline(text: str) -> None:
    assert outcome_inline(text, "s.place") == outcome_via_tree(text, "s.place")


@given(st.sampled_from(TEXTS), st.data())
def test_the_tight_loop_makes_the_same_tree_and_errors_as_stock_lark(text: str, data: st.DataObject) -> None:
    text = mutate(text, data) + "\n"

    def run(lark: Lark) -> object:
        try:
            return ("tree", tokens_and_shape(lark.parse(text)))
        except UnexpectedInput as error:
            # Not str(error): it lists the expected terminals in a set's order.
            found = getattr(error, "token", None)
            return ("error", type(error).__name__, error.line, error.column,
                    tokens_and_shape(found) if found is not None else getattr(error, "char", None),
                    sorted(getattr(error, "expected", None) or getattr(error, "allowed", None) or ()))

    assert run(parser()) == run(STOCK)


def test_resuming_after_an_error_goes_on_as_stock_lark_does() -> None:
    # lark's on_error resumes the loop from the middle of a parse.
    text = "node alice\nresource ( vip ocf:heartbeat:IPaddr2\nlocation vip prefers alice 50\n"

    def run(lark: Lark) -> object:
        seen: list[object] = []

        def skip(error: UnexpectedInput) -> bool:
            seen.append((type(error).__name__, error.line, error.column))
            return True

        return tokens_and_shape(lark.parse(text, on_error=skip)), seen

    tree, seen = run(parser())
    assert seen
    assert (tree, seen) == run(STOCK)


def test_parse_tree_still_gives_a_lark_tree() -> None:
    tree = parse_tree("node alice\nresource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5\n", "t.place")
    assert isinstance(tree, Tree)
    config, problems = build(tree, "t.place")
    assert list(config.nodes) == ["alice"] and not problems


def test_a_syntax_error_after_built_statements_reports_only_the_syntax_error() -> None:
    # The statements before the error were built (one with a problem) during the parse.
    text = "clone c of x bogus=1\nnode alice\nresource (\n"
    outcome = outcome_inline(text, "e.place")
    assert outcome[0] == "invalid"
    assert [(d.span.line, d.span.file) for d in outcome[1]] == [(3, "e.place")]
    assert outcome == outcome_via_tree(text, "e.place")


def _text_with_problems(name: str, count: int) -> str:
    lines = [f"node {name}{i} bogus{i}" for i in range(count)]
    lines += [f"resource {name}r{i} ocf:heartbeat:Dummy meta stickiness=x{i}" for i in range(count)]
    return "\n".join(lines) + "\n"


def test_parses_in_threads_keep_their_own_paths_and_diagnostics() -> None:
    texts = {f"file{k}.place": _text_with_problems(f"t{k}x", 150) for k in range(4)}
    expected = {path: parse(text, path)[1] for path, text in texts.items()}
    results: dict[str, list[list[Diagnostic]]] = {path: [] for path in texts}
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(texts))

    def work(path: str) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                results[path].append(parse(texts[path], path)[1])
        except BaseException as error:
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-parse
    try:
        threads = [threading.Thread(target=work, args=(path,)) for path in texts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures
    for path, runs in results.items():
        assert len(expected[path]) >= 300
        assert all(d.span.file == path for d in expected[path] if d.span is not None)
        assert runs == [expected[path]] * 3
