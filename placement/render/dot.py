"""The transition graph in Graphviz DOT: fences red, stops orange, starts green."""

from __future__ import annotations

import networkx as nx

from placement.transition.action import Op

COLOURS = {Op.FENCE: "red", Op.STOP: "orange", Op.DEMOTE: "orange", Op.START: "darkgreen",
           Op.PROMOTE: "darkgreen", Op.MIGRATE_TO: "blue", Op.MIGRATE_FROM: "blue", Op.MONITOR: "grey"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: nx.DiGraph, name: str = "transition") -> str:
    """DOT text, nodes and edges in a stable order."""
    lines = [f"digraph {_quote(name)} {{", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans"];']
    for action in sorted(graph):
        lines.append(f"  {_quote(str(action))} [color={COLOURS[action.op]}];")
    for before, after in sorted(graph.edges, key=lambda e: (e[0].sort_key, e[1].sort_key)):
        why = graph.edges[before, after].get("why", "")
        lines.append(f"  {_quote(str(before))} -> {_quote(str(after))} [tooltip={_quote(why)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"

