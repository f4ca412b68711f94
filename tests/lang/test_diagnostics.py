"""Every diagnostic: position, wording, and that all problems are reported at once."""

from __future__ import annotations

import importlib

import pytest

from placement.errors import InvalidInput, Severity
from placement.lang import loads, parse

HEADER = "cluster fencing=off\nnode alice\nnode bob\n"


def errors_of(text: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        loads(text, "t.place")
    return [str(d) for d in caught.value.diagnostics]


def warnings_of(text: str) -> list[str]:
    _, diagnostics = parse(text, "t.place")
    assert not [d for d in diagnostics if d.severity is Severity.ERROR], diagnostics
    return [d.message for d in diagnostics if d.severity is Severity.WARNING]


# ---------------------------------------------------------------------------- syntax


def test_syntax_error_names_what_was_expected_in_words_with_a_caret() -> None:
    (message,) = errors_of("node alice\nresource xray ocf:heartbeat:Dummy\nlocation xray prefers alice fifty\n")
    first, source, caret = message.splitlines()
    assert first == "t.place:3:29: error: expected a score or 'inf' after 'prefers alice', got 'fifty'"
    assert source.strip() == "location xray prefers alice fifty"
    assert caret.index("^") == source.index("fifty")


def test_misspelled_keyword_lists_the_keywords_that_fit() -> None:
    (message,) = errors_of("colocation a wth b\n")
    assert "t.place:1:14: error: expected 'apart', ':', 'with' or a role" in message
    assert "got 'wth'" in message


def test_statement_ending_early_says_end_of_line() -> None:
    (message,) = errors_of("node alice\nlocation x prefers\n")
    assert message.startswith("t.place:2:19: error: expected '(', a name or a quoted name after 'x prefers', "
                              "got end of line")


def test_unknown_statement_word() -> None:
    (message,) = errors_of("nod alice\n")
    assert message.startswith("t.place:1:1: error: expected ")
    assert "'node'" in message and "got 'nod'" in message


def test_unclosed_parenthesis_and_unterminated_block() -> None:
    assert "expected 'and', 'as', 'or' or ')'" in errors_of("location x prefers (a == 1\n")[0]
    assert "got end of file" in errors_of("resource x ocf:heartbeat:Dummy {\n  monitor every 10s\n")[0]


def test_unexpected_character() -> None:
    (message,) = errors_of("node alice ; bob\n")
    assert message.startswith("t.place:1:12: error: ") and message.splitlines()[0].endswith("got ';'")
    (message,) = errors_of("node a\xa0b\n")
    assert message.startswith("t.place:1:7: error: unexpected invisible character U+00A0 after 'node a'")


# ---------------------------------------------------------------------------- semantic


def test_all_semantic_problems_are_reported_at_once_in_line_order() -> None:
    messages = errors_of(HEADER + "resource xray ocf:heartbeat:Dummy\n"
                         "location xray prefers alcie 10\n"
                         "colocation xrya with xray\n"
                         "order xray then zulu\n")
    assert [m.splitlines()[0] for m in messages] == [
        "t.place:5:23: error: location: node 'alcie' does not exist (did you mean 'alice'?)",
        "t.place:6:12: error: colocation: resource 'xrya' does not exist (did you mean 'xray'?)",
        "t.place:7:17: error: order: resource 'zulu' does not exist",
    ]


def test_duplicate_names() -> None:
    messages = errors_of(HEADER + "node alice\nresource x ocf:heartbeat:Dummy\nresource x ocf:heartbeat:Dummy\n"
                         "location l: x prefers alice\nlocation l: x prefers bob\n")
    assert any("node 'alice' is defined twice (first defined at line 2)" in m for m in messages)
    assert any("resource 'x' is defined twice (first defined at line 5)" in m for m in messages)
    assert any("constraint 'l' is defined twice (first defined at line 7)" in m for m in messages)


def test_resource_in_two_groups_and_clone_of_a_clone() -> None:
    messages = errors_of(HEADER + "resource a ocf:heartbeat:Dummy\ngroup g1 of a\ngroup g2 of a\n"
                         "resource b ocf:heartbeat:Dummy\nclone c1 of b\nclone c2 of c1\n")
    assert any("resource 'a' is in more than one container: group 'g1' and group 'g2'" in m for m in messages)
    assert any("clone 'c2' clones 'c1', which is already a clone" in m for m in messages)
    assert any("resource 'c1' is in more than one container" not in m for m in messages)


def test_group_of_a_group_is_rejected() -> None:
    messages = errors_of(HEADER + "resource a ocf:heartbeat:Dummy\ngroup g1 of a\ngroup g2 of g1\n")
    assert any("member 'g1' is not a primitive" in m for m in messages)


def test_mandatory_order_cycle_names_the_cycle_and_lines() -> None:
    messages = errors_of(HEADER + "resource a ocf:heartbeat:Dummy\nresource b ocf:heartbeat:Dummy\n"
                         "resource c ocf:heartbeat:Dummy\norder a then b\norder b then c\norder c then a\n")
    (message,) = messages
    assert "mandatory orders form a cycle: a start then b start then c start then a start (lines 7, 8, 9)" \
        in message


def test_optional_orders_do_not_form_a_cycle() -> None:
    assert warnings_of(HEADER + "resource a ocf:heartbeat:Dummy\nresource b ocf:heartbeat:Dummy\n"
                       "order a then b\norder b then a optional\n") == []


def test_roles_and_actions_need_a_promotable_resource() -> None:
    messages = errors_of(HEADER + "resource a ocf:heartbeat:Dummy\nresource b ocf:heartbeat:Dummy\n"
                         "colocation a with b promoted\norder a promote then b\n"
                         "location a promoted prefers alice\n")
    assert any("'b' is not promotable, so it has no promoted role" in m for m in messages)
    assert any("'a' is not promotable, so it cannot promote" in m for m in messages)
    assert any("location: 'a' is not promotable" in m for m in messages)


def test_bad_values_units_and_unknown_options() -> None:
    messages = errors_of("cluster strategy=fastest fencing=off\nnode a capacity memory=64X\n"
                         "resource r ocf:heartbeat:Dummy meta priority=high stickyness=3 {\n"
                         "  monitor every 10q\n}\nclone c of r interleaf\n")
    joined = "\n".join(messages)
    assert "cluster option 'strategy': expected one of default | utilization | minimal | balanced" in joined
    assert "capacity 'memory': expected an amount like 16, 512M or 64G, got '64X'" in joined
    assert "meta option 'priority': expected a whole number, got 'high'" in joined
    assert "unknown meta option 'stickyness' (did you mean 'stickiness'?)" in joined
    assert "operation every: expected a duration like 10s, 500ms, 2m or 1h, got '10q'" in joined
    assert "unknown clone option 'interleaf' (did you mean 'interleave'?)" in joined


def test_unknown_fence_targets_and_levels() -> None:
    messages = errors_of(HEADER + "fence f stonith:fence_dummy for alcie\nresource x ocf:heartbeat:Dummy\n"
                         "fence-level 1 bob g\nfence-level 1 alice x\n")
    joined = "\n".join(messages)
    assert "fence 'f': node 'alcie' does not exist (did you mean 'alice'?)" in joined
    assert "fence device 'g' does not exist" in joined
    assert "'x' is not a fence device" in joined


def test_zero_colocation_warns_and_apart_with_negative_score_is_an_error() -> None:
    base = HEADER + "resource a ocf:heartbeat:Dummy\nresource b ocf:heartbeat:Dummy\n"
    assert warnings_of(base + "colocation a with b 0\n") == ["a colocation with score 0 has no effect "
                                                             "(Pacemaker ignores it)"]
    joined = "\n".join(errors_of(base + "colocation a apart from b -5\n"))
    assert "'apart from' takes a positive score" in joined


# ---------------------------------------------------------------------------- warnings


def test_contradictory_colocations_warn_that_the_resource_cannot_run() -> None:
    warnings = warnings_of(HEADER + "resource a ocf:heartbeat:Dummy\nresource b ocf:heartbeat:Dummy\n"
                           "colocation a with b\ncolocation a apart from b\n")
    assert warnings == ["'a' must run with 'b' and apart from it: 'a' can never run"]


def test_banned_from_every_node_warns() -> None:
    warnings = warnings_of(HEADER + "resource a ocf:heartbeat:Dummy\nlocation a avoids alice\nlocation a avoids bob\n")
    assert warnings == ["'a' avoids every node: it can never run"]


def test_fencing_without_a_device_warns() -> None:
    warnings = warnings_of("node alice\nresource a ocf:heartbeat:Dummy\n")
    assert len(warnings) == 1 and "fencing is on but no fence device is configured" in warnings[0]


def test_role_checks_derive_the_hierarchy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # One Hierarchy per question made checking many role constraints quadratic.
    check_module = importlib.import_module("placement.lang.check")  # the package's `check` is the function

    made = []
    real = check_module.Hierarchy

    def counting(config):  # type: ignore[no-untyped-def]
        made.append(config)
        return real(config)

    monkeypatch.setattr(check_module, "Hierarchy", counting)
    lines = ["node a", "resource pg ocf:heartbeat:pgsql", "promotable db of pg",
             "resource plain ocf:pacemaker:Dummy"]
    lines += [f"resource r{i} ocf:pacemaker:Dummy\ncolocation r{i} with db promoted\n"
              f"order db promote then r{i}\nlocation db promoted prefers a {i}" for i in range(20)]
    lines.append("colocation r0 with plain promoted")
    _, diagnostics = parse("\n".join(lines))
    assert len(made) == 1
    assert [d.message for d in diagnostics if d.severity is Severity.ERROR] == \
        ["colocation: 'plain' is not promotable, so it has no promoted role"]
