"""Heat maps of a survivability report as standalone SVG, written directly (no Graphviz).

* `pair_map`: for two failures, a domain × domain matrix; a cell is the pair's scenario,
  coloured by how many resources it hurts (the diagonal is empty: a domain fails once).
  The rows that light up are the single points of failure, the isolated cells the pairs
  that share a weakness.
* `resource_map`: resources (rows) × scenarios that hurt (columns), coloured by what happens
  to the resource; for any number of failures.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from placement.survival.analysis import SurvivalReport

CELL = 14
FONT = 11
TITLE = 28  # room above the column labels for the title
KIND_COLOURS = {"blocked": "#7f0000", "stopped": "#d7301f", "degraded": "#fc8d59", "demoted": "#fdcc8a"}
MAX_ROWS, MAX_COLUMNS = 60, 120


def heat_map(report: SurvivalReport) -> str:
    """The map that says most: node pairs for two failures, resources × scenarios otherwise."""
    return pair_map(report) if report.failures == 2 else resource_map(report)


def pair_map(report: SurvivalReport) -> str:
    names = [d.name for d in report.domains]
    index = {name: i for i, name in enumerate(names)}
    counts: dict[tuple[int, int], int] = {}
    for result in report.results:
        a, b = (index[d] for d in result.scenario.domains)
        counts[(a, b)] = counts[(b, a)] = len(result.outcome.impacts) + (1 if result.outcome.error else 0)
    worst = max(counts.values(), default=0)
    left = _label_width(names)
    top = TITLE + left
    size = len(names) * CELL
    title = f"Resources hurt per pair of failures ({report.survivable} of {report.total} pairs survivable)"
    parts = _header(left + size + 20, top + size + 60, title)
    for i, name in enumerate(names):
        y = top + i * CELL
        parts.append(_text(left - 4, y + CELL - 3, name, anchor="end"))
        parts.append(_text(left + i * CELL + CELL - 3, top - 4, name, anchor="start",
                           rotate=(left + i * CELL + CELL - 3, top - 4)))
        for j in range(len(names)):
            value = counts.get((i, j))
            fill = "#eeeeee" if value is None else _scale(value, worst)
            tip = "" if value is None else f"{name} + {names[j]}: {value} hurt"
            parts.append(_cell(left + j * CELL, y, fill, tip))
    parts.append(_legend(left, top + size + 16, worst))
    parts.append("</svg>\n")
    return "\n".join(parts)


def resource_map(report: SurvivalReport) -> str:
    risks = report.risks[:MAX_ROWS]
    columns = report.ranked[:MAX_COLUMNS]
    rows = [r.resource for r in risks]
    labels = [r.scenario.label for r in columns]
    left = _label_width(rows)
    top = TITLE + _label_width(labels)
    title = f"What each failure does to each resource ({len(columns)} of {len(report.ranked)} hurting scenarios)"
    width = left + max(1, len(columns)) * CELL + 20
    parts = _header(max(width, 420), top + len(rows) * CELL + 60, title)
    for j, label in enumerate(labels):
        x = left + j * CELL + CELL - 3
        parts.append(_text(x, top - 4, label, anchor="start", rotate=(x, top - 4)))
    for i, resource in enumerate(rows):
        y = top + i * CELL
        parts.append(_text(left - 4, y + CELL - 3, resource, anchor="end"))
        for j, result in enumerate(columns):
            kinds = [imp.kind for imp in result.outcome.impacts if imp.resource == resource]
            fill = KIND_COLOURS[kinds[0]] if kinds else "#f7f7f7"
            tip = f"{resource} {kinds[0]} when {result.scenario.label} fail" if kinds else ""
            parts.append(_cell(left + j * CELL, y, fill, tip))
    x = left
    for kind, colour in KIND_COLOURS.items():
        parts.append(_cell(x, top + len(rows) * CELL + 12, colour, kind))
        parts.append(_text(x + CELL + 4, top + len(rows) * CELL + 12 + CELL - 3, kind, anchor="start"))
        x += CELL + 8 + 7 * len(kind)
    parts.append("</svg>\n")
    return "\n".join(parts)


def _header(width: int, height: int, title: str) -> list[str]:
    width = max(width, 16 + int(FONT * 0.62 * len(title)))
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        _text(8, 16, title, anchor="start", weight="bold"),
    ]


def _cell(x: int, y: int, fill: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<rect x="{x}" y="{y}" width="{CELL - 1}" height="{CELL - 1}" fill="{fill}">{title}</rect>'


def _text(x: int, y: int, text: str, anchor: str, rotate: tuple[int, int] | None = None, weight: str = "") -> str:
    transform = f' transform="rotate(-60 {rotate[0]} {rotate[1]})"' if rotate else ""
    bold = f' font-weight="{weight}"' if weight else ""
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}"{transform}{bold}>{escape(text)}</text>'


def _legend(x: int, y: int, worst: int) -> str:
    steps = [0, worst // 2, worst] if worst > 1 else [0, worst]
    parts = []
    for k, value in enumerate(dict.fromkeys(steps)):
        parts.append(_cell(x + k * 70, y, _scale(value, worst), ""))
        parts.append(_text(x + k * 70 + CELL + 4, y + CELL - 3, f"{value} hurt", anchor="start"))
    return "\n".join(parts)


def _scale(value: int, worst: int) -> str:
    """White-ish for a survivable scenario through dark red for the worst."""
    if value == 0:
        return "#e5f5e0"
    share = value / max(1, worst)
    red, green, blue = 252 - int(124 * share), 187 - int(187 * share), 161 - int(161 * share)
    return f"#{red:02x}{green:02x}{blue:02x}"


def _label_width(labels: list[str]) -> int:
    return 16 + 7 * max((len(label) for label in labels), default=4)
