"""Re-scoring two placements of a CIB with placement's scorer (the conformance *better*)."""

from __future__ import annotations

from placement.cib.compare import judge
from tests.cib.cibxml import ONLINE, cib, dummy, load

# Two resources that may not share a node, one of which prefers alice: Pacemaker's greedy
# run can leave the second one stopped; running both is strictly better.
CONFIG = cib(
    dummy("a") + dummy("b"),
    '<rsc_colocation id="apart" rsc="b" with-rsc="a" score="-INFINITY"/>'
    '<rsc_location id="pref" rsc="a" node="alice" score="10"/>'
    '<rsc_location id="ban" rsc="b" node="carol" score="-INFINITY"/>',
    nodes='<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>',
    status="".join(f'<node_state id="{i}" uname="{n}" {ONLINE}/>' for i, n in ((1, "alice"), (2, "bob"), (3, "carol"))),
    options='<nvpair id="o1" name="stonith-enabled" value="false"/>',
)


def test_running_more_resources_is_better() -> None:
    config, state = load(CONFIG)
    verdict = judge(config, state, [("a", "Started", "alice"), ("b", "Started", "bob")], [("a", "Started", "alice")])
    assert verdict.verdict == "better"
    assert verdict.ours["running"] > verdict.theirs["running"]


def test_a_higher_score_is_better_and_the_same_answer_is_equal() -> None:
    config, state = load(CONFIG)
    ours = [("a", "Started", "alice"), ("b", "Started", "bob")]
    assert judge(config, state, ours, [("a", "Started", "bob"), ("b", "Started", "alice")]).verdict == "better"
    assert judge(config, state, ours, ours).verdict == "equal"
    assert judge(config, state, [("a", "Started", "bob")], ours).verdict == "worse"


def test_an_answer_that_breaks_a_hard_constraint_is_never_better() -> None:
    config, state = load(CONFIG)
    banned = [("a", "Started", "alice"), ("b", "Started", "carol")]
    assert judge(config, state, banned, [("a", "Started", "alice")]).verdict == "incomparable"
    together = [("a", "Started", "alice"), ("b", "Started", "alice")]
    assert judge(config, state, together, [("a", "Started", "alice")]).verdict == "incomparable"


def test_unknown_resources_make_the_answers_incomparable() -> None:
    config, state = load(CONFIG)
    assert judge(config, state, [("ghost", "Started", "alice")], []).verdict == "incomparable"


def test_running_what_pacemaker_found_blocked_is_not_better() -> None:
    config, state = load(CONFIG)
    verdict = judge(
        config, state, [("a", "Started", "alice"), ("b", "Started", "bob")], [("a", "Started", "alice")], ["b"]
    )
    assert verdict.verdict == "incomparable" and "could not run b" in verdict.reason
