"""The built parser is cached per grammar: reused when it matches, never when the grammar changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from placement.lang import dumps, grammar
from placement.lang.build import _InlineBuilder, build_text

SEED = Path(__file__).resolve().parents[2] / "examples" / "kvm.place"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("PLACEMENT_CACHE_DIR", str(directory))
    return directory


def loaded_from_cache(parser: object) -> bool:
    # lark names a parser it deserialized so; one it built keeps the grammar's source path.
    return getattr(parser, "source_path", None) == "<deserialized>"


def test_the_second_build_loads_the_cached_tables(cache: Path) -> None:
    first = grammar.make_parser()
    assert not loaded_from_cache(first)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith("parser-")
    second = grammar.make_parser()
    assert loaded_from_cache(second)
    tree = "node alice\nresource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5\n"
    assert first.parse(tree) == second.parse(tree)


def test_a_cached_inline_parser_builds_the_same_model(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = SEED.read_text(encoding="utf-8")
    fresh = grammar.make_parser(transformer=_InlineBuilder())
    cached = grammar.make_parser(transformer=_InlineBuilder())
    assert loaded_from_cache(cached)
    # The fast loop is kept on the cached parser (lark's deserialize bypasses __init__).
    if grammar.fast_loop_supported():
        assert type(cached.parser.parser.parser) is grammar._Parser
    results = []
    for parser in (fresh, cached):
        monkeypatch.setattr("placement.lang.build.inline_parser", lambda parser=parser: parser)
        config, problems = build_text(text, "kvm.place")
        results.append((dumps(config), problems))
    assert results[0] == results[1]


def test_a_changed_grammar_is_never_served_stale_tables(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = grammar.grammar_text()
    grammar.make_parser()
    changed = original + "\n// a comment changes the hash\n"
    monkeypatch.setattr(grammar, "grammar_text", lambda: changed)
    rebuilt = grammar.make_parser()
    assert not loaded_from_cache(rebuilt)
    assert len(list(cache.iterdir())) == 2  # one file per grammar
    assert grammar.cache_path(original, {}) != grammar.cache_path(changed, {})


def test_a_cache_file_that_does_not_match_is_rebuilt(cache: Path) -> None:
    # lark checks the grammar's hash inside the file too: a file renamed or left by another
    # version under this name is not loaded.
    text = grammar.grammar_text()
    grammar.make_parser()
    (path,) = cache.iterdir()
    path.write_bytes(b"0" * 64 + b"\nnot a pickle")
    parser = grammar.make_parser()
    assert not loaded_from_cache(parser)
    assert parser.parse("node a\n") is not None
    assert text == grammar.grammar_text()


@pytest.mark.parametrize("setting", ["", "file", "shared"])
def test_no_usable_cache_directory_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  setting: str) -> None:
    target = tmp_path / "c"
    if setting == "file":
        target.write_text("in the way", encoding="utf-8")
    elif setting == "shared":
        target.mkdir()
        target.chmod(0o777)  # others could plant a pickle: not used
    monkeypatch.setenv("PLACEMENT_CACHE_DIR", "" if not setting else str(target))
    assert grammar.cache_directory() is None
    parser = grammar.make_parser()
    assert not loaded_from_cache(parser)
    assert parser.parse("node a\n") is not None


def test_the_cache_directory_is_private(cache: Path) -> None:
    grammar.make_parser()
    assert os.stat(cache).st_mode & 0o077 == 0
