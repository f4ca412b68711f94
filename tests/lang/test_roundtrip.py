"""Formatting is canonical and lossless: parse(fmt(c)) == c and fmt is idempotent."""

from __future__ import annotations

from hypothesis import given

from placement.lang import dumps, parse
from placement.model import Config
from tests.lang.strategies import configs


@given(configs())
def test_formatted_text_parses_back_to_the_same_configuration(config: Config) -> None:
    text = dumps(config)
    parsed, _ = parse(text)
    assert parsed == config, text


@given(configs())
def test_formatting_is_idempotent(config: Config) -> None:
    text = dumps(config)
    assert dumps(parse(text)[0]) == text


@given(configs())
def test_generated_configurations_have_no_reference_errors(config: Config) -> None:
    # The generator only references names it defines, so no "does not exist" may appear:
    # this guards the checker against false alarms on every statement kind.
    _, diagnostics = parse(dumps(config))
    assert not [d for d in diagnostics if "does not exist" in d.message]
