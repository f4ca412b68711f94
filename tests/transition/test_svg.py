"""The SVG picture of a transition: valid XML, every action once, edges rightwards, colours per kind."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cli import cli
from placement.render.dot import COLOURS
from placement.render.svg import to_svg
from placement.transition.action import Action, Op

KVM = str(Path(__file__).parents[2] / "examples" / "kvm.place")
NS = {"svg": "http://www.w3.org/2000/svg"}


def parsed(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def drawn_actions(root: ET.Element) -> dict[str, ET.Element]:
    groups = root.findall(".//svg:g[@data-action]", NS)
    labels = [g.get("data-action") for g in groups]
    assert len(labels) == len(set(labels)), "an action drawn twice"
    return dict(zip(labels, groups, strict=True))


def box_x(group: ET.Element) -> float:
    rect = group.find("svg:rect", NS)
    assert rect is not None
    return float(rect.get("x", "nan"))


@st.composite
def transitions(draw: st.DrawFn) -> nx.DiGraph:
    """A random DAG of actions: edges only from an earlier to a later action of a random order."""
    ops = list(Op)
    count = draw(st.integers(0, 14))
    actions = []
    for i in range(count):
        op = draw(st.sampled_from(ops))
        node = draw(st.sampled_from(["alice", "bob", "charlie"]))
        actions.append(Action(op, node) if op is Op.FENCE else Action(op, node, f"r{i}"))
    actions = list(dict.fromkeys(actions))  # two fences of one node are one action
    graph = nx.DiGraph()
    graph.add_nodes_from(actions)
    for i, before in enumerate(actions):
        for after in actions[i + 1:]:
            if draw(st.integers(0, 3)) == 0:
                graph.add_edge(before, after, why="test order")
    return graph


@settings(max_examples=60, deadline=None)
@given(transitions())
def test_every_action_once_and_every_edge_from_an_earlier_to_a_later_wave(graph: nx.DiGraph) -> None:
    root = parsed(to_svg(graph))
    drawn = drawn_actions(root)
    assert set(drawn) == {a.label for a in graph}
    wave = {label: int(g.get("data-wave", "-1")) for label, g in drawn.items()}
    edges = root.findall(".//svg:g[@class='edge']", NS)
    assert len(edges) == graph.number_of_edges()
    for edge in edges:
        source, target = edge.get("data-from", ""), edge.get("data-to", "")
        assert wave[source] < wave[target]
        assert box_x(drawn[source]) < box_x(drawn[target])  # columns left to right
    for action in graph:
        rect = drawn[action.label].find("svg:rect", NS)
        assert rect is not None and rect.get("stroke") == COLOURS[action.op]


@settings(max_examples=30, deadline=None)
@given(transitions())
def test_fences_stand_first_in_their_column(graph: nx.DiGraph) -> None:
    drawn = drawn_actions(parsed(to_svg(graph)))
    columns: dict[str, list[tuple[float, bool]]] = {}
    for label, group in drawn.items():
        rect = group.find("svg:rect", NS)
        assert rect is not None
        row = (float(rect.get("y", "0")), label.startswith("fence "))
        columns.setdefault(group.get("data-wave", ""), []).append(row)
    for rows in columns.values():
        kinds = [is_fence for _, is_fence in sorted(rows)]
        assert kinds == sorted(kinds, reverse=True)


def test_an_empty_transition_says_nothing_to_do() -> None:
    root = parsed(to_svg(nx.DiGraph()))
    assert not drawn_actions(root)
    assert "nothing to do" in "".join(root.itertext())


def test_labels_with_markup_characters_are_escaped() -> None:
    action = Action(Op.START, "alice", 'a<b>&"c')
    root = parsed(to_svg(nx.DiGraph([(Action(Op.FENCE, "bob"), action)])))
    assert 'start a<b>&"c@alice' in drawn_actions(root)


def test_whatif_svg_needs_no_graphviz(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    picture = tmp_path / "t.svg"
    result = CliRunner().invoke(cli, ["whatif", KVM, "--node-down", "charlie", "--svg", str(picture)])
    assert result.exit_code == 0, result.output
    drawn = drawn_actions(parsed(picture.read_text()))
    assert "fence charlie" in drawn and drawn["fence charlie"].get("data-wave") == "0"
    assert any(re.fullmatch(r"start zulu@\w+", label) for label in drawn)


def test_svg_exists_wherever_dot_does() -> None:
    def commands(group) -> list:  # type: ignore[no-untyped-def]
        found = []
        for command in group.commands.values():
            found += commands(command) if hasattr(command, "commands") else [command]
        return found

    for command in commands(cli):
        flags = {flag for param in command.params for flag in getattr(param, "opts", [])}
        if "--dot" in flags:
            assert "--svg" in flags, f"placement {command.name} has --dot but no --svg"
