"""Load the grammar and build the lark parsers the language uses.

The parsers run lark's own LALR tables and lexers, with two of lark's inner loops
replaced by tighter ones (lark's plugin hooks, as lark-cython uses them): the lexer's
``next_token`` and the parser's ``feed_token``. They take the same steps in the same
order, call the same callbacks and hand every error back to lark's own code, so tokens,
trees and errors are exactly lark's (``tests/lang/test_inline.py`` holds them to stock
lark); they spend about half the time. Should a lark release move the internals they
build on, the stock classes are used instead.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.lexer import BasicLexer, ContextualLexer

try:
    from lark.exceptions import UnexpectedInput
    from lark.parse_tree_builder import ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift
    from lark.parsers.lalr_interactive_parser import InteractiveParser
    from lark.parsers.lalr_parser import LALR_Parser, _Parser
    from lark.parsers.lalr_parser_state import ParseConf, ParserState
except ImportError:  # pragma: no cover - a lark that moved its internals
    _TIGHT = False
else:
    _TIGHT = True


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
    """
    plugins: dict[str, Any] = {"ContextualLexer": _ContextualLexer, "LALR_Parser": _LALRParser} if _TIGHT else {}
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=True,
                transformer=transformer, _plugins=plugins)


_new_token = getattr(Token, "_future_new", Token)


class _BasicLexer(BasicLexer):
    """lark's lexer for one parser state, with its loop tightened: the same tokens, faster.

    lark's ``next_token`` spends most of its time in calls (the scanner property, its
    ``match``, the line counter's ``feed``), made again for each ignored space. This one
    runs the same scanner over the same text, keeps the line and column in local
    variables and writes them back to lark's line counter before returning. Anything
    it does not expect (no match: a lexical error) goes to lark's own ``next_token``
    at the same position, which raises exactly what it always did.
    """

    def next_token(self, lex_state, parser_state=None):  # type: ignore[no-untyped-def]
        try:
            match_at, ignore_types, newline_types, callback = self._tight
        except AttributeError:
            self._tight = self._prepare()
            return self.next_token(lex_state, parser_state)
        except TypeError:  # a scanner of several expressions (a large grammar): lark's way
            return super().next_token(lex_state, parser_state)
        text = lex_state.text
        if isinstance(text, str):  # lark before TextSlice
            source, end = text, len(text)
        else:
            source, end = text.text, text.end
        line_ctr = lex_state.line_ctr
        pos = line_ctr.char_pos
        line = line_ctr.line
        line_start = line_ctr.line_start_pos
        token = None
        while pos < end:
            match = match_at(source, pos, end)
            if match is None:
                break  # no token here: lark raises the error
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
                token = _new_token(type_, value, start, start_line, start_column, line,
                                   pos - line_start + 1, pos)
                if type_ in callback:
                    token = callback[type_](token)
                if not ignored:
                    break
                token = None
        line_ctr.char_pos = pos
        line_ctr.line = line
        line_ctr.line_start_pos = line_start
        line_ctr.column = pos - line_start + 1
        if token is None:
            return super().next_token(lex_state, parser_state)  # the end, or an error
        lex_state.last_token = token
        return token

    def _prepare(self) -> tuple | None:
        expressions = self.scanner._mres  # builds lark's scanner and callbacks
        if len(expressions) != 1:
            return None
        return expressions[0].match, self.ignore_types, self.newline_types, self.callback


class _ContextualLexer(ContextualLexer):
    """lark's contextual lexer (one `_BasicLexer` per parser state)."""

    BasicLexer = _BasicLexer

    def scanners(self) -> dict | None:
        """{parser state: its lexer's (match, ignored, newline types, callbacks)}, or None."""
        try:
            return self._scanners
        except AttributeError:
            pass
        prepared = {id(lexer): lexer._prepare() for lexer in self.lexers.values()}
        scanners = {state: prepared[id(lexer)] for state, lexer in self.lexers.items()}
        self._scanners = None if None in scanners.values() else scanners
        return self._scanners


if not _TIGHT:  # pragma: no cover
    ParseConf = ParserState = _Parser = LALR_Parser = object  # type: ignore[assignment, misc]


class _ParseConf(ParseConf):
    __slots__ = ("actions",)


class _ParserState(ParserState):
    """lark's parser state, with ``feed_token`` tightened: the same shifts, reductions, callbacks.

    lark's looks each action up by terminal name, then the reduced rule's callback by the
    rule (hashed and compared in Python) and asserts on every step. This one reads the
    same table, prepared once (`_actions`) with each rule's length, callback and name.
    Where lark would raise (no action for the token) or finish (the end of input), it
    hands over to lark's own ``feed_token`` in the same state.
    """

    __slots__ = ()

    def feed_token(self, token: Token, is_end: bool = False) -> object:
        if is_end:
            return super().feed_token(token, is_end)
        state_stack = self.state_stack
        value_stack = self.value_stack
        actions = self.parse_conf.actions  # type: ignore[attr-defined]
        type_ = token.type
        while True:
            try:
                target, extra = actions[state_stack[-1]][type_]
            except KeyError:
                return super().feed_token(token)  # raises lark's UnexpectedToken
            if target is not None:
                state_stack.append(target)
                value_stack.append(token if extra is None else extra(token))
                return None
            size, callback, origin = extra
            if callback is _UNIT:
                value = value_stack.pop()
                state_stack.pop()
            else:
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = children if callback is None else callback(children)
            state_stack.append(actions[state_stack[-1]][origin][0])
            value_stack.append(value)


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
                callback = _UNIT  # a ?rule of one symbol: its value is that symbol's
            entries[str(symbol)] = (None, (size, callback, str(arg.origin.name)))
    return table


_UNIT = object()


class _FastParser(_Parser):
    """lark's LALR parser loop, feeding tokens to a `_ParserState`."""

    def __init__(self, parse_table, callbacks, debug=False):  # type: ignore[no-untyped-def]
        super().__init__(parse_table, callbacks, debug)
        self.actions = _actions(parse_table.states, callbacks)

    def parse(self, lexer, start, value_stack=None, state_stack=None,  # type: ignore[no-untyped-def]
              start_interactive=False):
        parse_conf = _ParseConf(self.parse_table, self.callbacks, start)
        parse_conf.actions = self.actions
        parser_state = _ParserState(parse_conf, lexer, state_stack, value_stack)
        if start_interactive:
            return InteractiveParser(self, parser_state, parser_state.lexer)
        return self.parse_from_state(parser_state)

    def parse_from_state(self, state, last_token=None):  # type: ignore[no-untyped-def]
        """lark's loop (lex a token in the parser's state, feed it to the parser), in one function.

        The lexing is `_BasicLexer.next_token`'s, the feeding `_ParserState.feed_token`'s.
        """
        lexer = getattr(state.lexer, "lexer", None)
        if type(state) is not _ParserState or type(lexer) is not _ContextualLexer or self.debug:
            return super().parse_from_state(state, last_token)
        scanners = lexer.scanners()
        if scanners is None:
            return super().parse_from_state(state, last_token)
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
                # Lex the next token with the lexer of the parser's state.
                match_at, ignore_types, newline_types, callback = scanners[state_stack[-1]]
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
                    # No token here: lark's lexer raises its error (or finds what it finds).
                    found = next(ContextualLexer.lex(lexer, lexer_state, state))
                    pos = line_ctr.char_pos
                    line = line_ctr.line
                    line_start = line_ctr.line_start_pos
                token = lexer_state.last_token = found
                # Feed it to the parser: reduce, then shift.
                type_ = token.type
                while True:
                    try:
                        target, extra = actions[state_stack[-1]][type_]
                    except KeyError:
                        line_ctr.char_pos = pos
                        line_ctr.line = line
                        line_ctr.line_start_pos = line_start
                        line_ctr.column = pos - line_start + 1
                        ParserState.feed_token(state, token)  # raises lark's UnexpectedToken
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


class _LALRParser(LALR_Parser):
    """lark's LALR parser with `_ParserState` in place of lark's."""

    def __init__(self, parser_conf, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(parser_conf, *args, **kwargs)
        self.parser = _FastParser(self._parse_table, parser_conf.callbacks, self.parser.debug)
