"""The transition graph drawn as SVG: one column per wave, fencing first, colours per action kind.

The layout is the executor's own picture of the graph, computed here in pure Python
rather than by Graphviz: column ``i`` holds the actions of wave ``i`` (the actions whose
longest chain of predecessors has length ``i``, `placement.transition.schedule.waves`),
so every edge points right, and what may run in parallel stands in one column. Within a
column fences come first, then actions ordered by where their predecessors stand (one
barycentre sweep, which keeps most edges straight), ties broken by the action's sort key —
the same graph always gives the same picture. No system package is needed; ``--dot``
still hands the graph to Graphviz for whoever prefers its layout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import networkx as nx

from placement.render.dot import COLOURS
from placement.transition.action import Action, Op
from placement.transition.schedule import waves

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
CHAR_WIDTH = 7.2  # average advance of the 12px sans-serif font, enough to size boxes without measuring text
BOX_HEIGHT = 26
ROW_GAP = 14
COLUMN_GAP = 56
MARGIN = 16
HEADER = 22
LEGEND = 34

# Legend order and words; each kind's colour comes from the DOT renderer so both pictures agree.
LEGEND_ITEMS = (
    (Op.FENCE, "fence"),
    (Op.STOP, "stop / demote"),
    (Op.START, "start / promote"),
    (Op.MIGRATE_TO, "migrate"),
    (Op.MONITOR, "monitor"),
)


@dataclass(frozen=True, slots=True)
class Box:
    """Where one action is drawn."""

    action: Action
    wave: int
    x: float
    y: float
    width: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def middle(self) -> float:
        return self.y + BOX_HEIGHT / 2


def layout(graph: nx.DiGraph) -> list[Box]:
    """A box per action: column by wave, fences first in a column, then by the predecessors' rows."""
    row_of: dict[Action, float] = {}
    boxes: list[Box] = []
    x = float(MARGIN)
    for index, wave in enumerate(waves(graph)):
        def rank(action: Action) -> tuple[int, float, tuple[str, str, str, str]]:
            before = [row_of[p] for p in graph.predecessors(action) if p in row_of]
            centre = sum(before) / len(before) if before else -1.0
            return (0 if action.op is Op.FENCE else 1, centre, action.sort_key)

        ordered = sorted(wave, key=rank)
        width = max(len(a.label) for a in ordered) * CHAR_WIDTH + 20
        for row, action in enumerate(ordered):
            row_of[action] = float(row)
            y = MARGIN + HEADER + row * (BOX_HEIGHT + ROW_GAP)
            boxes.append(Box(action, index, x, y, width))
        x += width + COLUMN_GAP
    return boxes


def to_svg(graph: nx.DiGraph, title: str = "transition") -> str:
    """A standalone SVG document of ``graph`` (an empty graph says there is nothing to do)."""
    boxes = layout(graph)
    where = {box.action: box for box in boxes}
    width = max((b.right for b in boxes), default=MARGIN + 260.0) + MARGIN
    width = max(width, MARGIN * 2 + sum(17 + len(words) * CHAR_WIDTH + 16 for _, words in LEGEND_ITEMS))
    bottom = max((b.y + BOX_HEIGHT for b in boxes), default=MARGIN + HEADER + BOX_HEIGHT)
    height = bottom + ROW_GAP + LEGEND
    svg = ET.Element("svg", {
        "xmlns": SVG_NAMESPACE,
        "width": f"{width:.0f}",
        "height": f"{height:.0f}",
        "viewBox": f"0 0 {width:.0f} {height:.0f}",
        "class": "transition",
        "font-family": "sans-serif",
        "font-size": "12",
    })
    ET.SubElement(svg, "title").text = title
    _arrow_marker(svg)
    if not boxes:
        _text(svg, MARGIN, MARGIN + HEADER + BOX_HEIGHT / 2, "nothing to do: the cluster is where it should be")
    _wave_headers(svg, boxes)
    edges = ET.SubElement(svg, "g", {"class": "edges"})
    for before, after in sorted(graph.edges, key=lambda e: (where[e[0]].wave, e[0].sort_key, e[1].sort_key)):
        _edge(edges, where[before], where[after], graph.edges[before, after].get("why", ""))
    actions = ET.SubElement(svg, "g", {"class": "actions"})
    for box in boxes:
        _box(actions, box)
    _legend(svg, height - LEGEND + 8)
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode") + "\n"


def _arrow_marker(svg: ET.Element) -> None:
    definitions = ET.SubElement(svg, "defs")
    marker = ET.SubElement(definitions, "marker", {
        "id": "arrow", "viewBox": "0 0 10 10", "refX": "10", "refY": "5",
        "markerWidth": "7", "markerHeight": "7", "orient": "auto-start-reverse",
    })
    ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#666"})


def _wave_headers(svg: ET.Element, boxes: list[Box]) -> None:
    seen: set[int] = set()
    for box in boxes:
        if box.wave in seen:
            continue
        seen.add(box.wave)
        _text(svg, box.x, MARGIN + 10, f"wave {box.wave + 1}", fill="#555", weight="bold")


def _edge(parent: ET.Element, source: Box, target: Box, why: str) -> None:
    # A horizontal S-curve from the source's right side to the target's left side.
    bend = (target.x - source.right) / 2
    path = (f"M {source.right:.1f} {source.middle:.1f} C {source.right + bend:.1f} {source.middle:.1f} "
            f"{target.x - bend:.1f} {target.middle:.1f} {target.x:.1f} {target.middle:.1f}")
    group = ET.SubElement(parent, "g", {
        "class": "edge", "data-from": source.action.label, "data-to": target.action.label,
    })
    ET.SubElement(group, "title").text = f"{source.action.label} → {target.action.label}" + (f": {why}" if why else "")
    ET.SubElement(group, "path", {"d": path, "fill": "none", "stroke": "#666", "stroke-width": "1.2",
                                  "marker-end": "url(#arrow)"})


def _box(parent: ET.Element, box: Box) -> None:
    action = box.action
    colour = COLOURS[action.op]
    group = ET.SubElement(parent, "g", {
        "class": f"action op-{action.op.value}", "data-action": action.label, "data-wave": str(box.wave),
    })
    ET.SubElement(group, "title").text = action.label + (f": {action.reason}" if action.reason else "")
    ET.SubElement(group, "rect", {
        "x": f"{box.x:.1f}", "y": f"{box.y:.1f}", "width": f"{box.width:.1f}", "height": str(BOX_HEIGHT),
        "rx": "6", "fill": "white", "stroke": colour, "stroke-width": "2",
    })
    _text(group, box.x + 10, box.middle + 4, action.label, fill=colour)


def _legend(svg: ET.Element, y: float) -> None:
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    x = float(MARGIN)
    for op, words in LEGEND_ITEMS:
        ET.SubElement(legend, "rect", {"x": f"{x:.0f}", "y": f"{y:.0f}", "width": "12", "height": "12",
                                       "rx": "3", "fill": "white", "stroke": COLOURS[op], "stroke-width": "2"})
        _text(legend, x + 17, y + 10, words, fill="#333")
        x += 17 + len(words) * CHAR_WIDTH + 16


def _text(parent: ET.Element, x: float, y: float, content: str, fill: str = "#222", weight: str = "normal") -> None:
    attributes = {"x": f"{x:.1f}", "y": f"{y:.1f}", "fill": fill}
    if weight != "normal":
        attributes["font-weight"] = weight
    ET.SubElement(parent, "text", attributes).text = content
