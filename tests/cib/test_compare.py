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


def test_unique_clone_copies_are_matched_to_the_instance_already_there() -> None:
    """A copy listed on bob is instance 0's (it runs there); the copy on alice is
    instance 1's, whose failure bans it from bob. Matching by node order instead would put
    instance 1 on bob, where it may not run, and call a valid answer broken."""
    clone = (
        '<clone id="cl"><meta_attributes id="clm"><nvpair id="clu" name="globally-unique" value="true"/>'
        '<nvpair id="cls" name="resource-stickiness" value="1000"/></meta_attributes>' + dummy("c") + "</clone>"
    )
    started = (
        '<lrm id="l2"><lrm_resources><lrm_resource id="c:0" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="c0s" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"'
        ' transition-key="1:1:0:uuid"/>'
        "</lrm_resource></lrm_resources></lrm>"
    )
    failed = (
        '<transient_attributes id="t2"><instance_attributes id="t2-a">'
        '<nvpair id="t2-f" name="fail-count-c:1" value="INFINITY"/></instance_attributes></transient_attributes>'
    )
    text = cib(
        clone,
        status=f'<node_state id="1" uname="alice" {ONLINE}/>'
        f'<node_state id="2" uname="bob" {ONLINE}>{started}{failed}</node_state>',
        options='<nvpair id="o1" name="stonith-enabled" value="false"/>',
    )
    config, state = load(text)
    both = [("c", "Started", "alice"), ("c", "Started", "bob")]
    verdict = judge(config, state, both, [("c", "Started", "alice")])
    assert verdict.verdict == "better", verdict.reason


def test_a_copy_left_promoted_on_a_maintenance_node_keeps_its_role_in_both_readings() -> None:
    """A promoted copy on a maintenance node is left alone (no promotion variable there):
    read back from either answer it is a running copy, not a promotion the model forbids."""
    promoted_history = (
        '<lrm_resource id="c" class="ocf" provider="pacemaker" type="Stateful">'
        '<lrm_rsc_op id="c_last_0" operation_key="c_promote_0" operation="promote" call-id="2" rc-code="0"'
        ' op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x"/></lrm_resource>'
    )
    text = cib(
        '<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-p" name="promotable" value="true"/>'
        '</meta_attributes><primitive id="c" class="ocf" provider="pacemaker" type="Stateful"/></clone>',
        nodes='<node id="1" uname="alice"><instance_attributes id="a-i"><nvpair id="a-m" name="maintenance"'
        ' value="true"/></instance_attributes></node><node id="2" uname="bob"/>',
        status=f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{promoted_history}'
        f'</lrm_resources></lrm></node_state><node_state id="2" uname="bob" {ONLINE}/>',
        options='<nvpair id="o1" name="stonith-enabled" value="false"/>',
    )
    config, state = load(text)
    left = [("c", "Promoted", "alice")]
    verdict = judge(config, state, [*left, ("c", "Started", "bob")], left)
    assert verdict.verdict == "better", verdict


def test_a_block_whose_cause_ours_runs_does_not_hold_for_ours() -> None:
    """Pacemaker blocked b "due to unrunnable a start": in an answer that runs a, that
    reason does not apply, so the scores decide; if ours does not run a either, or the
    reason is unknown, running b is still not comparable."""
    config, state = load(CONFIG)
    ours = [("a", "Started", "alice"), ("b", "Started", "bob")]
    assert judge(config, state, ours, [], {"b": ["a"]}).verdict == "better"
    assert judge(config, state, [("b", "Started", "bob")], [], {"b": ["a"]}).verdict == "incomparable"
    assert judge(config, state, ours, [], {"b": []}).verdict == "incomparable"


def test_a_held_copy_on_a_node_both_answers_fence_is_gone_by_the_fencing() -> None:
    """An unmanaged copy on a lost node is held by the model, but both plans fence the node,
    so neither lists it: read back as held in both, the answers compare as equal."""
    history = (
        '<lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="a_last_0"'
        ' operation_key="a_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0"'
        ' transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
    )
    text = cib(
        '<primitive id="fence1" class="stonith" type="fence_dummy"/>'
        + dummy("a", '<meta_attributes id="a-m"><nvpair id="a-u" name="is-managed" value="false"/></meta_attributes>'),
        status='<node_state id="1" uname="alice" in_ccm="false" crmd="offline" join="down" expected="member">'
        f'<lrm><lrm_resources>{history}</lrm_resources></lrm></node_state><node_state id="2" uname="bob" {ONLINE}/>',
    )
    config, state = load(text)
    both = [("fence1", "Started", "bob")]
    assert judge(config, state, both, both).verdict == "incomparable"  # the held copy seems dropped
    assert judge(config, state, both, both, fenced=["alice"]).verdict == "equal"


def test_an_instance_that_moved_away_from_its_ban_is_found_where_it_went() -> None:
    """Instance 1 runs on alice; instance 0 failed on bob and is banned there (its own fail
    count). An answer running copies on alice and bob is valid read as 0 on alice and 1
    moved to bob: keeping 1 on alice would leave only the banned 0 for bob."""
    clone = (
        '<clone id="cl"><meta_attributes id="clm"><nvpair id="clu" name="globally-unique" value="true"/>'
        '<nvpair id="clx" name="clone-max" value="2"/></meta_attributes>' + dummy("c") + "</clone>"
    )
    started = (
        '<lrm id="l1"><lrm_resources><lrm_resource id="c:1" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="c1s" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"'
        ' transition-key="1:1:0:uuid"/></lrm_resource></lrm_resources></lrm>'
    )
    failures = (
        '<transient_attributes id="t2"><instance_attributes id="ta2">'
        '<nvpair id="fc" name="fail-count-c:0#start_0" value="INFINITY"/></instance_attributes></transient_attributes>'
    )
    text = cib(
        clone,
        status=f'<node_state id="1" uname="alice" {ONLINE}>{started}</node_state>'
        f'<node_state id="2" uname="bob" {ONLINE}>{failures}</node_state>',
        options='<nvpair id="o1" name="stonith-enabled" value="false"/>',
        root='have-quorum="true" crm_feature_set="3.16.1"',
    )
    config, state = load(text)
    verdict = judge(config, state, [("c", "Started", "alice"), ("c", "Started", "bob")], [("c", "Started", "alice")])
    assert verdict.verdict == "better", verdict
    # Our own answer names its instances: read as it says, 0 on bob is a broken answer.
    numbered = [("c:0", "Started", "alice"), ("c:1", "Started", "bob")]
    assert judge(config, state, numbered, [("c", "Started", "alice")]).verdict == "better"
    swapped = [("c:1", "Started", "alice"), ("c:0", "Started", "bob")]
    assert judge(config, state, swapped, [("c", "Started", "alice")]).verdict == "incomparable"
