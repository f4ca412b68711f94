"""Load the grammar and build the lark parsers the language uses.

The parsers are lark's (LALR tables, contextual lexer, tree builder or inline
transformer), with lark's main loop replaced through its plugin hook (the one
lark-cython uses) by `_Parser.parse_from_state`: it lexes with lark's own scanners and
feeds its own parse table and callbacks, in the same steps and order, but in one
function and with fewer calls per token; the model is built in about half the time.
Wherever lark raises (a character no token starts with, a token the grammar does not
expect), it hands over to lark's code in the same state, so tokens, trees and errors
are exactly lark's: ``tests/lang/test_inline.py`` holds them to stock lark. Only the lark
releases it was checked against use it (`TESTED_LARK`); any other, or one that moved the
internals this builds on, gets stock lark.

Building the LALR tables takes longer than parsing a whole configuration, so the built
parser is kept in the user's cache directory (`cache_path`) by lark's own ``cache=``
option: the file is named after a hash of the grammar, the options, and the lark and
Python versions, and lark checks the same hash again inside it, so a changed grammar
or upgrade is never served stale tables. Without a writable cache directory every
process builds the parser itself, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Transformer
from lark.lexer import BasicLexer, ContextualLexer

try:
    from lark.exceptions import UnexpectedInput
    from lark.parse_tree_builder import ExpandSingleChild
    from lark.parsers import lalr_parser
    from lark.parsers.lalr_analysis import Shift
    from lark.parsers.lalr_interactive_parser import InteractiveParser
    from lark.parsers.lalr_parser_state import ParserState
except ImportError:  # pragma: no cover - a lark that moved its internals
    lalr_parser = None


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
    """The LALR parser (built once) with a contextual lexer, building a lark tree.

    ``placement.lang.loads`` does not use it: it builds the model during the parse
    (`make_parser` with the builder as transformer, see `placement.lang.build`).
    """
    return make_parser()


def make_parser(transformer: Transformer | None = None) -> Lark:
    """A new LALR parser with a contextual lexer; with ``transformer``, its callbacks run inline.

    Positions come from tokens (every statement starts with a named keyword token), not
    from lark's ``propagate_positions``, which made parsing large files half again slower.
    The tables come from the cache when it has them (`cache_path`).
    """
    plugins: dict[str, Any] = {"LALR_Parser": _LALRParser} if fast_loop_supported() else {}
    text = grammar_text()
    options: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}
    path = cache_path(text, options)
    if path is not None:
        # lark reads the file if its hash matches, else builds and writes it (atomically when
        # the atomicwrites package is there); a file it cannot read it silently rebuilds.
        options["cache"] = str(path)
    return Lark(text, transformer=transformer, _plugins=plugins, **options)


def cache_directory() -> Path | None:
    """Where built parsers are kept: ``$PLACEMENT_CACHE_DIR``, else ``$XDG_CACHE_HOME/placement``,
    else ``~/.cache/placement``; created private to the user. None when it cannot be used
    (an empty ``PLACEMENT_CACHE_DIR`` turns the cache off)."""
    chosen = os.environ.get("PLACEMENT_CACHE_DIR")
    if chosen is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        chosen = os.path.join(base, "placement")
    if not chosen:
        return None
    directory = Path(chosen)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The cache holds pickles, which run code when loaded: only a directory of our own will do.
        info = directory.stat()
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            return None
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None


def cache_path(text: str, options: dict[str, Any]) -> Path | None:
    """The cache file of the parser for grammar ``text`` with ``options`` (None: no cache).

    >>> a = cache_path("start: 'a'", {"parser": "lalr"})
    >>> a is None or a != cache_path("start: 'b'", {"parser": "lalr"})
    True
    """
    directory = cache_directory()
    if directory is None:
        return None
    key = "\0".join([text, repr(sorted(options.items())), lark.__version__, sys.version,
                      str(fast_loop_supported())])
    return directory / f"parser-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.lark"


# lark releases the fast loop was checked against (tests/lang/test_inline.py holds it to stock
# lark): its internals are not an API, so a newer release gets stock lark until checked.
TESTED_LARK = ((1, 1, 9), (1, 4))


def fast_loop_supported(version: str | None = None) -> bool:
    """Whether this lark (or ``version``) is one the fast parse loop was checked against.

    >>> fast_loop_supported("1.3.1"), fast_loop_supported("1.4.0"), fast_loop_supported("1.1.8")
    (True, False, False)
    """
    if lalr_parser is None:
        return False
    found = tuple(int(part) for part in re.findall(r"\d+", version or lark.__version__)[:3])
    low, high = TESTED_LARK
    return low <= found < high


_new_token = getattr(Token, "_future_new", Token)
_UNIT = object()  # the callback of a one-symbol ?rule: its value is the symbol's


def _actions(states: dict, callbacks: dict) -> dict:
    """lark's parse table as {state: {symbol: (state to shift to, terminal callback)
    or (None, (length, callback, name) of the rule to reduce)}}.

    Symbols become plain strings: lark's are often its `Token`, whose ``__eq__`` is Python
    code that a dict lookup by a terminal name would call for every token.
    """
    table: dict = {}
    for state, row in states.items():
        table[state] = entries = {}
        for symbol, (action, arg) in row.items():
            if action is Shift:
                entries[str(symbol)] = (arg, callbacks.get(symbol))
                continue
            size = len(arg.expansion)
            callback = callbacks[arg] if callbacks else None
            if size == 1 and isinstance(callback, ExpandSingleChild):
                callback = _UNIT
            entries[str(symbol)] = (None, (size, callback, str(arg.origin.name)))
    return table


def _scanner(lexer: object) -> tuple | None:
    """What lexing with one of lark's basic lexers takes: (match, ignored types, newline
    types, callbacks), or None for a lexer this loop does not know how to run."""
    if type(lexer) is not BasicLexer:
        return None
    expressions = lexer.scanner._mres  # builds lark's scanner and its callbacks
    if len(expressions) != 1:
        return None  # a grammar too large for one expression
    return expressions[0].match, lexer.ignore_types, lexer.newline_types, lexer.callback


class _Scanners(dict):
    """{parser state: `_scanner` of the contextual lexer's lexer for it}, built on first use.

    Compiling every state's expression up front took longer than parsing a whole
    configuration; a parse visits a fraction of the states.
    """

    def __init__(self, lexer: ContextualLexer) -> None:
        super().__init__()
        self.lexer = lexer
        self.by_lexer: dict[int, tuple | None] = {}  # states share lexers: each built once

    def __missing__(self, state: int) -> tuple | None:
        basic = self.lexer.lexers[state]
        if id(basic) not in self.by_lexer:
            self.by_lexer[id(basic)] = _scanner(basic)
        self[state] = found = self.by_lexer[id(basic)]
        return found


class _Parser(lalr_parser._Parser if lalr_parser is not None else object):  # type: ignore[misc]
    """lark's LALR parser, whose loop lexes and feeds tokens in one function."""

    def __init__(self, parse_table, callbacks, debug=False):  # type: ignore[no-untyped-def]
        super().__init__(parse_table, callbacks, debug)
        self.actions = _actions(parse_table.states, callbacks)
        self.scanners: tuple[object, _Scanners] | None = None

    def _scanners(self, lexer: ContextualLexer) -> _Scanners:
        """{parser state: `_scanner` of its lexer}, each built when the parse first needs it."""
        cached = self.scanners
        if cached is None or cached[0] is not lexer:
            self.scanners = cached = (lexer, _Scanners(lexer))
        return cached[1]

    def parse_from_state(self, state, last_token=None):  # type: ignore[no-untyped-def]
        """lark's loop: lex a token with the lexer of the parser's state, feed it, repeat.

        Lexing is lark's ``BasicLexer.next_token``, feeding ``ParserState.feed_token``,
        step for step, with the line counter and the stacks in local variables.
        """
        lexer = getattr(state.lexer, "lexer", None)
        if type(lexer) is not ContextualLexer or type(state) is not ParserState or self.debug:
            return super().parse_from_state(state, last_token)
        scanners = self._scanners(lexer)
        lexer_state = state.lexer.state
        text = lexer_state.text
        if isinstance(text, str):  # lark before TextSlice
            source, end = text, len(text)
        else:
            source, end = text.text, text.end
        line_ctr = lexer_state.line_ctr
        pos = line_ctr.char_pos
        line = line_ctr.line
        line_start = line_ctr.line_start_pos
        state_stack = state.state_stack
        value_stack = state.value_stack
        actions = self.actions
        token = last_token
        try:
            while True:
                # Lex: the next token that is not ignored.
                scanner = scanners[state_stack[-1]]
                if scanner is None:  # a lexer this loop cannot run: lark's loop goes on from here
                    line_ctr.char_pos = pos
                    line_ctr.line = line
                    line_ctr.line_start_pos = line_start
                    line_ctr.column = pos - line_start + 1
                    return super().parse_from_state(state, token)
                match_at, ignore_types, newline_types, callback = scanner
                found = None
                while pos < end:
                    match = match_at(source, pos, end)
                    if match is None:
                        break
                    type_ = match.lastgroup
                    ignored = type_ in ignore_types
                    if ignored and type_ not in newline_types and type_ not in callback:
                        pos = match.end()  # spaces
                        continue
                    value = match.group()
                    start, start_line, start_column = pos, line, pos - line_start + 1
                    if type_ in newline_types:
                        newlines = value.count("\n")
                        if newlines:
                            line += newlines
                            line_start = pos + value.rindex("\n") + 1
                    pos += len(value)
                    if not ignored or type_ in callback:
                        found = _new_token(type_, value, start, start_line, start_column, line,
                                           pos - line_start + 1, pos)
                        if type_ in callback:
                            found = callback[type_](found)
                        if not ignored:
                            break
                        found = None
                if found is None:
                    line_ctr.char_pos = pos
                    line_ctr.line = line
                    line_ctr.line_start_pos = line_start
                    line_ctr.column = pos - line_start + 1
                    if pos >= end:
                        break
                    # No token here: lark's lexer raises its error.
                    found = next(lexer.lex(lexer_state, state))
                    pos = line_ctr.char_pos
                    line = line_ctr.line
                    line_start = line_ctr.line_start_pos
                token = lexer_state.last_token = found
                # Feed: reduce while the table says so, then shift the token.
                type_ = token.type
                while True:
                    try:
                        target, extra = actions[state_stack[-1]][type_]
                    except KeyError:
                        line_ctr.char_pos = pos
                        line_ctr.line = line
                        line_ctr.line_start_pos = line_start
                        line_ctr.column = pos - line_start + 1
                        state.feed_token(token)  # raises lark's UnexpectedToken
                        raise
                    if target is not None:
                        state_stack.append(target)
                        value_stack.append(token if extra is None else extra(token))
                        break
                    size, callback, origin = extra
                    if callback is _UNIT:  # the value stays; the state is the rule's
                        state_stack[-1] = actions[state_stack[-2]][origin][0]
                        continue
                    if size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        children = []
                    value = children if callback is None else callback(children)
                    state_stack.append(actions[state_stack[-1]][origin][0])
                    value_stack.append(value)
            end_token = Token.new_borrow_pos("$END", "", token) if token else Token("$END", "", 0, 1, 1)
            return state.feed_token(end_token, True)
        except UnexpectedInput as error:
            error.interactive_parser = InteractiveParser(self, state, state.lexer)
            raise


class _LALRParser(lalr_parser.LALR_Parser if lalr_parser is not None else object):  # type: ignore[misc]
    """lark's LALR parser with `_Parser` as its loop."""

    def __init__(self, parser_conf, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(parser_conf, *args, **kwargs)
        self.parser = _Parser(self._parse_table, parser_conf.callbacks, self.parser.debug)

    @classmethod
    def deserialize(cls, data, memo, callbacks, debug=False):  # type: ignore[no-untyped-def]
        """The parser loaded from lark's cache, with `_Parser` as its loop too."""
        inst = super().deserialize(data, memo, callbacks, debug)
        inst.parser = _Parser(inst._parse_table, callbacks, debug)
        return inst
