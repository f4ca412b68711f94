"""The state document: lossless round trip, strict reading with positions, names checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import placement
from placement.errors import InvalidInput
from placement.model import Role, frozen_map
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State
from placement.state_json import dumps_state, load_state, loads_state, validate_against

NAMES = st.sampled_from(["alice", "bob", "charlie"])
RESOURCES = st.sampled_from(["xray", "yankee", "iscsi"])

STATES = st.builds(
    State,
    nodes=st.dictionaries(NAMES, st.builds(NodeState, st.sampled_from(NodeStatus),
                                           st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2)
                                           .map(frozen_map), st.booleans())).map(frozen_map),
    instances=st.lists(st.builds(Instance, RESOURCES, NAMES, st.sampled_from(Role), st.booleans(), st.booleans(),
                                 st.one_of(st.none(), st.sampled_from(["0", "1"]))), max_size=4)
    .map(lambda items: tuple(sorted(items, key=lambda i: (i.resource, i.node, i.clone_instance or "")))),
    fail_counts=st.lists(st.builds(FailCount, RESOURCES, NAMES, st.integers(0, 1_000_000),
                                   st.one_of(st.none(), st.integers(0, 2**40))),
                         max_size=2, unique_by=lambda f: (f.resource, f.node))
    .map(lambda items: tuple(sorted(items, key=lambda f: (f.resource, f.node)))),
    failed_operations=st.lists(st.builds(FailedOperation, RESOURCES, NAMES, st.sampled_from(["monitor", "stop"]),
                                         st.integers(0, 60000), st.integers(0, 9), st.text(max_size=8),
                                         st.one_of(st.none(), st.just("fence"))), max_size=2).map(tuple),
    quorum=st.booleans(),
    now=st.one_of(st.none(), st.integers(0, 2**40)),
    dc=st.one_of(st.none(), NAMES),
)


@given(STATES)
def test_a_state_survives_writing_and_reading(state: State) -> None:
    assert loads_state(dumps_state(state)) == state


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(InvalidInput) as caught:
        loads_state('{"version": 1,\n  "nodes": {,}}', "now.json")
    (diagnostic,) = caught.value.diagnostics
    assert str(diagnostic).startswith("now.json:2:13: error: not valid JSON: Expecting property name")


def test_every_problem_is_reported_with_its_path_inside_the_document() -> None:
    document = {"version": 1, "quorom": True,
                "nodes": {"alice": {"status": "sleeping", "attributes": {"rack": 3}}},
                "instances": [{"resource": "xray", "node": "alice", "role": "boss"}, {"node": "bob"}]}
    with pytest.raises(InvalidInput) as caught:
        loads_state(json.dumps(document), "now.json")
    messages = [d.message for d in caught.value.diagnostics]
    assert "now.json: quorom: unknown key (did you mean 'quorum'?)" in messages
    assert any(m.startswith("now.json: nodes.alice.status: expected one of online, offline") for m in messages)
    assert "now.json: nodes.alice.attributes.rack: expected text, got a number" in messages
    assert any(m.startswith("now.json: instances[0].role: expected one of stopped") for m in messages)
    assert "now.json: instances[1]: missing key 'resource'" in messages


def test_another_version_is_refused() -> None:
    with pytest.raises(InvalidInput, match="reads state version 1, got 2"):
        loads_state('{"version": 2}')


def test_names_are_checked_against_the_configuration(tmp_path: Path) -> None:
    config = placement.load(Path(__file__).parents[1] / "examples" / "kvm.place")
    path = tmp_path / "now.json"
    path.write_text(json.dumps({"version": 1, "nodes": {"charly": {"status": "unclean"}},
                                "instances": [{"resource": "xrey", "node": "alice"}]}))
    with pytest.raises(InvalidInput) as caught:
        validate_against(load_state(path), config)
    messages = [d.message for d in caught.value.diagnostics]
    assert f"{path}: node 'charly' is not in the configuration (did you mean 'charlie'?)" in messages
    assert f"{path}: resource 'xrey' is not in the configuration (did you mean 'xray'?)" in messages


def test_the_documented_example_state_reads() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "state.md").read_text()
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    state = loads_state(example)
    assert state.node("charlie").status is NodeStatus.UNCLEAN
    assert state.fail_count("xray", "bob") == 1


@given(STATES)
def test_written_states_follow_the_published_schema(state: State) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parents[1] / "docs" / "state.schema.json").read_text())
    jsonschema.validate(json.loads(dumps_state(state)), schema)
